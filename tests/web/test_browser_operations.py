"""Browser tests of the operations pages (issue 14 part 6): sources and their polls, scans,
out-links by platform with the CSV export, alerts with their deliveries and checks.
Playwright drives Debian's headless Chromium against ``tvec serve`` as an analyst, an admin
and a viewer, and axe-core runs on every page (no serious or critical violations).

Without ``/usr/bin/chromium`` or axe-core (:mod:`tests.web.axe`) the tests skip, unless
TVEC_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.review_data import fast_settings
from tests.web.axe import serious_violations
from tests.web.ops_data import MANY_ERRORS, OpsData, seed_operations
from tests.web.test_browser import ARGS, CHROMIUM, server  # noqa: F401 - the fixture
from tests.web.test_browser_work import _log_in, _need_browser
from tvec.store import open_store


@pytest.fixture
def ops_server(server: str, tmp_path: Path) -> tuple[str, OpsData]:  # noqa: F811
    """``tvec serve`` over the review sample plus :func:`seed_operations` (written to the
    same database after the server started: it reads it on every request)."""
    store = open_store(fast_settings(tmp_path / "home"))
    try:
        data = seed_operations(store, tmp_path)
    finally:
        store.close()
    return server, data


@pytest.fixture
def browser() -> Iterator[Any]:
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _checked(page: Any, found: dict[str, list[str]]) -> None:
    """Run axe-core on the page shown; keep its serious or critical violations by URL."""
    violations = serious_violations(page)
    if violations:
        found[page.url] = violations


def test_an_analyst_works_through_sources_scans_outlinks_and_alerts(
    ops_server: tuple[str, OpsData], browser: Any
) -> None:
    from playwright.sync_api import expect

    base, data = ops_server
    found: dict[str, list[str]] = {}
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    _log_in(page, base, "analyst")
    expect(page).to_have_url(f"{base}/queue")
    # sources: the bidi name is read in its logical order with the override visible
    page.click("header nav >> text=Sources")
    expect(page).to_have_url(f"{base}/sources")
    _checked(page, found)
    name_cell = page.locator("#sources tr.source td").first
    assert name_cell.inner_text() == "beacon \u27e8RLO\u27e9oc.elpmaxe"
    name_cell.locator("a").click()
    expect(page.locator("#polls tr.poll")).to_have_count(2)
    expect(page.locator("#polls")).to_contain_text("not a URL")
    _checked(page, found)
    page.click("#poll-now")
    expect(page.locator("#flash-message")).to_contain_text("started")
    for _ in range(50):  # the poll runs after the response; reload until it is recorded
        if page.locator("#polls tr.poll").count() == 3:
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(page.locator("#polls tr.poll")).to_have_count(3)
    # add a source from a URL, then disable it
    page.goto(f"{base}/sources")
    page.fill("#s-name", "beacon-web")
    page.select_option("#s-kind", "feed")
    page.fill("#s-url", "https://feeds.example/channel.xml")
    page.click("#add-source-button")
    expect(page.locator("#flash-message")).to_have_text("Source beacon-web added.")
    expect(page.locator("#source dd.locator")).to_have_text("hxxps://feeds[.]example/channel.xml")
    page.click("#toggle-source")
    expect(page.locator("#source-enabled")).to_have_text("no")
    expect(page.locator("#poll-now")).to_have_count(0)
    _checked(page, found)
    # scans: the running one shows its progress; errors page by page
    page.click("header nav >> text=Scans")
    expect(page.locator(f'#scans tr[data-id="{data.running_scan}"]')).to_contain_text(
        "running (3 items so far)"
    )
    _checked(page, found)
    page.click(f'#scans tr[data-id="{data.error_scan}"] a')
    expect(page.locator("#errors tr.scan-error")).to_have_count(50)
    _checked(page, found)
    page.click("#next-page")
    expect(page.locator("#errors tr.scan-error")).to_have_count(MANY_ERRORS - 50)
    # out-links by platform, one platform, its alert
    page.click("header nav >> text=Out-links")
    telegram = page.locator('#platforms tr[data-platform="Telegram"]')
    expect(telegram.locator('[data-field="open"]')).to_have_text("1")
    expect(telegram.locator('[data-field="removed"]')).to_have_text("3")
    _checked(page, found)
    with page.expect_download() as download:
        page.click("#export-outlinks")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    assert len(rows) == 15 and rows[0]["defanged_url"].startswith("hxx")
    telegram.locator("a").click()
    expect(page.locator("#outlinks tr.outlink")).to_have_count(7)
    _checked(page, found)
    page.click(f"text={data.u1_reference}")
    expect(page).to_have_url(f"{base}/alerts/{data.u1_reference}")
    expect(page.locator("#deliveries tr.delivery")).to_have_count(2)
    expect(page.locator("#timeline li")).to_have_count(7)
    expect(page.locator("#time-to-removal")).to_have_text("1 h")
    _checked(page, found)
    page.click("header nav >> text=Alerts")
    page.select_option("#al-status", "failed")
    page.click("#alert-filters button")
    expect(page.locator("#alerts tr.alert-row")).to_have_count(1)
    _checked(page, found)
    assert found == {}


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_admin_and_viewer_read_the_operations_pages(
    ops_server: tuple[str, OpsData], browser: Any, role: str
) -> None:
    from playwright.sync_api import expect

    base, data = ops_server
    found: dict[str, list[str]] = {}
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _log_in(page, base, role)
    expect(page).to_have_url(f"{base}/queue")
    writer = role == "admin"
    for path in (
        "/sources",
        "/sources/view?name=beacon+%E2%80%AEoc.elpmaxe",
        "/scans",
        f"/scans/{data.error_scan}",
        "/outlinks",
        "/outlinks/platform?name=JustPaste.it",
        "/alerts",
        f"/alerts/{data.u1_reference}",
    ):
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 200, path
        expect(page.locator("main h1")).to_be_visible()
        _checked(page, found)
        if path.startswith("/sources/view"):
            expect(page.locator("#poll-now")).to_have_count(1 if writer else 0)
            expect(page.locator("#polls tr.poll")).to_have_count(2)
        if path == "/sources":
            expect(page.locator("#add-source")).to_have_count(1 if writer else 0)
        if path.startswith("/outlinks/platform"):
            expect(page.locator("#outlinks")).to_contain_text(re.compile(r"'?=HYPERLINK"))
    assert found == {}

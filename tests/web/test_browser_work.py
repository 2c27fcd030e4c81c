"""Browser tests of removal orders and accounts: Playwright drives Debian's headless Chromium
against ``tvec serve`` as an analyst, an admin and a viewer, and runs axe-core in the page on
every page these flows add (no serious or critical violations).

Needs ``/usr/bin/chromium`` and axe-core (``scripts/system-packages.sh browser`` installs
both; axe-core through ``scripts/axe-core.sh``, see :mod:`tests.web.axe`). Without them the
tests skip, unless TVEC_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.review_data import PASSWORD
from tests.web.axe import need_axe, serious_violations
from tests.web.test_browser import ARGS, CHROMIUM, server  # noqa: F401 - the fixture

NEW = "a-brand-new-password-42"


def _need_browser() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("TVEC_REQUIRE_BROWSER") == "1":
            pytest.fail(f"TVEC_REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
        pytest.skip(f"missing {CHROMIUM} (scripts/system-packages.sh browser)")
    need_axe()


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


def _axe(page: Any) -> list[str]:
    """Serious and critical axe-core violations of the page (:mod:`tests.web.axe`)."""
    return serious_violations(page)


def _log_in(page: Any, base: str, user: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#login")


def test_an_analyst_handles_removal_orders(server: str, browser: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _log_in(page, server, "analyst")
    expect(page).to_have_url(f"{server}/queue")
    page.goto(f"{server}/orders")
    assert _axe(page) == []
    page.click("#new-order")
    expect(page).to_have_url(f"{server}/orders-new")
    assert _axe(page) == []
    page.fill("#f-reference", "DE/BKA/2026/1")
    page.fill("#f-authority", "Bundeskriminalamt")
    page.fill("#f-member-state", "DE")
    page.fill("#f-urls", "https://video.example/v/1\nhttps://video.example/v/2")
    page.fill("#f-reasons", "Incites the commission of terrorist offences.")
    page.click("#record-button")
    expect(page).to_have_url(f"{server}/orders/DE%2FBKA%2F2026%2F1")
    left = page.locator("#time-left")
    expect(left).to_have_text(re.compile(r"^59 min \d+ s left$|^1 h left$"))
    first = left.inner_text()
    page.wait_for_timeout(2100)
    assert left.inner_text() != first  # the countdown is live
    assert _axe(page) == []
    page.check("#url-1")
    page.click("#act-button")
    expect(page.locator("#order-urls")).to_contain_text("removed")
    page.select_option("#act-action", "disabled")
    page.click("#act-button")
    expect(page.locator("#order-status")).to_have_text("done")
    expect(page.locator("#reply")).to_contain_text("Within the hour")
    # a second order: reject under Article 3(8), then resume
    page.goto(f"{server}/orders-new")
    page.fill("#f-reference", "FR-9")
    page.fill("#f-authority", "OCLCTIC")
    page.fill("#f-member-state", "FR")
    page.fill("#f-urls", "https://video.example/v/3")
    page.fill("#f-reasons", "Glorifies an attack.")
    page.click("#record-button")
    page.click("#reject-box summary")
    page.select_option("#reject-ground", "insufficient_information")
    page.fill("#reject-explanation", "The URL names no content we host.")
    page.click("#reject-button")
    expect(page.locator("#order-status")).to_have_text("rejected")
    assert _axe(page) == []
    page.click("#resume-button")
    expect(page.locator("#order-status")).to_have_text("open")


def test_an_admin_manages_accounts_and_a_new_user_changes_the_one_time_password(
    server: str,  # noqa: F811
    browser: Any,
) -> None:
    from playwright.sync_api import expect

    admin = browser.new_page(viewport={"width": 1280, "height": 900})
    _log_in(admin, server, "admin")
    admin.goto(f"{server}/users")
    assert _axe(admin) == []
    admin.fill("#new-username", "newbie")
    admin.select_option("#new-role", "moderator")
    admin.click("#add-user button")
    one_time = admin.locator("#secret-value").inner_text()
    assert len(one_time) >= 12
    admin.fill("#token-name-1", "feed")  # first row: admin
    admin.locator("#user-admin form:has(input[name=name]) button").click()
    expect(admin.locator("#secret")).to_contain_text("API token 'feed' of admin")
    admin.goto(f"{server}/users")
    revoke = admin.locator("button[id^=revoke-]").first
    revoke.click()
    expect(admin.locator("#tokens")).to_contain_text("revoked")
    admin.click("#disable-viewer")
    expect(admin.locator("#enable-viewer")).to_be_visible()
    admin.click("#enable-viewer")
    expect(admin.locator("#disable-viewer")).to_be_visible()

    newbie = browser.new_context().new_page()
    _log_in(newbie, server, "newbie", one_time)
    expect(newbie).to_have_url(f"{server}/me/password")
    expect(newbie.locator("#must-change")).to_be_visible()
    assert _axe(newbie) == []
    newbie.goto(f"{server}/queue")
    expect(newbie).to_have_url(f"{server}/me/password")
    newbie.fill("#pw-current", one_time)
    newbie.fill("#pw-new", NEW)
    newbie.fill("#pw-repeat", NEW)
    newbie.click("#password-button")
    expect(newbie.locator("#password-changed")).to_be_visible()
    assert _axe(newbie) == []
    newbie.goto(f"{server}/queue")
    expect(newbie).to_have_url(f"{server}/queue")


def test_a_viewer_changes_their_password_but_handles_no_orders_or_users(
    server: str,  # noqa: F811
    browser: Any,
) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    _log_in(page, server, "viewer")
    expect(page).to_have_url(f"{server}/queue")
    assert page.locator("a[href='/orders']").count() == 0
    assert page.locator("a[href='/users']").count() == 0
    assert page.goto(f"{server}/orders-new").status == 403
    assert page.goto(f"{server}/users").status == 403
    page.goto(f"{server}/me/password")
    page.fill("#pw-current", PASSWORD)
    page.fill("#pw-new", NEW)
    page.fill("#pw-repeat", NEW)
    page.click("#password-button")
    expect(page.locator("#password-changed")).to_be_visible()

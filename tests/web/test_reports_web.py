"""The Reports and Scoreboard pages and their downloads: the same figures and bytes as
``tvec report``, roles (report.view for all, report.internal for the URLs), and the
self-contained HTML in headless Chromium (skipped without Debian chromium unless
TVEC_REQUIRE_BROWSER=1)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.alerts.removal_data import url_of
from tests.reports.report_data import NOW, PRIVATE, seed
from tests.review_data import fast_settings, make_users
from tests.web.conftest import login
from tvec.app.context import open_context
from tvec.app.reports import scoreboard_file, transparency_file
from tvec.store import Store, open_store
from tvec.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
QUERY = "from=2024-02-01&to=2024-03-31"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[TestClient, TestClient, Store, object]]:
    """(viewer client, analyst client, store, app context) over the seeded database with
    the clock at NOW."""
    settings = fast_settings(tmp_path / "home", secret_key="test-secret-key-0123456789")
    store = open_store(settings)
    with store.session() as session:
        seed(session)
    make_users(store)
    ctx = open_context(settings, store=store, clock=lambda: NOW)
    app = create_app(ctx)
    viewer, analyst = TestClient(app), TestClient(app)
    login(viewer, "viewer")
    login(analyst, "analyst")
    yield viewer, analyst, store, ctx
    viewer.close()
    analyst.close()
    store.close()


def _figure(page: str, name: str) -> str:
    found = re.search(
        rf'data-figure="{name}"><th scope="row">[^<]*</th><td class="num">([^<]*)<', page
    )
    assert found, name
    return found.group(1)


def test_reports_page_shows_the_figures(env) -> None:  # type: ignore[no-untyped-def]
    viewer, analyst, _, _ = env
    page = viewer.get(f"/reports?{QUERY}")
    assert page.status_code == 200
    text = page.text
    assert 'href="/reports"' in text  # in the navigation
    assert _figure(text, "items_scanned") == "4"
    assert _figure(text, "cases_decided") == "3"
    assert _figure(text, "median_seconds_to_decision") == "1d 00h"
    assert _figure(text, "reinstatements") == "2"
    assert _figure(text, "orders_received") == "6"
    assert _figure(text, "rejected_3_8") == "2"
    assert _figure(text, "holds_purged") == "1"
    assert '<tr data-key="TCAP"><th scope="row" dir="auto">TCAP</th><td class="num">2</td>' in text
    assert "60.0%" in text and "-15.0 pt" in text
    assert f"/reports/transparency.pdf?{QUERY.replace('&', '&amp;')}" in text
    assert "internal=1" not in text  # a viewer is not offered the internal variant
    assert "internal=1" in analyst.get(f"/reports?{QUERY}").text
    for private in PRIVATE:
        assert private not in text
    chart = viewer.get(f"/reports/chart/top-platforms.svg?{QUERY}")
    assert chart.headers["content-type"] == "image/svg+xml"
    assert b"JustPaste.it" in chart.content
    assert viewer.get(f"/reports/chart/nothing.svg?{QUERY}").status_code == 404


def test_downloads_are_the_cli_bytes(env) -> None:  # type: ignore[no-untyped-def]
    viewer, analyst, _, ctx = env
    for fmt in ("html", "csv", "json"):
        answer = viewer.get(f"/reports/transparency.{fmt}?{QUERY}")
        assert answer.status_code == 200
        assert "attachment" in answer.headers["content-disposition"]
        assert answer.content == transparency_file(
            ctx, since="2024-02-01", until="2024-03-31", fmt=fmt
        )
        assert url_of("u5").encode() not in answer.content
    pdf = viewer.get(f"/reports/transparency.pdf?{QUERY}")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert viewer.get(f"/reports/transparency.json?{QUERY}&internal=1").status_code == 403
    inner = analyst.get(f"/reports/transparency.json?{QUERY}&internal=1")
    assert inner.status_code == 200
    assert inner.json()["urls"][0]["url"] == url_of("u5")
    assert viewer.get(f"/reports/transparency.xml?{QUERY}").status_code == 404
    missing = viewer.get("/reports/transparency.json?from=2024-02-01")
    assert missing.status_code == 400 and "to is required" in missing.text
    board = viewer.get(f"/reports/scoreboard.json?{QUERY}&min_alerts=1")
    assert board.content == scoreboard_file(
        ctx, since="2024-02-01", until="2024-03-31", fmt="json", min_alerts=1
    )
    assert [r["platform"] for r in json.loads(board.content)["rows"]] == [
        "JustPaste.it", "Archive.org"
    ]  # fmt: skip


def test_scoreboard_page(env) -> None:  # type: ignore[no-untyped-def]
    viewer, _, _, _ = env
    page = viewer.get(f"/reports/scoreboard?{QUERY}&min_alerts=3")
    assert page.status_code == 200
    assert '<tr data-key="JustPaste.it" data-tier="ranked">' in page.text
    assert '<tr data-key="Archive.org" data-tier="unranked">' in page.text
    assert "63.5" in page.text
    assert viewer.get("/reports/scoreboard?min_alerts=0").status_code == 422


def test_unauthenticated_requests_go_to_login(env) -> None:  # type: ignore[no-untyped-def]
    viewer, _, _, _ = env
    with TestClient(viewer.app) as anonymous:
        for path in ("/reports", "/reports/scoreboard", f"/reports/transparency.csv?{QUERY}"):
            answer = anonymous.get(path, follow_redirects=False)
            assert answer.status_code == 303 and answer.headers["location"] == "/login", path


def test_report_html_in_chromium(env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The downloaded (self-contained) report and scoreboard open from disk in headless
    Chromium: every chart loads, the sections are there, nothing is fetched."""
    if not CHROMIUM.exists():
        if os.environ.get("TVEC_REQUIRE_BROWSER") == "1":
            pytest.fail("TVEC_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing")
        pytest.skip("Debian chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from tests.web.test_browser import ARGS

    viewer, _, _, _ = env
    report = tmp_path / "report.html"
    report.write_bytes(viewer.get(f"/reports/transparency.html?{QUERY}").content)
    board = tmp_path / "scoreboard.html"
    board.write_bytes(viewer.get(f"/reports/scoreboard.html?{QUERY}&min_alerts=1").content)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report.as_uri())
            assert page.title() == "Transparency report 2024-02-01 to 2024-03-31"
            widths = page.eval_on_selector_all("figure img", "els => els.map(e => e.naturalWidth)")
            assert len(widths) == 3 and all(w > 0 for w in widths)
            headings = page.eval_on_selector_all("h2", "els => els.map(e => e.textContent)")
            assert headings[:4] == [
                "Content seen", "Review", "Alerts and takedowns", "Removal orders and legal holds"
            ]  # fmt: skip
            assert "Methodology" in headings
            body = page.inner_text("body")
            assert not any(private in body for private in PRIVATE)
            page.goto(board.as_uri())
            ranks = page.eval_on_selector_all(
                "tbody tr td:nth-child(2)", "els => els.map(e => e.textContent)"
            )
            assert ranks == ["JustPaste.it", "Archive.org"]
            assert all(u.startswith(("file:", "data:")) for u in requests), requests
        finally:
            browser.close()


def test_reports_page_has_the_tco_and_statements_sections(env) -> None:  # type: ignore[no-untyped-def]
    from tvec.app.tco import tco_annual_text

    viewer, analyst, _, ctx = env
    page = analyst.get(f"/reports?{QUERY}").text
    assert "TCO Regulation annual report (Article 7)" in page
    assert 'href="/reports/tco-annual.json?year=2024"' in page
    assert "Statements of reasons (DSA Article 17)" in page
    assert 'href="/reports/statements"' in page
    # sor.view is for reviewers: a viewer sees the TCO section but not the statements.
    seen = viewer.get(f"/reports?{QUERY}").text
    assert "TCO Regulation annual report" in seen and "Statements of reasons" not in seen
    download = viewer.get("/reports/tco-annual.json?year=2024")
    assert download.status_code == 200
    assert download.text == tco_annual_text(ctx, 2024, "json")
    assert viewer.get("/reports/tco-annual.xml?year=2024").status_code == 404

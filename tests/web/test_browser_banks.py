"""Browser tests of the bank pages and the lookup box (issue 14 part 6): Playwright drives
Debian's headless Chromium against ``tvec serve`` as an analyst (creates a bank, adds files),
an admin (imports a hash list) and a viewer (sees banks, looks things up, may not write),
and runs axe-core on every new page (no serious or critical violations).

Needs ``/usr/bin/chromium`` and axe-core (``scripts/system-packages.sh browser``); without
them the tests skip, unless TVEC_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from tests.review_data import gradient_image
from tests.web.test_browser import server  # noqa: F401 - the fixture
from tests.web.test_browser_work import _axe, _log_in, browser  # noqa: F401 - the fixture

HASH_LIST = (
    "signal_type,value,entity,ideology,note\n"
    "md5,0123456789abcdef0123456789abcdef,Example Front,,first\n"
    "md5,0123456789abcdef0123456789abcdef,Example Front,,again\n"
    "md5,not-a-hash,,,bad\n"
    "url,hxxps://www.example.org/propaganda/1,,,a URL\n"
)


def test_an_analyst_creates_a_bank_and_adds_files(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _log_in(page, server, "analyst")
    expect(page).to_have_url(f"{server}/queue")
    page.click("header nav a[href='/banks']")
    expect(page).to_have_url(f"{server}/banks")
    expect(page.locator("#banks tr.bank-row")).to_have_count(1)
    assert _axe(page) == []
    page.fill("#bank-name", "web bank")
    page.fill("#bank-description", "made in the browser")
    page.click("#create-bank")
    expect(page).to_have_url(f"{server}/banks/web%20bank")
    expect(page.locator("#entries-count")).to_have_text("0 matching entries")
    assert _axe(page) == []
    pictures = [gradient_image(tmp_path / f"p{i}.png", 20 + i) for i in range(2)]
    page.set_input_files("#add-files-input", [str(p) for p in pictures])
    page.fill("#add-entity", "Example Front")
    page.click("#add-button")
    expect(page.locator("#result-added")).to_have_text("6")  # md5, sha256, pdq of each
    expect(page.locator("#result-rejected")).to_have_text("0")
    assert _axe(page) == []
    page.click("#back-to-bank")
    expect(page.locator("tr.entry-row")).to_have_count(6)
    thumbs = page.locator("img.bank-thumb")
    expect(thumbs).to_have_count(6)
    assert thumbs.first.evaluate("img => img.complete && img.naturalWidth > 0")
    page.select_option("#filter-signal-type", "pdq")
    page.click("#filter-button")
    expect(page.locator("tr.entry-row")).to_have_count(2)
    expect(page.locator("#entries-count")).to_have_text("2 matching entries")
    # the file just added is found by the lookup box
    page.goto(f"{server}/lookup")
    page.set_input_files("#lookup-file", str(pictures[0]))
    page.click("#lookup-file-button")
    expect(page.locator("#lookup-matches tr.lookup-match")).to_have_count(3)
    expect(page.locator("#lookup-matches")).to_contain_text("web bank")


def test_an_admin_imports_a_hash_list_and_sees_the_rejected_lines(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    hash_list = tmp_path / "list.csv"
    hash_list.write_text(HASH_LIST, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _log_in(page, server, "admin")
    page.goto(f"{server}/banks/tcap")
    page.set_input_files("#import-file", str(hash_list))
    page.select_option("#import-format", "csv")
    page.click("#import-button")
    expect(page.locator("#result-added")).to_have_text("2")
    expect(page.locator("#result-skipped")).to_have_text("1")
    expect(page.locator("#result-rejected")).to_have_text("1")
    rejected = page.locator("#problems tbody tr td")
    expect(rejected).to_have_text(["4", "'not-a-hash': a md5 value must be 32 hex digits, got 10"])
    assert _axe(page) == []
    page.goto(f"{server}/audit")
    expect(page.locator("body")).to_contain_text("bank.import")


def test_a_viewer_sees_banks_and_looks_up_but_cannot_write(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _log_in(page, server, "viewer")
    expect(page).to_have_url(f"{server}/queue")
    page.goto(f"{server}/banks")
    expect(page.locator("#banks")).to_contain_text("tcap")
    assert page.locator("#new-bank").count() == 0
    assert _axe(page) == []
    page.click("#banks a[href='/banks/tcap']")
    expect(page.locator("tr.entry-row")).to_have_count(3)
    assert page.locator("#add-files").count() == 0
    assert page.locator("#import-list").count() == 0
    assert _axe(page) == []
    # a forged write with the session's own CSRF token is refused by role
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    forged = page.request.post(
        f"{server}/banks/import",
        headers={"X-CSRF-Token": token or ""},
        multipart={
            "bank": "tcap",
            "hash_list": {"name": "l.csv", "mimeType": "text/csv", "buffer": HASH_LIST.encode()},
        },
    )
    assert forged.status == 403 and "may not bank.write" in forged.text()
    created = page.request.post(
        f"{server}/banks/new", headers={"X-CSRF-Token": token or ""}, form={"name": "mine"}
    )
    assert created.status == 403
    page.goto(f"{server}/banks")
    expect(page.locator("#banks tr.bank-row")).to_have_count(1)
    # the lookup box on the queue: a defanged URL is understood, shown unclickable
    page.goto(f"{server}/queue")
    page.fill("#queue-lookup input[name=q]", "hxxps[:]//www.example[.]org/propaganda/1")
    page.press("#queue-lookup input[name=q]", "Enter")
    expect(page).to_have_url(re.compile(rf"^{re.escape(server)}/lookup\?q="))
    expect(page.locator("#lookup-signals")).to_contain_text("https://www.example.org/propaganda/1")
    expect(page.locator("#no-outlinks")).to_be_visible()
    assert page.locator("#lookup-result a[href^='http']").count() == 0
    assert _axe(page) == []
    # a hash: the known picture's MD5, its bank entry and its case
    known = gradient_image(tmp_path / "known.png", 1).read_bytes()
    page.fill("#lookup-q", hashlib.md5(known).hexdigest())
    page.click("#lookup-button")
    expect(page.locator("#lookup-matches tr.lookup-match")).to_have_count(1)
    expect(page.locator("#lookup-matches .match-distance")).to_have_text("0")
    expect(page.locator("#lookup-items")).to_contain_text("case #1 (open)")
    assert _axe(page) == []
    page.fill("#lookup-q", "neither a hash nor a link")
    page.click("#lookup-button")
    expect(page.locator("#lookup-error")).to_contain_text("is neither a hash")

"""Browser test: Playwright drives Debian's headless Chromium against ``tvec serve``.

Log in, open the queue, open the top case, reveal the blurred image (and find the reveal in
the audit log), decide "remove" with a ground using only the keyboard, appeal it as another
user, overturn it. Screenshots of the queue and case pages go to ``artifacts/``.

Needs ``pip install playwright`` and ``apt-get install chromium`` (never ``playwright
install``). Without ``/usr/bin/chromium`` the test skips, unless TVEC_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.review_data import PASSWORD, fast_settings, make_users, scan_sample
from tvec.store import open_store

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """``tvec serve`` on 127.0.0.1 over a home with two cases and one user per role."""
    home = tmp_path / "home"
    store = open_store(fast_settings(home))
    scan_sample(store, tmp_path)
    make_users(store)
    store.close()
    port = _free_port()
    env = {
        **os.environ,
        "TVEC_HOME": str(home),
        "TVEC_SECRET_KEY": "browser-test-secret-0123456789",
        "TVEC_PROGRESS": "false",
    }
    env.pop("TVEC_DATABASE_URL", None)
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "tvec", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("tvec serve did not start: " + (tmp_path / "serve.log").read_text())
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_review_flow_in_chromium(server: str) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("TVEC_REQUIRE_BROWSER") == "1":
            pytest.fail("TVEC_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing")
        pytest.skip("Debian chromium not installed (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})

            def log_in(user: str) -> None:
                page.goto(f"{server}/login")
                page.fill("#username", user)
                page.fill("#password", PASSWORD)
                page.click("#login")
                expect(page).to_have_url(f"{server}/queue")

            # moderator: queue, top case, reveal, keyboard-only decision
            log_in("moderator")
            rows = page.locator("tr.case-row")
            expect(rows).to_have_count(2)
            expect(rows.first.locator("td.num")).to_have_text("8.00")
            page.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)
            page.keyboard.press("Enter")  # the first (top) row is selected
            expect(page).to_have_url(f"{server}/cases/1?status=open")
            image = page.locator("img.preview").first
            expect(image).to_have_attribute("alt", "media of item 1 (blurred)")
            expect(page.locator("#item-text")).to_have_count(0)
            page.screenshot(path=str(ARTIFACTS / "case.png"), full_page=True)
            page.keyboard.press("v")  # reveal on purpose
            expect(image).to_have_attribute("alt", "media of item 1 (revealed)")
            expect(page.locator("#reveal-count")).to_have_text("1")
            page.screenshot(path=str(ARTIFACTS / "case-revealed.png"), full_page=True)
            page.keyboard.press("1")  # remove -> focus on the ground
            expect(page.locator("#ground")).to_be_focused()
            page.keyboard.press("ArrowDown")
            expect(page.locator("#ground")).not_to_have_value("")
            page.keyboard.press("Tab")  # duplicate of
            page.keyboard.press("Tab")  # note
            page.keyboard.type("clear match")
            page.keyboard.press("Tab")  # decide button
            expect(page.locator("#decide-submit")).to_be_focused()
            page.keyboard.press("Enter")
            # The next case of the queue, told what was recorded.
            expect(page).to_have_url(f"{server}/cases/2?status=open")
            expect(page.locator("#flash")).to_contain_text("Recorded: remove on ground")
            page.goto(f"{server}/cases/1")
            expect(page.locator("#case-status")).to_have_text("decided")
            decision = page.locator("article.decision").first
            expect(decision.locator(".outcome")).to_have_text("remove")
            expect(decision).to_contain_text("on ground Islamic State")
            page.click("header form button")  # log out

            # analyst: the reveal is in the audit log; appeal and overturn
            log_in("analyst")
            page.goto(f"{server}/audit?kind=media.reveal")
            reveal_row = page.locator("tr.kind-media-reveal").first
            expect(reveal_row).to_contain_text("moderator")
            expect(reveal_row).to_contain_text("item:1")
            page.goto(f"{server}/cases/1")
            page.fill("#on_behalf_of", "uploader @example")
            page.fill("#reason", "It is news reporting about the group.")
            page.click("#appeal-submit")
            expect(page.locator("#case-status")).to_have_text("appealed")
            page.check("#overturn")
            page.click("#resolve-submit")
            expect(page.locator("#case-status")).to_have_text("closed")
            expect(page.locator(".appeal-status").first).to_have_text("overturned")
            expect(decision.locator(".outcome")).to_have_text("remove")  # both kept
        finally:
            browser.close()
    assert (ARTIFACTS / "queue.png").stat().st_size > 10_000
    assert (ARTIFACTS / "case.png").stat().st_size > 10_000

"""Browser tests of a moderator's day (issue 14, parts 1, 2, 3, 7): Playwright drives
Debian's headless Chromium against ``tvec serve``.

* decide with the keyboard (2, Ctrl+Enter) and land on the next case of the filter, undo
  with ``u``; a refused removal keeps the note and shows why; bulk remove with a ground;
* stored text with U+202E, U+2066..U+2069 and mixed Arabic/Latin is shown in its logical
  order with the controls visible, on the case page, the queue and the audit page (read
  from the rendered page, and the visual order checked from the layout boxes);
* a video case: blurred keyframe strip, one reveal, a muted player; the reveal is counted;
* the app's 404 page and favicon; a viewer reads a case without forms;
* axe-core (``scripts/axe-core.sh`` installs it into ``.cache/axe``) finds no serious or
  critical violation on the queue, case, video case, audit and error pages.

Without ``/usr/bin/chromium`` (or axe-core, for the accessibility test) the tests skip,
unless TVEC_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.review_data import PASSWORD, fast_settings, make_users, scan_sample
from tests.web.axe import AXE_JS, need_axe
from tests.web.test_browser import ARGS, ARTIFACTS, CHROMIUM, _free_port
from tests.web.test_review_flow import make_video
from tvec.accounts import Principal
from tvec.cases import service
from tvec.scan import run_scan
from tvec.store import open_store
from tvec.store.models import Item
from tvec.store.models.cases import ReviewCase

#: The message text a photo case came in: an override, isolates and Arabic with Latin.
PARENT_TEXT = "invoice \u202egnp.exe\u202c see https://t.me/chan \u2066abc\u2069 مرحبا world 42"
#: The same text as the page must show it: controls as marks, in the order written.
PARENT_SHOWN = (
    "invoice \u27e8RLO\u27e9gnp.exe\u27e8PDF\u27e9 see \U0001f517https://t.me/chan "
    "\u27e8LRI\u27e9abc\u27e8PDI\u27e9 مرحبا world 42"
)
SOURCE = "drop \u202eevil\u202c مصدر"
SOURCE_SHOWN = "drop \u27e8RLO\u27e9evil\u27e8PDF\u27e9 مصدر"


def _need_browser() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("TVEC_REQUIRE_BROWSER") == "1":
            pytest.fail("TVEC_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing")
        pytest.skip("Debian chromium not installed (apt-get install chromium)")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """``tvec serve`` over two photo cases (case 1 came in a message with bidi text and
    its source name holds controls) and a flagged video case."""
    home = tmp_path / "home"
    store = open_store(fast_settings(home))
    scan_sample(store, tmp_path)
    users = make_users(store)
    videos = tmp_path / "videos"
    videos.mkdir()
    make_video(videos / "clip.mp4")
    run_scan(store, [videos])
    analyst: Principal = users["analyst"]
    with store.session() as session:
        case = session.get(ReviewCase, 1)
        assert case is not None
        parent = Item(
            locator="tg:chan/9",
            media_type="text/plain",
            content_type="text",
            text=PARENT_TEXT,
            meta={"chat_title": "Chan \u2067قناة\u2069"},
        )
        session.add(parent)
        session.flush()
        case.item.parent_id = parent.id
        case.source = SOURCE
        video = session.scalars(select(Item).where(Item.locator.like("%clip.mp4"))).one()
        video_case = service.flag_item(
            session, video.id, analyst, store.settings, kind="flag", note="a video"
        )
        video_case_id, video_item_id = video_case.id, video.id
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
        yield {"base": base, "video_case": video_case_id, "video_item": video_item_id}
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _log_in(page: Any, base: str, user: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#login")
    expect(page).to_have_url(f"{base}/queue")


#: The x position of the first occurrence of ``needle`` in the element's rendered text.
_X_OF = """(element, needle) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(needle);
    if (at >= 0) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + needle.length);
      return range.getBoundingClientRect().left;
    }
  }
  return null;
}"""


def _in_visual_order(element: Any, *needles: str) -> bool:
    """Whether ``needles`` appear left to right on screen (one line, LTR context)."""
    xs = [element.evaluate(_X_OF, n) for n in needles]
    assert None not in xs, (needles, xs)
    return xs == sorted(xs)


def test_moderator_decides_with_the_keyboard_and_moves_on(server: dict[str, Any]) -> None:
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    base = server["base"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            _log_in(page, base, "moderator")
            page.keyboard.press("Enter")  # the top row: case 1
            expect(page).to_have_url(f"{base}/cases/1?status=open")
            # A refused removal: the reason inline, the note kept.
            page.keyboard.press("1")
            expect(page.locator("#ground")).to_be_focused()
            page.fill("#note", "kept note")
            page.keyboard.press("Control+Enter")
            expect(page.locator("#decide-error")).to_contain_text("a removal needs a policy ground")
            expect(page.locator("#note")).to_have_value("kept note")
            expect(page.locator("#outcome-remove")).to_be_checked()
            # 2 (no violation), Ctrl+Enter: the next case of the filter, with an undo.
            page.locator("body").click(position={"x": 5, "y": 5})
            page.keyboard.press("2")
            expect(page.locator("#note")).to_be_focused()
            page.keyboard.press("Control+Enter")
            expect(page).to_have_url(f"{base}/cases/2?status=open")  # the next by priority
            expect(page.locator("#flash")).to_contain_text("Recorded: no violation for case #1.")
            expect(page.locator("#undo-submit")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "case-after-decision.png"), full_page=True)
            page.keyboard.press("u")  # undo
            expect(page).to_have_url(f"{base}/cases/1?status=open")
            expect(page.locator("#flash")).to_contain_text("Undone: case #1 back in review.")
            expect(page.locator("#case-status")).to_have_text("open")
            # Bulk: remove cases 1 and 2 on a ToS ground; then the next case (the video).
            page.goto(f"{base}/queue")
            page.check('input[name="case_ids"][value="1"]')
            page.check('input[name="case_ids"][value="2"]')
            page.check("#bulk-remove")
            page.select_option("#bulk-ground", "tos|ToS 4.1 terrorist content")
            page.click("#bulk-submit")
            expect(page).to_have_url(f"{base}/cases/{server['video_case']}?status=open")
            expect(page.locator("#flash")).to_contain_text(
                "Recorded: remove on ground ToS 4.1 terrorist content for cases #1, #2."
            )
            page.goto(f"{base}/queue")
            expect(page.locator("tr.case-row")).to_have_count(1)
        finally:
            browser.close()


def test_bidi_text_is_shown_in_logical_order_with_visible_controls(
    server: dict[str, Any],
) -> None:
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    base = server["base"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            _log_in(page, base, "moderator")
            # The queue: the source cell shows the controls, in the order written.
            source = page.locator("#row-1 td.source")
            expect(source).to_have_text(SOURCE_SHOWN)
            assert _in_visual_order(source, "drop", "RLO", "evil", "PDF")
            item = page.locator("#row-1 td.item-name")
            expect(item).to_contain_text("a-known.png")
            assert "file://" not in item.inner_text()
            # The case page: the parent message, its link (not clickable), the channel.
            page.goto(f"{base}/cases/1")
            text = page.locator("#parent-text")
            expect(text).to_have_text(PARENT_SHOWN)
            assert _in_visual_order(text, "invoice", "RLO", "gnp.exe", "see", "https://t.me")
            assert _in_visual_order(text, "LRI", "abc", "PDI")
            assert page.locator("#parent-text a").count() == 0
            link = page.locator("#parent-text .link")
            expect(link).to_have_text("\U0001f517https://t.me/chan")
            expect(page.locator("#item-channel")).to_have_text(
                "Chan \u27e8RLI\u27e9قناة\u27e8PDI\u27e9"
            )
            expect(page.locator("#bidi-warning")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "case-bidi.png"), full_page=True)
            # A note with an override, decided: the audit page shows it with its mark.
            page.keyboard.press("3")
            page.fill("#note", "see \u202eevil\u202c end")
            page.keyboard.press("Control+Enter")
            expect(page.locator("#flash")).to_contain_text("Recorded: escalate")
            page.click("header form button")
            _log_in(page, base, "analyst")
            page.goto(f"{base}/audit?kind=case.decision")
            data = page.locator("tr.kind-case-decision td.mono").first
            expect(data).to_contain_text('"note": "see \u27e8RLO\u27e9evil\u27e8PDF\u27e9 end"')
            assert _in_visual_order(data, "see", "RLO", "evil", "end")
        finally:
            browser.close()


def test_video_keyframes_reveal_and_muted_player(server: dict[str, Any]) -> None:
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    base, case_id, item_id = server["base"], server["video_case"], server["video_item"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            _log_in(page, base, "moderator")
            page.goto(f"{base}/cases/{case_id}")
            frames = page.locator(f"#keyframes-{item_id} img.keyframe")
            assert frames.count() >= 2
            expect(frames.first).to_have_attribute(
                "alt", f"keyframe 1 of {frames.count()} of item {item_id} (blurred)"
            )
            assert frames.first.evaluate("img => img.complete && img.naturalWidth > 0")
            expect(page.locator("video")).to_have_count(0)
            page.screenshot(path=str(ARTIFACTS / "case-video.png"), full_page=True)
            page.keyboard.press("v")
            expect(frames.first).to_have_attribute(
                "alt", f"keyframe 1 of {frames.count()} of item {item_id} (revealed)"
            )
            expect(page.locator("#reveal-count")).to_have_text("1")
            video = page.locator(f"#player-{item_id} video")
            expect(video).to_have_count(1)
            assert video.evaluate("v => v.muted && v.controls && !v.autoplay")
            page.reload()
            assert page.locator(f"#player-{item_id} video").evaluate("v => v.muted")
            assert "?full=true" in (frames.first.get_attribute("src") or "")
        finally:
            browser.close()


def test_viewer_reads_error_pages_and_favicon(server: dict[str, Any]) -> None:
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    base = server["base"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            _log_in(page, base, "viewer")
            page.goto(f"{base}/cases/1")
            expect(page.locator("#parent-text")).to_have_text(PARENT_SHOWN)
            expect(page.locator("#decide")).to_have_count(0)
            expect(page.locator("button.reveal")).to_have_count(0)
            response = page.goto(f"{base}/no/such/page")
            assert response is not None and response.status == 404
            expect(page.locator("h1")).to_contain_text("Nothing here")
            expect(page.locator("p.error")).to_have_text("There is no page at /no/such/page.")
            icon = page.goto(f"{base}/favicon.ico")
            assert icon is not None and icon.status == 200
            assert icon.headers["content-type"] == "image/svg+xml"
        finally:
            browser.close()


def test_no_serious_accessibility_violations(server: dict[str, Any]) -> None:
    _need_browser()
    need_axe()
    from playwright.sync_api import sync_playwright

    base = server["base"]
    axe = AXE_JS.read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            # The page's CSP forbids inline scripts; axe is injected by the test itself.
            context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
            page = context.new_page()

            def check(path: str) -> None:
                page.goto(f"{base}{path}")
                page.add_script_tag(content=axe)
                result = page.evaluate(
                    "async () => (await axe.run(document, {resultTypes: ['violations']}))"
                    ".violations.filter(v => ['serious', 'critical'].includes(v.impact))"
                    ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
                )
                if result:
                    found[path] = result

            _log_in(page, base, "moderator")
            for path in (
                "/queue",
                "/cases/1",
                "/cases/2",
                f"/cases/{server['video_case']}",
                "/nope",
            ):
                check(path)
            page.goto(f"{base}/cases/1")
            page.keyboard.press("1")
            page.keyboard.press("Control+Enter")  # the inline error
            page.wait_for_selector("#decide-error")
            page.add_script_tag(content=axe)
            inline = page.evaluate(
                "async () => (await axe.run()).violations"
                ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id)"
            )
            if inline:
                found["/cases/1 (refused)"] = inline
            page.click("header form button")
            _log_in(page, base, "analyst")
            check("/audit")
        finally:
            browser.close()
    assert found == {}

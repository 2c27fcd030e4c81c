"""axe-core on every page of the review app (issue 14 acceptance): the admin, who may open
every page, follows every same-site link from the queue (breadth first, one page per route
shape, so ``/cases/1`` stands for every case page) and axe-core runs on each HTML page found.

No serious or critical violation may be found on any of them, and the crawl must reach every
page of the navigation and the detail pages behind them (so a page that drops out of the
navigation fails the test instead of going unchecked). Skips without Debian's Chromium or
axe-core, unless ``TVEC_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from tests.review_data import fast_settings
from tests.web.axe import need_axe, serious_violations
from tests.web.ops_data import seed_operations
from tests.web.test_browser import ARGS, CHROMIUM
from tests.web.test_browser_review import _log_in, _need_browser, server
from tvec.store import open_store

__all__ = ["server"]  # the fixture, shared with the review-flow browser tests


@pytest.fixture
def crawled(server: dict[str, Any], tmp_path: Path) -> str:
    """The review-flow server (photo cases, a video case, one user per role) with sources,
    polls, scans, out-links, alerts and takedowns added (:func:`seed_operations`; the server
    reads the database on every request); returns its base URL."""
    store = open_store(fast_settings(tmp_path / "home"))
    try:
        seed_operations(store, tmp_path)
    finally:
        store.close()
    return str(server["base"])


#: Links not followed: writes, downloads, media bytes, the JSON API and the static files.
SKIP = re.compile(
    r"^/(logout|static/|api/|media/|favicon)|\.(csv|json|pdf|png|jpg|mp4|zip)(\?|$)"
    r"|/(thumbnail|original|keyframes?|download|export)(/|\?|$)"
)
#: Pages the crawl must reach (route shapes: numbers and alert references become ``N``).
MUST_REACH = {
    "/queue",
    "/cases/N",
    "/audit",
    "/takedowns",
    "/orders",
    "/reports",
    "/entities",
    "/users",
    "/banks",
    "/lookup",
    "/exchanges",
    "/sources",
    "/scans",
    "/outlinks",
    "/alerts",
    "/me",
    "/sources/view",
    "/outlinks/platform",
    "/alerts/N",
}
#: At most this many pages are checked.
MAX_PAGES = 100
#: At most this many pages under one list page and depth (``/entities/<slug>``: 3 entities).
PER_FAMILY = 3


def _shape(path: str) -> str:
    """A path's route shape: every run of digits and every alert reference becomes ``N``."""
    return re.sub(r"TVEC-[0-9a-f]+|\d+", "N", path)


def _family(path: str) -> tuple[str, int]:
    """A path's first segment and depth: pages of one family share a template."""
    parts = [part for part in path.split("/") if part]
    return (parts[0] if parts else "", len(parts))


def test_every_page_has_no_serious_accessibility_violation(crawled: str) -> None:
    _need_browser()
    need_axe()
    from playwright.sync_api import sync_playwright

    base = crawled
    found: dict[str, list[str]] = {}
    seen: set[str] = {"/queue"}
    families: dict[tuple[str, int], int] = {}
    checked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            _log_in(page, base, "admin")
            todo = ["/queue"]
            while todo and len(checked) < MAX_PAGES:
                path = todo.pop(0)
                response = page.goto(f"{base}{path}")
                assert response is not None
                if "text/html" not in response.headers.get("content-type", ""):
                    continue
                assert response.status == 200, (path, response.status)
                checked.append(path)
                violations = serious_violations(page)
                if violations:
                    found[path] = violations
                hrefs = page.eval_on_selector_all(
                    "a[href]:not([download])", "links => links.map(a => a.getAttribute('href'))"
                )
                for href in hrefs:
                    url = urlsplit(urljoin(f"{base}{path}", href))
                    if f"{url.scheme}://{url.netloc}" != base or SKIP.search(url.path):
                        continue
                    target = url.path + (f"?{url.query}" if url.query else "")
                    shape, family = _shape(url.path), _family(url.path)
                    if shape not in seen and families.get(family, 0) < PER_FAMILY:
                        seen.add(shape)
                        families[family] = families.get(family, 0) + 1
                        todo.append(target)
        finally:
            browser.close()
    reached = {_shape(urlsplit(p).path) for p in checked}
    assert reached >= MUST_REACH, f"not reached: {sorted(MUST_REACH - reached)}"
    assert len(checked) >= len(MUST_REACH) + 5  # detail pages behind the lists too
    assert found == {}, found

"""``tvec outlinks-expand``: a stored short link gets the URL it leads to as an out-link of
the same items, on the hosting platform (issue 15 part 7)."""

from __future__ import annotations

from pathlib import Path

import httpx

from tvec.app.context import open_context
from tvec.app.scan import scan
from tvec.app.shortlinks import CACHE_FILE, expand_short_outlinks
from tvec.outlinks.sightings import list_outlinks
from tvec.settings import load_settings
from tvec.store import open_store


def test_stored_short_link_is_expanded_to_its_platform(db_url: str, tmp_path: Path) -> None:
    requests: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request.method + " " + request.headers["host"] + request.url.path)
        return httpx.Response(301, headers={"Location": "https://t.me/demo_channel/7"})

    settings = load_settings(
        home=tmp_path / "home",
        database_url=db_url,
        progress=False,
        http_host_interval_seconds=0,
        http_retries=0,
    )
    ctx = open_context(
        settings,
        store=open_store(settings),
        transport=httpx.MockTransport(handler),
        resolver=lambda host, port: ["93.184.216.34"],
    )
    (tmp_path / "post.txt").write_text("new: bit.ly/abc and example.org/x\n", encoding="utf-8")
    scan(ctx, [tmp_path / "post.txt"])
    (view,) = expand_short_outlinks(ctx)
    assert (view.url, view.final, view.platform) == (
        "https://bit.ly/abc",
        "https://t.me/demo_channel/7",
        "Telegram",
    )
    assert (view.sightings, view.error, requests) == (1, None, ["HEAD bit.ly/abc"])
    with ctx.read() as session:
        telegram = list_outlinks(session, platform="Telegram")
    assert [(o.url, o.seen_as) for o in telegram] == [
        ("https://t.me/demo_channel/7", ["bit.ly/abc"])
    ]
    # a second run answers from the cache file and adds nothing
    (again,) = expand_short_outlinks(ctx)
    assert (again.cached, again.sightings, len(requests)) == (True, 0, 1)
    assert (settings.home / CACHE_FILE).exists()
    ctx.close()

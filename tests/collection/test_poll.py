"""Polling sources over the local HTTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tvec.collection import registry
from tvec.collection.poll import poll_sources
from tvec.store import Store
from tvec.store.models import Item, Outlink, OutlinkSighting
from tvec.views.collection import SourceView

from .conftest import LocalServer, Route
from .feeds import rss


def add_source(store: Store, name: str, kind: str, locator: str, **given: Any) -> SourceView:
    """Add a source in its own transaction (as ``tvec source add`` does)."""
    with store.session() as session:
        return registry.add_source(session, name, kind, locator, actor="cli", **given)


def show_source(store: Store, name: str) -> SourceView:
    """One source, read in its own transaction."""
    with store.session() as session:
        return registry.show_source(session, name)


def _count(store: Store, column: object) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count(column))) or 0)  # type: ignore[arg-type]


def test_second_poll_fetches_nothing_new(web_store: Store, http_server: LocalServer) -> None:
    http_server.routes["/feed.xml"] = Route(
        rss(3), etag='"r3"', headers={"Content-Type": "application/rss+xml"}
    )
    add_source(web_store, "beacon", "feed", http_server.url("/feed.xml"), entity="Group X")
    (first,) = poll_sources(web_store)
    assert first.status == "fetched"
    assert first.counts["new"] == 3
    assert _count(web_store, Item.id) == 3
    # each entry: its link, its enclosure and a defanged link in its text
    assert _count(web_store, Outlink.id) == 9
    assert _count(web_store, OutlinkSighting.id) == 9
    state = show_source(web_store, "beacon").state
    assert state["etag"] == '"r3"' and state["last_status"] == "fetched"

    (second,) = poll_sources(web_store)
    assert second.status == "not_modified"
    assert http_server.hits("/feed.xml")[-1].headers["if-none-match"] == '"r3"'
    assert _count(web_store, Item.id) == 3
    assert _count(web_store, OutlinkSighting.id) == 9

    # a new release: only the new entry is added
    http_server.routes["/feed.xml"] = Route(rss(4), etag='"r4"')
    (third,) = poll_sources(web_store)
    assert third.status == "fetched"
    assert third.counts["new"] == 1 and third.counts["unchanged"] == 3
    assert _count(web_store, Item.id) == 4
    view = show_source(web_store, "beacon")
    assert view.items == 4 and view.sightings == 12


def test_redirect_to_metadata_address_fails_the_source_not_the_poll(
    web_store: Store, http_server: LocalServer, tmp_path: Path
) -> None:
    http_server.routes["/evil"] = Route(
        status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    http_server.routes["/good"] = Route(rss(1))
    add_source(web_store, "a-evil", "feed", http_server.url("/evil"))
    add_source(web_store, "b-good", "feed", http_server.url("/good"))
    evil, good = poll_sources(web_store)
    assert evil.status == "error" and "169.254.169.254" in (evil.problem or "")
    assert good.status == "fetched" and good.counts["new"] == 1
    assert "169.254.169.254" in show_source(web_store, "a-evil").state["last_error"]


def test_a_response_over_the_cap_is_cut_and_reported(
    tmp_path: Path, http_server: LocalServer
) -> None:
    from tvec.store import open_store

    from .conftest import collection_settings

    store = open_store(collection_settings(tmp_path / "home", http_max_bytes=256 * 1024))
    head = rss(2)[: -len(b"</channel></rss>")]
    http_server.routes["/huge"] = Route(
        lambda: itertools.chain([head], itertools.repeat(b"<!-- padding -->" * 4096)),
        headers={"Content-Length": str(5 * 1024**3), "Content-Type": "application/rss+xml"},
        etag='"big"',
    )
    add_source(store, "huge", "feed", http_server.url("/huge"))
    (outcome,) = poll_sources(store)
    assert outcome.status == "fetched"
    assert outcome.counts["new"] >= 2  # the entries before the cut are read
    assert any("cut at 262144 bytes" in e["error"] for e in outcome.errors)
    assert show_source(store, "huge").state["etag"] is None  # fetched again next time
    store.close()


def test_url_bank_match_on_a_polled_out_link(web_store: Store, http_server: LocalServer) -> None:
    from tvec.banks import create_bank, import_bank

    bank_file = Path(web_store.settings.home) / "urls.csv"
    bank_file.write_text("url,https://files.fm/u/release-2,Group X,,known release\n")
    create_bank(web_store, "known-urls", actor="cli")
    import_bank(web_store, "known-urls", bank_file, "csv", actor="cli")
    http_server.routes["/f"] = Route(rss(3))
    add_source(web_store, "beacon", "feed", http_server.url("/f"))
    (outcome,) = poll_sources(web_store)
    assert outcome.counts["new_matches"] == 1


def test_web_archive_and_url_list_over_http(
    web_store: Store, http_server: LocalServer, vectors: Path
) -> None:
    warc = (vectors / "warc" / "example.warc.gz").read_bytes()
    http_server.routes["/crawl.warc.gz"] = Route(
        warc, last_modified="Mon, 02 Nov 2026 00:00:00 GMT"
    )
    http_server.routes["/list.txt"] = Route(b"# mirrors\nhttps://t.me/s/beacon\n")
    add_source(web_store, "crawl", "web-archive", http_server.url("/crawl.warc.gz"))
    add_source(web_store, "list", "url-list", http_server.url("/list.txt"))
    crawl, urls = poll_sources(web_store)
    assert crawl.status == "fetched" and crawl.counts["new"] == 1 and crawl.errors == []
    assert urls.status == "fetched" and urls.counts["new"] == 1
    with web_store.session() as session:
        locators = set(session.scalars(select(Item.locator)))
    url = http_server.url("/crawl.warc.gz")
    assert locators == {
        f"warc:{url}#784",
        f"urls:{http_server.url('/list.txt')}#https://t.me/s/beacon",
    }
    crawl_again, _ = poll_sources(web_store)
    assert crawl_again.status == "not_modified"


def test_a_dripping_source_is_an_error_at_the_deadline_and_the_poll_goes_on(
    tmp_path: Path, http_server: LocalServer
) -> None:
    """Issue 16, finding 3: a server sending one byte every 0.2 s is cut off at
    TVEC_HTTP_DEADLINE_SECONDS (1 s here), an error on that source; the others are fetched."""
    from tvec.store import open_store

    from .conftest import collection_settings

    sent: list[bytes] = []

    def drip() -> Iterator[bytes]:
        for byte in rss(1)[:50]:
            sent.append(bytes([byte]))
            yield bytes([byte])
            time.sleep(0.2)

    store = open_store(collection_settings(tmp_path / "home", http_deadline_seconds=1))
    http_server.routes["/a.xml"] = Route(rss(1))
    http_server.routes["/drip.xml"] = Route(drip, headers={"Content-Type": "application/rss+xml"})
    http_server.routes["/c.xml"] = Route(rss(2))
    add_source(store, "a-good", "feed", http_server.url("/a.xml"))
    add_source(store, "b-drip", "feed", http_server.url("/drip.xml"))
    add_source(store, "c-good", "feed", http_server.url("/c.xml"))
    first, dripping, third = poll_sources(store)
    assert (first.status, first.counts["new"]) == ("fetched", 1)
    assert (third.status, third.counts["new"]) == ("fetched", 2)
    assert dripping.status == "error"
    assert http_server.url("/drip.xml") in (dripping.problem or "")
    assert "deadline of 1 s" in (dripping.problem or "")
    assert len(sent) < 10  # cut off after a handful of bytes, not the 50 on offer
    assert "deadline" in show_source(store, "b-drip").state["last_error"]
    assert len(http_server.hits("/drip.xml")) == 1  # not retried
    store.close()

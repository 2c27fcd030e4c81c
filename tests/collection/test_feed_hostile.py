"""Feeds that used to stop a poll or lose their good items (issue 15, part 1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from sqlalchemy import select

from tvec.collection.poll import poll_sources
from tvec.sources.feed import parse_feed, read_feed
from tvec.sources.feed_bytes import declared_encoding, repair_feed_bytes
from tvec.store import Store
from tvec.store.models import Item

from .conftest import LocalServer, Route
from .feeds import rss
from .test_poll import add_source

ITEMS = ["Grüße aus Köln", "مرحبا بالعالم", "Привет из Москвы"]


def _rss(titles: list[str], *, declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    items = "".join(
        f"<item><guid>id-{i}</guid><title>{t}</title><link>https://example.org/{i}</link></item>"
        for i, t in enumerate(titles)
    )
    return f'{declaration}<rss version="2.0"><channel><title>Feed</title>{items}</channel></rss>'


def test_doctype_entity_with_backslashes_is_an_error_not_a_crash(tmp_path: Path) -> None:
    doc = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY path "C:\\data\\reports">\n]>\n'
        b'<rss version="2.0"><channel><title>T</title>'
        b"<item><guid>a</guid><title>&path;</title></item></channel></rss>"
    )
    with pytest.raises(re.error, match="bad escape"):  # what feedparser itself does
        feedparser.parse(doc)
    path = tmp_path / "bad.xml"
    path.write_bytes(doc)
    items = list(read_feed(path))
    assert len(items) == 1
    assert items[0].error is not None and items[0].error.kind == "invalid_feed"
    assert "the feed parser failed" in str(items[0].error)
    assert str(path) in str(items[0].error)


def test_character_references_out_of_range_keep_the_good_items(tmp_path: Path) -> None:
    titles = ["first &#x110000; here", "second &#55296; here", "third &#233;t&#233;", "fourth"]
    path = tmp_path / "refs.xml"
    path.write_text(_rss(titles), encoding="utf-8")
    items = [i for i in read_feed(path) if i.error is None]
    assert [i.text for i in items] == [
        "first \ufffd here",
        "second \ufffd here",
        "third été",
        "fourth",
    ]
    assert all("2 character reference(s)" in i.meta["warnings"][0] for i in items)


@pytest.mark.parametrize("declared", ["xml", "http"])
def test_one_bad_byte_does_not_garble_a_utf8_feed(tmp_path: Path, declared: str) -> None:
    declaration = '<?xml version="1.0"?>' if declared != "xml" else None
    doc = _rss(ITEMS, **({"declaration": declaration} if declaration else {})).encode("utf-8")
    doc = doc.replace("Köln".encode(), b"K\xf6ln")  # one Latin-1 byte inside UTF-8
    headers = {"Content-Type": "application/rss+xml; charset=utf-8"} if declared == "http" else None
    path = tmp_path / "feed.xml"
    path.write_bytes(doc)
    items = list(
        read_feed(path, url="https://feeds.example.org/x" if headers else None, headers=headers)
    )
    texts = [i.text for i in items if i.error is None]
    assert texts == ["Grüße aus K\ufffdln", ITEMS[1], ITEMS[2]]
    warning = items[0].meta["warnings"][0]
    assert "not valid UTF-8: 1 bad byte sequence(s)" in warning


def test_other_declared_encodings_are_left_to_feedparser(tmp_path: Path) -> None:
    doc = _rss(["Привет"], declaration='<?xml version="1.0" encoding="koi8-r"?>').encode("koi8-r")
    assert declared_encoding(doc) == "koi8-r"
    assert repair_feed_bytes(doc).data == doc
    parsed = parse_feed(doc)
    assert parsed.entries[0].title == "Привет"


def test_a_poll_round_goes_on_after_a_crashing_feed(
    web_store: Store, http_server: LocalServer
) -> None:
    crashing = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY p "C:\\data\\x">\n]>\n'
        b'<rss version="2.0"><channel><title>T</title><item><title>&p;</title></item>'
        b"</channel></rss>"
    )
    bad_bytes = _rss(ITEMS).encode("utf-8").replace("Köln".encode(), b"K\xf6ln")
    http_server.routes["/a.xml"] = Route(crashing, headers={"Content-Type": "application/rss+xml"})
    http_server.routes["/b.xml"] = Route(
        bad_bytes, headers={"Content-Type": "application/rss+xml; charset=utf-8"}
    )
    http_server.routes["/c.xml"] = Route(rss(2))
    for name in ("a", "b", "c"):
        add_source(web_store, name, "feed", http_server.url(f"/{name}.xml"))
    crashed, garbled, good = poll_sources(web_store)
    assert crashed.counts["errors"] == 1  # the feed-level error item, named
    assert (garbled.status, garbled.counts["new"]) == ("fetched", 3)
    assert (good.status, good.counts["new"]) == ("fetched", 2)
    with web_store.session() as session:
        texts = set(session.scalars(select(Item.text).where(Item.text.is_not(None))))
    assert "Grüße aus K\ufffdln" in texts and ITEMS[1] in texts and ITEMS[2] in texts


def test_a_reader_that_raises_keeps_earlier_items_and_the_scan_goes_on(
    cli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    """Any exception a reader raises on one input (a library bug no rule foresaw) ends that
    input with a reader_failed item; the items before it and the other inputs are kept."""
    import json

    import tvec.sources as sources
    from tvec.sources.base import RawItem

    def broken(path: Path) -> Iterator[RawItem]:
        yield RawItem(f"jsonl:{path}#1", f"{path}:1", text="a benign first post")
        raise KeyError("surprise")

    monkeypatch.setattr(sources, "read_jsonl", broken)
    first = tmp_path / "a.jsonl"
    first.write_text("{}\n", encoding="utf-8")
    other = tmp_path / "b.txt"
    other.write_text("a benign text file with enough words to be an item\n", encoding="utf-8")
    result = cli("scan", first, other, "--json", "-")
    assert result.code == 1, result.err  # finished with item errors
    doc = json.loads(result.out)
    assert doc["status"] == "finished_with_errors"
    assert (doc["counts"]["items"], doc["counts"]["errors"]) == (3, 1)
    (error,) = doc["errors"]
    assert error["kind"] == "reader_failed"
    assert error["error"] == f"{first}: the reader failed: KeyError: 'surprise'"

"""Small hostile-input fixes of issue 15: Unix seconds in CSV posts, ``tvec hash`` of text."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tvec.sources.jsonl import parse_time
from tvec.sources.mapping import PostMapping
from tvec.sources.posts_csv import read_posts_csv


def test_csv_posts_accept_unix_seconds(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(
        "id,text,posted_at\n"
        "1,first post,1767225600\n"
        "2,second post,1767225600.5\n"
        "3,third post,2026-01-01T00:00:00Z\n"
        "4,fourth post,yesterday\n",
        encoding="utf-8",
    )
    mapping = PostMapping(id="id", text="text", posted_at="posted_at")
    items = list(read_posts_csv(path, mapping))
    assert [i.posted_at for i in items[:3]] == [
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 1, 0, 0, 0, 500000, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=UTC),
    ]
    assert [i.error for i in items[:3]] == [None, None, None]
    assert items[3].error is not None and "posted_at" in str(items[3].error)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("20261201", datetime(2026, 12, 1, tzinfo=UTC)),  # ISO basic date, not seconds
        (" 1767225600 ", datetime(2026, 1, 1, tzinfo=UTC)),
        (1767225600, datetime(2026, 1, 1, tzinfo=UTC)),
    ],
)
def test_parse_time_tells_dates_from_seconds(value: Any, expected: datetime) -> None:
    assert parse_time(value) == expected


def test_parse_time_out_of_range_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="out of the range"):
        parse_time("99999999999999999999")


def test_hash_prints_every_signal_a_scan_stores(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = tmp_path / "post.txt"
    text.write_text(
        "A benign stand-in message long enough to hash as text, with a link to "
        "https://files.example.org/doc/123 and more words after it to pass the minimum.\n",
        encoding="utf-8",
    )
    hashed = cli("hash", "--json", text)
    assert hashed.code == 0, hashed.err
    printed = {(s["signal_type"], s["value"]) for s in json.loads(hashed.out)[0]["signals"]}
    assert {t for t, _ in printed} >= {"md5", "sha256", "url", "url_md5"}
    assert ("url", "https://files.example.org/doc/123") in printed
    assert cli("bank", "create", "b").code == 0
    scanned = cli("scan", text, "--json", "-")
    assert scanned.code == 0, scanned.err
    from tvec.settings import load_settings
    from tvec.store import open_store
    from tvec.store.models import Item

    store = open_store(load_settings())
    with store.session() as session:
        item = session.query(Item).one()
        kept = {(s.signal_type, s.value) for s in item.signals}
    store.close()
    assert kept == printed

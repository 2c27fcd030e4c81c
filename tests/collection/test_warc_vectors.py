"""Every WARC/ARC of ../shared/vectors/warc (warcio's test data) through tvec's reader.

Readable HTML/text records become items with their main text and links; everything else
that is wrong is reported as an error naming the file and the byte offset.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tvec.errors import InvalidArchiveError
from tvec.sources.warc import read_warc

WARCS = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "warc"

#: file -> (offsets of page items, offsets of errors)
EXPECTED: dict[str, tuple[list[int], list[int]]] = {
    "example.warc": ([1197], []),
    "example.warc.gz": ([784], []),
    "example.arc": ([151], []),
    "example-resource.warc.gz": ([802], []),
    "example-iana.org-chunked.warc": ([405], []),
    "example-digest.warc": ([], []),
    "example-trunc.warc": ([1197], [2560]),
    "bad.arc": ([], [0, 134, 202, 262]),
}


def test_every_archive_is_covered(vectors: Path) -> None:
    found = {p.name for p in WARCS.iterdir() if not p.name.startswith("LICENSE")}
    assert found == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_archive_vector(name: str, vectors: Path) -> None:
    path = WARCS / name
    items = list(read_warc(path))
    pages = [i for i in items if i.error is None]
    errors = [i for i in items if i.error is not None]
    assert [i.meta["offset"] for i in pages] == EXPECTED[name][0]
    assert [i.meta["offset"] for i in errors] == EXPECTED[name][1]
    for item in pages:
        assert item.locator == f"warc:{path.resolve()}#{item.meta['offset']}"
        assert item.text and item.links
        assert item.meta["url"].startswith("http")
    for item in errors:
        assert isinstance(item.error, InvalidArchiveError)
        message = str(item.error)
        assert str(path) in message
        assert re.search(rf"at offset {item.meta['offset']}\b", message)


def test_page_text_and_links(vectors: Path) -> None:
    (page,) = [i for i in read_warc(WARCS / "example-iana.org-chunked.warc") if not i.error]
    assert page.meta["url"] == "http://www.iana.org/"
    assert "Domain Names" in (page.text or "")
    assert "<" not in (page.text or "")
    assert len(page.links) > 20
    assert all(link.startswith(("http://", "https://")) for link in page.links)
    (example,) = list(read_warc(WARCS / "example.warc"))
    assert example.links == ["http://www.iana.org/domains/example"]
    assert example.posted_at is not None and example.posted_at.year == 2017


def test_missing_and_garbage_files_are_errors_not_crashes(tmp_path: Path) -> None:
    (missing,) = list(read_warc(tmp_path / "nope.warc"))
    assert missing.error is not None and "nope.warc" in str(missing.error)
    garbage = tmp_path / "garbage.warc.gz"
    garbage.write_bytes(b"\x1f\x8b\x08\x00garbage" * 10)
    items = list(read_warc(garbage))
    assert items and all(i.error is not None for i in items)
    assert "garbage.warc.gz at offset 0" in str(items[0].error)


def test_records_over_the_cap_are_cut_and_reported(vectors: Path) -> None:
    (page,) = list(read_warc(WARCS / "example.warc", max_bytes=100))
    assert page.error is not None and "cut" in str(page.error)

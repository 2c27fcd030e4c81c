"""A ``.warc.gz`` cut short inside its last record: an error on that record, the rest kept."""

from __future__ import annotations

import gzip as gzip_module
import random
import string
from pathlib import Path

import pytest

from tvec.sources.warc import read_warc


def _archive(pages: int, *, gzip: bool) -> bytes:
    """``pages`` WARC/1.0 response records of incompressible HTML, one gzip member each."""
    rng = random.Random(7)
    out = b""
    for i in range(pages):
        words = " ".join("".join(rng.choices(string.ascii_lowercase, k=6)) for _ in range(300))
        body = (
            f"<html><body><p>Page {i}: {words}</p>"
            f"<a href='https://example.org/{i}'>link</a></body></html>"
        ).encode()
        http = (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        record = (
            (
                "WARC/1.0\r\nWARC-Type: response\r\n"
                f"WARC-Target-URI: https://example.com/{i}\r\n"
                "WARC-Date: 2026-11-01T10:00:00Z\r\n"
                f"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-00000000000{i}>\r\n"
                "Content-Type: application/http; msgtype=response\r\n"
                f"Content-Length: {len(http)}\r\n\r\n"
            ).encode()
            + http
            + b"\r\n\r\n"
        )
        out += gzip_module.compress(record) if gzip else record
    return out


@pytest.mark.parametrize("gzip", [True, False])
@pytest.mark.parametrize("cut", [40, 900])
def test_truncated_last_record_is_an_error_and_earlier_records_are_kept(
    tmp_path: Path, gzip: bool, cut: int
) -> None:
    data = _archive(3, gzip=gzip)
    path = tmp_path / ("cut.warc.gz" if gzip else "cut.warc")
    path.write_bytes(data[:-cut])
    items = list(read_warc(path))
    good = [i for i in items if i.error is None]
    bad = [i for i in items if i.error is not None]
    assert [i.meta["url"] for i in good] == ["https://example.com/0", "https://example.com/1"]
    assert all(i.text and i.text.startswith("Page") for i in good)
    assert len(bad) == 1
    assert bad[0].error is not None and bad[0].error.kind == "invalid_archive"
    assert "truncated" in str(bad[0].error) and str(path) in str(bad[0].error)
    assert bad[0].text is None


def test_complete_archive_has_no_error(tmp_path: Path) -> None:
    path = tmp_path / "whole.warc.gz"
    path.write_bytes(_archive(3, gzip=True))
    items = list(read_warc(path))
    assert [i.error for i in items] == [None, None, None]

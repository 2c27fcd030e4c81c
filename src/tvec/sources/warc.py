"""Web archives: WARC and ARC files (plain or gzipped), read with warcio.

Every ``response`` record (ARC records are read as responses) and every ``resource`` record
whose media type is HTML or plain text becomes an item ``warc:<origin>#<offset>``
(``origin``: the file's absolute path or the URL it was fetched from; ``offset``: the
record's byte offset in the file, stable for a given file). For HTML, the page's main text
is extracted with trafilatura (all visible text when trafilatura finds no main text) and
its links (``a``, ``img``, ``video``, ``source``, ``iframe``, resolved against the record's
target URI and any ``<base href>``) become out-links (:func:`tvec.outlinks.extract_from_html`).
Chunked transfer encoding and gzip/deflate content encoding are undone by warcio. Other
records (``request``, ``warcinfo``, ``revisit``, images...) are skipped.

Problems are reported as items carrying an :class:`~tvec.errors.InvalidArchiveError` whose
message names the file and the byte offset:

* a record whose declared length is not a byte count, or a response record without a
  readable HTTP response (malformed ARC);
* a record that warcio reports as damaged (for example "not followed by newline", a sign of a
  truncated record or a wrong ``Content-Length``), with the offset warcio gives;
* a record whose content cannot be decoded, or is larger than ``max_bytes`` (the first
  ``max_bytes`` are still read);
* a record the file ends inside (a ``.warc.gz`` whose last gzip member is cut short, which
  warcio reads as if it were whole): the record's declared length is compared with the bytes
  the file holds, and the record becomes an error item (its partial text is not kept);
* a page whose text and links take longer than ``timeout`` seconds to extract
  (``TVEC_PARSE_TIMEOUT_SECONDS``; pages over 16 KiB are read in a worker process, see
  :mod:`tvec.sources.budget`), or that makes a parser fail: the item is kept without its
  text;
* a file that cannot be read further (``ArchiveLoadFailed``, broken gzip): the records
  before it are kept, reading that file stops, and other files go on.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trafilatura
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from tvec.errors import InvalidArchiveError, MissingMediaError
from tvec.outlinks import extract_from_html
from tvec.sources.base import RawItem
from tvec.sources.budget import ParseBudgetError, ParseWorker
from tvec.sources.feed import PARSE_TIMEOUT_SECONDS, html_to_text

#: Record media types read as pages.
HTML_TYPES = ("text/html", "application/xhtml+xml")
TEXT_TYPES = ("text/plain",)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_WARNING_OFFSET = re.compile(r"Offset:\s*(\d+)")


def read_warc(
    path: Path,
    *,
    origin: str | None = None,
    max_bytes: int = 50 * 1024**2,
    timeout: float = PARSE_TIMEOUT_SECONDS,
) -> Iterator[RawItem]:
    """Yield one item per readable HTML/text record of the WARC/ARC file ``path``.

    Args:
        path: the archive (``.warc``, ``.arc``, optionally gzipped).
        origin: the locator base (default: ``path``'s absolute path).
        max_bytes: most bytes of one record's content read (the rest is reported cut).
        timeout: most seconds one page's text and links may take to extract.
    Never raises for a bad archive: problems are items carrying the error (module docstring).
    """
    origin = origin or str(path.resolve())
    name = str(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        error = MissingMediaError(name, f"cannot read: {exc.strerror}")
        yield RawItem(f"warc:{origin}", name, error=error)
        return
    with handle, ParseWorker(timeout, (__name__,)) as worker:
        yield from _records(handle, origin, name, max_bytes, worker)


def _records(
    handle: Any, origin: str, name: str, max_bytes: int, worker: ParseWorker
) -> Iterator[RawItem]:
    iterator = ArchiveIterator(handle, arc2warc=True)
    records = iter(iterator)
    while True:
        captured = io.StringIO()
        try:
            with contextlib.redirect_stderr(captured):
                record = next(records)
        except StopIteration:
            yield from _warnings(captured.getvalue(), origin, name, iterator.offset)
            return
        except (ArchiveLoadFailed, OSError, EOFError, zlib.error, ValueError) as exc:
            yield from _warnings(captured.getvalue(), origin, name, iterator.offset)
            yield _error(origin, name, iterator.offset, f"cannot read further: {exc}")
            return
        offset = iterator.offset
        yield from _warnings(captured.getvalue(), origin, name, offset)
        item = _record_item(record, offset, origin, name, max_bytes, worker)
        missing = _missing_bytes(record)
        if missing:
            problem = (
                f"record is truncated: {missing} of its {record.length} declared bytes are "
                "missing (the file ends inside it)"
            )
            item = _error(origin, name, offset, problem)
        if item is not None:
            yield item


def _missing_bytes(record: Any) -> int:
    """Bytes of the record's declared block that the file does not hold (0 when complete).

    warcio reads a gzip member cut short as if it were whole; the record's ``LimitReader``
    still expects the missing bytes. The rest of the record is read (in 64 KiB pieces) to
    find out, as warcio itself would before the next record.
    """
    raw = getattr(record, "raw_stream", None)
    if raw is None or not hasattr(raw, "limit"):
        return 0
    try:
        while raw.read(65536):
            pass
    except (OSError, EOFError, zlib.error, ValueError):
        pass
    remaining = raw.limit
    return remaining if isinstance(remaining, int) and remaining > 0 else 0


def _warnings(text: str, origin: str, name: str, offset: int) -> Iterator[RawItem]:
    """Turn warcio's stderr warnings into error items (it prints instead of raising)."""
    if "WARNING" not in text:
        return
    found = _WARNING_OFFSET.search(text)
    where = int(found.group(1)) if found else offset
    message = " ".join(text.replace("WARNING:", "").split())
    yield _error(origin, name, where, f"damaged record: {message}")


def _error(origin: str, name: str, offset: int, problem: str) -> RawItem:
    where = f"{name} at offset {offset}"
    return RawItem(
        f"warc:{origin}#{offset}",
        where,
        meta={"offset": offset},
        error=InvalidArchiveError(where, problem),
    )


def _record_item(
    record: Any, offset: int, origin: str, name: str, max_bytes: int, worker: ParseWorker
) -> RawItem | None:
    headers = record.rec_headers
    declared = (headers.get_header("Content-Length") or "").strip()
    if not declared.isdigit():
        return _error(origin, name, offset, f"declared length {declared!r} is not a byte count")
    if record.rec_type not in ("response", "resource"):
        return None
    uri = headers.get_header("WARC-Target-URI") or ""
    if record.rec_type == "response":
        http = record.http_headers
        if http is None or not (http.statusline or "").strip():
            return _error(origin, name, offset, f"record for {uri} has no readable HTTP response")
        media_type = http.get_header("Content-Type") or ""
    else:
        media_type = headers.get_header("Content-Type") or ""
    base_type = media_type.split(";", 1)[0].strip().lower()
    if base_type not in HTML_TYPES + TEXT_TYPES:
        return None
    try:
        data = record.content_stream().read(max_bytes + 1)
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        return _error(origin, name, offset, f"content of {uri} cannot be decoded: {exc}")
    where = f"{name} at offset {offset}"
    item = RawItem(
        locator=f"warc:{origin}#{offset}",
        name=f"{where} ({uri})",
        posted_at=_warc_date(headers.get_header("WARC-Date")),
        meta={
            "url": uri,
            "offset": offset,
            "record_type": record.rec_type,
            "record_id": headers.get_header("WARC-Record-ID"),
            "media_type": base_type,
        },
        media_type=base_type,
    )
    if len(data) > max_bytes:
        data = data[:max_bytes]
        item.error = InvalidArchiveError(where, f"content over {max_bytes} bytes was cut")
    text = _decode(data, media_type)
    if base_type in HTML_TYPES:
        try:
            item.text, item.links = worker.run(page_text_and_links, text, uri, size=len(text))
        except ParseBudgetError as exc:
            item.error = InvalidArchiveError(where, f"page {uri}: {exc}")
        except Exception as exc:  # a parser's failure is an error on this record only
            problem = f"page {uri}: the HTML parser failed: {type(exc).__name__}: {exc}"
            item.error = InvalidArchiveError(where, problem)
    else:
        item.text = text.strip() or None
    return item


def _decode(data: bytes, media_type: str) -> str:
    charset = None
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", media_type, re.IGNORECASE)
    if match:
        charset = match.group(1)
    else:
        meta = _CHARSET.search(data[:4096])
        if meta:
            charset = meta.group(1).decode("ascii", "replace")
    for candidate in (charset, "utf-8"):
        if candidate:
            try:
                return data.decode(candidate)
            except (LookupError, UnicodeDecodeError):
                continue
    return data.decode("cp1252", errors="replace")


def page_text_and_links(html: str, url: str) -> tuple[str | None, list[str]]:
    """A page's main text (:func:`_main_text`) and its links' canonical URLs."""
    return _main_text(html, url), [link.canonical for link in extract_from_html(html, url or None)]


def _main_text(html: str, url: str) -> str | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            text = trafilatura.extract(html, url=url or None, include_comments=False)
        except (ValueError, TypeError):
            text = None
    if not text:
        text = html_to_text(html)
    return text.strip() or None


def _warc_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)

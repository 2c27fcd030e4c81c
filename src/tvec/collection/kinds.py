"""Source kinds: what each reads, whether its locator may be a URL, and its reader.

=================  =============================================  =============  =========
kind               locator                                        URL locator    options
=================  =============================================  =============  =========
telegram-export    Telegram Desktop export folder or result.json  no             —
feed               RSS/Atom/JSON Feed file or URL                 yes            —
web-archive        WARC/ARC file (gzipped or not) or URL          yes            —
jsonl              JSON Lines posts file or URL                   yes            mapping
csv                CSV posts file (with header) or URL            yes            mapping
url-list           text file of URLs (``#`` comments) or URL      yes            —
tcap-csv           TCAP CSV export file or URL                    yes            —
=================  =============================================  =============  =========

:func:`read_source` reads a source's content (a local path, or the fetched copy of its URL)
into items with the module of :mod:`tvec.sources` that parses that format.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tvec.errors import UsageError
from tvec.sources.base import RawItem, guarded
from tvec.sources.feed import FEED_MAX_BYTES, PARSE_TIMEOUT_SECONDS, read_feed
from tvec.sources.jsonl import read_jsonl
from tvec.sources.mapping import JSONL_DEFAULT, PostMapping
from tvec.sources.posts_csv import read_posts_csv, read_posts_jsonl
from tvec.sources.tcap import read_tcap
from tvec.sources.telegram import read_export
from tvec.sources.url_list import read_url_list
from tvec.sources.warc import read_warc

KINDS: dict[str, str] = {
    "telegram-export": "Telegram Desktop export (folder or result.json)",
    "feed": "RSS 0.9x/1.0/2.0, Atom or JSON Feed (file or URL)",
    "web-archive": "WARC/ARC web archive (file or URL)",
    "jsonl": "JSON Lines posts, optional --map (file or URL)",
    "csv": "CSV posts with a header row, --map required (file or URL)",
    "url-list": "text file of URLs, one per line, # comments (file or URL)",
    "tcap-csv": "TCAP CSV export: verified URLs with group labels (file or URL)",
}
#: Kinds whose locator must be a local path.
LOCAL_ONLY = frozenset({"telegram-export"})
#: Kinds that take a column mapping.
MAPPED = frozenset({"jsonl", "csv"})


def is_url(locator: str) -> bool:
    """True when ``locator`` is an http(s) URL (else it is a local path)."""
    try:
        parts = urlsplit(locator)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def check_kind(kind: str) -> str:
    """Return ``kind`` if known. Raises UsageError naming the known kinds."""
    if kind not in KINDS:
        raise UsageError(f"unknown source kind {kind!r} (known: {', '.join(KINDS)})")
    return kind


def read_source(
    kind: str,
    path: Path,
    *,
    origin: str,
    options: Mapping[str, Any],
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = 50 * 1024**2,
    feed_max_bytes: int = FEED_MAX_BYTES,
    parse_timeout: float = PARSE_TIMEOUT_SECONDS,
) -> Iterator[RawItem]:
    """Items of a source's content at ``path``, locators based on ``origin``.

    Args:
        kind: the source kind.
        path: the local file or folder (for a URL source: the fetched copy).
        origin: the locator base: the source's URL, or the absolute local path.
        options: the source's options (``mapping`` for ``csv``/``jsonl``).
        url: the final URL the content was fetched from, if fetched.
        headers: the HTTP response headers, if fetched.
        max_bytes: most bytes read from one web-archive record.
        feed_max_bytes: largest feed document parsed (``TVEC_FEED_MAX_BYTES``).
        parse_timeout: most seconds one document (a feed, a web-archive page) may take to
            parse (``TVEC_PARSE_TIMEOUT_SECONDS``).

    Never raises for bad content: any exception of the reader ends that source's items with
    a ReaderFailedError item (:func:`tvec.sources.base.guarded`).

    Raises:
        UsageError: an unknown kind.
    """
    name = url or str(path)
    return guarded(
        _reader(
            kind,
            path,
            origin=origin,
            options=options,
            url=url,
            headers=headers,
            max_bytes=max_bytes,
            feed_max_bytes=feed_max_bytes,
            parse_timeout=parse_timeout,
        ),
        f"{kind}:{origin}",
        name,
    )


def _reader(
    kind: str,
    path: Path,
    *,
    origin: str,
    options: Mapping[str, Any],
    url: str | None,
    headers: Mapping[str, str] | None,
    max_bytes: int,
    feed_max_bytes: int,
    parse_timeout: float,
) -> Iterator[RawItem]:
    mapping_values = options.get("mapping")
    if kind == "telegram-export":
        return iter(read_export(path))
    if kind == "feed":
        return read_feed(
            path,
            origin=origin,
            url=url,
            headers=headers,
            max_bytes=feed_max_bytes,
            timeout=parse_timeout,
        )
    if kind == "web-archive":
        return read_warc(path, origin=origin, max_bytes=max_bytes, timeout=parse_timeout)
    if kind == "jsonl":
        if not mapping_values and url is None:
            return read_jsonl(path)
        mapping = PostMapping.from_dict(mapping_values) if mapping_values else JSONL_DEFAULT
        return read_posts_jsonl(path, mapping, origin=origin)
    if kind == "csv":
        return read_posts_csv(path, PostMapping.from_dict(mapping_values or {}), origin=origin)
    if kind == "url-list":
        return read_url_list(path, origin=origin)
    if kind == "tcap-csv":
        return read_tcap(path, origin=origin)
    raise UsageError(f"unknown source kind {kind!r}")

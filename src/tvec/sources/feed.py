"""Feeds: RSS 0.9x/1.0/2.0, Atom 0.3/1.0 (feedparser) and JSON Feed (:mod:`.json_feed`).

:func:`parse_feed` is tvec's one call into feedparser; :func:`feed_items` turns its result
into items; :func:`read_feed` does both for a file.

* A document whose media type is JSON, or that starts with ``{``, is a JSON Feed, parsed by
  :mod:`tvec.sources.json_feed` into the same result shape (feedparser 6.0 reads XML only).
* The bytes are always handed to feedparser wrapped in :class:`io.BytesIO`, so feed content
  can never make feedparser open a local file or fetch a URL.
* The feed's address (the URL it was fetched from, after redirects) is passed as the
  ``Content-Location`` it resolves relative links against; a ``Content-Location`` header
  of the response wins, resolved against that address. HTTP ``Content-Type`` (charset) is
  passed on too, as feedparser weighs it against the XML declaration.
* Each entry becomes an item ``feed:<origin>#<entry id>`` (``origin``: the feed URL or the
  file's absolute path; entry id: its ``id``/``guid``, else its link, else a SHA-256 of its
  title, summary and date), with text = title and summary/content as plain text,
  ``posted_at`` = published (else updated) time, and out-links = the absolute ``http(s)``
  ``href`` of every link and enclosure feedparser reports for the entry, in its order.
  Links in the text itself are found by the scan pipeline as for any item.
* A document larger than ``max_bytes`` (``TVEC_FEED_MAX_BYTES``) is not parsed, and one that
  takes longer than ``timeout`` seconds to parse (``TVEC_PARSE_TIMEOUT_SECONDS``; see
  :mod:`tvec.sources.budget`) is stopped: either is one item ``feed:<origin>`` carrying an
  :class:`~tvec.errors.InvalidFeedError` that says so, as is any exception of a parser.
  (feedparser's lenient parser, used when a document is not well-formed XML, takes about
  70 s on 50 MiB of ``<``; Python's HTML parser, which reads entry bodies, is slower still
  on some inputs.)
* A malformed feed (feedparser's ``bozo``) still yields every entry that could be read,
  plus one item ``feed:<origin>`` carrying an :class:`~tvec.errors.InvalidFeedError` that
  names the file and the parser's problem. Character-encoding overrides (feedparser read
  the document in another encoding than declared, and recovered) are not errors.
* Before parsing, :func:`tvec.sources.feed_bytes.repair_feed_bytes` keeps a UTF-8 document
  UTF-8 when it holds a stray invalid byte, and replaces character references that name no
  XML character with U+FFFD; each entry of a repaired feed carries ``meta["warnings"]``.
* Any exception feedparser raises (some malformed documents make it raise instead of
  setting ``bozo``) becomes that feed's :class:`~tvec.errors.InvalidFeedError`; the
  round goes on with the next source.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from tvec.errors import InvalidFeedError, MissingMediaError
from tvec.sources.base import RawItem
from tvec.sources.budget import ParseBudgetError, ParseWorker
from tvec.sources.feed_bytes import repair_feed_bytes
from tvec.sources.json_feed import looks_like_json_feed, parse_json_feed

#: Media type of feed entry items.
ENTRY_MEDIA_TYPE = "application/x-feed-entry"
#: Media type of the item that carries a feed-level problem.
FEED_MEDIA_TYPE = "application/x-feed"

#: Default of ``TVEC_FEED_MAX_BYTES``: largest feed document parsed.
FEED_MAX_BYTES = 10 * 1024**2
#: Default of ``TVEC_PARSE_TIMEOUT_SECONDS``: most seconds one document may take to parse.
PARSE_TIMEOUT_SECONDS = 30.0

_BLOCK_TAGS = frozenset({"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})


def parse_feed(
    data: bytes, *, url: str | None = None, headers: Mapping[str, str] | None = None
) -> Any:
    """Parse feed bytes with feedparser; returns its ``FeedParserDict`` (never raises).

    Args:
        data: the document as fetched or read (any encoding feedparser can detect).
        url: where the document came from, for relative links (``None`` for a local file).
        headers: HTTP response headers (any case), such as ``Content-Type``.
    """
    response_headers = {k.lower(): v for k, v in (headers or {}).items()}
    location = response_headers.get("content-location")
    if url:
        response_headers["content-location"] = urljoin(url, location) if location else url
    if looks_like_json_feed(data, response_headers.get("content-type")):
        return parse_json_feed(data, response_headers.get("content-location"))
    if response_headers and "content-type" not in response_headers:
        # No media type given: read it as XML (as a local file is), not as a bad HTTP answer.
        response_headers["content-type"] = "application/xml"
    repaired = repair_feed_bytes(data, response_headers)
    try:
        with warnings.catch_warnings():
            # feedparser reports problems through ``bozo``; it also warns about some of them.
            warnings.simplefilter("ignore")
            parsed = feedparser.parse(
                io.BytesIO(repaired.data),
                response_headers=response_headers,
                resolve_relative_uris=True,
                sanitize_html=True,
            )
    except Exception as exc:
        # feedparser raises on some malformed input (re.error from a DOCTYPE entity with
        # backslashes, RecursionError, ...): the feed is an error, the round goes on.
        parsed = feedparser.FeedParserDict(
            bozo=1,
            bozo_exception=FeedParserCrashError(f"{type(exc).__name__}: {exc}"),
            entries=[],
            feed=feedparser.FeedParserDict(),
        )
    parsed["tvec_warnings"] = repaired.warnings
    for entry in parsed.get("entries") or []:
        _prefer_alternate_link(entry)
    return parsed


class FeedParserCrashError(Exception):
    """feedparser raised instead of reporting ``bozo``: the message names the exception."""


def _prefer_alternate_link(entry: Any) -> None:
    """Make ``entry.link`` the first ``alternate`` link, as Atom means it.

    feedparser 6.0 keeps the first link with no ``href`` attribute whatever its ``rel``
    (an enclosure, say); its development branch prefers ``alternate``, as done here.
    """
    for link in entry.get("links") or []:
        if link.get("rel") == "alternate" and link.get("href"):
            entry["link"] = link["href"]
            return


def entry_links(entry: Mapping[str, Any]) -> list[str]:
    """The absolute http(s) ``href`` of each link and enclosure of a parsed entry, deduplicated."""
    found: list[str] = []
    for group in ("links", "enclosures"):
        for link in entry.get(group) or []:
            href = str(link.get("href") or "").strip()
            if href and _is_absolute_web_url(href) and href not in found:
                found.append(href)
    return found


def _is_absolute_web_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def feed_items(parsed: Any, origin: str, name: str) -> Iterator[RawItem]:
    """Items of a parsed feed (see the module docstring), feed-level problem last.

    Args:
        parsed: :func:`parse_feed`'s result.
        origin: the feed URL or the file's absolute path (makes the locators).
        name: what a person calls the feed in messages (a path or URL).
    """
    feed = parsed.get("feed") or {}
    feed_title = str(feed.get("title") or "")
    repairs = list(parsed.get("tvec_warnings") or [])
    for index, entry in enumerate(parsed.get("entries") or [], start=1):
        item = _entry_item(entry, index, origin, name, feed_title)
        if repairs:
            item.meta["warnings"] = repairs
        yield item
    if parsed.get("bozo"):
        problem = parsed.get("bozo_exception")
        if isinstance(problem, FeedParserCrashError):
            yield RawItem(
                f"feed:{origin}",
                name,
                media_type=FEED_MEDIA_TYPE,
                meta={"feed": feed_title},
                error=InvalidFeedError(name, f"the feed parser failed: {problem}"),
            )
        elif not isinstance(problem, feedparser.CharacterEncodingOverride):
            yield RawItem(
                f"feed:{origin}",
                name,
                media_type=FEED_MEDIA_TYPE,
                meta={"feed": feed_title},
                error=InvalidFeedError(name, f"malformed feed: {problem}"),
            )


def read_feed(
    path: Path,
    *,
    origin: str | None = None,
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = FEED_MAX_BYTES,
    timeout: float = PARSE_TIMEOUT_SECONDS,
) -> Iterator[RawItem]:
    """Items of the feed stored in ``path`` (a local file or a fetched copy).

    Args:
        path: the file holding the feed's bytes.
        origin: the locator base (default: ``path``'s absolute path).
        url: the address it was fetched from, if any (relative links, locators).
        headers: the HTTP response headers, if fetched.
        max_bytes: largest document parsed (``TVEC_FEED_MAX_BYTES``).
        timeout: most seconds the parse may take (``TVEC_PARSE_TIMEOUT_SECONDS``).
    An unreadable file yields one item carrying a MissingMediaError; a document too large,
    too slow to parse or that makes a parser fail yields one carrying an InvalidFeedError
    (module docstring). Never raises for the document's content.
    """
    origin = origin or url or str(path.resolve())
    name = url or str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            problem = (
                f"feed of {size:,} bytes is larger than {max_bytes:,} bytes "
                "(TVEC_FEED_MAX_BYTES); not parsed"
            )
            yield _feed_error(origin, name, problem)
            return
        data = path.read_bytes()
    except OSError as exc:
        yield RawItem(
            f"feed:{origin}", name, error=MissingMediaError(name, f"cannot read: {exc.strerror}")
        )
        return
    plain_headers = dict(headers) if headers is not None else None
    try:
        with ParseWorker(timeout, (__name__,)) as worker:
            items = worker.run(
                parse_feed_items, data, url, plain_headers, origin, name, size=len(data)
            )
    except ParseBudgetError as exc:
        yield _feed_error(origin, name, str(exc))
        return
    except Exception as exc:  # any parser failure is an error on this feed, never the round's
        yield _feed_error(origin, name, f"the feed parser failed: {type(exc).__name__}: {exc}")
        return
    yield from items


def parse_feed_items(
    data: bytes, url: str | None, headers: Mapping[str, str] | None, origin: str, name: str
) -> list[RawItem]:
    """:func:`parse_feed` then :func:`feed_items`, as one list (what the parse worker runs)."""
    return list(feed_items(parse_feed(data, url=url, headers=headers), origin, name))


def _feed_error(origin: str, name: str, problem: str) -> RawItem:
    return RawItem(
        f"feed:{origin}",
        name,
        media_type=FEED_MEDIA_TYPE,
        error=InvalidFeedError(name, problem),
    )


def _entry_item(
    entry: Mapping[str, Any], index: int, origin: str, name: str, feed_title: str
) -> RawItem:
    entry_id = str(entry.get("id") or entry.get("link") or "").strip() or _digest(entry)
    title = str(entry.get("title") or "").strip()
    body = _entry_body(entry)
    text = "\n\n".join(part for part in (title, body) if part) or None
    meta: dict[str, Any] = {"entry_id": entry_id, "entry": index}
    if feed_title:
        meta["feed"] = feed_title
    if entry.get("link"):
        meta["url"] = str(entry["link"])
    if entry.get("author"):
        meta["author"] = str(entry["author"])
    return RawItem(
        locator=f"feed:{origin}#{entry_id}",
        name=f"{name}#entry {index}",
        text=text,
        posted_at=_entry_time(entry),
        meta=meta,
        links=entry_links(entry),
        media_type=ENTRY_MEDIA_TYPE,
    )


def _digest(entry: Mapping[str, Any]) -> str:
    parts = [str(entry.get(key) or "") for key in ("title", "summary", "published", "updated")]
    return "sha256:" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _entry_body(entry: Mapping[str, Any]) -> str:
    contents = entry.get("content") or []
    candidates = [(str(c.get("value") or ""), str(c.get("type") or "")) for c in contents]
    detail = entry.get("summary_detail") or {}
    if entry.get("summary"):
        candidates.append((str(entry["summary"]), str(detail.get("type") or "text/html")))
    if not candidates:
        return ""
    value, media_type = max(candidates, key=lambda c: len(c[0]))
    if "html" in media_type:
        return html_to_text(value)
    return value.strip()


def _entry_time(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                year, month, day, hour, minute, second = (int(v) for v in value[:6])
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except (TypeError, ValueError):
                continue
    return None


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, blank lines squeezed."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = [" ".join(line.split()) for line in "".join(collector.parts).splitlines()]
    return "\n".join(line for line in lines if line)

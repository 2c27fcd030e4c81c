"""JSON Feed (https://jsonfeed.org, versions 1 and 1.1) parsed into feedparser's result shape.

feedparser 6.0 (the current release) reads only XML feeds, so JSON Feed documents are parsed
here into a ``feedparser.FeedParserDict`` laid out as feedparser's XML results are (``feed``,
``entries``, ``links``, ``enclosures``, ``bozo``...), and :mod:`tvec.sources.feed` treats both
alike. Mapping:

* feed: ``title``, ``description`` -> ``subtitle``, ``home_page_url`` -> ``link`` and an
  ``alternate`` link, ``feed_url`` -> a ``self`` link, ``author(s)``.
* item: ``id``, ``title``, ``url`` -> ``link`` and an ``alternate`` link, ``external_url`` ->
  a ``related`` link, ``summary``, ``content_html``/``content_text`` -> ``content``,
  ``date_published``/``date_modified`` -> ``published``/``updated`` (and ``*_parsed``),
  ``attachments`` -> ``enclosures`` (and ``enclosure`` links), ``tags``.
* URLs are resolved against the feed's address when it is known.
* A document that is not JSON, or not an object with an ``items`` list, sets ``bozo`` with
  the problem in ``bozo_exception``; items that are not objects are skipped the same way.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

import feedparser
from feedparser.datetimes import _parse_date

JSON_MEDIA_TYPES = ("application/feed+json", "application/json")


class JsonFeedError(ValueError):
    """The document is not a readable JSON Feed (kept as ``bozo_exception``)."""


def looks_like_json_feed(data: bytes, content_type: str | None) -> bool:
    """True when the media type is JSON, or the bytes start with ``{`` (after a BOM)."""
    if content_type and any(t in content_type.lower() for t in JSON_MEDIA_TYPES):
        return True
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def parse_json_feed(data: bytes, base_url: str | None) -> Any:
    """Parse a JSON Feed document; returns a ``FeedParserDict`` (never raises)."""
    result = feedparser.FeedParserDict(
        bozo=False, entries=[], feed=feedparser.FeedParserDict(), headers={}, version=""
    )
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _bozo(result, JsonFeedError(f"not valid JSON: {exc}"))
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        return _bozo(result, JsonFeedError("not a JSON Feed: no 'items' list"))
    version = str(document.get("version") or "")
    result["version"] = "json1" if version.endswith("/1") else "json11" if version else "json"
    base = base_url or ""
    result["feed"] = _feed(document, base)
    for index, item in enumerate(document["items"], start=1):
        if isinstance(item, dict):
            result["entries"].append(_entry(item, base))
        else:
            _bozo(result, JsonFeedError(f"item {index} is not an object"))
    return result


def _bozo(result: Any, problem: Exception) -> Any:
    if not result["bozo"]:
        result["bozo"] = True
        result["bozo_exception"] = problem
    return result


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _url(value: Any, base: str) -> str | None:
    text = _text(value)
    return urljoin(base, text) if text and base else text


def _link(rel: str, href: str, media_type: str = "text/html") -> Any:
    return feedparser.FeedParserDict(rel=rel, type=media_type, href=href)


def _authors(node: dict[str, Any], base: str) -> list[Any]:
    found = node.get("authors")
    if not isinstance(found, list):
        found = [node["author"]] if isinstance(node.get("author"), dict) else []
    authors = []
    for author in found:
        if isinstance(author, dict):
            entry = feedparser.FeedParserDict()
            if _text(author.get("name")):
                entry["name"] = _text(author.get("name"))
            if _url(author.get("url"), base):
                entry["href"] = _url(author.get("url"), base)
            authors.append(entry)
    return authors


def _feed(document: dict[str, Any], base: str) -> Any:
    feed = feedparser.FeedParserDict()
    links = []
    for key, rel in (("home_page_url", "alternate"), ("feed_url", "self")):
        href = _url(document.get(key), base)
        if href:
            links.append(_link(rel, href))
    feed["links"] = links
    if _url(document.get("home_page_url"), base):
        feed["link"] = _url(document.get("home_page_url"), base)
    for key, target in (("title", "title"), ("description", "subtitle")):
        if _text(document.get(key)):
            feed[target] = _text(document.get(key))
    authors = _authors(document, base)
    if authors:
        feed["authors"] = authors
        feed["author"] = authors[0].get("name", "")
    return feed


def _entry(item: dict[str, Any], base: str) -> Any:
    entry = feedparser.FeedParserDict()
    if item.get("id") is not None and str(item["id"]).strip():
        entry["id"] = str(item["id"]).strip()
    if _text(item.get("title")):
        entry["title"] = _text(item.get("title"))
    links = []
    url = _url(item.get("url"), base)
    if url:
        entry["link"] = url
        links.append(_link("alternate", url))
    external = _url(item.get("external_url"), base)
    if external:
        links.append(_link("related", external))
    enclosures = []
    for attachment in item.get("attachments") or []:
        if not isinstance(attachment, dict) or not _url(attachment.get("url"), base):
            continue
        href = str(_url(attachment.get("url"), base))
        media_type = _text(attachment.get("mime_type")) or ""
        enclosure = feedparser.FeedParserDict(href=href, type=media_type)
        if attachment.get("size_in_bytes") is not None:
            enclosure["length"] = str(attachment["size_in_bytes"])
        enclosures.append(enclosure)
        links.append(_link("enclosure", href, media_type))
    entry["links"] = links
    entry["enclosures"] = enclosures
    content = []
    for key, media_type in (("content_html", "text/html"), ("content_text", "text/plain")):
        if _text(item.get(key)):
            content.append(feedparser.FeedParserDict(type=media_type, value=item[key], base=base))
    if content:
        entry["content"] = content
    summary = _text(item.get("summary"))
    if summary:
        entry["summary"] = summary
        entry["summary_detail"] = feedparser.FeedParserDict(type="text/plain", value=summary)
    for key, target in (("date_published", "published"), ("date_modified", "updated")):
        value = _text(item.get(key))
        if value:
            entry[target] = value
            entry[f"{target}_parsed"] = _parse_date(value)
    tags = [t for t in item.get("tags") or [] if isinstance(t, str)]
    if tags:
        entry["tags"] = [feedparser.FeedParserDict(term=t, scheme=None, label=None) for t in tags]
    authors = _authors(item, base)
    if authors:
        entry["authors"] = authors
        entry["author"] = authors[0].get("name", "")
    return entry

"""Out-links of an HTML page, read with the standard library's :mod:`html.parser`.

:func:`extract_from_html` takes the URL-valued attributes in :data:`LINK_ATTRIBUTES`
(``a[href]``, ``img[src]``, ``video[src]``, ``source[src]``, ``iframe[src]``), resolves each
against the page address (and a ``<base href>`` in the page, as browsers do), keeps only
``http`` and ``https`` results (``mailto:``, ``javascript:``, ``data:``, ``ftp:`` and the like
are dropped) and canonicalises them. Without a base URL, relative references are dropped.
Text between tags is not searched: call :func:`tvec.outlinks.extract_outlinks` on the page
text for links written as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from tvec.errors import InvalidSignalError
from tvec.outlinks.extract import FoundLink
from tvec.urls.canonical import canonicalize_url

#: Tag name -> the attribute of that tag that holds an out-link.
LINK_ATTRIBUTES: dict[str, str] = {
    "a": "href",
    "img": "src",
    "video": "src",
    "source": "src",
    "iframe": "src",
}

_WEB_SCHEMES = frozenset({"http", "https"})


@dataclass
class _RawLink:
    value: str
    raw: str
    start: int
    end: int


class _LinkCollector(HTMLParser):
    """Collects link attributes with their raw text and offsets in the source."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[_RawLink] = []
        self.base_href: str | None = None
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", html)]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "base" and self.base_href is None:
            self.base_href = dict(attrs).get("href")
            return
        name = LINK_ATTRIBUTES.get(tag)
        if name is None:
            return
        value = dict(attrs).get(name)
        if not value:
            return
        line, column = self.getpos()
        tag_start = self._line_starts[line - 1] + column
        raw_start, raw = _raw_attribute(self.get_starttag_text() or "", name)
        if raw_start < 0:
            raw, start = value, tag_start
        else:
            start = tag_start + raw_start
        self.links.append(_RawLink(value.strip(), raw, start, start + len(raw)))

    handle_startendtag = handle_starttag


def _raw_attribute(tag_text: str, name: str) -> tuple[int, str]:
    """Offset and raw text of attribute ``name``'s value inside a start tag, or ``(-1, "")``."""
    pattern = re.compile(
        rf"""[\s/]{name}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE
    )
    match = pattern.search(tag_text)
    if match is None:
        return -1, ""
    group = next(index for index in (1, 2, 3) if match.group(index) is not None)
    return match.start(group), match.group(group)


def extract_from_html(html: str, base_url: str | None) -> list[FoundLink]:
    """Return the out-links of ``html`` in document order, one per canonical URL.

    Args:
        html: the page source (malformed HTML is read as far as possible).
        base_url: the address the page was fetched from, used to resolve relative links;
            ``None`` keeps only absolute and protocol-relative (``//host/x``) links.

    Returns:
        One :class:`FoundLink` per canonical URL, first occurrence kept; ``seen`` is the raw
        attribute value as written in the source (entities not decoded) and ``start``/``end``
        its span in ``html``.
    """
    collector = _LinkCollector(html)
    collector.feed(html)
    collector.close()
    base = base_url
    if collector.base_href:
        base = urljoin(base_url or "", collector.base_href.strip())
    found: list[FoundLink] = []
    seen_canonical: set[str] = set()
    for raw in collector.links:
        resolved = _resolve(raw.value, base)
        if resolved is None:
            continue
        try:
            canonical = canonicalize_url(resolved)
        except InvalidSignalError:
            continue
        if canonical not in seen_canonical:
            seen_canonical.add(canonical)
            found.append(FoundLink(canonical, raw.raw, raw.start, raw.end))
    return found


def _resolve(value: str, base: str | None) -> str | None:
    """Absolute http(s) URL for an attribute value, or ``None`` to drop it."""
    if base:
        value = urljoin(base, value)
    elif value.startswith("//"):
        value = "https:" + value
    try:
        scheme = urlsplit(value).scheme.lower()
    except ValueError:
        return None
    return value if scheme in _WEB_SCHEMES else None

"""Showing untrusted text safely: bidi controls made visible, every value isolated, links
shown as (not clickable) links with their URL.

Text from sources, banks and users can hold Unicode bidirectional controls (U+202A-202E
embeddings and overrides, U+2066-2069 isolates, U+200E/U+200F marks, U+061C the Arabic
letter mark). Rendered as they are, an override (U+202E) reverses the rest of a line, so a
reviewer would read something other than what was posted (CVE-2021-42574 "Trojan Source"
is the same trick in code). :func:`untrusted` escapes a value, replaces each control by a
visible marked symbol (``<span class="bidi-mark">⟨RLO⟩</span>``; the control itself is
dropped) and wraps the whole in ``<bdi>`` (CSS ``unicode-bidi: isolate``), so the value can
neither reorder what surrounds it nor be reordered by it. The Jinja filters are installed by
:func:`install_filters` as ``u`` (one value) and ``linked`` (message text: also links).
"""

from __future__ import annotations

import json
import re
from typing import Any

from jinja2 import Environment
from markupsafe import Markup, escape

#: Every bidi control character with its short name (Unicode 15, Table 2 of UAX #9).
BIDI_CONTROLS: dict[str, tuple[str, str]] = {
    "\u202a": ("LRE", "left-to-right embedding"),
    "\u202b": ("RLE", "right-to-left embedding"),
    "\u202c": ("PDF", "pop directional formatting"),
    "\u202d": ("LRO", "left-to-right override"),
    "\u202e": ("RLO", "right-to-left override"),
    "\u2066": ("LRI", "left-to-right isolate"),
    "\u2067": ("RLI", "right-to-left isolate"),
    "\u2068": ("FSI", "first strong isolate"),
    "\u2069": ("PDI", "pop directional isolate"),
    "\u200e": ("LRM", "left-to-right mark"),
    "\u200f": ("RLM", "right-to-left mark"),
    "\u061c": ("ALM", "Arabic letter mark"),
}
_CONTROLS = re.compile("[" + "".join(BIDI_CONTROLS) + "]")
#: A URL in free text: a scheme or ``www.``, up to white space or a closing bracket/quote.
_URL = re.compile(r"(?:(?:https?|ftp)://|www\.)[^\s<>\"'\u00ab\u00bb]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"


def _marks(text: str) -> Markup:
    """``text`` escaped, its bidi controls replaced by visible marks (HTML)."""
    out: list[Markup] = []
    last = 0
    for found in _CONTROLS.finditer(text):
        out.append(escape(text[last : found.start()]))
        short, name = BIDI_CONTROLS[found.group()]
        out.append(
            Markup('<span class="bidi-mark" title="U+{:04X} {}">\u27e8{}\u27e9</span>').format(
                ord(found.group()), name, short
            )
        )
        last = found.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def has_bidi_controls(value: object) -> bool:
    """Whether ``value`` (as text) holds any of :data:`BIDI_CONTROLS`."""
    return value is not None and _CONTROLS.search(str(value)) is not None


def untrusted(value: Any, empty: str = "") -> Markup:
    """One untrusted value as safe HTML: escaped, bidi controls visible, isolated in
    ``<bdi>``; ``empty`` (plain text) when the value is None or empty."""
    text = "" if value is None else str(value)  # a Jinja Undefined is ""
    if not text:
        return escape(empty)
    return Markup("<bdi>{}</bdi>").format(_marks(text))


def linked(value: Any) -> Markup:
    """Message text as safe HTML: as :func:`untrusted`, and each URL in it shown as a link
    that is not clickable (``<span class="link">``, the URL written out in full, left to
    right and isolated), so a reviewer sees which words were links and where they lead."""
    text = "" if value is None else str(value)
    if not text:
        return Markup("")
    out: list[Markup] = []
    last = 0
    for found in _URL.finditer(text):
        url = found.group().rstrip(_TRAILING)
        out.append(_marks(text[last : found.start()]))
        out.append(
            Markup(
                '<span class="link" title="link (not clickable)"><span class="link-mark" '
                'aria-hidden="true">\U0001f517</span><bdi dir="ltr">{}</bdi></span>'
            ).format(_marks(url))
        )
        last = found.start() + len(url)
    out.append(_marks(text[last:]))
    return Markup("<bdi>{}</bdi>").format(Markup("").join(out))


def readable_locator(locator: str | None) -> str:
    """A short name for an item locator: paths (``file://``, ``jsonl:``, ``warc:``,
    ``feed:`` ... of a local file) are cut to the file name with what follows it; other
    locators (``tg:chat/42``, URLs) are kept.

    ``file:///srv/scan/content/a.png`` → ``a.png``; ``jsonl:/data/x.jsonl#12`` →
    ``x.jsonl#12``; ``tg:-100123/42/photo`` stays.
    """
    if not locator:
        return ""
    scheme, sep, rest = locator.partition(":")
    if not sep or "/" not in rest:
        return locator
    if scheme == "file" and rest.startswith("//"):
        rest = rest[2:]
    if not rest.startswith("/"):
        return locator
    path, hash_, fragment = rest.partition("#")
    name = path.rstrip("/").rsplit("/", 1)[-1] or path
    prefix = "" if scheme == "file" else f"{scheme}:"
    return f"{prefix}{name}{hash_}{fragment}"


def json_text(value: Any) -> Markup:
    """A JSON value (an audit event's data) as readable, safe HTML: non-ASCII text kept as
    written (not ``\\u`` escapes), bidi controls visible, the whole isolated."""
    return untrusted(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def plain_marks(value: Any) -> Markup:
    """Already-escaped text for a place that takes no markup (the page's ``<title>``, shown
    in the browser's tab and history): each bidi control replaced by its short name in
    plain text (``\u27e8RLO\u27e9``), so a stored name cannot reverse the title."""
    text = escape(value)  # a block's output is escaped already (Markup), kept as it is
    for control, (short, _) in BIDI_CONTROLS.items():
        text = text.replace(control, f"\u27e8{short}\u27e9")
    return text


def install_filters(env: Environment) -> None:
    """Add ``u`` (:func:`untrusted`), ``linked`` (:func:`linked`), ``readable``
    (:func:`readable_locator`), ``json_u`` (:func:`json_text`) and ``plain_marks``
    (:func:`plain_marks`, for the page title) to a Jinja environment, and ``bidi``
    (:func:`has_bidi_controls`) as a test."""
    env.filters["u"] = untrusted
    env.filters["linked"] = linked
    env.filters["readable"] = readable_locator
    env.filters["json_u"] = json_text
    env.filters["plain_marks"] = plain_marks
    env.tests["bidi"] = has_bidi_controls

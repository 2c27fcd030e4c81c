"""Feed bytes made safe for feedparser: declared UTF-8 kept as UTF-8, bad character references.

Two kinds of damage make feedparser lose a whole feed, or garble it, for one bad spot:

* **A stray invalid byte in a UTF-8 feed.** feedparser then tries other encodings and reads
  the document as windows-1252, so every non-ASCII character of every entry is stored
  garbled ("GrÃ¼ÃŸe"). When the document declares UTF-8 (its HTTP ``charset``, its
  byte-order mark or its XML declaration), :func:`repair_feed_bytes` decodes it as UTF-8
  with only the bad bytes replaced by U+FFFD, and says how many were replaced. A document
  that declares nothing is left to feedparser's detection (chardet), which is right for
  undeclared Big5, Shift JIS or UTF-32 feeds.
* **Character references that name no XML character** (``&#x110000;``, a lone surrogate
  ``&#55296;``, ``&#0;``): XML 1.0's ``Char`` production (section 2.2) forbids them, and
  feedparser's parsers reject the document. They are rewritten as ``&#xFFFD;`` (the
  replacement character) and counted.

Documents in another declared encoding (or none) (windows-1256, KOI8-R, UTF-16...) are left to
feedparser, which decodes them as declared.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_XML_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_CHARACTER_REFERENCE = re.compile(rb"&#(?:[xX]([0-9A-Fa-f]{1,16})|([0-9]{1,20}));")
_UTF8_NAMES = frozenset({"utf-8", "utf8", "utf_8", "u8"})


@dataclass
class RepairedFeed:
    """The bytes to parse and what was changed to get them (``warnings``, plain words)."""

    data: bytes
    warnings: list[str] = field(default_factory=list)


def _is_xml_char(code: int) -> bool:
    """XML 1.0 ``Char``: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]."""
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def declared_encoding(data: bytes, headers: Mapping[str, str] | None = None) -> str | None:
    """The encoding a feed declares: HTTP ``charset`` first, then a BOM, then the XML
    declaration; None when it declares none. Names are lower-case as written."""
    content_type = {k.lower(): v for k, v in (headers or {}).items()}.get("content-type", "")
    found = _CHARSET.search(content_type)
    if found:
        return found.group(1).lower()
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    declared = _XML_DECLARATION.match(data[:1024])
    return declared.group(1).decode("ascii").lower() if declared else None


def repair_feed_bytes(data: bytes, headers: Mapping[str, str] | None = None) -> RepairedFeed:
    """``data`` with invalid UTF-8 bytes (in a UTF-8 document) and invalid character
    references replaced, and a warning for each kind of repair (see the module docstring).

    Never raises. Documents in another declared encoding (or none) come back with only their
    character references repaired (ASCII-compatible encodings; UTF-16 is left as it is).
    """
    warnings: list[str] = []
    declared = declared_encoding(data, headers)
    if declared in _UTF8_NAMES:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = data.decode("utf-8", errors="replace")
            bad = text.count("\ufffd") - data.decode("utf-8", errors="ignore").count("\ufffd")
            first = exc.start
            data = text.encode("utf-8")
            warnings.append(
                f"not valid UTF-8: {bad} bad byte sequence(s), the first at byte {first}, "
                "replaced with U+FFFD; the rest was read as UTF-8"
            )
    if declared is not None and declared.startswith("utf-16"):
        return RepairedFeed(data, warnings)
    replaced = 0

    def fix(match: re.Match[bytes]) -> bytes:
        nonlocal replaced
        hex_digits, digits = match.groups()
        code = int(hex_digits, 16) if hex_digits else int(digits)
        if _is_xml_char(code):
            return match.group(0)
        replaced += 1
        return b"&#xFFFD;"

    data = _CHARACTER_REFERENCE.sub(fix, data)
    if replaced:
        warnings.append(
            f"{replaced} character reference(s) naming no XML character (out of range, a "
            "surrogate or a control) replaced with U+FFFD"
        )
    return RepairedFeed(data, warnings)

"""Checking free text that people type (references, names, reasons, notes, purposes).

This is the ``display`` profile of :mod:`tvec.text.profiles`. One rule for every such
field, so a listing, a log line or a copy-paste is never garbled and nothing reaches the
database that it cannot store (NUL, lone surrogates).
"""

from __future__ import annotations

import unicodedata

from tvec.errors import UsageError
from tvec.text.characters import is_invisible

#: Line and paragraph breaks allowed in multi-line fields (reasons, notes).
_LINE_BREAKS = frozenset("\t\n\r")


def check_text(value: str, what: str, limit: int, *, multiline: bool = False) -> str:
    """``value`` stripped, refused when empty (or only whitespace), longer than ``limit``
    characters, or holding a control character (Unicode categories Cc, Zl, Zp; tab and
    line breaks are allowed in a ``multiline`` field), a lone surrogate (Cs), or, outside
    ``multiline`` fields, an invisible character (:func:`tvec.text.characters.is_invisible`:
    formatting characters such as zero-width space and right-to-left override, variation
    selectors, Hangul fillers), which would make look-alike references. Multi-line fields
    (reasons, notes) keep them: Arabic and Persian text needs direction marks and joiners.
    A control character in a reference or name breaks listings and copy-paste, and NUL
    cannot be stored in PostgreSQL text.

    ``what`` names the field in messages (``the removal order's reference``). Used for
    what people type: order references and reasons, attribution notes, purposes of access.

    Raises:
        UsageError: empty, too long, or a control character (named by code point).
    """
    text = value.strip()
    if not text:
        raise UsageError(f"{what} is empty")
    if len(text) > limit:
        raise UsageError(f"{what} is longer than {limit} characters")
    for char in text:
        if multiline and char in _LINE_BREAKS:
            continue
        category = unicodedata.category(char)
        if category == "Cs" or (not multiline and is_invisible(char)):
            raise UsageError(
                f"{what} holds U+{ord(char):04X}, an invisible formatting character or a lone "
                "surrogate (refused: it makes look-alike references and cannot be stored)"
            )
        if category in ("Cc", "Zl", "Zp"):
            allowed = "tab and line breaks only" if multiline else "none: give it on one line"
            shown = text if len(text) <= 80 else text[:80] + "..."
            raise UsageError(
                f"{what} {shown!r} holds the control character "
                f"U+{ord(char):04X} (control characters allowed: {allowed})"
            )
    return text

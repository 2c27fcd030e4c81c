"""Undo the tricks that hide links from filters, keeping a map back to the original text.

:func:`deobfuscate` returns a :class:`MappedText`: the cleaned text plus, for every character
of it, the span of the original text it came from, so a link found in the cleaned text can be
reported with its span and its spelling as it was seen. The steps, in order:

1. **Invisible characters** are deleted: zero-width space, non-joiner and joiner
   (U+200B..U+200D), word joiner (U+2060), byte-order mark (U+FEFF) and soft hyphen (U+00AD).
2. **Direction marks** (U+200E, U+200F, U+061C, U+202A..U+202E, U+2066..U+2069), common around
   URLs in Arabic-script text, become spaces: they end a link rather than join two words.
3. **Look-alike characters** become ASCII when their NFKC form is one printable ASCII
   character: full-width letters, digits and punctuation (``ｅｘａｍｐｌｅ．ｃｏｍ``),
   mathematical alphanumerics, no-break and other Unicode spaces. The ideographic and
   half-width full stops (``。``, ``｡``), one-dot leader and small full stop become ``.``.
4. **Defanged schemes**: ``hxxp``/``hxxps`` (any case) before ``://`` or ``[:]//`` become
   ``http``/``https``, ``fxp`` becomes ``ftp``; ``[:]//``, ``[://]`` become ``://``.
5. **Bracketed dots** between two word characters, with optional spaces: ``[.]``, ``(.)``,
   ``{.}``, ``<.>``, ``[dot]``, ``(dot)``, ``{dot}`` (any case) become ``.``.
6. **The word dot** between two words (``example dot com``) becomes ``.``, unless the word
   before it is an article or determiner (``the dot com bubble``: see :data:`DOT_STOPWORDS`).
7. **Spaced dots**: a dot with spaces before it (and optionally after) between two ASCII
   letters or digits (``example . com``, ``example .com``) becomes ``.``. A dot followed by
   a space but not preceded by one (``end. Next``) is a sentence break and is left alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

#: Characters deleted before extraction (step 1).
INVISIBLE_CHARACTERS: frozenset[str] = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")

#: Bidirectional controls turned into spaces (step 2).
DIRECTION_MARKS: frozenset[str] = frozenset(
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

#: Characters that stand for a dot between labels (step 3).
DOT_LOOKALIKES: frozenset[str] = frozenset("\u3002\uff61\uff0e\u2024\ufe52")

#: Words after which `` dot `` is prose, not a defanged dot (step 6).
DOT_STOPWORDS: frozenset[str] = frozenset(
    {"a", "an", "the", "this", "that", "each", "every", "one", "no", "any", "red", "black"}
)

_SCHEME = re.compile(r"(?<![A-Za-z])(?:(hxxp)(s?)|(fxp))(?=://|\[:\]//|\[://\])", re.IGNORECASE)
_SEPARATOR = re.compile(r"\[:\]//|\[://\]")
_BRACKETED_DOT = re.compile(
    r"(?<=\w)[ \t]*[\[({<][ \t]*(?:\.|dot)[ \t]*[\])}>][ \t]*(?=\w)", re.IGNORECASE
)
_WORD_DOT = re.compile(r"(?<=\w)[ \t]+dot[ \t]+(?=\w)", re.IGNORECASE)
_SPACED_DOT = re.compile(r"(?<=[A-Za-z0-9])[ \t]+\.[ \t]*(?=[A-Za-z0-9])")
_WORD_BEFORE = re.compile(r"(\w+)$")


@dataclass(frozen=True)
class MappedText:
    """Cleaned text and, per character, the original span it stands for.

    Attributes:
        text: the cleaned text.
        starts: ``starts[i]`` is where character ``i`` of ``text`` begins in the original.
        ends: ``ends[i]`` is where it ends (exclusive) in the original.
    """

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Return the original ``(start, end)`` of the cleaned slice ``text[start:end]``."""
        return self.starts[start], self.ends[end - 1]


def deobfuscate(original: str) -> MappedText:
    """Apply the steps in the module docstring to ``original``; never raises."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, ch in enumerate(original):
        mapped = _map_character(ch)
        if mapped:
            chars.append(mapped)
            starts.append(index)
            ends.append(index + 1)
    mapped_text = MappedText("".join(chars), tuple(starts), tuple(ends))
    mapped_text = _substitute(mapped_text, _SCHEME, _rearm_scheme)
    mapped_text = _substitute(mapped_text, _SEPARATOR, lambda _match: "://")
    mapped_text = _substitute(mapped_text, _BRACKETED_DOT, lambda _match: ".")
    mapped_text = _substitute(mapped_text, _WORD_DOT, _word_dot)
    return _substitute(mapped_text, _SPACED_DOT, lambda _match: ".")


@lru_cache(maxsize=4096)
def _map_character(ch: str) -> str:
    """Steps 1 to 3 for one character: ``""`` deletes it."""
    if ch.isascii():
        return ch
    if ch in INVISIBLE_CHARACTERS:
        return ""
    if ch in DIRECTION_MARKS:
        return " "
    if ch in DOT_LOOKALIKES:
        return "."
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) == 1 and folded.isascii() and (folded.isprintable() or folded == " "):
        return folded
    return ch


def _rearm_scheme(match: re.Match[str]) -> str:
    if match.group(3):
        return "ftp"
    return "http" + match.group(2)


def _word_dot(match: re.Match[str]) -> str | None:
    before = _WORD_BEFORE.search(match.string, max(0, match.start() - 32), match.start())
    if before and before.group(1).lower() in DOT_STOPWORDS:
        return None
    return "."


def _substitute(
    mapped: MappedText,
    pattern: re.Pattern[str],
    replacement: Callable[[re.Match[str]], str | None],
) -> MappedText:
    """Replace each match of ``pattern`` (``None`` keeps it), carrying the span map along.

    A replacement as long as its match maps character by character; otherwise every
    replacement character stands for the whole matched span.
    """
    text = mapped.text
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for match in pattern.finditer(text):
        new = replacement(match)
        if new is None:
            continue
        start, end = match.span()
        chars.append(text[position:start])
        starts.extend(mapped.starts[position:start])
        ends.extend(mapped.ends[position:start])
        chars.append(new)
        if len(new) == end - start:
            starts.extend(mapped.starts[start:end])
            ends.extend(mapped.ends[start:end])
        else:
            starts.extend([mapped.starts[start]] * len(new))
            ends.extend([mapped.ends[end - 1]] * len(new))
        position = end
    if position == 0:
        return mapped
    chars.append(text[position:])
    starts.extend(mapped.starts[position:])
    ends.extend(mapped.ends[position:])
    return MappedText("".join(chars), tuple(starts), tuple(ends))

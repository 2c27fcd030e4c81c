"""The named normalisation profiles: what tvec does to a text before it looks at it.

Each profile is one way of reading a text, built on the shared invisible characters
(:mod:`tvec.text.characters`) and, where hits must be reported at the original position, on
the offset-mapped rewriter (:mod:`tvec.text.rewrite`):

- ``matching`` (:func:`matching`): the match form with its offset map, for entity
  indicators and entity resolution. Invisible characters are deleted.
- ``outlinks`` (:func:`outlinks`): link obfuscation undone (``hxxp``, ``[.]``, full-width
  dots) with its offset map, for finding out-links. Invisible characters are deleted, except
  the bidirectional controls and Hangul fillers, which become a space (they end a link).
- ``display`` (:func:`display`): the check of text people type (references, reasons, notes).
  Invisible characters are refused in one-line fields and allowed in multi-line ones.
- ``hashing`` (:func:`hashing`): the form the ``text`` and ``raw_text`` signals hash (NFKC,
  case folding), which removes the frozen set
  :data:`~tvec.text.characters.TEXT_SIGNAL_INVISIBLE`.

``hashing`` is not mapped and keeps its own character set: banks hold ``text`` hashes computed
with it, so its output must never change.
"""

from __future__ import annotations

import re
import unicodedata

from tvec.text.characters import TEXT_SIGNAL_INVISIBLE
from tvec.text.check import check_text
from tvec.text.links import link_form
from tvec.text.normalize import NormalizedText, normalize
from tvec.text.rewrite import MappedText

#: The profile names, as in the module docstring's table.
PROFILES: tuple[str, ...] = ("matching", "outlinks", "display", "hashing")

_TEXT_SIGNAL_INVISIBLE = re.compile(
    "[" + "".join(re.escape(c) for c in sorted(TEXT_SIGNAL_INVISIBLE)) + "]"
)
_SPACE = re.compile(r"\s+")


def matching(text: str) -> NormalizedText:
    """The match form of ``text`` with its offset map (:func:`tvec.text.normalize.normalize`).

    Never raises; linear in ``len(text)``.
    """
    return normalize(text)


def outlinks(text: str) -> MappedText:
    """``text`` with link obfuscation undone, with its offset map (:mod:`tvec.text.links`).

    Never raises.
    """
    return link_form(text)


def display(value: str, what: str, limit: int, *, multiline: bool = False) -> str:
    """``value`` checked as text a person typed (:func:`tvec.text.check.check_text`), stripped.

    Raises:
        tvec.errors.UsageError: empty, longer than ``limit``, or holding a control, invisible
            (one-line fields only) or lone surrogate character; the message names ``what``.
    """
    return check_text(value, what, limit, multiline=multiline)


def hashing(text: str) -> str:
    """The form of ``text`` that the ``text`` signal hashes (frozen; see the module docstring).

    Unicode NFKC, case folding and NFKC again (case folding can undo NFKC for a few
    characters, Greek and dotted I among them, and the second pass makes one pass stable),
    then the characters of :data:`~tvec.text.characters.TEXT_SIGNAL_INVISIBLE` removed, every
    run of whitespace (``str`` whitespace, ``\\s``) made one space, and the ends stripped.
    """
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    text = _TEXT_SIGNAL_INVISIBLE.sub("", text)
    return _SPACE.sub(" ", text).strip()

"""``raw_text``: the normalised message text itself, matched by edit distance.

Name and meaning as python-threatexchange's ``RawTextSignal``
(``threatexchange/signal_type/raw_text.py``, indicator type ``TEXT_STRING``): the value *is*
the text, so a bank of ``raw_text`` entries holds the texts themselves.

Value: the text in tvec's normal form (:func:`tvec.signals.text.normalize_text`: NFKC, case
folding, invisible characters removed, whitespace collapsed), repeated until it no longer
changes (case folding can undo NFKC, so one pass is not always stable). Texts shorter than
:data:`~tvec.signals.text.MIN_CHARS` characters, or longer than :data:`MAX_BYTES` bytes of
UTF-8, in that form are neither hashed nor valid. The upper limit keeps values within what a
PostgreSQL B-tree index entry may hold (2,704 bytes; signal values are indexed) and bounds
the cost of edit distance; longer texts are still matched by ``text`` (exactly) and
``text_tlsh`` (fuzzily), which suit long texts better anyway.

Distance follows pytx's ``RawTextSignal.matches_str``: both texts are reduced as pytx's
``common.normalize_string`` reduces them (lower-cased, accents removed by NFKD, every
character that is not a letter or digit removed), and their Levenshtein distance (unit cost
insert, delete, substitute; computed with ``rapidfuzz``) is taken. pytx matches when that
distance is at most 5% of the query's reduced length. tvec gives it as an integer percentage
of the *longer* reduced text, rounded up: ``ceil(100 * levenshtein / max(len_a, len_b))``,
0 to 100, so that the distance is symmetric; :data:`RAW_TEXT_THRESHOLD` is 5, pytx's
``pct_diff_threshold`` default. Two texts whose reduced forms are both empty (only
punctuation or emoji) are at 0 when their values are equal and 100 otherwise.

Differences from pytx worth knowing: pytx's repeat-squashing step (``w0000t`` -> ``w00t``)
has a regular expression that never matches, so neither it nor tvec squashes repeats; and
pytx's Levenshtein (``weighted_levenshtein``) fails on non-ASCII text, which tvec handles.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import ClassVar

from tvec.errors import InvalidSignalError
from tvec.media import TEXT
from tvec.signals.base import SignalType, SignalValue, TextHasher
from tvec.signals.text import MIN_CHARS, normalize_text

#: Default threshold: percent of the longer reduced text that may differ (pytx's 5.0).
RAW_TEXT_THRESHOLD = 5
#: Longest canonical text (UTF-8 bytes) that is a raw_text value (see the module docstring).
MAX_BYTES = 2000
_NOT_ALPHANUMERIC = re.compile(r"[\W_]")


def _preview(value: str) -> str:
    """``repr`` of ``value``, cut to 60 characters for error messages."""
    return repr(value if len(value) <= 60 else value[:57] + "...")


def canonical_text(text: str) -> str:
    """``normalize_text`` applied until the result no longer changes (at most 4 passes)."""
    for _ in range(4):
        again = normalize_text(text)
        if again == text:
            break
        text = again
    return text


@lru_cache(maxsize=65536)
def pytx_reduce(text: str) -> str:
    """The letters and digits of ``text`` as pytx's ``common.normalize_string`` keeps them.

    Lower-cased, decomposed (NFKD) with combining marks dropped, and every character that
    is not a word character, or is ``_``, removed (spaces and punctuation included).
    """
    text = text.lower()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NOT_ALPHANUMERIC.sub("", text)


class RawTextSignal(SignalType, TextHasher):
    """The normalised text; distance is a Levenshtein percentage (0-100), threshold 5."""

    name: ClassVar[str] = "raw_text"
    content_types: ClassVar[frozenset[str]] = frozenset({TEXT})
    default_threshold: ClassVar[int] = RAW_TEXT_THRESHOLD

    def validate(self, value: str) -> str:
        """The text in canonical form (see the module docstring).

        Raises:
            tvec.errors.InvalidSignalError: fewer than ``MIN_CHARS`` characters, or more
                than ``MAX_BYTES`` bytes of UTF-8, once normalised.
        """
        canonical = canonical_text(value)
        if len(canonical) < MIN_CHARS:
            problem = f"a raw_text value must have at least {MIN_CHARS} characters once normalised"
            raise InvalidSignalError(_preview(value), problem)
        size = len(canonical.encode("utf-8"))
        if size > MAX_BYTES:
            problem = f"a raw_text value may have at most {MAX_BYTES} bytes of UTF-8, got {size}"
            raise InvalidSignalError(_preview(value), problem)
        return canonical

    def distance(self, a: str, b: str) -> int:
        """Levenshtein distance of the reduced texts as a percentage of the longer, rounded up.

        0 means the reduced texts are equal, 100 that they share nothing (or that exactly
        one is empty).
        """
        ra, rb = pytx_reduce(a), pytx_reduce(b)
        longer = max(len(ra), len(rb))
        if longer == 0:
            return 0 if a == b else 100
        from rapidfuzz.distance import Levenshtein  # only to compare: not at start-up

        edits = Levenshtein.distance(ra, rb)
        return -(-100 * edits // longer)

    def hash_text(self, text: str) -> SignalValue | None:
        """The canonical text, or ``None`` if it is too short or too long to be a value."""
        canonical = canonical_text(text)
        if len(canonical) < MIN_CHARS or len(canonical.encode("utf-8")) > MAX_BYTES:
            return None
        return SignalValue(self.name, canonical)

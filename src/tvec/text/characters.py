"""The one definition of invisible characters that every text profile uses.

A character is *invisible* (:func:`is_invisible`) when it is drawn as nothing, or only changes
how its neighbours are drawn, so that two texts that look the same to a person may differ in
it. The definition follows the Unicode properties, as far as Python's ``unicodedata``
exposes them:

- general category ``Cf`` (format): zero-width space, non-joiner and joiner U+200B..U+200D,
  the bidirectional controls (:data:`BIDI_CONTROLS`), word joiner and invisible operators
  U+2060..U+2064, the deprecated format characters U+206A..U+206F, byte-order mark U+FEFF,
  soft hyphen U+00AD, Mongolian vowel separator U+180E, interlinear annotation controls
  U+FFF9..U+FFFB, the tag characters U+E0001 and U+E0020..U+E007F (:data:`TAGS`), and the
  few prepended concatenation marks (U+0600..U+0605, U+06DD, U+070F, U+08E2...), which are
  drawn but carry no letter;
- the variation selectors (:data:`VARIATION_SELECTORS`: U+FE00..U+FE0F, U+E0100..U+E01EF and
  the Mongolian free variation selectors U+180B..U+180D, U+180F; category ``Mn``), which only
  choose a glyph for the character before them;
- the combining grapheme joiner U+034F (category ``Mn``);
- the Hangul fillers (:data:`HANGUL_FILLERS`: U+115F, U+1160, U+3164, U+FFA0; category
  ``Lo``), letters with no glyph that render as a blank.

Apart from the prepended concatenation marks and the unassigned U+2065, these are the
assigned code points of Unicode's ``Default_Ignorable_Code_Point`` property
(``DerivedCoreProperties.txt``; UAX #44, UTS #39 section 3.1) in the Basic Multilingual Plane
and the tags plane, which ``unicodedata`` does not expose directly.

The profiles (:mod:`tvec.text.profiles`) differ only in what they do with these characters:
the match form deletes them, the out-link form deletes them except the bidirectional controls
and Hangul fillers, which end a link (they become a space), and the display check refuses them
in one-line fields. The ``text`` signal's hash keeps its own frozen set
(:data:`TEXT_SIGNAL_INVISIBLE`), because banks hold hashes computed with it.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

#: Unicode's ``Bidi_Control`` property (UAX #9, ``PropList.txt``): ALM U+061C, LRM and RLM
#: U+200E/F, the embeddings and overrides U+202A..U+202E, the isolates U+2066..U+2069.
BIDI_CONTROLS: frozenset[str] = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

#: Variation selectors (``StandardizedVariants.txt``, ``Variation_Selector`` property):
#: VS1..VS16, VS17..VS256 and the Mongolian free variation selectors.
VARIATION_SELECTORS: frozenset[str] = frozenset(
    [chr(c) for c in range(0xFE00, 0xFE10)]
    + [chr(c) for c in range(0xE0100, 0xE01F0)]
    + ["\u180b", "\u180c", "\u180d", "\u180f"]
)

#: Tag characters (Unicode chapter 23.9): language tag U+E0001 and tags U+E0020..U+E007F,
#: used in emoji tag sequences and to smuggle hidden ASCII. All are category ``Cf``.
TAGS: frozenset[str] = frozenset(["\U000e0001"] + [chr(c) for c in range(0xE0020, 0xE0080)])

#: Hangul fillers: letters (category ``Lo``) that have no glyph and render as a blank.
HANGUL_FILLERS: frozenset[str] = frozenset("\u115f\u1160\u3164\uffa0")

#: Combining grapheme joiner (category ``Mn``, default ignorable).
COMBINING_GRAPHEME_JOINER = "\u034f"

#: Characters the ``text`` signal removes before hashing: U+00AD, U+200B..U+200F,
#: U+202A..U+202E, U+2060..U+2069 (U+2065 is unassigned) and U+FEFF. Frozen: banks hold hashes
#: computed with exactly this set, so it must never change (even to follow
#: :func:`is_invisible`). All but U+2065 are invisible.
TEXT_SIGNAL_INVISIBLE: frozenset[str] = frozenset(
    "\u00ad\ufeff"
    + "".join(chr(c) for c in range(0x200B, 0x2010))
    + "".join(chr(c) for c in range(0x202A, 0x202F))
    + "".join(chr(c) for c in range(0x2060, 0x206A))
)

_EXTRA = VARIATION_SELECTORS | HANGUL_FILLERS | {COMBINING_GRAPHEME_JOINER}


@lru_cache(maxsize=8192)
def is_invisible(char: str) -> bool:
    """Whether the one character ``char`` is invisible (see the module docstring)."""
    return char in _EXTRA or unicodedata.category(char) == "Cf"


def is_blank_invisible(char: str) -> bool:
    """Whether ``char`` is an invisible character that separates words when shown.

    The bidirectional controls (they start or end a run of text in another direction) and
    the Hangul fillers (drawn as a blank). Other invisible characters join their neighbours.
    """
    return char in BIDI_CONTROLS or char in HANGUL_FILLERS

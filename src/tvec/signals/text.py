"""``text``: SHA-256 of message text after normalisation, for exact re-posts of a message.

Normalisation (so that trivial edits do not change the hash) is the ``hashing`` profile of
:mod:`tvec.text.profiles`: Unicode NFKC, case folding and NFKC again (so that normalising
twice gives the same as once), removal of zero-width and bidirectional control characters
(U+200B-U+200F, U+202A-U+202E, U+2060-U+2069, U+FEFF, U+00AD: the frozen
:data:`tvec.text.characters.TEXT_SIGNAL_INVISIBLE`), and every run of whitespace collapsed to
one space, with leading and trailing whitespace removed. It must never change: banks hold
hashes computed with it. Texts that normalise to fewer than
:data:`MIN_CHARS` characters are not hashed (too short to identify a message).
"""

from __future__ import annotations

import hashlib
from typing import ClassVar

from tvec.media import TEXT
from tvec.signals.base import SignalType, SignalValue, TextHasher, require_hex

MIN_CHARS = 8


def normalize_text(text: str) -> str:
    """The normalised form of ``text`` described in the module docstring."""
    from tvec.text import profiles  # imported on first use: look-ups of hashes never need it

    return profiles.hashing(text)


class TextSignal(SignalType, TextHasher):
    """SHA-256 (64 hex digits) of the normalised text; exact match only."""

    name: ClassVar[str] = "text"
    content_types: ClassVar[frozenset[str]] = frozenset({TEXT})

    def validate(self, value: str) -> str:
        """Lower-case 64 hex digits. Raises InvalidSignalError otherwise."""
        return require_hex(value, 64, self.name)

    def hash_text(self, text: str) -> SignalValue | None:
        """Hash of the normalised text, or ``None`` if shorter than MIN_CHARS."""
        normalised = normalize_text(text)
        if len(normalised) < MIN_CHARS:
            return None
        return SignalValue(self.name, hashlib.sha256(normalised.encode("utf-8")).hexdigest())

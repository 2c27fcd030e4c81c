"""``text_tlsh``: TLSH locality-sensitive digest of message text, for near-duplicate texts.

Name, value format and hashing as python-threatexchange's ``TextTLSHSignal``
(``threatexchange/extensions/tlsh/text_tlsh.py``, indicator type ``HASH_TEXT_TLSH``): the
TLSH digest (Trend Micro, https://github.com/trendmicro/tlsh; Oliver et al., "TLSH - A
Locality Sensitive Hash", 2013) of the text's UTF-8 bytes as given, computed by the
``py-tlsh`` binding (imported as ``tlsh``). The digest is ``T1`` followed by 70 upper-case hex
digits (72 characters). TLSH needs at least :data:`TLSH_MIN_BYTES` bytes with enough
variety; for shorter or too uniform text it gives ``TNULL`` and tvec gives no signal.

Distance is ``tlsh.diff`` (the TLSH difference score including the length term: 0 for equal
digests, no upper bound, larger is further). Texts within :data:`TLSH_THRESHOLD` (30, pytx's
``TLSH_CONFIDENT_MATCH_THRESHOLD``) match. pytx compares with ``tlsh.diffxlen``, which leaves
out the length term, so tvec's score is never lower than pytx's: every tvec match is a pytx
match, but two texts of very different lengths may match in pytx and not here.
"""

from __future__ import annotations

import re
from typing import ClassVar

from tvec.errors import InvalidSignalError
from tvec.media import TEXT
from tvec.signals.base import SignalType, SignalValue, TextHasher

#: Fewest bytes TLSH hashes (py-tlsh 4.x and later); shorter input gives ``TNULL``.
TLSH_MIN_BYTES = 50
#: Default match threshold, pytx's ``TLSH_CONFIDENT_MATCH_THRESHOLD``.
TLSH_THRESHOLD = 30
_DIGEST = re.compile(r"T1[0-9A-F]{70}")


class TextTLSHSignal(SignalType, TextHasher):
    """TLSH digest of text (``T1`` + 70 hex digits); distance ``tlsh.diff``, threshold 30."""

    name: ClassVar[str] = "text_tlsh"
    content_types: ClassVar[frozenset[str]] = frozenset({TEXT})
    default_threshold: ClassVar[int] = TLSH_THRESHOLD

    def validate(self, value: str) -> str:
        """Upper-case ``T1`` + 70 hex digits (surrounding whitespace removed).

        Raises:
            tvec.errors.InvalidSignalError: not a TLSH version-1 digest (``TNULL`` included).
        """
        cleaned = value.strip().upper()
        if not _DIGEST.fullmatch(cleaned):
            raise InvalidSignalError(
                repr(value), "a text_tlsh value must be 'T1' followed by 70 hex digits"
            )
        return cleaned

    def distance(self, a: str, b: str) -> int:
        """TLSH difference score ``tlsh.diff(a, b)`` of two canonical digests (0 = equal)."""
        import tlsh  # imported to compare or hash: validating a value needs none

        return int(tlsh.diff(a, b))

    def hash_text(self, text: str) -> SignalValue | None:
        """TLSH digest of ``text`` as UTF-8, or ``None`` if TLSH cannot hash it (too short)."""
        import tlsh

        digest = str(tlsh.hash(text.encode("utf-8")))
        if not _DIGEST.fullmatch(digest):
            return None
        return SignalValue(self.name, digest)

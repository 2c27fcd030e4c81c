"""``video_md5``: MD5 of a video file's bytes (exact match only).

Name, value format and meaning as python-threatexchange's ``VideoMD5Signal``
(``threatexchange/signal_type/md5.py``, ThreatExchange indicator type ``HASH_VIDEO_MD5``):
32 lower-case hex digits of the MD5 (RFC 1321) of the whole file. It is the same digest as
``md5`` but applies to videos only, so that a bank of video MD5s from ThreatExchange keeps
its meaning. Any re-encoding changes it; perceptual video hashes (vPDQ, TMK+PDQF) survive
that, this does not.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar

from tvec.media import VIDEO
from tvec.signals.base import BytesHasher, SignalType, SignalValue, require_hex


class VideoMD5Signal(SignalType, BytesHasher):
    """MD5 of a video file's bytes, 32 lower-case hex digits; exact match only."""

    name: ClassVar[str] = "video_md5"
    content_types: ClassVar[frozenset[str]] = frozenset({VIDEO})

    def validate(self, value: str) -> str:
        """Lower-case 32-hex-digit MD5.

        Raises:
            tvec.errors.InvalidSignalError: not 32 hex digits.
        """
        return require_hex(value, 32, self.name)

    def hash_bytes(self, data: bytes) -> SignalValue:
        """MD5 of ``data`` (the whole video file)."""
        return SignalValue(self.name, hashlib.md5(data, usedforsecurity=False).hexdigest())

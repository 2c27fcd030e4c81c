"""Cryptographic file hashes: ``md5`` and ``sha256`` (exact match only).

MD5 is what many hash-sharing lists (TCAP, GIFCT's MD5 lists) still exchange; SHA-256 is the
evidence store's key. Both apply to every file-like content type.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar

from tvec.media import FILE, PHOTO, TEXT, VIDEO
from tvec.signals.base import BytesHasher, SignalType, SignalValue, require_hex


class MD5Signal(SignalType, BytesHasher):
    """MD5 of a file's bytes, 32 lower-case hex digits (RFC 1321)."""

    name: ClassVar[str] = "md5"
    content_types: ClassVar[frozenset[str]] = frozenset({PHOTO, VIDEO, FILE, TEXT})

    def validate(self, value: str) -> str:
        """Lower-case 32-hex-digit MD5. Raises InvalidSignalError otherwise."""
        return require_hex(value, 32, self.name)

    def hash_bytes(self, data: bytes) -> SignalValue:
        """MD5 of ``data``."""
        return SignalValue(self.name, hashlib.md5(data, usedforsecurity=False).hexdigest())


class SHA256Signal(SignalType, BytesHasher):
    """SHA-256 of a file's bytes, 64 lower-case hex digits (FIPS 180-4)."""

    name: ClassVar[str] = "sha256"
    content_types: ClassVar[frozenset[str]] = frozenset({PHOTO, VIDEO, FILE, TEXT})

    def validate(self, value: str) -> str:
        """Lower-case 64-hex-digit SHA-256. Raises InvalidSignalError otherwise."""
        return require_hex(value, 64, self.name)

    def hash_bytes(self, data: bytes) -> SignalValue:
        """SHA-256 of ``data``."""
        return SignalValue(self.name, hashlib.sha256(data).hexdigest())

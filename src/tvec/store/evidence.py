"""Content-addressed evidence store: original bytes kept by SHA-256.

Layout: ``<root>/<aa>/<bb>/<sha256>`` where ``aa``/``bb`` are the first two byte pairs of the
hex digest. Writes are atomic (temporary file in the same folder, ``fsync``, ``os.replace``),
so a killed process never leaves a partial file under a final name; writing the same content
twice is a no-op.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from tvec.errors import NotFoundError, StoreError


class EvidenceStore:
    """Keeps original bytes by their SHA-256 digest (64 lower-case hex characters)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        """Where the bytes with this digest live (whether or not they are stored yet).

        Raises:
            StoreError: ``sha256`` is not 64 lower-case hex characters.
        """
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise StoreError(f"evidence key {sha256!r} is not a lower-case SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes, sha256: str | None = None) -> str:
        """Store ``data`` and return its SHA-256 hex digest.

        Args:
            data: the original bytes.
            sha256: the digest if the caller has it already (checked against ``data``).

        Raises:
            StoreError: the digest given does not match, or the file cannot be written.
        """
        digest = hashlib.sha256(data).hexdigest()
        if sha256 is not None and sha256 != digest:
            raise StoreError(f"evidence digest mismatch: given {sha256}, computed {digest}")
        target = self.path_for(digest)
        if target.exists():
            return digest
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp_name, target)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StoreError(f"cannot write evidence {digest} under {self.root}: {exc}") from exc
        return digest

    def get(self, sha256: str) -> bytes:
        """The stored bytes for ``sha256``.

        Raises:
            NotFoundError: nothing is stored under that digest.
        """
        path = self.path_for(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise NotFoundError(f"no evidence stored for sha256 {sha256}") from exc

    def __contains__(self, sha256: object) -> bool:
        return isinstance(sha256, str) and self.path_for(sha256).exists()

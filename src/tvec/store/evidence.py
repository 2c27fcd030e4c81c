"""Content-addressed evidence store: original bytes kept by SHA-256.

Layout: ``<root>/<aa>/<bb>/<sha256>`` where ``aa``/``bb`` are the first two byte pairs of the
hex digest. Writes are atomic (temporary file in the same folder, ``fsync``, ``os.replace``),
so a killed process never leaves a partial file under a final name; writing the same content
twice is a no-op.

A scan writes with ``put(..., sync=False)`` (no ``fsync`` per file: 2.1 s per 500 files on
the reference machine) and makes a whole batch durable at once with :func:`sync_evidence`
(one ``syncfs`` of the evidence file system) just before the batch's database commit. The
commit order is the guarantee: an item row that names evidence is committed only after its
bytes reached the disk; a crash before that leaves at most evidence files with no row, which
the next scan writes again (same name, same bytes).

The store may also be an fsspec URL (``TVEC_EVIDENCE_URL``: ``s3://bucket/evidence``,
``gs://...``), so that scan workers on several machines (Dask) keep evidence in one place:
:class:`RemoteEvidenceStore`, same layout and keys. :func:`open_evidence` picks the store for
a location; a ``file://`` URL is the local store of that folder.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

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

    def put(
        self,
        data: bytes,
        sha256: str | None = None,
        *,
        sync: bool = True,
        verified: bool = False,
    ) -> str:
        """Store ``data`` and return its SHA-256 hex digest.

        Args:
            data: the original bytes.
            sha256: the digest if the caller has it already (checked against ``data``).
            sync: ``fsync`` the file before it gets its final name; False leaves durability
                to the caller (:func:`sync_evidence` before the commit that refers to it).
            verified: ``sha256`` was computed from these very bytes by the caller (a scan
                worker's ``sha256`` signal), so they are not hashed a second time (a quarter
                of a millisecond per 400 KB photo); ignored when ``sha256`` is None.

        Raises:
            StoreError: the digest given does not match, or the file cannot be written.
        """
        digest = _digest(data, sha256, verified)
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
                    if sync:
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


class RemoteEvidenceStore:
    """The evidence store at an fsspec URL (``s3://bucket/evidence``, ``gs://...``,
    ``memory://...``): ``<url>/<aa>/<bb>/<sha256>``, as :class:`EvidenceStore`.

    A write is one whole-object upload (``pipe_file``: an object appears whole or not at all
    on object stores), skipped when the key exists, so a retried task that writes the same
    bytes again changes nothing. Durability is the object store's at the end of each upload.

    Args:
        url: the store's root URL; its protocol's fsspec implementation must be installed
            (``s3fs`` for ``s3://``, ``gcsfs`` for ``gs://``).
        storage_options: passed to ``fsspec.core.url_to_fs`` (credentials come from the
            environment otherwise, as each implementation documents).

    Raises:
        StoreError: the URL's protocol is unknown or its implementation is not installed.
    """

    def __init__(self, url: str, **storage_options: Any) -> None:
        import fsspec.core

        self.url = url.rstrip("/")
        try:
            fs, root = fsspec.core.url_to_fs(self.url, **storage_options)
        except (ImportError, ValueError) as exc:
            raise StoreError(f"evidence store {url}: {exc}") from exc
        self.fs = fs
        self.root = str(root).rstrip("/")

    def key_for(self, sha256: str) -> str:
        """The object path (in the URL's file system) of the bytes with this digest.

        Raises:
            StoreError: ``sha256`` is not 64 lower-case hex characters.
        """
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise StoreError(f"evidence key {sha256!r} is not a lower-case SHA-256 hex digest")
        return f"{self.root}/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def put(
        self,
        data: bytes,
        sha256: str | None = None,
        *,
        sync: bool = True,
        verified: bool = False,
    ) -> str:
        """Store ``data`` and return its SHA-256 hex digest (``sync`` is accepted for the
        local store's signature: an upload is durable when it returns; ``verified`` as for
        :meth:`EvidenceStore.put`).

        Raises:
            StoreError: the digest given does not match, or the upload fails.
        """
        digest = _digest(data, sha256, verified)
        key = self.key_for(digest)
        try:
            if not self.fs.exists(key):
                self.fs.pipe_file(key, data)
        except OSError as exc:
            raise StoreError(f"cannot write evidence {digest} under {self.url}: {exc}") from exc
        return digest

    def get(self, sha256: str) -> bytes:
        """The stored bytes for ``sha256``.

        Raises:
            NotFoundError: nothing is stored under that digest.
            StoreError: the store cannot be read.
        """
        key = self.key_for(sha256)
        try:
            return bytes(self.fs.cat_file(key))
        except FileNotFoundError as exc:
            raise NotFoundError(f"no evidence stored for sha256 {sha256}") from exc
        except OSError as exc:
            raise StoreError(f"cannot read evidence {sha256} under {self.url}: {exc}") from exc

    def __contains__(self, sha256: object) -> bool:
        return isinstance(sha256, str) and bool(self.fs.exists(self.key_for(sha256)))


def _digest(data: bytes, sha256: str | None, verified: bool) -> str:
    """The SHA-256 hex digest of ``data``: ``sha256`` itself when the caller ``verified`` it,
    else computed (and checked against ``sha256`` when given).

    Raises:
        StoreError: ``sha256`` is given, not verified, and is not the digest of ``data``.
    """
    if sha256 is not None and verified:
        return sha256
    digest = hashlib.sha256(data).hexdigest()
    if sha256 is not None and sha256 != digest:
        raise StoreError(f"evidence digest mismatch: given {sha256}, computed {digest}")
    return digest


def local_root(location: Path | str) -> Path | None:
    """The local folder of an evidence location (a path or a ``file://`` URL), or None for
    another URL."""
    if isinstance(location, Path):
        return location
    if location.startswith("file:"):
        return Path(unquote(urlparse(location).path))
    if "://" not in location:
        return Path(location)
    return None


def open_evidence(location: Path | str) -> EvidenceStore | RemoteEvidenceStore:
    """The evidence store at ``location`` (``Settings.evidence_location``): a folder or
    ``file://`` URL gives :class:`EvidenceStore`, another fsspec URL
    :class:`RemoteEvidenceStore`.

    Raises:
        StoreError: an unknown protocol, or one whose implementation is not installed.
    """
    root = local_root(location)
    if root is not None:
        return EvidenceStore(root)
    return RemoteEvidenceStore(str(location))


def sync_evidence(root: Path | str) -> None:
    """Make every evidence file written so far under ``root`` durable, at once.

    On Linux one ``syncfs`` of the file system holding ``root`` (files and the renames that
    named them); elsewhere ``os.sync()``. A missing ``root`` (nothing written yet) is a no-op,
    and so is an fsspec URL other than ``file://`` (each upload is durable when it returns).

    Raises:
        StoreError: the file system reports a write error.
    """
    local = local_root(root)
    if local is None:
        return
    root = local
    if not root.is_dir():
        return
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(root, os.O_RDONLY)
        try:
            if libc.syncfs(fd) != 0:
                errno = ctypes.get_errno()
                raise StoreError(f"cannot sync evidence under {root}: {os.strerror(errno)}")
        finally:
            os.close(fd)
    else:
        os.sync()

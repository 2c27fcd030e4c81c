"""Inputs at fsspec URLs (``s3://``, ``gs://``, ``memory://``...): listed and read through fsspec.

``tvec scan s3://bucket/drop`` lists every object under the URL (``find``, sorted by name,
hidden names skipped as in :mod:`tvec.sources.folder`) and yields one file item per object,
its locator the object's URL. The item's ``path`` is a :class:`RemoteFile`: it stands where
the scan expects a :class:`~pathlib.Path` (``stat`` for the size and modification time that
decide whether a file changed since the last scan, ``read_bytes`` for its content), so the
scan's own per-item functions read it unchanged, on a Dask worker or in the scan's process.
Every object is read as a file: Telegram exports and JSON Lines files are read as such only
from local folders.

The protocol's fsspec implementation must be installed where the input is read (``s3fs`` for
``s3://``, ``gcsfs`` for ``gs://``; ``pip install 'tvec[cloud]'``); credentials come from the
environment as each implementation documents (for s3fs: ``AWS_ACCESS_KEY_ID``, ...,
``AWS_ENDPOINT_URL`` for another S3 service). ``memory://`` is one process's memory: useful in
tests, not across Dask workers.
"""

from __future__ import annotations

import os
import stat as stat_module
from collections.abc import Iterator
from datetime import datetime
from pathlib import PosixPath
from typing import Any
from urllib.parse import urlparse

from tvec.errors import MissingMediaError
from tvec.sources.base import RawItem

#: URL schemes read as local paths, not through fsspec.
LOCAL_SCHEMES = ("", "file", "local")


def url_scheme(text: str) -> str:
    """The scheme of an input URL (``s3`` for ``s3://b/k`` and for the ``s3:/b/k`` that
    :class:`~pathlib.Path` makes of it), or "" for a plain path."""
    if "://" in text:
        return text.split("://", 1)[0].lower()
    head = text.split(":/", 1)[0]
    if ":/" in text and head.isalnum() and len(head) > 1:
        return head.lower()
    return ""


def normalised_url(text: str) -> str:
    """``text`` as a URL with ``//`` after its scheme (``s3:/b/k`` -> ``s3://b/k``)."""
    scheme = url_scheme(text)
    if not scheme or "://" in text:
        return text
    return f"{scheme}://{text.split(':/', 1)[1].lstrip('/')}"


def _mtime_ns(info: dict[str, Any]) -> int:
    """Modification time (ns since the epoch) from an fsspec ``info`` dict, as each
    implementation names it (``mtime``, ``LastModified``, ``updated``, ``created``); 0 when it
    gives none (then only the size tells a changed object)."""
    for name in ("mtime", "LastModified", "updated", "created"):
        value = info.get(name)
        if isinstance(value, datetime):
            return int(value.timestamp() * 1_000_000_000)
        if isinstance(value, (int, float)):
            return int(value * 1_000_000_000)
        if isinstance(value, str):
            try:
                return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1e9)
            except ValueError:
                continue
    return 0


class RemoteFile(PosixPath):
    """A file at an fsspec URL, usable where the scan reads a :class:`~pathlib.Path`:
    ``stat`` (size, modification time), ``read_bytes``, ``exists``, ``is_file``,
    ``is_dir``; ``str()`` and ``as_uri()`` give the URL. ``name`` and ``suffix`` are the
    object's. Pickles as its URL (Dask ships it to the workers, which read it themselves).

    Args:
        url: the object's URL (``s3://bucket/key``).
        info: its fsspec ``info`` dict, when a listing gave it (saves a request per file).

    Raises:
        InputError: never; the file system is opened on first use (``OSError`` then, or
            ``ImportError`` when the protocol's implementation is missing).
    """

    url: str
    _info: dict[str, Any] | None

    def __new__(cls, url: str, info: dict[str, Any] | None = None) -> RemoteFile:
        url = normalised_url(url)
        parsed = urlparse(url)
        self = super().__new__(cls, "/" + parsed.netloc + parsed.path)
        self.url = url
        self._info = info
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (RemoteFile, (self.url,))

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"RemoteFile({self.url!r})"

    def _fs(self) -> tuple[Any, str]:
        import fsspec.core

        fs, path = fsspec.core.url_to_fs(self.url)
        return fs, str(path)

    def info(self) -> dict[str, Any]:
        """The object's fsspec ``info`` (cached). Raises OSError (FileNotFoundError)."""
        if self._info is None:
            fs, path = self._fs()
            self._info = dict(fs.info(path))
        return self._info

    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        """Size and modification time (``st_size``, ``st_mtime``, ``st_mtime_ns``) of the
        object; ``st_mode`` says file or folder. Raises OSError."""
        info = self.info()
        folder = info.get("type") == "directory"
        mode = (stat_module.S_IFDIR | 0o755) if folder else (stat_module.S_IFREG | 0o644)
        size = int(info.get("size") or 0)
        mtime_ns = _mtime_ns(info)
        seconds = mtime_ns // 1_000_000_000
        return os.stat_result(
            (mode, 0, 0, 1, 0, 0, size, seconds, seconds, seconds),
            {"st_mtime_ns": mtime_ns, "st_atime_ns": mtime_ns, "st_ctime_ns": mtime_ns},
        )

    def read_bytes(self) -> bytes:
        """The object's content. Raises OSError."""
        fs, path = self._fs()
        return bytes(fs.cat_file(path))

    def exists(self, *, follow_symlinks: bool = True) -> bool:
        """Whether the URL names an object or a folder (prefix)."""
        try:
            fs, path = self._fs()
            return bool(fs.exists(path))
        except (OSError, ValueError):
            return False

    def is_dir(self) -> bool:
        """Whether the URL names a folder (a prefix holding objects)."""
        try:
            fs, path = self._fs()
            return bool(fs.isdir(path))
        except (OSError, ValueError):
            return False

    def is_file(self) -> bool:
        """Whether the URL names an object."""
        try:
            fs, path = self._fs()
            return bool(fs.isfile(path))
        except (OSError, ValueError):
            return False

    def resolve(self, strict: bool = False) -> RemoteFile:
        """Itself (a URL is already absolute)."""
        return self

    def absolute(self) -> RemoteFile:
        """Itself (a URL is already absolute)."""
        return self

    def as_uri(self) -> str:
        """The URL."""
        return self.url


def _hidden(relative: str) -> bool:
    return any(part.startswith(".") for part in relative.split("/") if part)


def read_remote(root: RemoteFile) -> Iterator[RawItem]:
    """One file item per object at or under ``root``, sorted by URL; hidden names skipped.

    Never raises: a URL that names nothing, or one that cannot be listed (no credentials, no
    such bucket, the protocol's package missing), yields one item carrying a
    :class:`~tvec.errors.MissingMediaError` that says why.
    """
    try:
        fs, base = root._fs()
        if fs.isdir(base):
            listing = fs.find(base, detail=True)
        elif fs.isfile(base):
            listing = {base: fs.info(base)}
        else:
            yield RawItem(root.url, root.url, error=MissingMediaError(root.url, "no such object"))
            return
    except (OSError, ImportError, ValueError) as exc:
        problem = MissingMediaError(root.url, f"cannot list: {exc}")
        yield RawItem(root.url, root.url, error=problem)
        return
    prefix = str(base).rstrip("/")
    for path in sorted(listing):
        info = listing[path]
        if info.get("type") == "directory":
            continue
        if _hidden(str(path)[len(prefix) :]):
            continue
        url = fs.unstrip_protocol(path)
        yield RawItem(locator=url, name=url, path=RemoteFile(url, dict(info)))

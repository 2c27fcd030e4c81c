"""The persisted PDQ index's format name and version, and the error for an older version:
plain Python, shared by the numpy writer and reader (:mod:`tvec.matching.pdq_store`) and the
numpy-free reader (:mod:`tvec.matching.light_index`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tvec.errors import StoreError

#: ``format`` of every part's ``meta.json``.
FORMAT = "tvec-pdq-index"
#: 2: each table's rows are stored with a fragment of their hash (``entries``; version 1
#: stored a bare permutation, ``perm``).
VERSION = 2


class OutdatedIndexError(StoreError):
    """The folder holds a PDQ index saved by an older tvec (another format version): it is
    not read, and rebuilding it is the remedy."""


def read_meta(folder: Path) -> dict[str, Any]:
    """The ``meta.json`` of a saved index part, checked to be this format and version.

    Raises:
        OutdatedIndexError: an index of an older format version (rebuild it).
        StoreError: not a saved index of this format and version.
        OSError, ValueError: the file is missing or not JSON (the callers report these with
            the folder).
    """
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    if not isinstance(meta, dict):
        raise StoreError(f"{folder}: not a {FORMAT} version {VERSION} folder")
    version = meta.get("version")
    if meta.get("format") == FORMAT and isinstance(version, int) and version < VERSION:
        raise OutdatedIndexError(
            f"{folder}: a {FORMAT} of the older format version {version} (this tvec "
            f"reads version {VERSION})"
        )
    if meta.get("format") != FORMAT or version != VERSION:
        raise StoreError(f"{folder}: not a {FORMAT} version {VERSION} folder")
    return meta

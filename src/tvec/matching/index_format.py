"""The persisted PDQ index's format name and version, and the error for an older version:
plain Python, shared by the numpy writer and reader (:mod:`tvec.matching.pdq_store`) and the
numpy-free reader (:mod:`tvec.matching.light_index`)."""

from __future__ import annotations

from tvec.errors import StoreError

#: ``format`` of every part's ``meta.json``.
FORMAT = "tvec-pdq-index"
#: 2: each table's rows are stored with a fragment of their hash (``entries``; version 1
#: stored a bare permutation, ``perm``).
VERSION = 2


class OutdatedIndexError(StoreError):
    """The folder holds a PDQ index saved by an older tvec (another format version): it is
    not read, and rebuilding it is the remedy."""

"""Index look-ups made where the signals are made (a Dask worker), resolved where they are stored.

A Dask worker that prepares a file or post maps the persisted index
(:class:`~tvec.matching.shared.IndexFiles`: the folder and the version are shipped with the
task, the worker opens the files itself, memory-mapped, once per version) and looks up the
item's PDQ hashes and exact-match keys there, the part of matching whose cost grows with the
banks. It returns the raw candidates, ``(entry id, distance)``, tagged with the index version
it used (:class:`Candidates`).

The scan's process keeps them in an :class:`IndexLookups`. Its
:class:`~tvec.matching.matcher.Matcher` takes a candidate list from there instead of querying
the index itself **only when the version is the one it holds**, then resolves the candidates
exactly as for its own look-ups (bank filter, entry labels, the exact value check, video
frames). A worker that finds another version (a bank changed meanwhile) or no index (the
folder is not shared with it) returns no candidates, and the scan's process looks the
signals up itself: the answers are the same either way. A worker never sees a half-written
index (:meth:`~tvec.matching.shared.IndexFiles.load` waits until both parts agree).

``vpdq`` and the linear types (``text_tlsh``, ``raw_text``) are not in the index files and are
matched by the scan's process.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tvec.matching.index_sync import EXACT, kind_of
from tvec.matching.pdq_hash import pdq_hex_to_bytes
from tvec.matching.shared import IndexFiles, IndexSnapshot, exact_key
from tvec.signals import SignalValue


@dataclass(frozen=True)
class IndexSpec:
    """Where the persisted index is and which version to use, shipped with each task.

    Attributes:
        folder: the index folder (``TVEC_INDEX_DIR``), the same path on every worker.
        version: the bank change counter of the index the scan's process matches with.
        pdq_threshold: largest PDQ distance (bits) that matches (``TVEC_PDQ_THRESHOLD``).
        pdq_min_quality: PDQ hashes below this quality are not looked up.
    """

    folder: str
    version: int
    pdq_threshold: int
    pdq_min_quality: int


@dataclass
class Candidates:
    """Raw index look-ups at ``version``: PDQ hash (32 bytes) -> ``(entry id, bits)`` nearest
    first; exact key (:func:`~tvec.matching.shared.exact_key`) -> entry ids."""

    version: int
    pdq: dict[bytes, list[tuple[int, int]]] = field(default_factory=dict)
    exact: dict[bytes, list[int]] = field(default_factory=dict)


#: Index snapshots mapped by this process, by folder (one version each).
_SNAPSHOTS: dict[str, IndexSnapshot] = {}


def snapshot_at(folder: Path, version: int) -> IndexSnapshot | None:
    """The index in ``folder`` if it is at ``version`` (mapped once per process and version),
    else None (no index there, or another version).

    Raises:
        StoreError: the files stay unreadable (a damaged index).
    """
    key = str(folder)
    known = _SNAPSHOTS.get(key)
    if known is not None and known.version == version:
        return known
    files = IndexFiles(folder)
    if files.version() != version:
        return None
    loaded = files.load(mmap=True)
    if loaded is None or loaded.version != version:
        return None
    _SNAPSHOTS[key] = loaded
    return loaded


def look_up(spec: IndexSpec, signals: Iterable[SignalValue]) -> Candidates | None:
    """Look ``signals`` up in the index ``spec`` names; None when it is not at that version
    here (the scan's process then matches them itself).

    PDQ hashes below ``spec.pdq_min_quality`` and signal types that are not in the index
    (``vpdq``, linear types) are skipped.

    Raises:
        StoreError: the index files stay unreadable.
        InvalidSignalError: a PDQ value is not 64 hex digits.
    """
    snapshot = snapshot_at(Path(spec.folder), spec.version)
    if snapshot is None:
        return None
    found = Candidates(spec.version)
    for signal in signals:
        if signal.signal_type == "pdq":
            if signal.quality is not None and signal.quality < spec.pdq_min_quality:
                continue
            pdq = pdq_hex_to_bytes(signal.value)
            if pdq not in found.pdq:
                found.pdq[pdq] = snapshot.pdq.query(pdq, spec.pdq_threshold)
        elif kind_of(signal.signal_type) == EXACT:
            key = exact_key(signal.signal_type, signal.value)
            if key not in found.exact:
                found.exact[key] = [entry_id for entry_id, _ in snapshot.exact.query(key, 0)]
    return found


class IndexLookups:
    """Candidates from the workers, kept by the scan's process until its matcher uses them.

    Args:
        limit: most look-ups kept (PDQ and exact together); past it the oldest half is
            dropped (a dropped look-up is made again by the matcher: same answer).

    ``used`` counts look-ups answered from here, ``missed`` those the matcher made itself.
    """

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self._pdq: dict[bytes, tuple[int, list[tuple[int, int]]]] = {}
        self._exact: dict[bytes, tuple[int, list[int]]] = {}
        self.used = 0
        self.missed = 0

    def add(self, found: Candidates) -> None:
        """Keep the look-ups of one prepared item."""
        for pdq, hits in found.pdq.items():
            self._pdq[pdq] = (found.version, hits)
        for key, ids in found.exact.items():
            self._exact[key] = (found.version, ids)
        if len(self._pdq) + len(self._exact) > self.limit:
            for table in (self._pdq, self._exact):
                for old in list(table)[: len(table) // 2]:
                    del table[old]

    def pdq(self, version: int, pdq: bytes) -> list[tuple[int, int]] | None:
        """The workers' candidates for the PDQ hash ``pdq`` at ``version``, or None."""
        kept = self._pdq.get(pdq)
        if kept is None or kept[0] != version:
            self.missed += 1
            return None
        self.used += 1
        return kept[1]

    def exact(self, version: int, key: bytes) -> list[int] | None:
        """The workers' entry ids for the exact key ``key`` at ``version``, or None."""
        kept = self._exact.get(key)
        if kept is None or kept[0] != version:
            self.missed += 1
            return None
        self.used += 1
        return kept[1]

"""Exact PDQ matching at bank scale: multi-index hashing over log-structured segments.

:class:`PDQIndex` returns every stored hash within the threshold, exactly (the same answers as
:class:`BruteForcePDQIndex`, which is kept beside it as the oracle). How and why, with the
memory cost per hash, is in ``docs/pdq-index.md``. In short:

* hashes live in immutable :class:`~tvec.matching.pdq_segment.Segment` s, sorted by id;
  additions below ``INDEX_MIN_ROWS`` collect in a small brute-force "tail" segment, larger
  ones get a multi-index (Norouzi et al., CVPR 2012; :mod:`tvec.matching.mih`); segments of
  similar size are merged, LSM-tree style, so there are O(log n) of them;
* removal clears a row's mark; a segment that is half removed is rebuilt from its live rows;
* with ``max_segment_rows`` no segment is built over that many rows (large additions are cut
  into several, and merges stop there), and with ``builder`` segments are built by it (the
  persisted index builds each straight into its files, a table at a time, and maps them:
  :func:`tvec.matching.pdq_build.write_segment`);
* a lookup probes every segment and verifies each candidate's full 256-bit distance.

Queries may run from many threads at once (numpy releases the GIL in the heavy loops); adds,
removes and saves are serialised by a lock. A query running during a change sees the old or
the new state of each segment.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tvec.matching.mih import substring_keys
from tvec.matching.pdq_brute import BruteForcePDQIndex
from tvec.matching.pdq_hash import (
    DEFAULT_THRESHOLD,
    as_hash_rows,
    as_ids,
    check_threshold,
    pdq_bytes_to_hex,
    pdq_hex_to_bytes,
)
from tvec.matching.pdq_segment import (
    Hits,
    Segment,
    concat_hits,
    hashes_to_words,
    words_to_hashes,
)
from tvec.matching.pdq_store import load_meta, save_segments

__all__ = ["BruteForcePDQIndex", "PDQIndex", "pdq_bytes_to_hex", "pdq_hex_to_bytes"]

#: Rows below which added hashes stay in the brute-force tail (scanning 4,096 rows: ~40 us).
INDEX_MIN_ROWS = 1 << 12
#: Two segments merge when the larger has at most this many times the live rows of the other.
MERGE_RATIO = 4
#: Queries per chunk of a batch (bounds scratch memory to some tens of MB).
BATCH_CHUNK = 128
#: Lookups an index with ``accelerate=None`` answers with numpy before it imports numba and
#: uses the compiled loop (unless numba is already imported).
AUTO_ACCELERATE_AFTER = 64


class PDQIndex:
    """Exact PDQ index: every stored hash within the threshold, for 0..256 bits.

    Thresholds up to 32 bits use multi-index hashing; above that the per-segment planner
    widens the probe radii or, when cheaper, scans the segment: slower but still exact.

    Args:
        threshold: default largest matching distance, in bits (0..256; PDQ's usual 31).
        workers: threads used by :meth:`query_batch` (default: the CPU count).
        min_indexed_rows: additions collect in the brute-force tail until there are this many.
        allow_scan: let a segment be scanned instead of probed when the planner estimates a
            scan is cheaper (tests turn it off to exercise the multi-index on tiny banks).
        accelerate: probe with the compiled loop of :mod:`tvec.matching.mih_kernel` (True)
            or with numpy (False); same answers either way. ``None`` (the default) chooses:
            the compiled loop once numba is imported in the process anyway, or from the
            ``AUTO_ACCELERATE_AFTER``-th lookup on, numpy before that. Importing numba costs
            about 0.3 s of CPU, which a one-shot ``tvec match`` should not pay for a lookup
            of a few hundred microseconds; a long-running process (web worker, scan) soon
            switches and then spends about half the CPU per lookup (docs/pdq-index.md).
        max_segment_rows: the most rows a segment is built with (``None``: no bound, one
            segment per large addition and LSM merges of any size). A bound caps the memory of
            a build at one segment's tables (:class:`~tvec.matching.mih.MultiIndex`: about
            ``4 * (1 + F) * m`` bytes per row plus the directories); more segments cost
            lookups more probes, until compaction merges them.

    Raises:
        UsageError: threshold out of range.
    """

    def __init__(
        self,
        threshold: int = DEFAULT_THRESHOLD,
        *,
        workers: int | None = None,
        min_indexed_rows: int = INDEX_MIN_ROWS,
        allow_scan: bool = True,
        accelerate: bool | None = None,
        max_segment_rows: int | None = None,
    ) -> None:
        self.threshold = check_threshold(threshold)
        self.max_segment_rows = None if max_segment_rows is None else max(1, max_segment_rows)
        #: Builds every indexed segment from now on from its rows ``(ids, words)`` (ids
        #: unique, any order), as :meth:`Segment.build` with ``indexed=True`` does (the
        #: persisted index builds it straight into files, :mod:`tvec.matching.pdq_build`).
        #: ``None``: :meth:`Segment.build`, in memory.
        self.builder: Callable[[npt.NDArray[np.int64], npt.NDArray[np.uint64]], Segment] | None = (
            None
        )
        self.accelerate = accelerate
        self._lookups = 0
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.min_indexed_rows = max(1, min_indexed_rows)
        self.allow_scan = allow_scan
        self._segments: tuple[Segment, ...] = ()
        self._tail = _empty_segment()
        self._lock = threading.Lock()
        #: What :meth:`save` was given as ``extra`` (set by :meth:`load`; ``{}`` otherwise).
        self.extra: dict[str, Any] = {}

    def __len__(self) -> int:
        return sum(s.live for s in self._segments) + self._tail.live

    def nbytes(self) -> int:
        """Bytes held by the index's arrays (hashes, ids, marks, tables, directories)."""
        total = 0
        for seg in (*self._segments, self._tail):
            total += seg.ids.nbytes + seg.words.nbytes + seg.alive.nbytes
            if seg.index is not None:
                total += seg.index.entries.nbytes + seg.index.offsets.nbytes
        return total

    def add(self, ids: npt.NDArray[np.int64], hashes: npt.NDArray[np.uint8]) -> None:
        """Add hashes under ``ids``; an id already present is replaced.

        Args:
            ids: shape (n,) integers (stored as ``int64``); within one call the last of
                repeated ids wins.
            hashes: shape (n, 32) ``uint8``, the big-endian bytes of each 64-hex-digit hash.

        Raises:
            InvalidSignalError: ``hashes`` has the wrong shape or type.
            UsageError: ``ids`` is not n integers.
        """
        rows = as_hash_rows(hashes)
        new_ids = as_ids(ids, rows.shape[0])
        if not _increasing(new_ids):  # else unique and in order already: no copies
            last = new_ids.size - 1 - np.unique(new_ids[::-1], return_index=True)[1]
            new_ids, rows = new_ids[last], rows[last]
        words = hashes_to_words(rows)
        with self._lock:
            self._remove_locked(new_ids)
            if new_ids.size >= self.min_indexed_rows:
                self._segments = (*self._segments, *self._build(new_ids, words))
            else:
                self._segments = (*self._segments, *self._append_tail(new_ids, words))
            self._rebalance()

    def remove(self, ids: npt.NDArray[np.int64]) -> int:
        """Remove ``ids`` (shape (n,)); return how many were present. Unknown ids are ignored."""
        gone = np.unique(np.asarray(ids, dtype=np.int64))
        with self._lock:
            count = self._remove_locked(gone)
            self._rebalance()
        return count

    def query(
        self, pdq: bytes | npt.NDArray[np.uint8], threshold: int | None = None
    ) -> list[tuple[int, int]]:
        """Return (id, distance in bits) for every hash within ``threshold`` bits of ``pdq``.

        Args:
            pdq: 32 bytes, or shape (32,) ``uint8``.
            threshold: largest matching distance in bits; the index's default if ``None``.

        Returns:
            sorted by distance, then id.

        Raises:
            InvalidSignalError: ``pdq`` is not 32 bytes.
            UsageError: threshold out of range.
        """
        limit = self.threshold if threshold is None else check_threshold(threshold)
        words = hashes_to_words(as_hash_rows(pdq, "pdq query"))
        accelerate = self._accelerate(1)
        return self._search(words, (*self._segments, self._tail), limit, accelerate)[0]

    def query_batch(
        self, hashes: npt.NDArray[np.uint8], threshold: int | None = None
    ) -> list[list[tuple[int, int]]]:
        """:meth:`query` for each row of ``hashes`` (shape (q, 32) ``uint8``), on threads."""
        limit = self.threshold if threshold is None else check_threshold(threshold)
        words = hashes_to_words(as_hash_rows(hashes, "pdq queries"))
        segments = (*self._segments, self._tail)
        accelerate = self._accelerate(words.shape[0])
        chunks = [words[i : i + BATCH_CHUNK] for i in range(0, words.shape[0], BATCH_CHUNK)]
        if len(chunks) <= 1 or self.workers == 1:
            parts = [self._search(c, segments, limit, accelerate) for c in chunks]
        else:
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                parts = list(
                    pool.map(lambda c: self._search(c, segments, limit, accelerate), chunks)
                )
        return [answer for part in parts for answer in part]

    def save(self, folder: Path, extra: dict[str, Any] | None = None) -> None:
        """Save into ``folder`` atomically (see :mod:`tvec.matching.pdq_store`), with
        ``extra`` (JSON-able) kept in its ``meta.json`` (:attr:`extra` after :meth:`load`).

        Raises:
            StoreError: the folder cannot be written.
        """
        with self._lock:
            save_segments(Path(folder), self.threshold, [*self._segments, self._tail], extra)

    @classmethod
    def load(
        cls,
        folder: Path,
        *,
        mmap: bool = False,
        allow_scan: bool = True,
        accelerate: bool | None = None,
    ) -> PDQIndex:
        """Load an index saved by :meth:`save`; with ``mmap``, map its arrays read-only.

        Raises:
            StoreError: the folder is missing, unreadable or not a saved ``PDQIndex``.
        """
        meta = load_meta(Path(folder), mmap=mmap)
        threshold, segments = int(meta["threshold"]), list(meta["segments"])
        return cls.from_segments(
            threshold, dict(meta["extra"]), segments, allow_scan=allow_scan, accelerate=accelerate
        )

    @classmethod
    def from_segments(
        cls,
        threshold: int,
        extra: dict[str, Any],
        segments: list[Segment],
        *,
        allow_scan: bool = True,
        accelerate: bool | None = None,
    ) -> PDQIndex:
        """An index of saved ``segments`` (as :func:`tvec.matching.pdq_store.load_meta`
        gives them): the indexed ones kept, the others joined into the brute-force tail."""
        index = cls(threshold, allow_scan=allow_scan, accelerate=accelerate)
        index.extra = extra
        indexed = [s for s in segments if s.index is not None]
        for tail in (s for s in segments if s.index is None):
            indexed.extend(index._append_tail(*tail.live_rows()))
        index._segments = tuple(indexed)
        return index

    def ids_between(self, low: int, high: int) -> npt.NDArray[np.int64]:
        """The live ids ``low <= id < high``, sorted (a binary search per segment)."""
        parts = []
        for seg in (*self._segments, self._tail):
            first, last = np.searchsorted(seg.ids, [low, high]).tolist()
            if last > first:
                parts.append(seg.ids[first:last][seg.alive[first:last]])
        if not parts:
            return np.empty(0, np.int64)
        return np.sort(np.concatenate(parts)) if len(parts) > 1 else parts[0]

    def segments(self) -> tuple[Segment, ...]:
        """The index's segments (the brute-force tail last), for checks and compaction."""
        return (*self._segments, self._tail)

    def live_rows(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
        """Every live ``(ids, hashes)``: shapes (n,) and (n, 32) ``uint8``, sorted by id."""
        parts = [seg.live_rows() for seg in self.segments()]
        ids = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.int64)
        words = np.concatenate([p[1] for p in parts]) if parts else np.empty((0, 4), np.uint64)
        order = np.argsort(ids, kind="stable")
        return ids[order], words_to_hashes(words[order])

    # internals

    def _accelerate(self, lookups: int) -> bool:
        """Whether this call uses the compiled loop (see ``accelerate``); counts lookups."""
        if self.accelerate is not None:
            return self.accelerate
        self._lookups += lookups
        return self._lookups > AUTO_ACCELERATE_AFTER or numba_imported()

    def _search(
        self,
        words: npt.NDArray[np.uint64],
        segments: tuple[Segment, ...],
        threshold: int,
        accelerate: bool,
    ) -> list[list[tuple[int, int]]]:
        # the numpy path's substrings, once per layout (the compiled loop takes its own)
        keys: dict[tuple[tuple[int, int], ...], npt.NDArray[np.uint32]] = {}
        parts: list[Hits] = []
        for seg in segments:
            if seg.live == 0:
                continue
            seg_keys = None
            if seg.index is not None and not accelerate:
                layout = seg.index.layout
                if layout not in keys:
                    keys[layout] = substring_keys(words, layout)
                seg_keys = keys[layout]
            parts.append(seg.search(words, seg_keys, threshold, self.allow_scan, accelerate))
        hits = concat_hits(parts)
        if words.shape[0] == 1:
            order = np.lexsort((hits.ids, hits.distance))
            ids, dists = hits.ids[order].tolist(), hits.distance[order].tolist()
            return [list(zip(ids, dists, strict=True))]
        order = np.lexsort((hits.ids, hits.distance, hits.query))
        bounds = np.searchsorted(hits.query[order], np.arange(words.shape[0] + 1)).tolist()
        pairs = list(zip(hits.ids[order].tolist(), hits.distance[order].tolist(), strict=True))
        return [pairs[bounds[i] : bounds[i + 1]] for i in range(words.shape[0])]

    def _remove_locked(self, ids: npt.NDArray[np.int64]) -> int:
        return sum(seg.remove(ids) for seg in (*self._segments, self._tail))

    def _build(self, ids: npt.NDArray[np.int64], words: npt.NDArray[np.uint64]) -> list[Segment]:
        """Indexed segments of the rows ``ids`` (unique) and ``words``: one, or with
        ``max_segment_rows`` consecutive runs of ids of at most that many rows (of nearly
        equal size), each built (by ``builder`` if set) before the next."""
        cap = self.max_segment_rows
        if cap is None or ids.size <= cap:
            return [self._indexed(ids, words)]
        order = np.argsort(ids, kind="stable")
        pieces = -(-ids.size // cap)
        bounds = np.linspace(0, ids.size, pieces + 1).astype(np.int64).tolist()
        out = []
        for first, last in itertools.pairwise(bounds):
            part = order[first:last]
            out.append(self._indexed(ids[part], words[part]))
        return out

    def _indexed(self, ids: npt.NDArray[np.int64], words: npt.NDArray[np.uint64]) -> Segment:
        if self.builder is None:
            return Segment.build(ids, words, indexed=True)
        return self.builder(ids, words)

    def _fits(self, rows: int) -> bool:
        """Whether a segment of ``rows`` rows may be built (see ``max_segment_rows``)."""
        return self.max_segment_rows is None or rows <= self.max_segment_rows

    def _append_tail(
        self, ids: npt.NDArray[np.int64], words: npt.NDArray[np.uint64]
    ) -> list[Segment]:
        """Add rows to the brute-force tail; once it is big, return it as indexed segments
        (and empty the tail), else nothing."""
        old_ids, old_words = self._tail.live_rows()
        all_ids = np.concatenate([old_ids, ids])
        all_words = np.concatenate([old_words, words])
        if all_ids.size >= self.min_indexed_rows:
            self._tail = _empty_segment()
            return self._build(all_ids, all_words)
        self._tail = Segment.build(all_ids, all_words, indexed=False)
        return []

    def _rebalance(self) -> None:
        """Rebuild half-removed segments; merge segments of similar size (LSM tiering)."""
        kept: list[Segment] = []
        for seg in self._segments:
            if 2 * seg.live > seg.ids.size:
                kept.append(seg)
            elif seg.live >= self.min_indexed_rows:
                kept.extend(self._build(*seg.live_rows()))
            elif seg.live:
                kept.extend(self._append_tail(*seg.live_rows()))
        kept.sort(key=lambda s: s.live, reverse=True)
        while (
            len(kept) >= 2
            and kept[-2].live <= MERGE_RATIO * kept[-1].live
            and self._fits(kept[-2].live + kept[-1].live)
        ):
            small, large = kept.pop(), kept.pop()
            small_ids, small_words = small.live_rows()
            large_ids, large_words = large.live_rows()
            ids = np.concatenate([large_ids, small_ids])
            words = np.concatenate([large_words, small_words])
            kept.append(self._indexed(ids, words))
            kept.sort(key=lambda s: s.live, reverse=True)
        self._segments = tuple(kept)


def numba_imported() -> bool:
    """Whether numba is already imported in this process (so the compiled loop is cheap)."""
    return "numba" in sys.modules


def _increasing(ids: npt.NDArray[np.int64]) -> bool:
    """Whether ``ids`` are strictly increasing (so unique and sorted)."""
    return ids.size < 2 or bool(np.all(ids[1:] > ids[:-1]))


def _empty_segment() -> Segment:
    return Segment(np.empty(0, np.int64), np.empty((0, 4), np.uint64))

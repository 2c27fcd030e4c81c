"""One immutable run of PDQ hashes with its ids, deletion marks and optional multi-index.

A :class:`Segment` never changes its rows; removal only clears the row's ``alive`` mark. Rows
are kept sorted by id, so finding an id is a binary search over ``ids`` and needs no map.
:class:`tvec.matching.pdq_index.PDQIndex` combines segments log-structured style: small
recent additions sit in a brute-force segment, larger ones get a :class:`MultiIndex`.

Memory per hash: 32 bytes (hash) + 8 (id) + 1 (alive) + the multi-index's share.
"""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from tvec.matching.mih import FRAGMENT_WORDS, MultiIndex, ProbePlan, substring_keys

#: Pairs (query, row) compared at once by the brute-force scan: bounds its scratch memory.
_BRUTE_BLOCK = 1 << 18


class Hits(NamedTuple):
    """Matches found in one segment: three arrays of equal length."""

    query: npt.NDArray[np.intp]
    ids: npt.NDArray[np.int64]
    distance: npt.NDArray[np.uint32]


def hashes_to_words(hashes: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint64]:
    """Shape (n, 32) bytes to shape (n, 4) big-endian 64-bit words (bit 0 = first byte's MSB)."""
    return np.ascontiguousarray(hashes).view(">u8").astype(np.uint64)


def words_to_hashes(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint8]:
    """Inverse of :func:`hashes_to_words`: shape (n, 4) words to shape (n, 32) bytes."""
    return np.ascontiguousarray(words.astype(">u8")).view(np.uint8).reshape(-1, 32)


def hamming(a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint32]:
    """Hamming distances in bits between hashes ``a`` and ``b`` (shapes (..., 4), broadcast).

    Popcount (``numpy.bitwise_count``) of each 64-bit word's XOR, summed over the 4 words.
    Works word by word: one operation over the whole (..., 4) array with a broadcast operand
    makes numpy run a 4-element inner loop per hash, several times slower.
    """
    dist: npt.NDArray[np.uint32] = np.bitwise_count(a[..., 0] ^ b[..., 0]).astype(np.uint32)
    for k in (1, 2, 3):
        dist += np.bitwise_count(a[..., k] ^ b[..., k])
    return dist


class Segment:
    """Rows of hashes sorted by id, with deletion marks and an optional :class:`MultiIndex`.

    Args:
        ids: shape (n,) ``int64``, strictly increasing.
        words: shape (n, 4) ``uint64`` (see :func:`hashes_to_words`).
        alive: shape (n,) ``bool``; ``None`` means all alive.
        index: the multi-index over these rows, or ``None`` to scan by brute force.
        name: stable storage name; a fresh one when ``None``.
    """

    def __init__(
        self,
        ids: npt.NDArray[np.int64],
        words: npt.NDArray[np.uint64],
        alive: npt.NDArray[np.bool_] | None = None,
        index: MultiIndex | None = None,
        name: str | None = None,
    ) -> None:
        # plain ndarray views of memory-mapped arrays (see MultiIndex)
        self.ids = np.asarray(ids)
        self.words = np.asarray(words)
        self.alive = np.ones(ids.shape[0], dtype=np.bool_) if alive is None else alive
        self.index = index
        self.name = name or uuid.uuid4().hex
        self.live = int(np.count_nonzero(self.alive))

    @classmethod
    def build(
        cls,
        ids: npt.NDArray[np.int64],
        words: npt.NDArray[np.uint64],
        indexed: bool,
        n_tables: int | None = None,
        fragment_count: int = FRAGMENT_WORDS,
    ) -> Segment:
        """Sort rows by id (ids must be unique) and build the multi-index if ``indexed``
        (``fragment_count``: see :meth:`MultiIndex.build`)."""
        order = np.argsort(ids, kind="stable")
        ids = np.ascontiguousarray(ids[order])
        words = np.ascontiguousarray(np.take(words, order, axis=0))
        index = (
            MultiIndex.build(words, n_tables, fragment_count=fragment_count)
            if indexed and ids.size
            else None
        )
        return cls(ids, words, index=index)

    def __len__(self) -> int:
        return self.live

    def live_rows(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
        """The ids and words of the rows not removed."""
        return self.ids[self.alive], self.words[self.alive]

    def remove(self, ids: npt.NDArray[np.int64]) -> int:
        """Mark the rows of ``ids`` (unique) removed; return how many were alive here."""
        if self.ids.size == 0 or ids.size == 0:
            return 0
        pos = find_sorted(self.ids, ids)
        pos = pos[self.alive[pos]]
        self.alive[pos] = False
        self.live -= int(pos.size)
        return int(pos.size)

    def search(
        self,
        words: npt.NDArray[np.uint64],
        keys: npt.NDArray[np.uint32] | None,
        threshold: int,
        allow_scan: bool = True,
        accelerate: bool = True,
    ) -> Hits:
        """Every live row within ``threshold`` bits of each query, exactly.

        Args:
            words: shape (q, 4) query words.
            keys: shape (q, m) query substrings for this segment's layout
                (:func:`~tvec.matching.mih.substring_keys`), what the numpy path probes with
                (computed here if ``None``; the compiled loop takes them from ``words``).
            threshold: largest distance in bits that matches.
            allow_scan: scan instead of probing when the planner finds that cheaper.
            accelerate: use the compiled loop of :mod:`tvec.matching.mih_kernel` if numba is
                installed (the numpy path gives the same answers, slower).
        """
        plan = self.index.plan(threshold, allow_scan) if self.index is not None else None
        if self.index is None or plan is None:
            return self._scan(words, threshold)
        kernel = _kernel() if accelerate else None
        if kernel is not None:
            query, rows, dist = kernel.probe_verify(
                words, plan, self.index, self.words, self.alive, threshold
            )
        else:
            if keys is None:
                keys = substring_keys(words, self.index.layout)
            query, rows, dist = self._probe_verify_numpy(words, keys, plan, threshold)
        if rows.size > 1:  # a row found through several tables is reported once
            _, first = np.unique(query * self.ids.size + rows, return_index=True)
            query, rows, dist = query[first], rows[first], dist[first]
        return Hits(query.astype(np.intp), self.ids[rows], dist.astype(np.uint32))

    def _probe_verify_numpy(
        self,
        words: npt.NDArray[np.uint64],
        keys: npt.NDArray[np.uint32],
        plan: ProbePlan,
        threshold: int,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.uint32]]:
        assert self.index is not None
        query, rows = self.index.candidates(keys, plan)
        query_words = words[0] if words.shape[0] == 1 else np.take(words, query, axis=0)
        dist = hamming(np.take(self.words, rows, axis=0), query_words)
        near = np.flatnonzero(dist <= threshold)
        near_rows = rows[near].astype(np.int64)
        live = self.alive[near_rows]
        return query[near][live].astype(np.int64), near_rows[live], dist[near][live]

    def _scan(self, words: npt.NDArray[np.uint64], threshold: int) -> Hits:
        n = self.ids.size
        parts: list[Hits] = []
        block = max(1, _BRUTE_BLOCK // max(1, n))
        rows_per = _BRUTE_BLOCK
        for q0 in range(0, words.shape[0], block):
            qs = words[q0 : q0 + block]
            for r0 in range(0, n, rows_per):
                chunk = self.words[r0 : r0 + rows_per]
                dist = hamming(chunk[None, :, :], qs[:, None, :])
                qi, ri = np.nonzero((dist <= threshold) & self.alive[None, r0 : r0 + rows_per])
                parts.append(Hits(qi + q0, self.ids[ri + r0], dist[qi, ri]))
        return concat_hits(parts)


def _kernel() -> Any:
    """:mod:`tvec.matching.mih_kernel` if numba is installed, else None (imported on first
    use: numba takes about a second to import, which every ``tvec match`` would pay)."""
    from tvec.matching import mih_kernel

    return mih_kernel if mih_kernel.AVAILABLE else None


def find_sorted(
    sorted_ids: npt.NDArray[np.int64], ids: npt.NDArray[np.int64]
) -> npt.NDArray[np.intp]:
    """Positions in ``sorted_ids`` of those ``ids`` that occur in it."""
    pos = np.searchsorted(sorted_ids, ids)
    ok = pos < sorted_ids.size
    pos, ids = pos[ok], ids[ok]
    found: npt.NDArray[np.intp] = pos[sorted_ids[pos] == ids]
    return found


def concat_hits(parts: list[Hits]) -> Hits:
    """Concatenate per-segment hits (an empty list gives empty arrays)."""
    if not parts:
        return Hits(np.empty(0, np.intp), np.empty(0, np.int64), np.empty(0, np.uint32))
    if len(parts) == 1:
        return parts[0]
    return Hits(
        np.concatenate([p.query for p in parts]).astype(np.intp),
        np.concatenate([p.ids for p in parts]).astype(np.int64),
        np.concatenate([p.distance for p in parts]).astype(np.uint32),
    )

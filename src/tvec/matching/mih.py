"""Multi-index hashing over 256-bit PDQ hashes: substring tables and probe plans.

Source: M. Norouzi, A. Punjani, D. J. Fleet, "Fast Search in Hamming Space with Multi-Index
Hashing", CVPR 2012. The 256 bits are cut into ``m`` contiguous substrings (tables). Table ``t``
is searched by flipping up to ``radius[t]`` of its bits in the query's substring. A bank hash
whose every substring differs from the query's by more than ``radius[t]`` bits is at distance
at least ``sum(radius[t] + 1)``; so when that sum exceeds the threshold ``r``, every hash within
``r`` is a candidate (the pigeonhole principle, in the weighted form of Norouzi et al. section
3). Candidates are then verified with the full 256-bit distance, so the search is exact.

Each table is a directory (bucket offsets, one per possible substring value, ``2**width + 1``
``uint32``) into the table's entries, one per row sorted by that substring: a counting-sort
layout, so a probe costs two array reads and no binary search. An entry is ``1 + F``
``uint32``: the row, then a fragment of the row's hash (``F`` aligned 32-bit words of it that
do not overlap the table's substring, :func:`fragment_words`; ``F`` is ``FRAGMENT_WORDS``
unless the index was built with another count).
The fragment's distance to the query's, plus the bits the probe flipped in the substring, is a
lower bound of the full distance read in the same cache line as the row: a candidate whose
bound exceeds the threshold is dropped without reading its 32-byte hash (at 10 million random
hashes, all but a few in ten thousand), so a candidate costs one random read instead of two.

This module knows rows only (``0..n-1``); ids, deletions and verification live in
:mod:`tvec.matching.pdq_segment`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

# The plan (layout, radii, masks) is plain Python in mih_plan, shared with the numpy-free
# reader of tvec.matching.light_index; its names stay importable from here.
from tvec.matching.mih_plan import (
    BRUTE_COST_NS,
    CANDIDATE_COST_NS,
    PDQ_BITS,
    PROBE_COST_NS,
    ball_size,
    flip_mask_list,
    plan_radii,
    table_count,
    table_layout,
)

__all__ = [
    "BRUTE_COST_NS",
    "CANDIDATE_COST_NS",
    "FRAGMENT_WORDS",
    "MAX_FRAGMENT_WORDS",
    "PDQ_BITS",
    "PROBE_COST_NS",
    "MultiIndex",
    "ProbePlan",
    "ball_size",
    "flip_masks",
    "fragment_words",
    "hash_word32",
    "plan_radii",
    "query_fragments",
    "substring_keys",
    "table_count",
    "table_layout",
]

#: 32-bit words of each row's hash stored in each table's entries beside the row (see the
#: module docstring), by default; an entry is then 16 bytes, never split between two cache
#: lines. Measured at 10 million hashes (docs/benchmarks.md): 3 words drop all but a few in ten
#: thousand candidates, 2 words about three in four (and cost more CPU per lookup), 0 is the
#: bare permutation of format version 1 (every candidate's hash read).
FRAGMENT_WORDS = 3
#: Most fragment words a table can keep (a substring touches at most two of the eight).
MAX_FRAGMENT_WORDS = 6


def substring_keys(
    words: npt.NDArray[np.uint64], layout: tuple[tuple[int, int], ...]
) -> npt.NDArray[np.uint32]:
    """Return the substring value of each table for each hash.

    Args:
        words: shape (n, 4), the hashes as big-endian 64-bit words (see ``hashes_to_words``).
        layout: from :func:`table_layout`; each width at most 32 bits.

    Returns:
        shape (n, len(layout)) ``uint32``.
    """
    if words.shape[0] == 1:  # one query: Python's big integers beat a dozen numpy calls
        value = int.from_bytes(words.astype(">u8").tobytes(), "big")
        one = [
            (value >> (PDQ_BITS - start - width)) & ((1 << width) - 1) for start, width in layout
        ]
        return np.array([one], dtype=np.uint32)
    keys = np.empty((words.shape[0], len(layout)), dtype=np.uint32)
    for t, (start, width) in enumerate(layout):
        keys[:, t] = _substring(words, start, width)
    return keys


def _substring(words: npt.NDArray[np.uint64], start: int, width: int) -> npt.NDArray[np.uint64]:
    word, offset = divmod(start, 64)
    col = words[:, word]
    if offset + width <= 64:
        shifted = col >> np.uint64(64 - offset - width)
        return shifted & np.uint64((1 << width) - 1)
    high_bits = 64 - offset
    low_bits = width - high_bits
    high = (col & np.uint64((1 << high_bits) - 1)) << np.uint64(low_bits)
    low = words[:, word + 1] >> np.uint64(64 - low_bits)
    return high | low


@lru_cache(maxsize=64)
def fragment_words(
    layout: tuple[tuple[int, int], ...], count: int = FRAGMENT_WORDS
) -> npt.NDArray[np.intp]:
    """For each table, the ``count`` 32-bit words of the hash kept in its entries.

    The hash is read as 8 big-endian 32-bit words (word 0: bits 0-31). Table ``t`` keeps the
    words that follow the last word its substring touches, cyclically; a substring of at most
    32 bits touches at most two words, so the fragment never overlaps it and the fragment's
    distance adds to the substring's in a lower bound of the full distance.

    Returns:
        shape (len(layout), count), word numbers 0..7 (cached: do not modify).

    Raises:
        ValueError: a substring is wider than 32 bits, or ``count`` is not 0..6.
    """
    if not 0 <= count <= MAX_FRAGMENT_WORDS:
        raise ValueError(f"{count} fragment words: must be 0..{MAX_FRAGMENT_WORDS}")
    out = np.empty((len(layout), count), dtype=np.intp)
    for t, (start, width) in enumerate(layout):
        if not 0 < width <= 32:
            raise ValueError(f"substring of {width} bits: fragments need at most 32")
        last = (start + width - 1) // 32
        out[t] = [(last + 1 + k) % 8 for k in range(count)]
    out.flags.writeable = False
    return out


def hash_word32(words: npt.NDArray[np.uint64], number: int) -> npt.NDArray[np.uint32]:
    """32-bit word ``number`` (0..7, big-endian order) of each hash; ``words`` shape (n, 4)."""
    col = words[:, number // 2]
    if number % 2 == 0:
        col = col >> np.uint64(32)
    return (col & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def query_fragments(
    words: npt.NDArray[np.uint64], layout: tuple[tuple[int, int], ...], count: int
) -> npt.NDArray[np.uint32]:
    """The queries' fragments for each table (what :meth:`MultiIndex.build` stores per row).

    Args:
        words: shape (q, 4) query words.
        layout: from :func:`table_layout`.
        count: fragment words per table (:attr:`MultiIndex.fragment_count`).

    Returns:
        shape (q, len(layout), count) ``uint32``.
    """
    halves = words.astype(">u8").view(">u4").astype(np.uint32)  # (q, 8), big-endian order
    fragments: npt.NDArray[np.uint32] = halves[:, fragment_words(layout, count)]
    return fragments


@lru_cache(maxsize=256)
def flip_masks(width: int, radius: int) -> npt.NDArray[np.uint32]:
    """All ``width``-bit masks with at most ``radius`` bits set (the Hamming ball's offsets)."""
    return np.array(flip_mask_list(width, radius), dtype=np.uint32)


@dataclass(frozen=True)
class ProbePlan:
    """How to search one multi-index for one threshold.

    ``radii[t]`` is the search radius in table ``t`` (``-1``: table skipped); exactness holds
    because ``sum(radii[t] + 1) > threshold``. The flat arrays list every probe: its table, the
    mask XORed into that table's query substring, the mask's bits set (the probe's distance in
    the substring) and the table's directory base.
    """

    threshold: int
    radii: tuple[int, ...]
    probe_table: npt.NDArray[np.intp]
    probe_mask: npt.NDArray[np.uint32]
    probe_base: npt.NDArray[np.int64]
    probe_bits: npt.NDArray[np.int64]


class MultiIndex:
    """Substring tables over ``n`` hashes (rows ``0..n-1``), immutable once built.

    Memory: ``4 * (1 + F) * m`` bytes per hash (the entries, ``F`` fragment words) plus
    ``4 * 2**width`` bytes per table (the directories); at 10 million hashes, ``m = 11``
    tables of 23 or 24 bits and ``F = 3``: 176 bytes per hash plus 448 MiB.
    """

    def __init__(
        self,
        layout: tuple[tuple[int, int], ...],
        n_rows: int,
        entries: npt.NDArray[np.uint32],
        offsets: npt.NDArray[np.uint32],
    ) -> None:
        """Wrap built arrays: ``entries`` shape (m * n, 1 + F) (each table's rows in bucket
        order, each with its fragment of ``F`` words, 0..6), ``offsets`` the concatenated
        directories.

        Raises:
            ValueError: when the arrays do not fit the layout.
        """
        self.layout = layout
        self.widths = tuple(w for _, w in layout)
        self.n_rows = n_rows
        self.bases = np.cumsum([0] + [(1 << w) + 1 for w in self.widths[:-1]], dtype=np.int64)
        expected_offsets = sum((1 << w) + 1 for w in self.widths)
        count = entries.shape[1] - 1 if entries.ndim == 2 else -1
        entry_shape = (len(layout) * n_rows, 1 + count)
        if (
            not 0 <= count <= MAX_FRAGMENT_WORDS
            or entries.shape != entry_shape
            or offsets.shape != (expected_offsets,)
        ):
            raise ValueError("multi-index arrays do not match their layout")
        # plain ndarray views of memory-mapped arrays: numpy and numba handle the subclass
        # ``np.memmap`` through slower generic paths (about a tenth of a lookup's CPU)
        self.entries = np.asarray(entries)
        #: ``entries`` as one flat ``uint32`` array (a view), what the compiled loop reads.
        self.flat_entries = self.entries.reshape(-1)
        #: With 3 fragment words, ``flat_entries`` as ``uint64`` (two per entry: the row and
        #: the first fragment word, then the other two), which the compiled loop reads; else
        #: empty.
        self.flat_pairs = (
            self.flat_entries.view(np.uint64)
            if count == 3 and self.flat_entries.ctypes.data % 8 == 0
            else np.empty(0, dtype=np.uint64)
        )
        self.offsets = np.asarray(offsets)
        #: Fragment words per entry (``F``).
        self.fragment_count = count
        #: Each table's first bit and width (shape (m,) ``int64``), and the 32-bit word numbers
        #: of its fragment (shape (m, F) ``int64``): what the compiled loop needs to take a
        #: query's substrings and fragments itself.
        self.layout_start = np.array([s for s, _ in layout], dtype=np.int64)
        self.layout_width = np.array(self.widths, dtype=np.int64)
        self.fragment_word = np.ascontiguousarray(fragment_words(layout, count), dtype=np.int64)
        self._plans: dict[tuple[int, bool], ProbePlan | None] = {}

    @classmethod
    def build(
        cls,
        words: npt.NDArray[np.uint64],
        n_tables: int | None = None,
        workers: int = 2,
        fragment_count: int = FRAGMENT_WORDS,
    ) -> MultiIndex:
        """Build the tables for ``words`` (shape (n, 4) big-endian 64-bit words), each entry
        with ``fragment_count`` words of its hash (0..6).

        Sorting is by ``numpy.argsort`` per table, tables sorted on ``workers`` threads (numpy
        releases the GIL while sorting). Raises ``ValueError`` above 2**32 / m rows, or when
        ``n_tables`` is below 11 (substrings over 24 bits: directories over 64 MiB each).
        """
        n = int(words.shape[0])
        m = n_tables or table_count(n)
        if m * n >= 2**32 or m < 11:
            raise ValueError(f"cannot build a multi-index of {m} tables over {n} rows")
        layout = table_layout(m)
        fragments = fragment_words(layout, fragment_count)
        entries = np.empty((m * n, 1 + fragment_count), dtype=np.uint32)

        def build_table(t: int) -> npt.NDArray[np.uint32]:
            start, width = layout[t]
            keys = _substring(words, start, width).astype(np.uint32)
            order = np.argsort(keys, kind="stable")
            table = entries[t * n : (t + 1) * n]
            table[:, 0] = order
            for k, number in enumerate(fragments[t].tolist()):
                table[:, 1 + k] = np.take(hash_word32(words, number), order)
            del order
            counts = np.bincount(keys, minlength=1 << width)
            directory = np.empty((1 << width) + 1, dtype=np.uint32)
            directory[0] = t * n
            np.cumsum(counts, out=directory[1:])
            directory[1:] += np.uint32(t * n)
            return directory

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            directories = list(pool.map(build_table, range(m)))
        return cls(layout, n, entries, np.concatenate(directories))

    def plan(self, threshold: int, allow_scan: bool = True) -> ProbePlan | None:
        """Return the probe plan for ``threshold`` bits (cached), or ``None`` for brute force.

        See :func:`plan_radii` for ``allow_scan``.
        """
        key = (threshold, allow_scan)
        if key not in self._plans:
            radii = plan_radii(self.widths, self.n_rows, threshold, allow_scan)
            self._plans[key] = None if radii is None else self._make_plan(threshold, radii)
        return self._plans[key]

    def _make_plan(self, threshold: int, radii: tuple[int, ...]) -> ProbePlan:
        tables, masks, bases = [], [], []
        for t, radius in enumerate(radii):
            if radius < 0:
                continue
            mask = flip_masks(self.widths[t], radius)
            tables.append(np.full(mask.shape[0], t, dtype=np.intp))
            masks.append(mask)
            bases.append(np.full(mask.shape[0], self.bases[t], dtype=np.int64))
        all_masks = np.concatenate(masks)
        return ProbePlan(
            threshold,
            radii,
            np.concatenate(tables),
            all_masks,
            np.concatenate(bases),
            np.bitwise_count(all_masks).astype(np.int64),
        )

    def candidates(
        self, keys: npt.NDArray[np.uint32], plan: ProbePlan
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.uint32]]:
        """Return every (query number, row) pair found by ``plan`` (with repeats).

        Args:
            keys: shape (q, m), the queries' substrings (:func:`substring_keys`).
            plan: from :meth:`plan`.

        Returns:
            two arrays of equal length: the query's position in ``keys`` and the row.
        """
        probes = (keys[:, plan.probe_table] ^ plan.probe_mask).astype(np.int64)
        probes += plan.probe_base
        flat = probes.ravel()
        starts = np.take(self.offsets, flat).astype(np.int64)
        lengths = np.take(self.offsets, flat + 1) - starts
        hit = np.flatnonzero(lengths)
        starts = starts[hit]
        lengths = lengths[hit]
        ends = np.cumsum(lengths)
        total = int(ends[-1]) if ends.size else 0
        positions = np.arange(total, dtype=np.int64)
        positions += np.repeat(starts - (ends - lengths), lengths)
        query_of_probe = hit // plan.probe_mask.shape[0]
        # the rows, read through the flat view (``take`` of the strided column would copy it)
        positions *= self.entries.shape[1]
        rows = np.take(self.flat_entries, positions)
        return np.repeat(query_of_probe, lengths), rows

"""Compiled probe-and-verify loop for :mod:`tvec.matching.mih` (optional: needs numba).

One call walks a batch of queries' probes, reads each bucket's rows, computes each
candidate's full 256-bit distance and keeps those within the threshold that are not removed.
It does in one pass, without the GIL, what the numpy path does in about twenty array
operations, so query threads run on all cores. Without numba, :data:`AVAILABLE` is false and
callers use the numpy path (same answers, slower).

At 10 million hashes a lookup is bound by memory latency: some 2,900 directory reads and
2,900 entry reads (in 1,800 buckets), each a cache (and usually TLB) miss; the fragment kept
in each entry (:mod:`tvec.matching.mih`) spares all but a few of the 2,900 hash reads that
the next level of indirection would cost. The loop is therefore split into phases, each a
tight loop of *independent* reads with no branch between them (directory, then entries, then
the hashes of the few candidates kept), so the CPU keeps as many misses in flight as it can;
the bucket walk, whose trip counts are unpredictable, touches only the small per-query scratch
arrays. An earlier version walked the buckets and read the permutation in one nested loop: its
branch mispredictions kept few misses in flight and it cost more CPU per lookup than the numpy
path (docs/pdq-index.md, "The probe loop").

Per call, the loop takes the queries' substrings and fragments from their words itself and
writes its hits into arrays the caller made (it returns their count): computing them with
numpy, and boxing the arrays compiled code returns, cost some 15 us per single lookup at 10
million hashes, a sixth of it (docs/benchmarks.md, "Huge pages and the per-lookup overhead").
A 16-byte entry (three fragment words) is read as two 64-bit words.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from tvec.matching.mih import MultiIndex, ProbePlan

try:
    import numba  # type: ignore[import-untyped,import-not-found,unused-ignore]

    #: Whether the compiled loop can be used.
    AVAILABLE = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    AVAILABLE = False


#: How many reads ahead the loops prefetch (software prefetch keeps more cache misses in
#: flight than the CPU's out-of-order window would on its own). At 10 million hashes, with
#: 16-byte entries: 16 ahead cost 173 us per lookup's loop, 32 164, 48 158, 64 156, 96 158
#: (medians of 5 rounds of 2,000 lookups in one process, load average 5).
PREFETCH_AHEAD = 64
#: Hits per query the output arrays have room for (more: the loop runs again with room for
#: all). The loop writes into arrays the caller made: returning new arrays from compiled code
#: costs some microseconds per call to box them.
OUTPUT_ROWS = 64


def _popcount64(x: Any) -> Any:
    # SWAR popcount; LLVM turns it into the POPCNT instruction where the CPU has one.
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


def _prefetch(array: Any, index: Any) -> None:
    """Hint that ``array[index]`` will be read soon (compiled: LLVM's ``llvm.prefetch``)."""


def _query_keys(
    qwords: Any,
    q: int,
    layout_start: Any,
    layout_width: Any,
    fragment_word: Any,
    keys: Any,
    frags: Any,
) -> None:
    """Query ``q``'s substring in each table (as :func:`tvec.matching.mih.substring_keys`)
    into ``keys`` and its fragment words (as :func:`tvec.matching.mih.query_fragments`) into
    ``frags``."""
    for t in range(layout_start.shape[0]):
        start = layout_start[t]
        width = layout_width[t]
        word = start // 64
        offset = start % 64
        mask = (np.uint64(1) << np.uint64(width)) - np.uint64(1)
        if offset + width <= 64:
            keys[t] = (qwords[q, word] >> np.uint64(64 - offset - width)) & mask
        else:
            low_bits = offset + width - 64
            high = qwords[q, word] << np.uint64(low_bits)
            keys[t] = (high | (qwords[q, word + 1] >> np.uint64(64 - low_bits))) & mask
        for f in range(fragment_word.shape[1]):
            number = fragment_word[t, f]
            value = qwords[q, number // 2]
            if number % 2 == 0:
                value = value >> np.uint64(32)
            frags[t, f] = value & np.uint64(0xFFFFFFFF)


def _probe_verify(
    qwords: Any,
    layout_start: Any,
    layout_width: Any,
    fragment_word: Any,
    probe_table: Any,
    probe_mask: Any,
    probe_base: Any,
    probe_bits: Any,
    offsets: Any,
    entries: Any,
    pairs: Any,
    stride: int,
    words: Any,
    alive: Any,
    threshold: int,
    out_q: Any,
    out_row: Any,
    out_dist: Any,
) -> int:
    n_probes = probe_mask.shape[0]
    n_frag = stride - 1
    ahead = PREFETCH_AHEAD
    slots = np.empty(n_probes + ahead, dtype=np.int64)
    slots[n_probes:] = 0
    starts = np.empty(n_probes, dtype=np.int64)
    ends = np.empty(n_probes, dtype=np.int64)
    # scratch arrays are not zeroed: every cell a phase reads was written before it
    capacity_rows = 4096
    positions = np.empty(capacity_rows + ahead + 4, dtype=np.int64)
    position_probe = np.empty(capacity_rows + 4, dtype=np.int64)
    rows = np.empty(capacity_rows + ahead, dtype=np.int64)
    qkeys = np.empty(layout_start.shape[0], dtype=np.uint64)
    qfrags = np.empty((layout_start.shape[0], max(1, n_frag)), dtype=np.uint64)
    qpair = np.empty((layout_start.shape[0], 2), dtype=np.uint64)
    high = np.uint64(0xFFFFFFFF00000000)
    low = np.uint64(0xFFFFFFFF)
    capacity = out_q.shape[0]
    count = 0
    limit = np.uint64(threshold)
    for q in range(qwords.shape[0]):
        _query_keys(qwords, q, layout_start, layout_width, fragment_word, qkeys, qfrags)
        # 1. directory slots (arithmetic only), then the directory reads
        for p in range(n_probes):
            slots[p] = np.int64(qkeys[probe_table[p]] ^ probe_mask[p]) + probe_base[p]
        for p in range(ahead):
            _prefetch(offsets, slots[p])
        for p in range(n_probes):
            _prefetch(offsets, slots[p + ahead])
            slot = slots[p]
            starts[p] = offsets[slot]
            ends[p] = offsets[slot + 1]
        # 2. the buckets' entry numbers and probes (scratch arrays only); buckets of up to
        # four entries are written without a branch on their size
        total = 0
        for p in range(n_probes):
            total += ends[p] - starts[p]
        if total > capacity_rows:
            capacity_rows = 2 * total
            positions = np.empty(capacity_rows + ahead + 4, dtype=np.int64)
            position_probe = np.empty(capacity_rows + 4, dtype=np.int64)
            rows = np.empty(capacity_rows + ahead, dtype=np.int64)
        k = 0
        for p in range(n_probes):
            first = starts[p] * stride
            size = ends[p] - starts[p]
            positions[k] = first
            positions[k + 1] = first + stride
            positions[k + 2] = first + 2 * stride
            positions[k + 3] = first + 3 * stride
            position_probe[k] = p
            position_probe[k + 1] = p
            position_probe[k + 2] = p
            position_probe[k + 3] = p
            if size > 4:
                for j in range(4, size):
                    positions[k + j] = first + j * stride
                    position_probe[k + j] = p
            k += size
        positions[total : total + ahead] = 0
        # 3. the entry reads: a candidate whose fragment bound exceeds the threshold is
        # dropped there; the others' rows are kept for the hash reads
        for i in range(ahead):
            _prefetch(entries, positions[i])
        kept = 0
        if n_frag == 3 and pairs.shape[0] > 0:  # the usual 16-byte entry, as two 64-bit words
            for t in range(qkeys.shape[0]):
                qpair[t, 0] = qfrags[t, 0] << np.uint64(32)
                qpair[t, 1] = qfrags[t, 1] | (qfrags[t, 2] << np.uint64(32))
            for i in range(total):
                _prefetch(entries, positions[i + ahead])
                at = positions[i] // 2
                probe = position_probe[i]
                t = probe_table[probe]
                head = pairs[at]
                bound = (
                    np.uint64(probe_bits[probe])
                    + _popcount64((head ^ qpair[t, 0]) & high)
                    + _popcount64(pairs[at + 1] ^ qpair[t, 1])
                )
                rows[kept] = np.int64(head & low)
                kept += int(bound <= limit)
        else:
            for i in range(total):
                _prefetch(entries, positions[i + ahead])
                at = positions[i]
                probe = position_probe[i]
                t = probe_table[probe]
                bound = np.uint64(probe_bits[probe])
                for f in range(n_frag):
                    bound += _popcount64(np.uint64(entries[at + 1 + f]) ^ qfrags[t, f])
                rows[kept] = entries[at]
                kept += int(bound <= limit)
        rows[kept : kept + ahead] = 0
        # 4. the hash reads with the verification, for the candidates kept
        for i in range(min(ahead, kept)):
            _prefetch(words, rows[i])
        w0, w1, w2, w3 = qwords[q, 0], qwords[q, 1], qwords[q, 2], qwords[q, 3]
        for i in range(kept):
            _prefetch(words, rows[i + ahead])
            row = rows[i]
            d = (
                _popcount64(words[row, 0] ^ w0)
                + _popcount64(words[row, 1] ^ w1)
                + _popcount64(words[row, 2] ^ w2)
                + _popcount64(words[row, 3] ^ w3)
            )
            if d <= limit and alive[row]:
                if count < capacity:
                    out_q[count] = q
                    out_row[count] = row
                    out_dist[count] = d
                count += 1
    return count


if AVAILABLE:
    from llvmlite import ir  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from numba.core import cgutils  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from numba.extending import intrinsic  # type: ignore[import-untyped,import-not-found,unused-ignore]

    @intrinsic  # type: ignore[misc,unused-ignore]
    def _prefetch_intrinsic(typingctx: Any, array: Any, index: Any) -> Any:
        if not isinstance(array, numba.types.Array):
            return None
        signature = numba.types.void(array, index)

        def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
            array_type = sig.args[0]
            data = context.make_array(array_type)(context, builder, args[0])
            pointer = cgutils.get_item_pointer(  # type: ignore[no-untyped-call,unused-ignore]
                context, builder, array_type, data, [args[1]], wraparound=False
            )
            byte_pointer = ir.IntType(8).as_pointer()
            int32 = ir.IntType(32)
            function = cgutils.get_or_insert_function(  # type: ignore[no-untyped-call,unused-ignore]
                builder.module,
                ir.FunctionType(ir.VoidType(), [byte_pointer, int32, int32, int32]),
                "llvm.prefetch.p0i8",
            )
            # read, keep in all cache levels, data cache
            builder.call(
                function,
                [
                    builder.bitcast(pointer, byte_pointer),
                    ir.Constant(int32, 0),
                    ir.Constant(int32, 3),
                    ir.Constant(int32, 1),
                ],
            )
            return context.get_dummy_value()

        return signature, codegen

    _prefetch = _prefetch_intrinsic  # type: ignore[assignment,unused-ignore]
    _popcount64 = numba.njit(nogil=True, cache=True, inline="always")(_popcount64)
    _query_keys = numba.njit(nogil=True, cache=True, inline="always")(_query_keys)
    _probe_verify = numba.njit(nogil=True, cache=True)(_probe_verify)


def probe_verify(
    qwords: npt.NDArray[np.uint64],
    plan: ProbePlan,
    index: MultiIndex,
    words: npt.NDArray[np.uint64],
    alive: npt.NDArray[np.bool_],
    threshold: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.uint32]]:
    """Return (query number, row, distance in bits) of every live row found within threshold.

    Shapes: ``qwords`` (q, 4) (the queries' substrings and fragments are taken from them in
    the loop, as :func:`~tvec.matching.mih.substring_keys` and
    :func:`~tvec.matching.mih.query_fragments` take them); ``plan`` from ``index.plan``;
    ``words`` (n, 4) and ``alive`` (n,) the segment's rows. A row found through several
    tables appears once per table (the caller removes repeats).

    Raises:
        RuntimeError: numba is not installed (check :data:`AVAILABLE` first).
    """
    if not AVAILABLE:
        raise RuntimeError("numba is not installed")
    qwords = np.ascontiguousarray(qwords)
    capacity = OUTPUT_ROWS * qwords.shape[0]
    while True:
        out_q = np.empty(capacity, dtype=np.int64)
        out_row = np.empty(capacity, dtype=np.int64)
        out_dist = np.empty(capacity, dtype=np.uint32)
        count = _probe_verify(
            qwords,
            index.layout_start,
            index.layout_width,
            index.fragment_word,
            plan.probe_table,
            plan.probe_mask,
            plan.probe_base,
            plan.probe_bits,
            index.offsets,
            index.flat_entries,
            index.flat_pairs,
            index.entries.shape[1],
            words,
            alive,
            threshold,
            out_q,
            out_row,
            out_dist,
        )
        if count <= capacity:
            return out_q[:count], out_row[:count], out_dist[:count]
        capacity = count  # more hits than room: run again with room for all of them

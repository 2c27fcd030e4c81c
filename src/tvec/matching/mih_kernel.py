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


def _popcount64(x: Any) -> Any:
    # SWAR popcount; LLVM turns it into the POPCNT instruction where the CPU has one.
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


def _prefetch(array: Any, index: Any) -> None:
    """Hint that ``array[index]`` will be read soon (compiled: LLVM's ``llvm.prefetch``)."""


def _probe_verify(
    qwords: Any,
    qkeys: Any,
    qfrags: Any,
    probe_table: Any,
    probe_mask: Any,
    probe_base: Any,
    probe_bits: Any,
    offsets: Any,
    entries: Any,
    stride: int,
    words: Any,
    alive: Any,
    threshold: int,
) -> tuple[Any, Any, Any]:
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
    capacity = 64
    out_q = np.empty(capacity, dtype=np.int64)
    out_row = np.empty(capacity, dtype=np.int64)
    out_dist = np.empty(capacity, dtype=np.uint32)
    count = 0
    limit = np.uint64(threshold)
    for q in range(qwords.shape[0]):
        # 1. directory slots (arithmetic only), then the directory reads
        for p in range(n_probes):
            slots[p] = np.int64(qkeys[q, probe_table[p]] ^ probe_mask[p]) + probe_base[p]
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
        for i in range(total):
            _prefetch(entries, positions[i + ahead])
            at = positions[i]
            probe = position_probe[i]
            t = probe_table[probe]
            bound = np.uint64(probe_bits[probe])
            for f in range(n_frag):
                bound += _popcount64(np.uint64(entries[at + 1 + f] ^ qfrags[q, t, f]))
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
                if count == capacity:
                    capacity *= 2
                    out_q = _grow(out_q, capacity)
                    out_row = _grow(out_row, capacity)
                    out_dist = _grow(out_dist, capacity)
                out_q[count] = q
                out_row[count] = row
                out_dist[count] = d
                count += 1
    return out_q[:count], out_row[:count], out_dist[:count]


def _grow(a: Any, capacity: int) -> Any:
    out = np.empty(capacity, dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


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
    _grow = numba.njit(nogil=True, cache=True)(_grow)
    _probe_verify = numba.njit(nogil=True, cache=True)(_probe_verify)


def probe_verify(
    qwords: npt.NDArray[np.uint64],
    qkeys: npt.NDArray[np.uint32],
    qfrags: npt.NDArray[np.uint32],
    plan: ProbePlan,
    index: MultiIndex,
    words: npt.NDArray[np.uint64],
    alive: npt.NDArray[np.bool_],
    threshold: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.uint32]]:
    """Return (query number, row, distance in bits) of every live row found within threshold.

    Shapes: ``qwords`` (q, 4), ``qkeys`` (q, m) (:func:`~tvec.matching.mih.substring_keys`),
    ``qfrags`` (q, m, F) (:func:`~tvec.matching.mih.query_fragments`); ``plan``
    from ``index.plan``; ``words`` (n, 4) and ``alive`` (n,) the segment's rows. A row found
    through several tables appears once per table (the caller removes repeats).

    Raises:
        RuntimeError: numba is not installed (check :data:`AVAILABLE` first).
    """
    if not AVAILABLE:
        raise RuntimeError("numba is not installed")
    entries = index.entries
    result: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.uint32]] = (
        _probe_verify(
            np.ascontiguousarray(qwords),
            np.ascontiguousarray(qkeys),
            np.ascontiguousarray(qfrags),
            plan.probe_table,
            plan.probe_mask,
            plan.probe_base,
            plan.probe_bits,
            index.offsets,
            index.flat_entries,
            entries.shape[1],
            words,
            alive,
            threshold,
        )
    )
    return result

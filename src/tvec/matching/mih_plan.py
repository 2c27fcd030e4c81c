"""Multi-index hashing's plan, in plain Python: the table layout of 256-bit PDQ hashes and
the per-table search radii (no numpy: the pure-Python probe of :mod:`tvec.matching.light_index`
uses them as :mod:`tvec.matching.mih` does). The method is described in
:mod:`tvec.matching.mih`.
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache

#: Bits in a PDQ hash.
PDQ_BITS = 256

#: Cost model of a query, in nanoseconds: one probe (two directory reads), one candidate
#: (an entry read and its fragment's distance) and one row of a brute-force scan. Measured
#: on the reference machine (see docs/pdq-index.md); only the plan's speed depends on them.
PROBE_COST_NS = 25.0
CANDIDATE_COST_NS = 40.0
BRUTE_COST_NS = 10.0

#: Largest number of probes a plan may use per table before brute force is preferred.
_MAX_BALL = 50_000


def table_count(n_rows: int) -> int:
    """Number of substring tables for ``n_rows`` hashes: substrings of about log2(n) bits.

    Norouzi et al. recommend a substring length of about ``log2(n)`` bits (section 4.1); we
    clamp it to 16..24 bits so a directory stays between 256 KiB and 64 MiB per table.
    """
    width = min(24, max(16, math.ceil(math.log2(max(n_rows, 2)))))
    return math.ceil(PDQ_BITS / width)


def table_layout(n_tables: int) -> tuple[tuple[int, int], ...]:
    """Split the 256 bits into ``n_tables`` contiguous (start bit, width in bits) substrings.

    Bit 0 is the most significant bit of the hash's first byte. Widths differ by at most one.
    """
    base, extra = divmod(PDQ_BITS, n_tables)
    layout: list[tuple[int, int]] = []
    start = 0
    for t in range(n_tables):
        width = base + (1 if t < extra else 0)
        layout.append((start, width))
        start += width
    return tuple(layout)


def ball_size(width: int, radius: int) -> int:
    """Number of ``width``-bit strings within ``radius`` bits of a given one."""
    return sum(math.comb(width, k) for k in range(radius + 1))


@lru_cache(maxsize=256)
def flip_mask_list(width: int, radius: int) -> tuple[int, ...]:
    """All ``width``-bit masks with at most ``radius`` bits set (the Hamming ball's offsets),
    in the order of :func:`tvec.matching.mih.flip_masks`."""
    masks = [0]
    for k in range(1, radius + 1):
        for bits in itertools.combinations(range(width), k):
            masks.append(sum(1 << b for b in bits))
    return tuple(masks)


def plan_radii(
    widths: tuple[int, ...], n_rows: int, threshold: int, allow_scan: bool = True
) -> tuple[int, ...] | None:
    """Choose per-table radii that make the search exact at least estimated cost.

    Minimises ``PROBE_COST_NS * probes + CANDIDATE_COST_NS * expected candidates`` (for
    uniformly spread hashes) subject to ``sum(radius + 1) >= threshold + 1``, by dynamic
    programming over tables. Returns ``None`` when a brute-force scan is estimated cheaper
    (only if ``allow_scan``), or when no plan within ``_MAX_BALL`` probes per table reaches
    the threshold.
    """
    need = threshold + 1
    inf = math.inf
    # best[s] = (cost, radii) reaching coverage s (capped at need) with the tables seen so far
    empty: tuple[int, ...] = ()
    best: list[tuple[float, tuple[int, ...]]] = [(0.0, empty)] + [(inf, empty)] * need
    for width in widths:
        nxt: list[tuple[float, tuple[int, ...]]] = [(inf, empty)] * (need + 1)
        for covered, (cost, radii) in enumerate(best):
            if cost == inf:
                continue
            for radius in range(-1, width + 1):
                size = ball_size(width, radius) if radius >= 0 else 0
                if size > _MAX_BALL:
                    break
                extra = size * (PROBE_COST_NS + CANDIDATE_COST_NS * n_rows / 2.0**width)
                reach = min(need, covered + radius + 1)
                if cost + extra < nxt[reach][0]:
                    nxt[reach] = (cost + extra, (*radii, radius))
        best = nxt
    cost, radii = best[need]
    if cost == inf or (allow_scan and cost >= BRUTE_COST_NS * n_rows):
        return None
    return radii

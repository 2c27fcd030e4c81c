"""PDQ's luma and 64x64 downscaling in one pass over the image rows (numba), bit for bit.

The PDQ reference (ThreatExchange ``pdq/cpp/downscaling/downscaling.cpp``,
``jaroszFilterFloat`` then ``decimateFloat``, as ``pdqhash`` 0.2.8 runs it) blurs the float32
luma with a box filter along every row, then down every column, twice, and keeps 64x64
samples at ``(int((i + 0.5) * rows / 64), int((j + 0.5) * cols / 64))``. Each box filter
(``box1DFloat``) keeps a float32 running sum: add the value entering the window, subtract
the one leaving, divide by the window's size.

:func:`downscale64` performs exactly those float32 operations on every value that reaches
the 64x64 output, in the same order (so, under IEEE-754, the same bits: numba neither
reassociates nor fuses floating-point operations without ``fastmath``), and changes only
the order across *independent* values and what is computed at all:

* The image is streamed row by row: a luma row is made, filtered along the row, and fed
  to the first column filter, which keeps a ring of the rows it still has to subtract; each
  row the column filter outputs goes straight to the second row filter. The two
  full-image float32 buffers of the straightforward version (6 MiB for a 1024x768 image,
  more than a core's L2 cache here) are never written, and the pixels are read once.
* A row filter's running sum is a chain of dependent additions (latency bound); eight rows
  are filtered together (:func:`_totals8`), so the processor runs eight chains at once.
  The divisions are made afterwards over the whole row (they vectorise).
* The second row filter divides only at the 64 sampled columns, and the second column
  filter runs over those 64 columns only: no other output of those passes is ever read.
  Every running sum still runs over the whole row or column.

``tests/signals/test_pdq_kernel.py`` compares the 64x64 output with the straightforward
implementation float for float, and the hashes with ``pdqhash``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    import numba  # type: ignore[import-untyped,import-not-found,unused-ignore]

    _COMPILED = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    _COMPILED = False

#: Rows filtered together by :func:`_totals8`.
GROUP = 8


def _luma_row(pixels: Any, channels: int, out: Any) -> None:
    # pdqhash's luma of one row (bindings.pyx: float64 R*0.299 + G*0.587 + B*0.114, then
    # float32), the same expression per pixel. pixels: the row's bytes, `channels` a pixel
    # (R, G, B first; 1 for greyscale, which pytx stacks to R = G = B); out: cols float32.
    # The usual layouts have a constant stride, so the loop vectorises.
    cols = out.shape[0]
    if channels == 4:  # RGBX, RGBA
        for c in range(cols):
            out[c] = np.float32(
                np.float64(pixels[4 * c]) * 0.299
                + np.float64(pixels[4 * c + 1]) * 0.587
                + np.float64(pixels[4 * c + 2]) * 0.114
            )
    elif channels == 3:
        for c in range(cols):
            out[c] = np.float32(
                np.float64(pixels[3 * c]) * 0.299
                + np.float64(pixels[3 * c + 1]) * 0.587
                + np.float64(pixels[3 * c + 2]) * 0.114
            )
    elif channels == 1:
        for c in range(cols):
            v = np.float64(pixels[c])
            out[c] = np.float32(v * 0.299 + v * 0.587 + v * 0.114)
    else:
        for c in range(cols):
            out[c] = np.float32(
                np.float64(pixels[channels * c]) * 0.299
                + np.float64(pixels[channels * c + 1]) * 0.587
                + np.float64(pixels[channels * c + 2]) * 0.114
            )


def luma(pixels: Any, channels: int) -> Any:
    """The float32 luma, shape (rows, cols), of ``pixels``: uint8, shape (rows, cols *
    channels), each pixel R, G, B first (``channels`` >= 3) or one grey byte (1); pdqhash's
    float64 ``R*0.299 + G*0.587 + B*0.114`` rounded to float32, bit for bit."""
    rows = pixels.shape[0]
    out = np.empty((rows, pixels.shape[1] // channels), dtype=np.float32)
    for r in range(rows):
        _luma_row(pixels[r], channels, out[r])
    return out


def _phases(n: int, window: int) -> tuple[int, int, int]:
    # box1DFloat's first three phases: adds before the first output, outputs while the
    # window grows, outputs while it slides (the last, shrinking, phase is the rest).
    half = (window + 2) // 2
    return half - 1, window - half + 1, n - window


def _denominators(n: int, window: int) -> Any:
    # The float32 window size box1DFloat divides each of its n outputs by.
    p1, p2, p3 = _phases(n, window)
    out = np.empty(n, dtype=np.float32)
    size = p1
    for o in range(n):
        if o < p2:
            size += 1
        elif o >= p2 + p3:
            size -= 1
        out[o] = np.float32(size)
    return out


def _totals(src: Any, tot: Any, window: int) -> None:
    # box1DFloat's running sum along one row: tot[o] is the sum output o is divided from.
    n = src.shape[0]
    p1, p2, p3 = _phases(n, window)
    t = np.float32(0.0)
    for i in range(p1):
        t += src[i]
    for o in range(p2):
        t += src[o + p1]
        tot[o] = t
    for o in range(p2, p2 + p3):
        t += src[o + p1]
        t -= src[o - p2]
        tot[o] = t
    for o in range(p2 + p3, n):
        t -= src[o - p2]
        tot[o] = t


def _totals8(src: Any, tot: Any, window: int) -> None:
    # _totals of the eight rows of src (8, n) into tot (8, n), the eight chains interleaved;
    # each row's sum sees the same additions and subtractions, in the same order.
    n = src.shape[1]
    p1, p2, p3 = _phases(n, window)
    t0 = t1 = t2 = t3 = t4 = t5 = t6 = t7 = np.float32(0.0)
    for i in range(p1):
        t0 += src[0, i]
        t1 += src[1, i]
        t2 += src[2, i]
        t3 += src[3, i]
        t4 += src[4, i]
        t5 += src[5, i]
        t6 += src[6, i]
        t7 += src[7, i]
    for o in range(p2):
        i = o + p1
        t0 += src[0, i]
        t1 += src[1, i]
        t2 += src[2, i]
        t3 += src[3, i]
        t4 += src[4, i]
        t5 += src[5, i]
        t6 += src[6, i]
        t7 += src[7, i]
        tot[0, o] = t0
        tot[1, o] = t1
        tot[2, o] = t2
        tot[3, o] = t3
        tot[4, o] = t4
        tot[5, o] = t5
        tot[6, o] = t6
        tot[7, o] = t7
    for o in range(p2, p2 + p3):
        i = o + p1
        j = o - p2
        t0 = (t0 + src[0, i]) - src[0, j]
        t1 = (t1 + src[1, i]) - src[1, j]
        t2 = (t2 + src[2, i]) - src[2, j]
        t3 = (t3 + src[3, i]) - src[3, j]
        t4 = (t4 + src[4, i]) - src[4, j]
        t5 = (t5 + src[5, i]) - src[5, j]
        t6 = (t6 + src[6, i]) - src[6, j]
        t7 = (t7 + src[7, i]) - src[7, j]
        tot[0, o] = t0
        tot[1, o] = t1
        tot[2, o] = t2
        tot[3, o] = t3
        tot[4, o] = t4
        tot[5, o] = t5
        tot[6, o] = t6
        tot[7, o] = t7
    for o in range(p2 + p3, n):
        j = o - p2
        t0 -= src[0, j]
        t1 -= src[1, j]
        t2 -= src[2, j]
        t3 -= src[3, j]
        t4 -= src[4, j]
        t5 -= src[5, j]
        t6 -= src[6, j]
        t7 -= src[7, j]
        tot[0, o] = t0
        tot[1, o] = t1
        tot[2, o] = t2
        tot[3, o] = t3
        tot[4, o] = t4
        tot[5, o] = t5
        tot[6, o] = t6
        tot[7, o] = t7


def _group_totals(src: Any, tot: Any, count: int, window: int) -> None:
    # Running sums of the first count rows of src into tot.
    if count == GROUP:
        _totals8(src, tot, window)
    else:
        for k in range(count):
            _totals(src[k], tot[k], window)


def _box_cols(src: Any, dst: Any, window: int) -> None:
    # box1DFloat down each column of src into dst (boxAlongColsFloat), all columns advanced
    # one row at a time: each column's running sum sees the same operations in the same
    # order as in C++, and the loop over columns vectorises.
    rows, cols = src.shape
    p1, p2, p3 = _phases(rows, window)
    den = _denominators(rows, window)
    sums = np.zeros(cols, dtype=np.float32)
    for i in range(p1):
        for c in range(cols):
            sums[c] += src[i, c]
    for o in range(rows):
        div = den[o]
        if o < p2:
            for c in range(cols):
                sums[c] += src[o + p1, c]
                dst[o, c] = sums[c] / div
        elif o < p2 + p3:
            for c in range(cols):
                sums[c] += src[o + p1, c]
                sums[c] -= src[o - p2, c]
                dst[o, c] = sums[c] / div
        else:
            for c in range(cols):
                sums[c] -= src[o - p2, c]
                dst[o, c] = sums[c] / div


def downscale64(pixels: Any, channels: int) -> Any:
    """The 64x64 float32 buffer ``pdqFloat256FromFloatLuma`` computes before its DCT (the
    luma, Jarosz-filtered and decimated), bit for bit: see the module docstring.

    ``pixels``: uint8, shape (rows, cols * channels), as for :func:`luma`; rows and cols at
    least 5 (the caller hashes smaller images to zeros, as the reference does).
    """
    rows, cols = pixels.shape[0], pixels.shape[1] // channels
    small = np.empty((64, 64), dtype=np.float32)
    if rows == 64 and cols == 64:  # the reference skips the filter at exactly 64x64
        for r in range(64):
            _luma_row(pixels[r], channels, small[r])
        return small
    along_rows = (cols + 127) // 128
    along_cols = (rows + 127) // 128
    den = _denominators(cols, along_rows)
    sampled = np.empty(64, dtype=np.int64)
    for j in range(64):
        sampled[j] = int(((j + 0.5) * cols) / 64)
    ring = along_cols + GROUP  # first-pass rows the column filter may still read
    filtered = np.empty((ring, cols), dtype=np.float32)
    group = np.empty((GROUP, cols), dtype=np.float32)
    tot = np.empty((GROUP, cols), dtype=np.float32)
    pending = np.empty((GROUP, cols), dtype=np.float32)  # column-filtered rows, to filter
    sums = np.zeros(cols, dtype=np.float32)
    second = np.empty((rows, 64), dtype=np.float32)
    p1, p2, p3 = _phases(rows, along_cols)
    made = 0
    for step in range(p1 + rows):
        # step p1 + o outputs row o; before that, row step (when there is one) enters
        o = step - p1
        if step < rows and step == made:  # the next first-pass rows, GROUP at a time
            count = min(GROUP, rows - made)
            for k in range(count):
                _luma_row(pixels[made + k], channels, group[k])
            _group_totals(group, tot, count, along_rows)
            for k in range(count):
                out = filtered[(made + k) % ring]
                for c in range(cols):
                    out[c] = tot[k, c] / den[c]
            made += count
        if o < 0:
            add = filtered[step % ring]
            for c in range(cols):
                sums[c] += add[c]
            continue
        row = pending[o % GROUP]
        if o < p2:
            div = np.float32(p1 + o + 1)
            add = filtered[step % ring]
            for c in range(cols):
                sums[c] += add[c]
                row[c] = sums[c] / div
        elif o < p2 + p3:
            div = np.float32(along_cols)
            add = filtered[step % ring]
            sub = filtered[(o - p2) % ring]
            for c in range(cols):
                sums[c] += add[c]
                sums[c] -= sub[c]
                row[c] = sums[c] / div
        else:
            div = np.float32(along_cols - (o - p2 - p3) - 1)
            sub = filtered[(o - p2) % ring]
            for c in range(cols):
                sums[c] -= sub[c]
                row[c] = sums[c] / div
        if o % GROUP == GROUP - 1 or o == rows - 1:  # second row pass, sampled columns only
            first = o - o % GROUP
            _group_totals(pending, tot, o - first + 1, along_rows)
            for k in range(o - first + 1):
                for j in range(64):
                    second[first + k, j] = tot[k, sampled[j]] / den[sampled[j]]
    final = np.empty((rows, 64), dtype=np.float32)
    _box_cols(second, final, along_cols)
    for i in range(64):
        small[i] = final[int(((i + 0.5) * rows) / 64)]
    return small


if _COMPILED:
    # error_model="numpy": a float division by zero would give inf rather than raise, so the
    # division loops carry no zero test (none can happen: every divisor is a window size
    # >= 1). The quotients are IEEE-754's either way.
    _jit = numba.njit(nogil=True, cache=True, error_model="numpy")
    _luma_row = _jit(_luma_row)
    luma = _jit(luma)
    _phases = _jit(_phases)
    _denominators = _jit(_denominators)
    _totals = _jit(_totals)
    _totals8 = _jit(_totals8)
    _group_totals = _jit(_group_totals)
    _box_cols = _jit(_box_cols)
    downscale64 = _jit(downscale64)

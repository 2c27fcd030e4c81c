"""The PDQ luma and 64x64 downscaling as tvec.signals.pdq_kernel computed them before the
streaming version (tvec.signals.pdq_downscale, 2026-12-07): whole-image float32 buffers, the
row filter one row at a time, every output of every pass divided. Kept here, compiled the
same way, to check the new code float for float (tests/signals/test_pdq_kernel.py)."""

from __future__ import annotations

from typing import Any

import numba  # type: ignore[import-untyped,import-not-found,unused-ignore]
import numpy as np
import numpy.typing as npt


def _box_rows(src: Any, dst: Any, window: int) -> None:
    # box1DFloat along each row (stride 1), as boxAlongRowsFloat.
    rows, cols = src.shape
    half = (window + 2) // 2
    p1 = half - 1
    p2 = window - half + 1
    p3 = cols - window
    p4 = half - 1
    for r in range(rows):
        total = np.float32(0.0)
        size = 0
        li = 0
        ri = 0
        oi = 0
        for _ in range(p1):
            total += src[r, ri]
            size += 1
            ri += 1
        for _ in range(p2):
            total += src[r, ri]
            size += 1
            dst[r, oi] = total / np.float32(size)
            ri += 1
            oi += 1
        for _ in range(p3):
            total += src[r, ri]
            total -= src[r, li]
            dst[r, oi] = total / np.float32(size)
            li += 1
            ri += 1
            oi += 1
        for _ in range(p4):
            total -= src[r, li]
            size -= 1
            dst[r, oi] = total / np.float32(size)
            li += 1
            oi += 1


def _box_cols(src: Any, dst: Any, window: int, sums: Any) -> None:
    # box1DFloat down each column (boxAlongColsFloat), all columns advanced one row at a time:
    # each column's running sum sees the same operations in the same order as in C++.
    rows, cols = src.shape
    half = (window + 2) // 2
    p1 = half - 1
    p2 = window - half + 1
    p3 = rows - window
    p4 = half - 1
    for c in range(cols):
        sums[c] = np.float32(0.0)
    size = 0
    li = 0
    ri = 0
    oi = 0
    for _ in range(p1):
        for c in range(cols):
            sums[c] += src[ri, c]
        size += 1
        ri += 1
    for _ in range(p2):
        size += 1
        div = np.float32(size)
        for c in range(cols):
            sums[c] += src[ri, c]
            dst[oi, c] = sums[c] / div
        ri += 1
        oi += 1
    div = np.float32(size)
    for _ in range(p3):
        for c in range(cols):
            sums[c] += src[ri, c]
            sums[c] -= src[li, c]
            dst[oi, c] = sums[c] / div
        li += 1
        ri += 1
        oi += 1
    for _ in range(p4):
        size -= 1
        div = np.float32(size)
        for c in range(cols):
            sums[c] -= src[li, c]
            dst[oi, c] = sums[c] / div
        li += 1
        oi += 1


def _luma_terms() -> npt.NDArray[np.float64]:
    """Each channel value's term of pdqhash's luma: ``terms[k, v]`` is ``float64(v) *
    weight_k`` (weights 0.299, 0.587, 0.114), the very product the luma expression computes
    for a channel value ``v``, so adding three looked-up terms in the same order (R + G,
    then + B) gives the same float64 sum, bit for bit, for every colour (tested on all 2**24
    of them)."""
    values = np.arange(256, dtype=np.float64)
    return np.stack([values * 0.299, values * 0.587, values * 0.114])


_LUMA_TERMS = _luma_terms()


def _luma(image: Any) -> Any:
    # pdqhash's float64 numpy expression, rounded to float32 at the end; the three products
    # are looked up (_luma_terms) instead of converted and multiplied for every pixel (a
    # quarter less time).
    rows, cols = image.shape[0], image.shape[1]
    out = np.empty((rows, cols), dtype=np.float32)
    red = _LUMA_TERMS[0]
    green = _LUMA_TERMS[1]
    blue = _LUMA_TERMS[2]
    for r in range(rows):
        for c in range(cols):
            out[r, c] = np.float32(
                red[image[r, c, 0]] + green[image[r, c, 1]] + blue[image[r, c, 2]]
            )
    return out


def _luma_grey(image: Any) -> Any:
    # The same for a 2-D greyscale array (pytx stacks it to three equal channels).
    rows, cols = image.shape
    out = np.empty((rows, cols), dtype=np.float32)
    for r in range(rows):
        for c in range(cols):
            v = np.float64(image[r, c])
            out[r, c] = np.float32(v * 0.299 + v * 0.587 + v * 0.114)
    return out


def reference_small(array: Any) -> Any:
    """The 64x64 buffer of a (rows, cols) or (rows, cols, >=3) uint8 array, rows and cols >= 5,
    as the kernel made it (the first part of its old ``_float256``)."""
    if array.ndim == 2:
        luma = _luma_grey(np.ascontiguousarray(array))
    else:
        luma = _luma(np.ascontiguousarray(array))
    return _small(luma)


def _small(luma: Any) -> Any:
    # pdqFloat256FromFloatLuma up to the 64x64 buffer.
    rows, cols = luma.shape
    small = np.empty((64, 64), dtype=np.float32)
    if rows == 64 and cols == 64:
        for i in range(64):
            for j in range(64):
                small[i, j] = luma[i, j]
    else:
        along_rows = (cols + 2 * 64 - 1) // (2 * 64)
        along_cols = (rows + 2 * 64 - 1) // (2 * 64)
        other = np.empty_like(luma)
        sums = np.empty(cols, dtype=np.float32)
        for _ in range(2):
            _box_rows(luma, other, along_rows)
            _box_cols(other, luma, along_cols, sums)
        for i in range(64):
            ini = int(((i + 0.5) * rows) / 64)
            for j in range(64):
                inj = int(((j + 0.5) * cols) / 64)
                small[i, j] = luma[ini, inj]
    return small


_jit = numba.njit(nogil=True, cache=False)
_box_rows = _jit(_box_rows)
_box_cols = _jit(_box_cols)
_luma = _jit(_luma)
_luma_grey = _jit(_luma_grey)
_small = _jit(_small)

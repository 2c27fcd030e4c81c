"""PDQ compiled with numba, bit for bit the ``pdqhash`` binding python-threatexchange uses.

``pdqhash.compute`` (pdqhash 0.2.8, ``bindings.pyx``) turns the RGB array into luma in float64
numpy (``R*0.299 + G*0.587 + B*0.114``, then float32), and runs Meta's C++
``pdqHash256FromFloatLuma`` (ThreatExchange ``pdq/cpp/hashing/pdqhashing.cpp`` and
``pdq/cpp/downscaling/downscaling.cpp``): two Jarosz passes of box filters along rows then
columns, decimation to 64x64, the image-domain quality metric, a 64->16 DCT, and one bit per
coefficient above the Torben median.

This module does the same float32 operations, each value through the same sequence of
additions, subtractions, products and divisions, in the same order, so the results are
identical under IEEE-754 (numba does not reassociate or fuse floating-point operations unless
``fastmath`` is asked for, and it is not). The luma and the 64x64 downscaling, most of the
time, run in :mod:`tvec.signals.pdq_downscale`, in one pass over the pixel rows.
``tests/signals/test_pdq_kernel.py`` checks equality with ``pdqhash`` bit for bit, quality
included, on every vector image and on generated images of many sizes and modes, and the
64x64 buffer float for float against the straightforward filter.

Optional: without numba, :data:`AVAILABLE` is false and callers use ``pdqhash`` (the same
hashes, slower).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from tvec.signals.pdq_downscale import downscale64

try:
    import numba  # type: ignore[import-untyped,import-not-found,unused-ignore]

    #: Whether the compiled PDQ can be used.
    AVAILABLE = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    AVAILABLE = False

#: pytx/PDQ reference names of the eight dihedral hashes, in ``pdqhash.compute_dihedral``'s order.


def _dct_matrix() -> npt.NDArray[np.float32]:
    """The 16x64 DCT-II matrix as ``dct_matrix_64`` in pdqhashing.cpp builds it (float)."""
    scale = float(np.float32(math.sqrt(2.0 / 64.0)))
    out = np.empty((16, 64), dtype=np.float32)
    for i in range(16):
        for j in range(64):
            out[i, j] = np.float32(scale * math.cos((math.pi / 2.0 / 64.0) * (i + 1) * (2 * j + 1)))
    return out


_DCT = _dct_matrix()


def _float256(pixels: Any, channels: int, dct: Any) -> tuple[Any, int]:
    # pdqFloat256FromFloatLuma: the 16x16 DCT output and the quality.
    small = downscale64(pixels, channels)
    gradient = 0
    hundred = np.float32(100.0)
    scale = np.float32(255.0)
    for i in range(63):
        for j in range(64):
            d = int(((small[i, j] - small[i + 1, j]) * hundred) / scale)
            gradient += abs(d)
    for i in range(64):
        for j in range(63):
            d = int(((small[i, j] - small[i, j + 1]) * hundred) / scale)
            gradient += abs(d)
    quality = min(gradient // 90, 100)
    temp = np.empty((16, 64), dtype=np.float32)
    for i in range(16):
        for j in range(64):
            acc = np.float32(0.0)
            for k in range(64):
                acc += dct[i, k] * small[k, j]
            temp[i, j] = acc
    out = np.empty((16, 16), dtype=np.float32)
    for i in range(16):
        for j in range(16):
            acc = np.float32(0.0)
            for k in range(64):
                acc += temp[i, k] * dct[j, k]
            out[i, j] = acc
    return out, quality


def _torben(values: Any) -> Any:
    # torben.cpp (public domain, N. Devillard), over a flat float32 array.
    n = values.shape[0]
    low = values[0]
    high = values[0]
    for i in range(1, n):
        if values[i] < low:
            low = values[i]
        if values[i] > high:
            high = values[i]
    half = (n + 1) // 2
    while True:
        guess = (low + high) / np.float32(2.0)
        less = 0
        greater = 0
        equal = 0
        max_lt = low
        min_gt = high
        for i in range(n):
            if values[i] < guess:
                less += 1
                if values[i] > max_lt:
                    max_lt = values[i]
            elif values[i] > guess:
                greater += 1
                if values[i] < min_gt:
                    min_gt = values[i]
            else:
                equal += 1
        if less <= half and greater <= half:
            break
        if less > greater:
            high = max_lt
        else:
            low = min_gt
    if less >= half:
        return max_lt
    if less + equal >= half:
        return guess
    return min_gt


def _bits(buffer: Any) -> Any:
    # pdqBuffer16x16ToBits: bit i*16+j set when the coefficient is above the median.
    flat = buffer.reshape(256)
    median = _torben(flat)
    return flat > median


def _dihedral(a: Any) -> Any:
    # dct16OriginalTo{Rotate90,...,FlipMinus1}: transposes and sign flips of the DCT.
    out = np.empty((8, 16, 16), dtype=np.float32)
    for i in range(16):
        for j in range(16):
            v = a[i, j]
            out[0, i, j] = v
            out[1, j, i] = v if j & 1 else -v
            out[2, i, j] = -v if (i + j) & 1 else v
            out[3, j, i] = v if i & 1 else -v
            out[4, i, j] = v if i & 1 else -v
            out[5, i, j] = v if j & 1 else -v
            out[6, j, i] = v
            out[7, j, i] = -v if (i + j) & 1 else v
    return out


def _hash(pixels: Any, channels: int, dct: Any, variants: int) -> tuple[Any, int]:
    rows, cols = pixels.shape[0], pixels.shape[1] // channels
    bits = np.zeros((variants, 256), dtype=np.bool_)
    if rows < 5 or cols < 5:
        return bits, 0
    buffer, quality = _float256(pixels, channels, dct)
    return _variant_bits(buffer, variants), quality


def _variant_bits(buffer: Any, variants: int) -> Any:
    bits = np.zeros((variants, 256), dtype=np.bool_)
    if variants == 1:
        bits[0] = _bits(buffer)
        return bits
    all_eight = _dihedral(buffer)
    for v in range(variants):
        bits[v] = _bits(all_eight[v])
    return bits


if AVAILABLE:
    _jit = numba.njit(nogil=True, cache=True)
    _float256 = _jit(_float256)
    _torben = _jit(_torben)
    _bits = _jit(_bits)
    _dihedral = _jit(_dihedral)
    _variant_bits = _jit(_variant_bits)
    _hash = _jit(_hash)


def bits_to_hex(bits: npt.NDArray[np.bool_]) -> str:
    """64 lower-case hex digits of 256 bits, bit ``k`` (``i*16+j``) of weight ``2**k``.

    That is python-threatexchange's rendering of ``pdqhash``'s bit vector.
    """
    value = int.from_bytes(np.packbits(bits[::-1]).tobytes(), "big")
    return f"{value:064x}"


def pdq_hashes(array: npt.NDArray[Any], dihedral: bool = False) -> tuple[list[str], int]:
    """PDQ hash(es) and quality of an image array, as ``pdqhash.compute`` would give them.

    Args:
        array: ``uint8`` pixels, shape (rows, cols) greyscale or (rows, cols, >=3) with R, G,
            B first (further channels, such as alpha or Pillow's RGBX padding, are ignored,
            as by ``pdqhash``). Read only; copied only when not C-contiguous.
        dihedral: also return the seven rotated and mirrored hashes.

    Returns:
        ([hash hex], quality), or with ``dihedral`` the eight hashes in
        :data:`DIHEDRAL_NAMES` order (as ``pdqhash.compute_dihedral``). Images under 5 pixels
        on a side hash to all zeros with quality 0, as in the C++ reference.

    Raises:
        RuntimeError: numba is not installed (check :data:`AVAILABLE`).
        ValueError: the array is not uint8 of a supported shape.
    """
    if not AVAILABLE:
        raise RuntimeError("numba is not installed")
    if array.dtype != np.uint8:
        raise ValueError(f"PDQ needs uint8 pixels, not {array.dtype}")
    variants = 8 if dihedral else 1
    if array.ndim == 2:
        channels = 1
    elif array.ndim == 3 and array.shape[2] >= 3:
        channels = array.shape[2]
    else:
        raise ValueError(f"PDQ needs a (rows, cols) or (rows, cols, 3+) array, not {array.shape}")
    # each pixel row as one run of bytes; read-only, so that every array (Pillow's pixel
    # views are read-only) uses the same compiled specialisation
    pixels = np.ascontiguousarray(array).reshape(array.shape[0], array.shape[1] * channels)
    pixels.flags.writeable = False
    bits, quality = _hash(pixels, channels, _DCT, variants)
    return [bits_to_hex(row) for row in bits], int(quality)

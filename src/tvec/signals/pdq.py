"""PDQ perceptual image hash (256 bits, with quality 0-100), through python-threatexchange.

Algorithm: Meta's PDQ (ThreatExchange ``pdq/README.md``, hashing.pdf). Hashes are computed by
the ``pdqhash`` binding exactly as python-threatexchange's ``pdq_hasher`` does: the image's
array goes to ``pdqhash.compute`` after pytx's own conversion (``LA`` and ``I;16`` to RGB,
two-dimensional greyscale arrays stacked to three channels; RGB and RGBA used as they are).
Modes for which pytx would hash something other than the picture (palette ``P``/``PA``,
bilevel ``1``, ``CMYK``, ``YCbCr``, 32-bit ``I``/``F``, big-endian 16-bit...) are hashed as
their 8-bit RGB rendering, composited on white with wide samples scaled
(:func:`tvec.signals.rendering.rendered_rgb`); for every mode pytx handles, the hash is
bit-for-bit pytx's, so that hash lists made with pytx or HMA match (transparent images in
those modes also get an ``on_white`` variant, see :mod:`tvec.signals.hashing`).

The hashing itself runs in :mod:`tvec.signals.pdq_kernel` (the same floating-point operations
as ``pdqhash``, compiled with numba, about five times faster) when numba is installed, and in
``pdqhash`` otherwise: the same bits and quality either way (tested on every vector).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, ClassVar

from tvec.media import PHOTO, REDUCED_FROM
from tvec.signals.base import ImageHasher, SignalType, SignalValue, require_hex

if TYPE_CHECKING:  # numpy and PIL are imported to hash: validating a value needs neither
    import numpy.typing as npt
    from PIL import Image

#: Modes python-threatexchange hashes as the picture itself; others are converted to RGB.
PYTX_MODES = frozenset({"RGB", "RGBA", "L", "LA", "I;16"})

PDQ_BITS = 256


def hamming_hex(a: str, b: str) -> int:
    """Hamming distance in bits between two equal-length hex strings."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


class PDQSignal(SignalType, ImageHasher):
    """PDQ: 64 hex digits (256 bits); distance is Hamming distance in bits."""

    name: ClassVar[str] = "pdq"
    content_types: ClassVar[frozenset[str]] = frozenset({PHOTO})
    default_threshold: ClassVar[int] = 31

    def validate(self, value: str) -> str:
        """Lower-case 64 hex digits. Raises InvalidSignalError otherwise."""
        return require_hex(value, 64, self.name)

    def distance(self, a: str, b: str) -> int:
        """Hamming distance in bits (0-256)."""
        return hamming_hex(a, b)

    def hash_image(self, image: Image.Image) -> SignalValue:
        """PDQ hash and quality of a decoded image (see the module docstring for modes)."""
        hashes, quality = pdq_hashes(image)
        return SignalValue(self.name, hashes[0], quality)


_LAST_ARRAY: tuple[weakref.ref[Image.Image], npt.NDArray[Any]] | None = None


def image_array(image: Image.Image) -> npt.NDArray[Any]:
    """The pixels of ``image``, R, G, B first, read once per image: the array of the last
    image asked for is kept (with a weak reference to the image), so hashing an image and
    looking for its letterbox borders read its pixels once, not twice. Callers never write
    to it (it is read-only).

    Pillow's own memory, viewed without a copy, where :func:`tvec.signals.pixels.pixel_view`
    can (modes ``L``, ``RGBA``, and ``RGB`` with a fourth, padding, channel); else
    ``np.asarray(image)``."""
    import numpy as np

    from tvec.signals.pixels import pixel_view

    global _LAST_ARRAY
    last = _LAST_ARRAY
    if last is not None and last[0]() is image:
        return last[1]
    array = pixel_view(image)
    if array is None:
        array = np.asarray(image)
    _LAST_ARRAY = (weakref.ref(image), array)
    return array


def pdq_pixels(image: Image.Image) -> npt.NDArray[Any]:
    """:func:`pdq_array`'s pixels, but an RGB image's may keep Pillow's padding byte as a
    fourth channel (no copy): the same PDQ hash (every hasher here reads R, G, B only)."""
    from tvec.signals.rendering import rendered_rgb

    if image.mode not in PYTX_MODES:
        image = rendered_rgb(image)
    if image.mode in ("LA", "I;16"):
        # python-threatexchange (and faiss with it) is imported only to hash: a look-up of
        # a hash value, which validates PDQ values here, starts without it
        from threatexchange.signal_type.pdq.pdq_hasher import (
            _convert_image_to_correct_array_dimension,
        )

        array: npt.NDArray[Any] = _convert_image_to_correct_array_dimension(image)
        return array
    return image_array(image)


def pdq_array(image: Image.Image) -> npt.NDArray[Any]:
    """The array python-threatexchange gives ``pdqhash`` for ``image`` (modes: module doc).

    2-D greyscale arrays are returned as they are (not stacked to three channels): every
    hasher here treats them as pytx's stacked array, without the copy.
    """
    import numpy as np

    array = pdq_pixels(image)
    if array.ndim == 3 and array.shape[2] == 4 and image.mode != "RGBA":  # RGB as RGBX
        return np.ascontiguousarray(array[..., :3])
    return array


def pdq_hashes(image: Image.Image, dihedral: bool = False) -> tuple[list[str], int]:
    """pytx's PDQ hash of ``image`` (hex) and its quality (0-100), bit for bit.

    With ``dihedral``, the eight hashes in :data:`DIHEDRAL_NAMES` order (original
    first), as ``pdqhash.compute_dihedral``. Runs the numba kernel when available, else
    ``pdqhash`` through pytx's own function.
    """
    import numpy as np

    from tvec.signals import pdq_kernel  # numba: compiled on first use, imported only here

    array = pdq_pixels(image)
    full = image.info.get(REDUCED_FROM)
    # Set by open_image as a tuple; a file's own metadata (a PNG text chunk) is only ever str.
    if isinstance(full, tuple) and len(full) == 2 and all(isinstance(n, int) for n in full):
        array = align_reduced(array, full)
    if pdq_kernel.AVAILABLE:
        return pdq_kernel.pdq_hashes(array, dihedral)
    if array.ndim == 3 and array.shape[2] == 4 and image.mode != "RGBA":  # RGB as RGBX
        array = np.ascontiguousarray(array[..., :3])
    if array.ndim == 2:
        array = np.repeat(array[..., np.newaxis], 3, axis=2)
    if not dihedral:
        from threatexchange.signal_type.pdq.pdq_hasher import _pdq_from_numpy_array

        hex_hash, quality = _pdq_from_numpy_array(array)
        return [hex_hash], int(quality)
    import pdqhash

    vectors, quality = pdqhash.compute_dihedral(array)
    return [pdq_kernel.bits_to_hex(np.asarray(v[::-1], dtype=bool)) for v in vectors], int(quality)


def _box_centre(window: int) -> float:
    """Offset, in pixels, of the centre of PDQ's box filter of ``window`` from its output."""
    return 0.5 if window % 2 == 0 else 0.0


def _alignment(full: int, reduced: int) -> int:
    """Pixels to move a reduced axis so PDQ samples it where it samples the full-size axis.

    PDQ blurs each axis twice with a box of ``(n + 127) // 128`` pixels (centred half a pixel
    off when even) and samples 64 points at ``int((i + 0.5) * n / 64)``. At a reduced size
    the windows and sample points land up to a few full-size pixels away from the full-size
    ones; this is their mean distance, in reduced pixels, rounded.
    """
    factor = full / reduced
    shifts = []
    for i in range(64):
        at_full = int(((i + 0.5) * full) / 64) + 2 * _box_centre((full + 127) // 128) + 0.5
        at_reduced = int(((i + 0.5) * reduced) / 64) + 2 * _box_centre((reduced + 127) // 128)
        shifts.append(factor * (at_reduced + 0.5) - at_full)
    return round(sum(shifts) / len(shifts) / factor)


def align_reduced(array: npt.NDArray[Any], full_size: tuple[int, int]) -> npt.NDArray[Any]:
    """Move an image decoded at reduced size so its PDQ samples match the full size's.

    Fast mode (``TVEC_PDQ_FAST``) only: content moves right/down by whole pixels (edge pixels
    repeated), by :func:`_alignment` per axis. Same shape and dtype as ``array``.
    """
    import numpy as np

    out = array
    for axis, full in ((1, full_size[0]), (0, full_size[1])):
        shift = _alignment(full, array.shape[axis])
        if shift > 0:
            edge = np.repeat(np.take(out, [0], axis=axis), shift, axis=axis)
            kept = np.take(out, range(out.shape[axis] - shift), axis=axis)
            out = np.concatenate([edge, kept], axis=axis)
        elif shift < 0:
            edge = np.repeat(np.take(out, [-1], axis=axis), -shift, axis=axis)
            kept = np.take(out, range(-shift, out.shape[axis]), axis=axis)
            out = np.concatenate([kept, edge], axis=axis)
    return np.ascontiguousarray(out)

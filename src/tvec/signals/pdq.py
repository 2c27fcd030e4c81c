"""PDQ perceptual image hash (256 bits, with quality 0-100), through python-threatexchange.

Algorithm: Meta's PDQ (ThreatExchange ``pdq/README.md``, hashing.pdf). Hashes are computed by
the ``pdqhash`` binding exactly as python-threatexchange's ``pdq_hasher`` does: the image's
array goes to ``pdqhash.compute`` after pytx's own conversion (``LA`` and ``I;16`` to RGB,
two-dimensional greyscale arrays stacked to three channels; RGB and RGBA used as they are).
Modes for which pytx would hash something other than the picture (palette ``P``/``PA``,
bilevel ``1``, ``CMYK``, ``YCbCr``, 32-bit ``I``/``F``...) are converted to RGB first, as the
C++ reference hasher (ImageMagick decoding to RGB) does; for every mode pytx handles, the
hash is bit-for-bit pytx's.
"""

from __future__ import annotations

from typing import ClassVar

from PIL import Image
from threatexchange.signal_type.pdq.pdq_hasher import (
    _convert_image_to_correct_array_dimension,
    _pdq_from_numpy_array,
)

from tvec.media import PHOTO
from tvec.signals.base import ImageHasher, SignalType, SignalValue, require_hex

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
        if image.mode not in PYTX_MODES:
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        array = _convert_image_to_correct_array_dimension(image)
        hex_hash, quality = _pdq_from_numpy_array(array)
        return SignalValue(self.name, hex_hash, int(quality))

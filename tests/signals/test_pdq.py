"""``pdq``: PDQ perceptual hash of photos (Hamming distance, threshold 31)."""

from __future__ import annotations

from threatexchange.signal_type.pdq.signal import PdqSignal

from tvec.media import PHOTO
from tvec.signals.pdq import PDQSignal

from .contract import SAMPLE_FILES, SignalTypeContract, gradient_image

GRADIENT = "59d8a8ff0b34807fa82a825f92992af7d55efdaa4c12dd80f486ddaa26f25502"
ZERO = "0" * 64


def _flip(value: str, bits: int) -> str:
    """``value`` with its lowest ``bits`` bits inverted."""
    return f"{int(value, 16) ^ ((1 << bits) - 1):064x}"


class TestPDQ(SignalTypeContract):
    signal_type = PDQSignal
    content_types = frozenset({PHOTO})
    valid = ((GRADIENT, GRADIENT), (GRADIENT.upper(), GRADIENT), (f" {ZERO}\n", ZERO))
    invalid = ("", GRADIENT[:-1], GRADIENT + "0", "q" * 64, "0x" + GRADIENT[2:])
    equal_pairs = ((GRADIENT, GRADIENT.upper()),)
    near_pairs = ((GRADIENT, _flip(GRADIENT, 1), 1), (ZERO, _flip(ZERO, 31), 31))
    far_pairs = ((ZERO, _flip(ZERO, 32), 32), (ZERO, "f" * 64, 256))
    hash_cases = ((gradient_image(), GRADIENT),)


def test_hash_is_pytx_s() -> None:
    name, data = SAMPLE_FILES[PHOTO]
    assert name.endswith(".png")
    assert PdqSignal.hash_from_bytes(data) == GRADIENT
    assert PDQSignal().hash_image(gradient_image()).quality == 100

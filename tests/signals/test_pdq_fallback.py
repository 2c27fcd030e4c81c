"""Without numba, PDQ falls back to pdqhash through pytx's function: the same hashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_file

from tvec.signals import pdq_kernel
from tvec.signals.pdq import PDQSignal, pdq_hashes

FILES = ("bridge-mods/aaa-orig.jpg", "pytx/LA.png", "pytx/I16.png", "misc/wee.jpg")


@pytest.mark.parametrize("available", [True, False])
def test_same_hashes_with_and_without_the_kernel(
    vectors: Path, monkeypatch: pytest.MonkeyPatch, available: bool
) -> None:
    if available and not pdq_kernel.AVAILABLE:
        pytest.skip("numba is not installed")
    monkeypatch.setattr(pdq_kernel, "AVAILABLE", available)
    for name in FILES:
        path = vectors / "pdq" / name
        with Image.open(path) as image:
            image.load()
            signal = PDQSignal().hash_image(image)
            dihedral, quality = pdq_hashes(image, dihedral=True)
        assert (signal.value, signal.quality) == pdq_from_file(path), name
        assert dihedral[0] == signal.value
        assert quality == signal.quality
        assert len(set(dihedral)) == 8


def test_the_two_paths_agree_on_all_eight_hashes(
    vectors: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not pdq_kernel.AVAILABLE:
        pytest.skip("numba is not installed")
    with Image.open(vectors / "pdq" / "bridge-mods" / "sharpen-a-lot.jpg") as image:
        image.load()
        compiled = pdq_hashes(image, dihedral=True)
        monkeypatch.setattr(pdq_kernel, "AVAILABLE", False)
        assert pdq_hashes(image, dihedral=True) == compiled

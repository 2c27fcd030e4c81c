"""Fast PDQ mode (TVEC_PDQ_FAST): JPEGs decoded at reduced size stay within 10 bits."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tvec.media import open_image
from tvec.signals.hashing import hash_content
from tvec.signals.pdq import _alignment, align_reduced, hamming_hex
from tvec.signals.pdq_variants import FAST_MIN_SIDE, PDQOptions

#: The issue's bound on fast mode's distance to the exact hash, in bits.
FAST_MAX_DISTANCE = 10


def _pdq(data: bytes, name: str, fast: bool) -> tuple[str, int]:
    result = hash_content(data, name, max_pixels=10**8, pdq=PDQOptions(fast=fast))
    signal = next(s for s in result.signals if s.signal_type == "pdq")
    assert signal.quality is not None
    return signal.value, signal.quality


def test_fast_mode_within_10_bits_on_every_vector(vectors: Path) -> None:
    with (vectors / "pdq" / "expected.csv").open(encoding="utf-8") as handle:
        names = sorted({row["file"] for row in csv.DictReader(handle)})
    reduced = 0
    worst = 0
    for name in names:
        data = (vectors / "pdq" / name).read_bytes()
        exact, _ = _pdq(data, name, fast=False)
        fast, _ = _pdq(data, name, fast=True)
        worst = max(worst, hamming_hex(exact, fast))
        assert hamming_hex(exact, fast) <= FAST_MAX_DISTANCE, name
        full = open_image(data, name, 10**8)
        small = open_image(data, name, 10**8, draft_min_side=FAST_MIN_SIDE)
        if small.size != full.size:
            reduced += 1
            assert min(small.size) >= FAST_MIN_SIDE
    assert reduced >= 9  # the JPEG vectors with a short side of 512 pixels or more
    assert worst <= FAST_MAX_DISTANCE


@pytest.mark.slow
def test_fast_mode_within_10_bits_on_the_300_benchmark_images() -> None:
    """The images of bench/bench_hashing.py (same generator, seed 7), decoded at 512x384."""
    rng = np.random.default_rng(7)
    distances = []
    for n in range(300):
        small = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
        image = Image.fromarray(small).resize((1024, 768), Image.Resampling.BICUBIC)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=90)
        data = out.getvalue()
        if n < 3:
            small_image = open_image(data, "x.jpg", 10**8, draft_min_side=FAST_MIN_SIDE)
            assert (small_image.size, small_image.mode) == ((512, 384), "L")
        exact, quality = _pdq(data, f"{n}.jpg", fast=False)
        fast, fast_quality = _pdq(data, f"{n}.jpg", fast=True)
        distances.append(hamming_hex(exact, fast))
        assert quality == fast_quality == 100
    assert max(distances) <= FAST_MAX_DISTANCE
    assert sum(distances) / len(distances) < 3  # 2.3 measured; 4.2 without the alignment


def test_alignment_of_reduced_images() -> None:
    # 1024 -> 512: PDQ's samples land 1.5 full-size pixels apart (0.75 reduced): move by 1.
    assert [_alignment(f, r) for f, r in ((1024, 512), (768, 384), (1600, 800))] == [1, 0, 0]
    array = np.tile(np.arange(512) % 251, (3, 1)).astype(np.uint8)
    aligned = align_reduced(array, (1024, 6))  # x moves by one pixel, y (6 -> 3) does not
    assert aligned.shape == array.shape
    assert aligned[:, 0].tolist() == aligned[:, 1].tolist() == [0, 0, 0]
    assert (aligned[:, 2:] == array[:, 1:-1]).all()


def test_default_mode_does_not_reduce() -> None:
    image = Image.new("RGB", (1024, 768), (200, 10, 10))
    out = io.BytesIO()
    image.save(out, "JPEG")
    assert open_image(out.getvalue(), "x.jpg", 10**8).size == (1024, 768)
    assert PDQOptions().draft_min_side is None
    assert PDQOptions(fast=True).draft_min_side == FAST_MIN_SIDE


def test_a_png_text_chunk_cannot_pose_as_a_reduced_decode() -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("tvec_reduced_from", "zz")
    image = Image.fromarray(np.random.default_rng(1).integers(0, 256, (80, 100, 3), np.uint8))
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    exact, _ = _pdq(out.getvalue(), "x.png", fast=False)
    assert _pdq(out.getvalue(), "x.png", fast=True)[0] == exact

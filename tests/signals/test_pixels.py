"""Pillow's pixel memory viewed without a copy (tvec.signals.pixels) is np.asarray's pixels,
and the PDQ hashes and letterbox boxes made from it are those made from the copy."""

from __future__ import annotations

import gc
import io

import numpy as np
import pytest
from PIL import Image

from tvec.signals import pdq_kernel
from tvec.signals.pdq import pdq_array, pdq_hashes, pdq_pixels
from tvec.signals.pdq_variants import unletterbox_box
from tvec.signals.pixels import pixel_view, rgb_channels


def _photo(rows: int, cols: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (max(1, rows // 16), max(1, cols // 16), 3), dtype=np.uint8)
    smooth = Image.fromarray(small).resize((cols, rows), Image.Resampling.BICUBIC)
    noise = rng.integers(0, 40, (rows, cols, 3), dtype=np.uint8)
    return Image.fromarray(np.asarray(smooth) // 2 + noise)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L"])
@pytest.mark.parametrize(("rows", "cols"), [(1, 1), (5, 7), (333, 101), (768, 1024)])
def test_the_view_is_the_pixels_of_np_asarray(mode: str, rows: int, cols: int) -> None:
    image = _photo(rows, cols, rows + cols).convert(mode)
    view = pixel_view(image)
    assert view is not None
    copy = np.asarray(image)
    assert view.flags.writeable is False
    assert view.shape == (copy.shape if mode != "RGB" else (rows, cols, 4))
    assert np.array_equal(rgb_channels(view) if mode == "RGB" else view, copy)


def test_other_modes_and_split_memory_have_no_view() -> None:
    image = _photo(40, 30, 1)
    for mode in ("LA", "P", "I;16", "1", "CMYK", "F"):
        assert pixel_view(image.convert(mode)) is None, mode
    assert pixel_view(Image.new("RGB", (0, 5))) is None
    # Pillow keeps an image larger than its block size (16 MiB) in several blocks
    assert pixel_view(Image.new("RGB", (4096, 1100))) is None


def test_the_view_outlives_the_image() -> None:
    image = _photo(64, 80, 2)
    expected = np.asarray(image).copy()
    view = pixel_view(image)
    assert view is not None
    image.close()
    del image
    gc.collect()
    assert np.array_equal(view[..., :3], expected)


@pytest.mark.skipif(not pdq_kernel.AVAILABLE, reason="numba is not installed")
@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "LA"])
def test_pdq_of_the_view_is_pdq_of_the_copy(mode: str) -> None:
    for seed, (rows, cols) in enumerate([(768, 1024), (480, 641), (64, 64), (5, 9), (4, 9)]):
        data = io.BytesIO()
        _photo(rows, cols, seed).convert(mode).save(data, "PNG")
        with Image.open(data) as image:
            image.load()
            pixels = pdq_pixels(image)
            array = pdq_array(image)
            assert np.array_equal(
                pixels[..., : array.shape[2]] if pixels.ndim == 3 else pixels, array
            )
            copied = pdq_kernel.pdq_hashes(np.array(array), dihedral=True)
            assert pdq_hashes(image, dihedral=True) == copied


def test_letterbox_box_of_the_view_is_that_of_the_copy() -> None:
    picture = _photo(200, 300, 3)
    for mode in ("RGB", "L", "RGBA", "P"):
        framed = Image.new("RGB", (300, 260))
        framed.paste(picture, (0, 30))
        framed = framed.convert(mode)
        box = unletterbox_box(framed)
        assert box == (0, 30, 300, 230), mode


@pytest.mark.parametrize("channels", [0, 3, 4])
def test_an_image_mapped_on_a_numpy_array_keeps_its_memory_under_the_view(channels: int) -> None:
    """``Image.fromarray`` maps L and RGBA images on the array's own buffer (read-only
    images): the view keeps that memory alive after both are gone."""
    shape = (120, 90, channels) if channels else (120, 90)
    array = np.random.default_rng(channels).integers(0, 256, shape, dtype=np.uint8)
    expected = array.copy()
    image = Image.fromarray(array)
    view = pixel_view(image)
    assert view is not None
    del array, image
    gc.collect()
    _ = [np.full(shape, 7, np.uint8) for _ in range(20)]  # reuse freed memory, if any
    assert np.array_equal(view[..., :3] if channels == 3 else view, expected)

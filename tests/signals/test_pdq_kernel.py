"""The compiled PDQ (tvec.signals.pdq_kernel) is pdqhash's PDQ bit for bit, quality included."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pdqhash
import pytest
from PIL import Image
from threatexchange.signal_type.pdq.pdq_hasher import _pdq_from_numpy_array

from tvec.signals import pdq_downscale, pdq_kernel
from tvec.signals.pdq import PDQSignal, pdq_array, pdq_hashes

pytestmark = pytest.mark.skipif(not pdq_kernel.AVAILABLE, reason="numba is not installed")


def _pytx(array: np.ndarray) -> tuple[str, int]:  # type: ignore[type-arg]
    if array.ndim == 2:
        array = np.repeat(array[..., np.newaxis], 3, axis=2)
    hex_hash, quality = _pdq_from_numpy_array(array)
    return hex_hash, int(quality)


def _dihedral(array: np.ndarray) -> tuple[list[str], int]:  # type: ignore[type-arg]
    if array.ndim == 2:
        array = np.repeat(array[..., np.newaxis], 3, axis=2)
    vectors, quality = pdqhash.compute_dihedral(array)
    return [f"{int(''.join(str(b) for b in v), 2):064x}" for v in vectors], int(quality)


def _vector_files(vectors: Path) -> list[Path]:
    with (vectors / "pdq" / "expected.csv").open(encoding="utf-8") as handle:
        names = sorted({row["file"] for row in csv.DictReader(handle)})
    return [vectors / "pdq" / name for name in names]


def test_every_vector_hashes_bit_for_bit_as_pdqhash(vectors: Path) -> None:
    files = _vector_files(vectors)
    assert len(files) >= 20
    for path in files:
        with Image.open(path) as image:
            image.load()
            array = pdq_array(image)
        hashes, quality = pdq_kernel.pdq_hashes(array)
        assert (hashes[0], quality) == _pytx(array), path
        assert pdq_kernel.pdq_hashes(array, dihedral=True) == _dihedral(array), path


def _generated(rng: np.random.Generator, rows: int, cols: int, smooth: bool) -> np.ndarray:  # type: ignore[type-arg]
    if smooth:
        small = rng.integers(0, 256, (max(1, rows // 40), max(1, cols // 40), 3), dtype=np.uint8)
        image = Image.fromarray(small).resize((cols, rows), Image.Resampling.BICUBIC)
        return np.asarray(image)
    return rng.integers(0, 256, (rows, cols, 3), dtype=np.uint8)


@pytest.mark.parametrize("seed", range(3))
def test_generated_images_hash_bit_for_bit_as_pdqhash(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sizes = [(1, 1), (4, 9), (5, 5), (64, 64), (63, 65), (129, 7), (768, 1024), (1000, 333)]
    sizes += [tuple(int(x) for x in rng.integers(5, 700, 2)) for _ in range(6)]
    for n, (rows, cols) in enumerate(sizes):
        array = _generated(rng, rows, cols, smooth=n % 2 == 0)
        assert (lambda h: (h[0][0], h[1]))(pdq_kernel.pdq_hashes(array)) == _pytx(array)
        grey = np.ascontiguousarray(array[..., 1])
        assert (lambda h: (h[0][0], h[1]))(pdq_kernel.pdq_hashes(grey)) == _pytx(grey)
        rgba = np.concatenate([array, array[..., :1]], axis=2)
        assert pdq_kernel.pdq_hashes(rgba, dihedral=True) == _dihedral(rgba)


def test_tiny_images_hash_to_zero_with_quality_zero() -> None:
    assert pdq_kernel.pdq_hashes(np.zeros((4, 100, 3), np.uint8)) == (["0" * 64], 0)


def test_signal_uses_the_same_hash_as_pytx_from_a_file(tmp_path: Path) -> None:
    from threatexchange.signal_type.pdq.signal import PdqSignal

    rng = np.random.default_rng(9)
    path = tmp_path / "picture.jpg"
    Image.fromarray(_generated(rng, 480, 640, smooth=True)).save(path, quality=90)
    with Image.open(path) as image:
        image.load()
        value = PDQSignal().hash_image(image).value
        assert pdq_hashes(image, dihedral=True)[0][0] == value
    assert PdqSignal.hash_from_file(path) == value


def test_bad_arrays_are_refused() -> None:
    with pytest.raises(ValueError, match="uint8"):
        pdq_kernel.pdq_hashes(np.zeros((8, 8, 3), np.float32))
    with pytest.raises(ValueError, match="array"):
        pdq_kernel.pdq_hashes(np.zeros((8, 8, 2), np.uint8))


def test_luma_is_pdqhash_luma_for_every_colour_and_layout() -> None:
    """For all 2**24 colours, as RGB and as RGBX/RGBA (four bytes a pixel), and for the 256
    greys, the float32 luma is bit for bit pdqhash's float64 numpy expression, rounded."""
    values = np.arange(2**24, dtype=np.uint32)
    red, green, blue = (values >> 16) & 255, (values >> 8) & 255, values & 255
    image = np.stack([red, green, blue], axis=-1).astype(np.uint8).reshape(4096, 4096, 3)
    rgb = pdq_downscale.luma(image.reshape(4096, -1), 3).reshape(-1)
    padded = np.concatenate([image, image[..., :1] ^ 0x5A], axis=2)  # any fourth byte
    rgbx = pdq_downscale.luma(padded.reshape(4096, -1), 4).reshape(-1)
    assert np.array_equal(rgb.view(np.uint32), rgbx.view(np.uint32))
    for r in range(0, 256, 16):  # in slices, to keep the float64 temporaries small
        part = slice(r << 16, (r + 16) << 16)
        expected = (
            red[part].astype(np.float64) * 0.299
            + green[part].astype(np.float64) * 0.587
            + blue[part].astype(np.float64) * 0.114
        ).astype(np.float32)
        assert np.array_equal(rgb[part].view(np.uint32), expected.view(np.uint32))
    greys = np.arange(256, dtype=np.uint8)
    grey = pdq_downscale.luma(greys.reshape(1, 256), 1)[0]
    as_rgb = pdq_downscale.luma(np.repeat(greys, 3).reshape(1, 768), 3)[0]
    assert np.array_equal(grey.view(np.uint32), as_rgb.view(np.uint32))
    five = pdq_downscale.luma(np.repeat(greys, 5).reshape(1, 1280), 5)[0]
    assert np.array_equal(grey.view(np.uint32), five.view(np.uint32))


def _small(array: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
    channels = 1 if array.ndim == 2 else array.shape[2]
    pixels = np.ascontiguousarray(array).reshape(array.shape[0], -1)
    out: np.ndarray = pdq_downscale.downscale64(pixels, channels)  # type: ignore[type-arg]
    return out


_SIZES = [(5, 5), (5, 6), (6, 5), (5, 1000), (1000, 5), (7, 13), (63, 65), (64, 64), (64, 65)]
_SIZES += [(65, 64), (127, 129), (128, 128), (129, 257), (255, 256), (257, 383), (768, 1024)]
_SIZES += [(1024, 768), (1080, 1920), (333, 1000), (2001, 17), (9, 1700)]


@pytest.mark.parametrize(("rows", "cols"), _SIZES)
def test_downscaling_is_the_old_filter_float_for_float(rows: int, cols: int) -> None:
    """The streaming downscale (rows filtered eight at a time, the second passes divided at
    the sampled points only) gives the very floats of the straightforward filter, for every
    layout: RGB, RGBA, Pillow's RGBX, five channels, greyscale; noise and smooth images."""
    from tests.signals.pdq_reference import reference_small

    rng = np.random.default_rng(rows * 10007 + cols)
    for smooth in (False, True):
        rgb = _generated(rng, rows, cols, smooth)
        rgba = np.concatenate([rgb, rng.integers(0, 256, (rows, cols, 1), np.uint8)], axis=2)
        five = np.concatenate([rgba, rgb[..., :1]], axis=2)
        grey = np.ascontiguousarray(rgb[..., 0])
        for array in (rgb, rgba, five, grey):
            expected = reference_small(array)
            assert np.array_equal(_small(array).view(np.uint32), expected.view(np.uint32))


@pytest.mark.parametrize("seed", range(4))
def test_downscaling_of_random_sizes_and_flat_images_is_the_old_filter(seed: int) -> None:
    from tests.signals.pdq_reference import reference_small

    rng = np.random.default_rng(100 + seed)
    for _ in range(12):
        rows, cols = (int(x) for x in rng.integers(5, 900, 2))
        array = rng.integers(0, 256, (rows, cols, 4), np.uint8)
        expected = reference_small(array)
        assert np.array_equal(_small(array).view(np.uint32), expected.view(np.uint32))
    for value in (0, 1, 128, 255):  # flat: sums of equal values, every window size
        array = np.full((int(rng.integers(5, 300)), int(rng.integers(5, 300)), 3), value, np.uint8)
        assert np.array_equal(_small(array).view(np.uint32), reference_small(array).view(np.uint32))


def test_non_contiguous_and_read_only_arrays_hash_as_their_copies() -> None:
    rng = np.random.default_rng(5)
    array = _generated(rng, 300, 400, smooth=True)
    wide = np.concatenate([array, array], axis=1)[:, ::2]  # strided view
    frozen = array.copy()
    frozen.flags.writeable = False
    expected = pdq_kernel.pdq_hashes(np.ascontiguousarray(wide), dihedral=True)
    assert pdq_kernel.pdq_hashes(wide, dihedral=True) == expected
    assert pdq_kernel.pdq_hashes(frozen) == pdq_kernel.pdq_hashes(array.copy())
    assert frozen.flags.writeable is False

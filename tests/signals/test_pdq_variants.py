"""Image variants: rotated, mirrored and letterboxed copies found, and said how (found_by)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from threatexchange.content_type.preprocess import unletterboxing

from tvec.signals.pdq import PDQSignal, hamming_hex
from tvec.signals.pdq_variants import PDQOptions, pdq_variants, unletterbox_box

T = Image.Transpose
#: PIL transform of the banked picture -> the PDQ variant of the copy that finds it.
COPIES = {
    "rotated-ccw.png": (T.ROTATE_90, "rotate270"),
    "rotated-cw.png": (T.ROTATE_270, "rotate90"),
    "upside-down.png": (T.ROTATE_180, "rotate180"),
    "mirrored.png": (T.FLIP_LEFT_RIGHT, "flipy"),
    "flipped.png": (T.FLIP_TOP_BOTTOM, "flipx"),
    "transposed.png": (T.TRANSPOSE, "flipplus1"),
    "transversed.png": (T.TRANSVERSE, "flipminus1"),
}


def picture(seed: int = 3, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A smooth random RGB picture (PDQ quality 100)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
    return Image.fromarray(small).resize(size, Image.Resampling.BICUBIC)


def letterbox(image: Image.Image, bar: int = 80, colour: int = 6) -> Image.Image:
    """``image`` with near-black bars of ``bar`` pixels above and below."""
    out = Image.new(image.mode, (image.width, image.height + 2 * bar), (colour,) * 3)
    out.paste(image, (0, bar))
    return out


def test_each_dihedral_copy_is_found_by_its_variant() -> None:
    original = picture()
    main = PDQSignal().hash_image(original).value
    for name, (transform, found_by) in COPIES.items():
        copy = original.transpose(transform)
        assert hamming_hex(PDQSignal().hash_image(copy).value, main) > 100, name
        variants = {
            v.found_by: v.signal
            for v in pdq_variants(copy, PDQOptions(dihedral=True, unletterbox=False), None)
        }
        assert len(variants) == 7
        assert hamming_hex(variants[found_by].value, main) <= 26, name
        assert variants[found_by].quality == 100
        others = [hamming_hex(s.value, main) for n, s in variants.items() if n != found_by]
        assert min(others) > 90, name


def test_letterboxed_copy_is_found_unletterboxed_exactly() -> None:
    original = picture()
    main = PDQSignal().hash_image(original).value
    boxed = letterbox(original)
    assert hamming_hex(PDQSignal().hash_image(boxed).value, main) > 60
    assert unletterbox_box(boxed) == (0, 80, 640, 560)
    (variant,) = pdq_variants(boxed, PDQOptions(), None)
    assert variant.found_by == "unletterboxed"
    assert variant.signal.value == main
    assert pdq_variants(original, PDQOptions(), main) == []
    assert pdq_variants(boxed, PDQOptions(unletterbox=False), None) == []


def _pytx_box(image: Image.Image, threshold: int) -> tuple[int, int, int, int] | None:
    rgb = image.convert("RGB")
    top = unletterboxing.detect_top_border(rgb, threshold)
    bottom = unletterboxing.detect_bottom_border(rgb, threshold)
    left = unletterboxing.detect_left_border(rgb, threshold)
    right = unletterboxing.detect_right_border(rgb, threshold)
    if top == image.height or (top, bottom, left, right) == (0, 0, 0, 0):
        return None
    return left, top, image.width - right, image.height - bottom


@pytest.mark.parametrize("threshold", [0, 15])
def test_border_detection_is_pytx_s(threshold: int) -> None:
    base = picture(5, (96, 64))
    boxed = letterbox(base, bar=10, colour=10)
    pillar = Image.new("RGB", (140, 64), (0, 0, 0))
    pillar.paste(base, (30, 0))
    noisy = np.asarray(letterbox(base, bar=7, colour=0)).copy()
    noisy[3, 50] = (0, 0, 16)
    cases = [
        base,
        boxed,
        pillar,
        Image.fromarray(noisy),
        boxed.convert("L"),
        boxed.convert("RGBA"),
        pillar.convert("P"),
        Image.new("RGB", (20, 20)),
    ]
    for image in cases:
        assert unletterbox_box(image, threshold) == _pytx_box(image, threshold), image.mode


@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA"])
def test_border_detection_with_dark_corners_and_sides_is_pytx_s(mode: str) -> None:
    """Every combination of dark corners and dark sides (the corner pre-check must never
    skip a border): the box is pytx's."""
    rng = np.random.default_rng(11)
    for case in range(64):
        pixels = rng.integers(40, 256, (23, 31, 3), dtype=np.uint8)
        sides = [(slice(0, 2), slice(None)), (slice(-3, None), slice(None))]
        sides += [(slice(None), slice(0, 1)), (slice(None), slice(-2, None))]
        for bit, (rows, cols) in enumerate(sides):
            if case >> bit & 1:
                pixels[rows, cols] = rng.integers(0, 16, 3)
        if case >> 4 & 1:
            pixels[0, 0] = pixels[-1, -1] = 0
        if case >> 5 & 1:
            pixels[0, -1] = pixels[-1, 0] = 3
        image = Image.fromarray(pixels).convert(mode)
        assert unletterbox_box(image) == _pytx_box(image, 15), (case, mode)


def _bank_and_scan(cli, bank_file: Path, folder: Path) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    """Bank ``bank_file``, scan ``folder``: the pdq matches by file name (OCR off: not tested)."""
    assert cli("bank", "create", "posters").code == 0
    added = cli("bank", "add", "posters", bank_file, "--entity", "test")
    assert added.code == 0, added.err
    result = cli("scan", folder, "--bank", "posters", "--json", "-")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    return {Path(m["item"]).name: m for m in doc["matches"] if m["signal_type"] == "pdq"}


def test_scan_reports_found_by(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    original = picture()
    bank_file = tmp_path / "original.png"
    original.save(bank_file)
    folder = tmp_path / "posted"
    folder.mkdir()
    for name, (transform, _) in COPIES.items():
        original.transpose(transform).save(folder / name)
    letterbox(original).save(folder / "letterboxed.png")
    original.save(folder / "same.png")
    monkeypatch.setenv("TVEC_PDQ_DIHEDRAL", "true")
    monkeypatch.setenv("TVEC_ANALYSIS_OCR", "false")
    matches = _bank_and_scan(cli, bank_file, folder)
    expected = {name: found_by for name, (_, found_by) in COPIES.items()}
    expected["letterboxed.png"] = "unletterboxed"
    assert set(matches) == {*expected, "same.png"}
    for name, found_by in expected.items():
        assert matches[name]["labels"]["found_by"] == found_by
        assert matches[name]["labels"]["entity"] == "test"
        assert matches[name]["distance"] <= 26
    assert "found_by" not in matches["same.png"]["labels"]
    assert matches["same.png"]["distance"] == 0
    assert matches["letterboxed.png"]["distance"] == 0
    # tvec match shows the same label.
    found = json.loads(cli("match", "--json", folder / "mirrored.png").out)["matches"]
    assert [(m["signal_type"], m["labels"]["found_by"]) for m in found] == [("pdq", "flipy")]


def test_variants_off_find_only_the_same_picture(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = picture()
    bank_file = tmp_path / "original.png"
    original.save(bank_file)
    folder = tmp_path / "posted"
    folder.mkdir()
    original.transpose(T.ROTATE_90).save(folder / "rotated.png")
    letterbox(original).save(folder / "letterboxed.png")
    original.save(folder / "same.png")
    monkeypatch.setenv("TVEC_PDQ_UNLETTERBOX", "false")
    assert set(_bank_and_scan(cli, bank_file, folder)) == {"same.png"}


def test_bridge_mods_rotated_mirrored_and_letterboxed(  # type: ignore[no-untyped-def]
    cli, vectors: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mods = vectors / "pdq" / "bridge-mods"
    folder = tmp_path / "posted"
    folder.mkdir()
    files = sorted(mods.iterdir())
    assert len(files) == 12
    for n, path in enumerate(files):
        with Image.open(path) as image:
            rgb = image.convert("RGB")
        transform = (T.ROTATE_90, T.FLIP_LEFT_RIGHT, T.ROTATE_180)[n % 3]
        rgb.transpose(transform).save(folder / f"{path.stem}-turned.png")
        letterbox(rgb, bar=rgb.height // 6, colour=0).save(folder / f"{path.stem}-boxed.png")
    monkeypatch.setenv("TVEC_PDQ_DIHEDRAL", "1")
    monkeypatch.setenv("TVEC_ANALYSIS_OCR", "false")
    matches = _bank_and_scan(cli, mods / "aaa-orig.jpg", folder)
    assert len(matches) == 24
    for n, path in enumerate(files):
        turned = matches[f"{path.stem}-turned.png"]
        assert turned["labels"]["found_by"] == ("rotate270", "flipy", "rotate180")[n % 3]
        assert turned["distance"] <= 31
        boxed = matches[f"{path.stem}-boxed.png"]
        assert boxed["labels"]["found_by"] == "unletterboxed"
        assert boxed["distance"] <= 31

"""Images as people see them: EXIF orientation, every Pillow mode, animations by frame."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tvec.signals.hashing import hash_content
from tvec.signals.pdq import PDQSignal, hamming_hex
from tvec.signals.rendering import oriented, rendered_rgb
from tvec.signals.vpdq import VPDQSignal, parse_vpdq

from .test_pdq_variants import _bank_and_scan, picture

MAX_PIXELS = 50_000_000
T = Image.Transpose
#: EXIF orientation value -> the transpose that stores an upright picture that way.
STORED_AS = {
    2: T.FLIP_LEFT_RIGHT,
    3: T.ROTATE_180,
    4: T.FLIP_TOP_BOTTOM,
    5: T.TRANSPOSE,
    6: T.ROTATE_90,
    7: T.TRANSVERSE,
    8: T.ROTATE_270,
}


def _encode(image: Image.Image, fmt: str = "PNG", **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def _tagged(upright: Image.Image, value: int, fmt: str = "JPEG") -> bytes:
    """``upright`` stored turned, with the EXIF orientation that turns it back."""
    exif = Image.Exif()
    exif[0x0112] = value
    return _encode(upright.transpose(STORED_AS[value]), fmt, exif=exif.tobytes())


def _pdq(data: bytes, name: str = "x.png") -> str:
    result = hash_content(data, name, max_pixels=MAX_PIXELS)
    assert result.error is None, result.error
    return next(s.value for s in result.signals if s.signal_type == "pdq")


@pytest.mark.parametrize("value", sorted(STORED_AS))
def test_exif_orientation_is_applied(value: int) -> None:
    upright = picture(seed=11)
    upright_hash = _pdq(_encode(upright, "JPEG", quality=95), "u.jpg")
    tagged = _tagged(upright, value)
    result = hash_content(tagged, "phone.jpg", max_pixels=MAX_PIXELS)
    signal = next(s.value for s in result.signals if s.signal_type == "pdq")
    assert hamming_hex(signal, upright_hash) <= 8
    # The hash as stored (python-threatexchange's) is kept as a variant, far from upright.
    stored = [v for v in result.pdq_variants if v.found_by == "as_stored"]
    assert len(stored) == 1
    with Image.open(io.BytesIO(tagged)) as raw:
        assert stored[0].signal.value == PDQSignal().hash_image(raw).value
    if value != 3:  # a half turn of this picture is still far away
        assert hamming_hex(stored[0].signal.value, upright_hash) > 31


@pytest.mark.parametrize("value", [0, 1, 9, 255])
def test_invalid_or_neutral_orientation_is_ignored(value: int) -> None:
    image = picture(seed=12)
    exif = Image.Exif()
    exif[0x0112] = value
    data = _encode(image, "JPEG", quality=95, exif=exif.tobytes())
    result = hash_content(data, "x.jpg", max_pixels=MAX_PIXELS)
    with Image.open(io.BytesIO(data)) as raw:
        assert oriented(raw) is None
        assert result.signals[-1].value == PDQSignal().hash_image(raw).value
    assert [v.found_by for v in result.pdq_variants] == []


def test_phone_photo_matches_its_upright_copy_by_default(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    upright = picture(seed=13)
    bank_file = tmp_path / "upright.jpg"
    bank_file.write_bytes(_encode(upright, "JPEG", quality=95))
    folder = tmp_path / "posted"
    folder.mkdir()
    (folder / "phone.jpg").write_bytes(_tagged(upright, 6))
    matches = _bank_and_scan(cli, bank_file, folder)
    assert set(matches) == {"phone.jpg"}
    assert matches["phone.jpg"]["distance"] <= 8
    assert "found_by" not in matches["phone.jpg"]["labels"]


def _on_white(rgb: np.ndarray, alpha: np.ndarray) -> Image.Image:  # type: ignore[type-arg]
    a = alpha.astype(np.float64)[..., None] / 255
    mixed = np.rint(rgb.astype(np.float64) * a + 255 * (1 - a)).astype(np.uint8)
    return Image.fromarray(mixed)


def test_palette_with_transparency_is_hashed_on_white() -> None:
    base = picture(seed=14, size=(256, 256)).quantize(64)
    base.info["transparency"] = 0  # palette entry 0 is transparent
    data = _encode(base)
    with Image.open(io.BytesIO(data)) as opened:
        assert opened.mode == "P" and "transparency" in opened.info
        rgba = np.asarray(opened.convert("RGBA"))
    expected = PDQSignal().hash_image(_on_white(rgba[..., :3], rgba[..., 3])).value
    assert _pdq(data) == expected
    # Before: the colour under transparent pixels was hashed as if it were visible.
    assert expected != PDQSignal().hash_image(Image.fromarray(rgba[..., :3])).value


@pytest.mark.parametrize("mode", ["1", "L", "P", "CMYK", "RGB"])
def test_opaque_modes_hash_as_their_rgb_rendering(mode: str) -> None:
    source = picture(seed=15, size=(256, 256))
    image = source.convert(mode) if mode != "P" else source.quantize(128)
    fmt = "TIFF" if mode == "CMYK" else "PNG"
    data = _encode(image, fmt)
    with Image.open(io.BytesIO(data)) as opened:
        assert opened.mode == mode
        expected = PDQSignal().hash_image(opened.convert("RGB")).value
    assert _pdq(data, f"x.{fmt.lower()}") == expected


def test_sixteen_bit_samples_are_scaled_not_clamped() -> None:
    grey8 = np.asarray(picture(seed=16, size=(256, 256)).convert("L"))
    wide = grey8.astype(np.int32) * 257  # 0-65535, as a 16-bit scan stores it
    data = _encode(Image.fromarray(wide), "TIFF")
    with Image.open(io.BytesIO(data)) as opened:
        assert opened.mode == "I"
        assert np.array_equal(np.asarray(rendered_rgb(opened))[..., 0], grey8)
        clamped = PDQSignal().hash_image(opened.convert("RGB")).value
    scaled = _pdq(data, "scan.tiff")
    assert scaled == PDQSignal().hash_image(Image.fromarray(grey8).convert("RGB")).value
    assert hamming_hex(scaled, clamped) > 31  # Pillow's clamp makes it nearly all white


def test_transparent_rgba_keeps_pytx_hash_and_adds_on_white_variant() -> None:
    rgb = np.asarray(picture(seed=17, size=(256, 256)))
    alpha = np.full((256, 256), 255, dtype=np.uint8)
    alpha[:, :128] = 0
    rgba = np.dstack([rgb, alpha])
    data = _encode(Image.fromarray(rgba))
    result = hash_content(data, "logo.png", max_pixels=MAX_PIXELS)
    with Image.open(io.BytesIO(data)) as opened:
        assert result.signals[-1].value == PDQSignal().hash_image(opened).value
    on_white = [v for v in result.pdq_variants if v.found_by == "on_white"]
    assert [v.signal.value for v in on_white] == [
        PDQSignal().hash_image(_on_white(rgb, alpha)).value
    ]


def _animation(frames: list[Image.Image], fmt: str = "GIF") -> bytes:
    params: dict[str, object] = {"save_all": True, "append_images": frames[1:], "duration": 200}
    if fmt == "GIF":
        params["loop"] = 0
    else:
        params["lossless"] = True
    return _encode(frames[0], fmt, **params)


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_animations_sharing_a_first_frame_are_not_the_same(fmt: str) -> None:
    first = picture(seed=20, size=(200, 200))
    one = [first, picture(seed=21, size=(200, 200)), picture(seed=22, size=(200, 200))]
    two = [first, picture(seed=31, size=(200, 200)), picture(seed=32, size=(200, 200))]
    a = hash_content(_animation(one, fmt), f"a.{fmt.lower()}", max_pixels=MAX_PIXELS)
    b = hash_content(_animation(two, fmt), f"b.{fmt.lower()}", max_pixels=MAX_PIXELS)
    for result in (a, b):
        assert [s.signal_type for s in result.signals if s.signal_type in ("pdq", "vpdq")] == [
            "vpdq"
        ]
    va = next(s.value for s in a.signals if s.signal_type == "vpdq")
    vb = next(s.value for s in b.signals if s.signal_type == "vpdq")
    frames = parse_vpdq(va)
    assert [f.timestamp for f in frames] == [0.0, 0.2, 0.4]
    assert frames[0].pdq_hex == parse_vpdq(vb)[0].pdq_hex  # same opening frame...
    assert VPDQSignal().distance(va, vb) > VPDQSignal.default_threshold  # ...not the same
    again = hash_content(_animation(one, fmt), "a2", max_pixels=MAX_PIXELS)
    assert VPDQSignal().distance(va, next(s.value for s in again.signals if s.value[0] == "[")) == 0


def test_animation_frames_are_bounded_by_the_pixel_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from tvec.signals import animation

    monkeypatch.setattr(animation, "FRAME_PIXEL_FACTOR", 2)
    frames = [picture(seed=40 + i, size=(100, 100)) for i in range(6)]
    result = hash_content(_animation(frames), "long.gif", max_pixels=100 * 100)
    # 2 x max_pixels = 2 frames' worth of pixels: only the first two frames are hashed.
    assert result.error is None
    value = next(s.value for s in result.signals if s.signal_type == "vpdq")
    assert len(parse_vpdq(value)) == 2


def test_scan_matches_animation_only_by_its_frames(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = picture(seed=50, size=(200, 200))
    banked = [first, picture(seed=51, size=(200, 200)), picture(seed=52, size=(200, 200))]
    other = [first, picture(seed=61, size=(200, 200)), picture(seed=62, size=(200, 200))]
    bank_file = tmp_path / "banked.gif"
    bank_file.write_bytes(_animation(banked))
    folder = tmp_path / "posted"
    folder.mkdir()
    (folder / "same.gif").write_bytes(_animation(banked))
    (folder / "other.gif").write_bytes(_animation(other))
    assert cli("bank", "create", "anims").code == 0
    added = cli("bank", "add", "anims", bank_file, "--entity", "test")
    assert added.code == 0, added.err
    result = cli("scan", folder, "--bank", "anims", "--json", "-")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    matched = {Path(m["item"]).name: m["signal_type"] for m in doc["matches"]}
    assert matched.get("same.gif") == "vpdq"
    assert "other.gif" not in {n for n, t in matched.items() if t in ("pdq", "vpdq")}

"""Benign generated data for the review tests: images, a bank, scanned items and users.

Images are smooth colour gradients with a few shapes (nothing but geometry); a "near copy"
is the same picture slightly brightened, so its PDQ hash is a few bits away.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance

from tvec import banks
from tvec.accounts import Principal, add_user
from tvec.scan import run_scan
from tvec.settings import Settings, load_settings
from tvec.store import Store

PASSWORD = "correct horse battery staple"
ROLES = ("admin", "analyst", "moderator", "viewer")


def gradient_image(path: Path, seed: int, size: int = 256) -> Path:
    """A benign picture: a gradient with circles and bars placed by ``seed``."""
    image = Image.new("RGB", (size, size))
    pixels = image.load()
    assert pixels is not None
    for y in range(size):
        for x in range(size):
            pixels[x, y] = ((x * (seed + 3)) % 256, (y * (seed + 5)) % 256, (x + y + seed) % 256)
    draw = ImageDraw.Draw(image)
    for i in range(4):
        r = 10 + (seed * 7 + i * 13) % 40
        cx, cy = (seed * 31 + i * 57) % size, (seed * 17 + i * 91) % size
        draw.ellipse(
            (cx - r, cy - r, cx + r, cy + r), fill=((i * 60) % 256, 200, (seed * 40) % 256)
        )
    draw.rectangle((10, size - 40, size - 10, size - 20), fill=(20, 20, (seed * 50) % 256))
    image.save(path, format="PNG")
    return path


def near_copy(source: Path, path: Path) -> Path:
    """The picture at ``source``, 6% brighter (a near PDQ match)."""
    with Image.open(source) as image:
        ImageEnhance.Brightness(image.convert("RGB")).enhance(1.06).save(path, format="PNG")
    return path


@dataclass
class Scanned:
    """What :func:`scan_sample` made: the store, file paths and the scan id."""

    store: Store
    known: Path
    near: Path
    other: Path
    scan_id: int


def scan_sample(store: Store, folder: Path) -> Scanned:
    """Bank ``tcap`` holds ``known.png`` (entity Islamic State); scan ``known.png``, a near
    copy and an unrelated picture: two cases open (exact and near), the third has none."""
    source = folder / "bank-src"
    source.mkdir(parents=True)
    known_src = gradient_image(source / "known.png", 1)
    banks.create_bank(store, "tcap", "test bank", actor="cli")
    banks.add_files(store, "tcap", [known_src], entity="Islamic State", source="TCAP", actor="cli")
    content = folder / "content"
    content.mkdir()
    known = content / "a-known.png"
    known.write_bytes(known_src.read_bytes())
    near = near_copy(known_src, content / "b-near.png")
    other = gradient_image(content / "c-other.png", 9)
    result = run_scan(store, [content])
    return Scanned(store, known, near, other, result.scan_id)


def make_users(store: Store) -> dict[str, Principal]:
    """One user per role, named after it, all with :data:`PASSWORD`."""
    out: dict[str, Principal] = {}
    with store.session() as session:
        for role in ROLES:
            account = add_user(session, role, role, PASSWORD)
            out[role] = Principal(account.id, account.username, account.role)
    return out


def fast_settings(home: Path, **overrides: object) -> Settings:
    """Test settings in ``home``; OCR off where the analysis stage has it (it is slow and
    the generated pictures hold no text)."""
    extra: dict[str, object] = (
        {"analysis_ocr": False} if "analysis_ocr" in Settings.model_fields else {}
    )
    return load_settings(home=home, progress=False, **extra, **overrides)

"""Point 8 of the foundation issue: every bad input gets a clear error and the scan goes on.

Each case writes one bad input next to a good image, scans the folder, and checks the exact
error kind, that the message names the file and the problem, and that the good item was
stored with its PDQ hash.
"""

from __future__ import annotations

import io
import json
import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from tvec.scan import run_scan
from tvec.settings import load_settings
from tvec.store import Store, open_store
from tvec.store.models import Item


def good_image(folder: Path) -> Path:
    img = Image.new("RGB", (256, 256))
    for x in range(0, 256, 32):
        for y in range(0, 256, 32):
            img.paste(((x * 7) % 256, (y * 5) % 256, (x + y) % 256), (x, y, x + 32, y + 32))
    path = folder / "good.png"
    img.save(path)
    return path


def png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width x height pixels (data is one short row)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 300), (200, 10, 10)).save(out, "JPEG")
    return out.getvalue()[: len(out.getvalue()) // 2]


def write(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return make


CASES: list[tuple[str, Callable[[Path], Path], str, str]] = [
    ("zero-byte image", write("empty.jpg", b""), "corrupt_media", "empty file (0 bytes)"),
    ("truncated image", write("half.jpg", truncated_jpeg()), "corrupt_media", "cannot be decoded"),
    (
        "corrupt image",
        write("noise.png", b"\x89PNG\r\n\x1a\n" + os.urandom(200)),
        "corrupt_media",
        "not a readable image",
    ),
    (
        "decompression bomb",
        write("bomb.png", png_bomb(30000, 30000)),
        "decompression_bomb",
        "900000000 pixels, over the limit of 89478485",
    ),
    (
        "HTML named .jpg",
        write("page.jpg", b"<!doctype html><html><body>hi</body></html>"),
        "type_mismatch",
        "named as an image (.jpg) but the bytes are text",
    ),
    (
        "PNG named .mp4",
        write("clip.mp4", png_bomb(4, 4)),
        "type_mismatch",
        "named as a video (.mp4) but the bytes are image/png",
    ),
    (
        "non-UTF-8 text",
        write("notes.txt", "café".encode("latin-1") + b" \xff\xfe"),
        "encoding",
        "text is not UTF-8",
    ),
]


@pytest.mark.parametrize(("label", "make", "kind", "phrase"), CASES, ids=[c[0] for c in CASES])
def test_bad_file_is_recorded_and_good_one_stored(
    store: Store, tmp_path: Path, label: str, make: Callable[[Path], Path], kind: str, phrase: str
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    good = good_image(folder)
    bad = make(folder)
    result = run_scan(store, [folder])
    assert [(e.item, e.kind) for e in result.errors] == [(bad.resolve().as_uri(), kind)]
    message = result.errors[0].error
    assert str(bad) in message and phrase in message, message
    with store.session() as session:
        stored = session.scalars(select(Item).where(Item.locator == good.resolve().as_uri())).one()
        assert {s.signal_type for s in stored.signals} == {"md5", "sha256", "pdq"}
        broken = session.scalars(select(Item).where(Item.locator == bad.resolve().as_uri())).one()
        assert {s.signal_type for s in broken.signals} >= {"md5", "sha256"}
        assert [e.kind for e in broken.errors] == [kind]


def test_pixel_limit_is_a_setting(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    good_image(folder)
    small = open_store(load_settings(home=tmp_path / "h", max_image_pixels=1000, progress=False))
    result = run_scan(small, [folder])
    assert [e.kind for e in result.errors] == ["decompression_bomb"]
    assert "256x256 = 65536 pixels, over the limit of 1000" in result.errors[0].error


def test_bad_json_lines_and_media(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "posts"
    (folder / "media").mkdir(parents=True)
    good = good_image(folder / "media")
    (tmp_path / "outside.png").write_bytes(good.read_bytes())
    lines = [
        json.dumps({"id": "a", "text": "first post", "media": ["media/good.png"]}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "b", "text": "escaping", "media": ["../outside.png"]}),
        json.dumps({"id": "c", "text": "missing", "media": ["media/nope.jpg"]}),
        json.dumps({"id": "d", "text": 5}),
    ]
    path = folder / "posts.jsonl"
    path.write_bytes(
        ("\n".join(lines) + "\n").encode()
        + b'{"id": "e", "text": "\xff"}\n'
        + json.dumps({"id": "f", "text": "last one fine"}).encode()
        + b"\n"
    )
    result = run_scan(store, [path])
    got = sorted((e.item.split("#", 1)[1], e.kind) for e in result.errors)
    assert got == [
        ("b/media/0", "unsafe_path"),
        ("c/media/0", "missing_media"),
        ("line 2", "invalid_json"),
        ("line 3", "invalid_json"),
        ("line 6", "invalid_json"),
        ("line 7", "encoding"),
    ]
    messages = {e.item.split("#", 1)[1]: e.error for e in result.errors}
    assert messages["line 2"].startswith(f"{path}:2: invalid JSON at column 2")
    assert "expected a JSON object, got list" in messages["line 3"]
    assert "'text' must be a string" in messages["line 6"]
    assert "not UTF-8" in messages["line 7"]
    with store.session() as session:
        texts = {i.text for i in session.scalars(select(Item).where(Item.parent_id.is_(None)))}
        assert {"first post", "escaping", "missing", "last one fine"} <= texts
        media = session.scalars(
            select(Item).where(Item.locator == f"jsonl:{path.resolve()}#a/media/0")
        ).one()
        assert media.content_type == "photo"


def test_symlink_loop_and_dangling_link(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    good = good_image(folder / "sub")
    (folder / "sub" / "back").symlink_to(folder)
    (folder / "self").symlink_to(folder / "self")
    (folder / "dangling.jpg").symlink_to(folder / "nothing.jpg")
    result = run_scan(store, [folder])
    got = sorted((Path(e.item).name, e.kind) for e in result.errors)
    assert got == [
        ("back", "unsafe_path"),
        ("dangling.jpg", "missing_media"),
        ("self", "unsafe_path"),
    ]
    assert any("symbolic link loop" in e.error for e in result.errors)
    with store.session() as session:
        assert (
            session.scalars(select(Item).where(Item.locator == good.resolve().as_uri()))
            .one()
            .content_type
            == "photo"
        )


def test_exit_codes(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "in"
    folder.mkdir()
    good_image(folder)
    assert cli("scan", folder).code == 0
    (folder / "empty.jpg").write_bytes(b"")
    assert cli("scan", folder).code == 1
    assert cli("scan", tmp_path / "does-not-exist").code == 2
    assert cli("scan", folder, "--bank", "no-such-bank").code == 2
    assert cli("scan").code == 2
    bad_env = cli("--help")
    assert bad_env.code == 0


def test_result_json_that_is_not_an_export_is_an_item_error(store: Store, tmp_path: Path) -> None:
    """A folder holding ``result.json`` is read as a Telegram Desktop export; when that file
    is not one, the scan records why, keeps the file's hashes, and walks the folder's other
    files as plain files."""
    folder = tmp_path / "in"
    (folder / "notjson").mkdir(parents=True)
    (folder / "alist").mkdir()
    good = good_image(folder)
    not_json = folder / "notjson" / "result.json"
    not_json.write_text("garbage, not JSON\n", encoding="utf-8")
    notes = folder / "notjson" / "notes.txt"
    notes.write_text("a note next to the garbage", encoding="utf-8")
    a_list = folder / "alist" / "result.json"
    a_list.write_text(json.dumps([{"id": 1, "text": "x"}]), encoding="utf-8")
    result = run_scan(store, [folder])
    assert sorted((e.item, e.kind) for e in result.errors) == sorted(
        [(a_list.resolve().as_uri(), "invalid_json"), (not_json.resolve().as_uri(), "invalid_json")]
    )
    messages = {e.item: e.error for e in result.errors}
    assert messages[not_json.resolve().as_uri()] == (
        f"{not_json}: cannot be read as a Telegram Desktop export: "
        "invalid JSON at line 1 column 1: Expecting value"
    )
    assert messages[a_list.resolve().as_uri()] == (
        f"{a_list}: cannot be read as a Telegram Desktop export: expected an object, got a list"
    )
    with store.session() as session:
        stored = {i.locator: i for i in session.scalars(select(Item))}
        assert {"md5", "sha256"} <= {
            s.signal_type for s in stored[not_json.resolve().as_uri()].signals
        }
        assert stored[notes.resolve().as_uri()].text == "a note next to the garbage"
        assert stored[good.resolve().as_uri()].content_type == "photo"
        assert [e.kind for e in stored[not_json.resolve().as_uri()].errors] == ["invalid_json"]


def test_result_json_of_the_scanned_folder_or_given_directly(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "in"
    folder.mkdir()
    good_image(folder)
    bad = folder / "result.json"
    bad.write_text(json.dumps({"results": [1, 2], "ok": True}), encoding="utf-8")
    for target in (folder, bad):
        scanned = cli("scan", target, "--json", "-")
        assert scanned.code == 1, scanned.err
        (error,) = json.loads(scanned.out)["errors"]
        assert error["kind"] == "invalid_json"
        assert error["error"] == (
            f"{bad}: cannot be read as a Telegram Desktop export: expected a 'messages' list "
            "(one chat) or a 'chats' section (a full-account export), got an object with the "
            "keys: results, ok"
        )
    assert json.loads(cli("scan", folder, "--json", "-").out)["counts"]["items"] == 2


def test_media_path_with_a_lone_surrogate_is_missing_media(tmp_path: Path) -> None:
    # JSON exports may carry "\ud800" in a path: it names no file, and must not raise
    # (found by tests/core/test_fuzz_parsers.py::test_telegram_exports).
    from tvec.errors import MissingMediaError
    from tvec.sources.base import RawItem, attach_media

    folder = tmp_path.resolve()
    child = attach_media(
        RawItem(locator="x#media", name="photo"), "photos/\ud800.jpg", folder, "export folder"
    )
    assert isinstance(child.error, MissingMediaError)
    assert "lone surrogate" in str(child.error)
    assert child.path is None

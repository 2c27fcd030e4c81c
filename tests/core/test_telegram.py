"""Both Telegram exports in ../shared/vectors/telegram are read completely."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from tvec.scan import run_scan
from tvec.sources.telegram import read_export
from tvec.store import Store
from tvec.store.models import Item, ItemError, Signal


def _message_ids(path: Path) -> set[int]:
    return {m["id"] for m in json.loads(path.read_text(encoding="utf-8"))["messages"]}


def test_old_format_channel_export(vectors: Path, store: Store) -> None:
    folder = vectors / "telegram" / "tg2md"
    result = run_scan(store, [folder])
    ids = _message_ids(folder / "result.json")
    with store.session() as session:
        messages = {
            i.locator: i for i in session.scalars(select(Item).where(Item.parent_id.is_(None)))
        }
        assert set(messages) == {f"tg:1292077344/{n}" for n in ids}
        assert messages["tg:1292077344/2"].text == "test text post"
        assert messages["tg:1292077344/1"].meta["action"] == "create_channel"
        urls = {s.value for s in session.scalars(select(Signal).where(Signal.signal_type == "url"))}
        assert {"http://example.com/", "https://example.com/"} <= urls
        photo = session.scalars(select(Item).where(Item.locator == "tg:1292077344/3/photo")).one()
        assert photo.content_type == "photo" and photo.sha256 is not None
        errors = {(e.locator, e.kind) for e in session.scalars(select(ItemError))}
    missing = {
        "tg:1292077344/7/file",
        "tg:1292077344/8/file",
        "tg:1292077344/22/file",
        "tg:1292077344/22/thumbnail",
        "tg:1292077344/23/photo",
        "tg:1292077344/24/photo",
        "tg:1292077344/25/photo",
        "tg:1292077344/26/file",
    }
    assert errors == {(loc, "missing_media") for loc in missing}
    assert result.status == "finished_with_errors"
    assert {e.item for e in result.errors} == missing
    assert all("media file missing" in e.error for e in result.errors)


def test_new_format_personal_chat_with_placeholders(vectors: Path, store: Store) -> None:
    path = vectors / "telegram" / "chat-analytics" / "DM_2A_7M.json"
    result = run_scan(store, [path])
    with store.session() as session:
        locators = {
            i.locator for i in session.scalars(select(Item).where(Item.parent_id.is_(None)))
        }
        assert locators == {f"tg:700000000/{n}" for n in _message_ids(path)}
        link_item = session.scalars(select(Item).where(Item.locator == "tg:700000000/3644")).one()
        assert link_item.text == "https://google.com 👀"
        assert link_item.posted_at is not None
        assert [s.value for s in link_item.signals if s.signal_type == "url"] == [
            "https://google.com/"
        ]
    assert sorted((e.item, e.kind) for e in result.errors) == [
        ("tg:700000000/3672/photo", "missing_media"),
        ("tg:700000000/3673/photo", "missing_media"),
    ]
    assert all("placeholder" in e.error for e in result.errors)


def test_full_account_layout_and_escaping_paths(tmp_path: Path) -> None:
    export = tmp_path / "export"
    (export / "photos").mkdir(parents=True)
    (export / "photos" / "a.jpg").write_bytes(b"not really")
    (tmp_path / "secret.jpg").write_bytes(b"outside")
    document = {
        "about": "full export",
        "chats": {
            "about": "",
            "list": [
                {
                    "name": "Beacon",
                    "type": "public_channel",
                    "id": 42,
                    "messages": [
                        {
                            "id": 1,
                            "type": "message",
                            "date": "2024-01-02T03:04:05",
                            "date_unixtime": "1704164645",
                            "text": "hello",
                            "photo": "../secret.jpg",
                        },
                        {
                            "id": 2,
                            "type": "message",
                            "date": "2024-01-02T03:04:06",
                            "text": "",
                            "photo": "photos/a.jpg",
                        },
                    ],
                }
            ],
        },
        "left_chats": {
            "about": "",
            "list": [
                {
                    "name": "Old",
                    "type": "private_group",
                    "id": 43,
                    "messages": [
                        {"id": 9, "type": "message", "date": "2023-01-01T00:00:00", "text": "bye"}
                    ],
                }
            ],
        },
    }
    (export / "result.json").write_text(json.dumps(document), encoding="utf-8")
    items = read_export(export)
    assert [i.locator for i in items] == ["tg:42/1", "tg:42/2", "tg:43/9"]
    escaping = items[0].children[0]
    assert escaping.error is not None and escaping.error.kind == "unsafe_path"
    assert "outside the export folder" in str(escaping.error)
    assert items[0].posted_at is not None and items[0].posted_at.isoformat() == (
        "2024-01-02T03:04:05+00:00"
    )
    assert items[1].children[0].path == (export / "photos" / "a.jpg").resolve()


def test_a_media_path_the_file_system_cannot_look_up_is_an_error_on_that_item(
    tmp_path: Path,
) -> None:
    """A name longer than the file system allows (ENAMETOOLONG, found by the fuzz test) and a
    symlink loop are errors on the media item; the export is still read."""
    export = tmp_path / "export"
    export.mkdir()
    (export / "loop").symlink_to(export / "loop")
    messages = [
        {"id": 1, "type": "message", "date": "2024-01-02T03:04:05", "photo": "x" * 300},
        {"id": 2, "type": "message", "date": "2024-01-02T03:04:06", "photo": "loop/a.jpg"},
        {"id": 3, "type": "message", "date": "2024-01-02T03:04:07", "text": "still read"},
    ]
    document = {"name": "Beacon", "type": "public_channel", "id": 42, "messages": messages}
    (export / "result.json").write_text(json.dumps(document), encoding="utf-8")
    items = read_export(export)
    assert [i.locator for i in items] == ["tg:42/1", "tg:42/2", "tg:42/3"]
    for item in items[:2]:
        error = item.children[0].error
        assert error is not None and error.kind == "missing_media", item.locator
        assert "media path unusable" in str(error)
    assert items[2].text == "still read"


def test_message_text_of_the_wrong_type_is_an_item_error(store: Store, tmp_path: Path) -> None:
    """A ``text`` that is neither a string nor a list is named in an item error on its
    message; the message is still stored with its date and media."""
    from PIL import Image

    export = tmp_path / "export"
    (export / "photos").mkdir(parents=True)
    Image.new("RGB", (64, 64), (10, 200, 30)).save(export / "photos" / "p.jpg")
    messages = [
        {"id": 1, "type": "message", "date": "2024-05-01T10:00:00", "text": 5,
         "photo": "photos/p.jpg"},
        {"id": 2, "type": "message", "date": "2024-05-01T10:01:00", "text": {"a": "b"}},
        {"id": 3, "type": "message", "date": "2024-05-01T10:02:00", "text": None},
        {"id": 4, "type": "message", "date": "2024-05-01T10:03:00",
         "text": ["kept ", 7, {"type": "bold", "text": "part"}]},
        {"id": 5, "type": "message", "date": "2024-05-01T10:04:00", "text": "fine"},
    ]  # fmt: skip
    document = {"name": "c", "type": "public_channel", "id": 7, "messages": messages}
    (export / "result.json").write_text(json.dumps(document), encoding="utf-8")
    result = run_scan(store, [export])
    where = f"{export / 'result.json'}#message"
    kept = "; the message is kept with what could be read"
    assert sorted((e.item, e.kind, e.error) for e in result.errors) == [
        (
            "tg:7/1",
            "invalid_json",
            f"{where} 1: 'text' must be a string or a list of text parts, got a number (5){kept}",
        ),
        (
            "tg:7/2",
            "invalid_json",
            f"{where} 2: 'text' must be a string or a list of text parts, got an object{kept}",
        ),
        (
            "tg:7/3",
            "invalid_json",
            f"{where} 3: 'text' must be a string or a list of text parts, got null{kept}",
        ),
        (
            "tg:7/4",
            "invalid_json",
            f"{where} 4: 'text' part 1 must be a string or an entity object, got a number "
            f"(7){kept}",
        ),
    ]
    with store.session() as session:
        items = {i.locator: i for i in session.scalars(select(Item))}
        assert items["tg:7/1"].text is None
        assert items["tg:7/1"].posted_at is not None
        assert items["tg:7/1"].posted_at.isoformat().startswith("2024-05-01T10:00:00")
        assert items["tg:7/1/photo"].content_type == "photo"
        assert items["tg:7/4"].text == "kept part"
        assert items["tg:7/5"].text == "fine"

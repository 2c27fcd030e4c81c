"""Telegram Desktop "Export chat history" JSON (``result.json``).

Reads both layouts Telegram Desktop writes: a single chat (``{"name", "type", "id",
"messages"}``) and a full-account export (chats under ``chats.list`` and
``left_chats.list``), in the old text format (``text`` a string or a list mixing strings and
entity objects) and the new one (``text_entities``). Format facts are from Telegram Desktop's
JSON writer (``export_output_json.cpp``):

* ``date`` is local time without a zone; ``date_unixtime`` (newer exports) is Unix seconds
  as a string. ``posted_at`` uses ``date_unixtime`` when present, else ``date`` read as UTC
  (the original string is kept in ``meta.date``).
* Out-links are the text of ``link`` entities and the ``href`` of ``text_link`` entities.
* Media (``photo``, ``file``, ``thumbnail``) are paths relative to the export folder, or a
  placeholder sentence such as "(File not included. Change data exporting settings to
  download.)" when the media was not exported.

Every message (service messages too) becomes an item ``tg:<chat id>/<message id>``; each
medium becomes a child item ``tg:<chat id>/<message id>/<field>``. A medium that is missing
or a placeholder is a :class:`~tvec.errors.MissingMediaError` on its child item; a path that
leads outside the export folder is refused with :class:`~tvec.errors.UnsafePathError`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tvec.errors import EncodingError, InvalidJsonError, MissingMediaError
from tvec.sources.base import RawItem, attach_media

MEDIA_FIELDS = ("photo", "file", "thumbnail")
LINK_ENTITY = "link"
TEXT_LINK_ENTITY = "text_link"


def is_export_folder(folder: Path) -> bool:
    """True when ``folder`` holds a Telegram export ``result.json`` (checked cheaply)."""
    return is_export_file(folder / "result.json")


def is_export_file(path: Path) -> bool:
    """True when ``path`` is a JSON file that looks like a Telegram Desktop export.

    Checks the first 64 KiB for a top-level ``messages`` list or a ``chats`` section, so a
    file with another name (``DM_2A_7M.json``) is recognised too.
    """
    if not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(65536)
    except OSError:
        return False
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return False
    return b'"messages"' in head or b'"chats"' in head or b'"personal_information"' in head


def read_export(path: Path) -> list[RawItem]:
    """Every message of an export as RawItems.

    Args:
        path: the export folder or its ``result.json``.

    Returns:
        One RawItem per message (media as children). If ``result.json`` cannot be read or
        parsed, a single RawItem for the file carrying the error.
    """
    result_file = path / "result.json" if path.is_dir() else path
    folder = result_file.parent.resolve()
    name = str(result_file)
    try:
        raw = result_file.read_bytes()
    except OSError as exc:
        return [_file_error(result_file, MissingMediaError(name, f"cannot read: {exc.strerror}"))]
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        return [_file_error(result_file, EncodingError(name, f"not UTF-8 (byte {exc.start})"))]
    except json.JSONDecodeError as exc:
        problem = f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        return [_file_error(result_file, InvalidJsonError(name, problem))]
    chats = _chats(document)
    if chats is None:
        problem = "not a Telegram export: no 'messages' or 'chats.list'"
        return [_file_error(result_file, InvalidJsonError(name, problem))]
    items: list[RawItem] = []
    for chat in chats:
        items.extend(_read_chat(chat, folder, name))
    return items


def _file_error(path: Path, error: Exception) -> RawItem:
    from tvec.errors import InputError

    assert isinstance(error, InputError)
    return RawItem(locator=path.resolve().as_uri(), name=str(path), path=None, error=error)


def _chats(document: Any) -> list[dict[str, Any]] | None:
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("messages"), list):
        return [document]
    chats: list[dict[str, Any]] = []
    for key in ("chats", "left_chats"):
        section = document.get(key)
        if isinstance(section, dict) and isinstance(section.get("list"), list):
            chats.extend(c for c in section["list"] if isinstance(c, dict))
    return chats if "chats" in document else None


def _read_chat(chat: dict[str, Any], folder: Path, name: str) -> list[RawItem]:
    chat_id = chat.get("id", chat.get("name", "unknown"))
    chat_meta = {"chat_id": chat_id, "chat_name": chat.get("name"), "chat_type": chat.get("type")}
    items: list[RawItem] = []
    for index, message in enumerate(chat.get("messages") or []):
        where = f"{name}#chat {chat_id} message {index}"
        if not isinstance(message, dict) or not isinstance(message.get("id"), int | str):
            locator = f"tg:{chat_id}/index-{index}"
            problem = "message is not an object with an 'id' (a number or a string)"
            items.append(RawItem(locator, where, error=InvalidJsonError(where, problem)))
            continue
        items.append(_read_message(message, chat_id, chat_meta, folder, name))
    return items


def message_text(text: Any) -> tuple[str, list[str]]:
    """Plain text and explicit links of a message's ``text`` (string or entity list)."""
    if isinstance(text, str):
        return text, []
    parts: list[str] = []
    links: list[str] = []
    if isinstance(text, list):
        for part in text:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                value = str(part.get("text", ""))
                parts.append(value)
                kind = part.get("type")
                if kind == LINK_ENTITY and value:
                    links.append(value)
                elif kind == TEXT_LINK_ENTITY and part.get("href"):
                    links.append(str(part["href"]))
    return "".join(parts), links


def _posted_at(message: dict[str, Any]) -> datetime | None:
    unix = message.get("date_unixtime")
    if unix is not None:
        try:
            return datetime.fromtimestamp(int(unix), UTC)
        except (TypeError, ValueError, OverflowError):
            pass
    date = message.get("date")
    if isinstance(date, str):
        try:
            return datetime.fromisoformat(date).replace(tzinfo=UTC)
        except ValueError:
            return None
    return None


def _read_message(
    message: dict[str, Any],
    chat_id: Any,
    chat_meta: dict[str, Any],
    folder: Path,
    name: str,
) -> RawItem:
    message_id = message["id"]
    locator = f"tg:{chat_id}/{message_id}"
    where = f"{name}#message {message_id}"
    if "text_entities" in message and isinstance(message["text_entities"], list):
        text, links = message_text(message["text_entities"])
        if not text and isinstance(message.get("text"), str):
            text = message["text"]
    else:
        text, links = message_text(message.get("text", ""))
    meta = dict(chat_meta)
    for key in (
        "type",
        "date",
        "from",
        "from_id",
        "actor",
        "action",
        "forwarded_from",
        "reply_to_message_id",
        "edited",
        "media_type",
        "mime_type",
        "title",
    ):
        if key in message:
            meta[key] = message[key]
    item = RawItem(
        locator=locator,
        name=where,
        text=text or None,
        posted_at=_posted_at(message),
        meta=meta,
        links=links,
        media_type="application/x-telegram-message",
    )
    for media_field in MEDIA_FIELDS:
        value = message.get(media_field)
        if value is None or value == "":
            continue
        item.children.append(_media_child(str(value), media_field, locator, where, folder))
    return item


def is_placeholder(value: str) -> bool:
    """True for Telegram's "(File not included...)"-style sentences that stand for media."""
    stripped = value.strip()
    return stripped.startswith("(") and stripped.endswith(")") and " " in stripped


def _media_child(value: str, field: str, parent: str, where: str, folder: Path) -> RawItem:
    locator = f"{parent}/{field}"
    name = f"{where} {field} {value!r}"
    child = RawItem(locator=locator, name=name, meta={"field": field, "export_path": value})
    if is_placeholder(value):
        child.error = MissingMediaError(name, f"media not in the export (placeholder: {value})")
        return child
    return attach_media(child, value, folder, "export folder")

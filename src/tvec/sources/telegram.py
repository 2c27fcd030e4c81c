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

A folder holding a file named ``result.json`` is an export whatever the file holds: one that
is not UTF-8, not JSON, or not an export is a single item carrying the error (and hashed as a
file), never scanned silently as a plain file. A message whose ``text`` is neither a string
nor a list (a number, an object, null), or whose text parts cannot be read, carries an
:class:`~tvec.errors.InvalidJsonError` naming its id and the problem, and keeps its date,
media and readable text.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from tvec.errors import EncodingError, InputError, InvalidJsonError, MissingMediaError
from tvec.sources.base import RawItem, attach_media

MEDIA_FIELDS = ("photo", "file", "thumbnail")
LINK_ENTITY = "link"
TEXT_LINK_ENTITY = "text_link"
#: The file name Telegram Desktop gives an export's JSON; a folder holding it is an export.
EXPORT_FILE = "result.json"
#: Most characters of a bad value quoted in an error message.
PREVIEW_CHARS = 80
#: Most problems of one message listed in its error (the rest are counted).
MAX_PROBLEMS = 3
#: How errors about an export file that is not one begin.
NOT_AN_EXPORT = "cannot be read as a Telegram Desktop export"
#: Top-level keys of a full-account export (Settings > Advanced > Export Telegram data).
FULL_EXPORT_KEYS = ("chats", "left_chats", "personal_information")


def is_export_folder(folder: Path) -> bool:
    """True when ``folder`` holds a file named ``result.json``, whatever its content.

    Telegram Desktop names its export ``result.json``, and people expect a folder holding
    one to be read as an export: a ``result.json`` that is not one is reported as an item
    error (see :func:`read_export_folder`), never scanned silently as a plain file.
    """
    return (folder / EXPORT_FILE).is_file()


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
        One RawItem per message (media as children). If ``result.json`` cannot be read, is
        not JSON, or is JSON that is not a Telegram export, a single RawItem for the file
        carrying the error (:class:`~tvec.errors.MissingMediaError`,
        :class:`~tvec.errors.EncodingError` or :class:`~tvec.errors.InvalidJsonError`);
        when the file could be read, the item keeps its path, so the scan still hashes it.
    """
    return _read_document(path)[0]


def read_export_folder(folder: Path) -> tuple[list[RawItem], Path | None] | None:
    """``folder`` read as a Telegram export, as :data:`tvec.sources.folder.ExportReader` wants.

    Returns:
        None when ``folder`` holds no ``result.json``; else the export's items (see
        :func:`read_export`) and, when ``result.json`` could not be read as an export, that
        file (the items are then its one error item, and the folder's other files are to be
        walked as plain files), or None when the export was read.
    """
    if not is_export_folder(folder):
        return None
    items, read = _read_document(folder)
    return items, None if read else folder / EXPORT_FILE


def _read_document(path: Path) -> tuple[list[RawItem], bool]:
    """The items of the export at ``path`` and whether it was read as an export."""
    result_file = path / EXPORT_FILE if path.is_dir() else path
    folder = result_file.parent.resolve()
    name = str(result_file)
    try:
        raw = result_file.read_bytes()
    except OSError as exc:
        problem = f"cannot read: {exc.strerror}"
        return [_file_error(result_file, MissingMediaError(name, problem), readable=False)], False
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        problem = f"{NOT_AN_EXPORT}: not UTF-8 (byte {exc.start})"
        return [_file_error(result_file, EncodingError(name, problem))], False
    except json.JSONDecodeError as exc:
        problem = (
            f"{NOT_AN_EXPORT}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        )
        return [_file_error(result_file, InvalidJsonError(name, problem))], False
    chats = _chats(document)
    if isinstance(chats, str):
        problem = f"{NOT_AN_EXPORT}: {chats}"
        return [_file_error(result_file, InvalidJsonError(name, problem))], False
    items: list[RawItem] = []
    for chat in chats:
        items.extend(_read_chat(chat, folder, name))
    return items, True


def _file_error(path: Path, error: InputError, *, readable: bool = True) -> RawItem:
    """The item for export file ``path`` carrying ``error``; hashed by the scan if readable."""
    return RawItem(
        locator=path.resolve().as_uri(),
        name=str(path),
        path=path.resolve() if readable else None,
        error=error,
    )


def _preview(text: str) -> str:
    """``text`` cut to at most :data:`PREVIEW_CHARS` characters (``...`` marks a cut)."""
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 3] + "..."


def _describe(value: Any) -> str:
    """``value``'s JSON type and, for a scalar, a short preview, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        kind = "a boolean"
    elif isinstance(value, int | float):
        kind = "a number"
    elif isinstance(value, str):
        kind, value = "a string", value[: PREVIEW_CHARS + 1]
    else:
        kind = "a value"
    return f"{kind} ({_preview(json.dumps(value, ensure_ascii=False))})"


def _chats(document: Any) -> list[dict[str, Any]] | str:
    """The chats of an export document, or what makes it not an export (for messages)."""
    if not isinstance(document, dict):
        return f"expected an object, got {_describe(document)}"
    messages = document.get("messages")
    if isinstance(messages, list):
        return [document]
    if "messages" in document:
        return f"'messages' must be a list of messages, got {_describe(messages)}"
    if not any(key in document for key in FULL_EXPORT_KEYS):
        keys = _preview(", ".join(str(key) for key in islice(document, 20))) or "none"
        return (
            "expected a 'messages' list (one chat) or a 'chats' section (a full-account "
            f"export), got an object with the keys: {keys}"
        )
    chats: list[dict[str, Any]] = []
    for key in ("chats", "left_chats"):
        if key not in document:
            continue
        section = document[key]
        if not isinstance(section, dict) or not isinstance(section.get("list"), list):
            return f"'{key}' must be an object with a 'list' of chats, got {_describe(section)}"
        chats.extend(c for c in section["list"] if isinstance(c, dict))
    return chats


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


def message_text(
    text: Any, problems: list[str] | None = None, field: str = "text"
) -> tuple[str, list[str]]:
    """Plain text and explicit links of a message's ``text`` (string or entity list).

    Args:
        text: the ``text`` (or ``text_entities``) value: a string, or a list of strings and
            entity objects (``{"type", "text", "href"?}``).
        problems: when given, what cannot be read is appended to it, in words naming
            ``field``: a value that is neither a string nor a list, a list part that is
            neither a string nor an object, an entity whose ``text`` is not a string. What
            can be read is still returned (an entity's number ``text`` as its digits).
        field: the message field ``text`` came from, for the problems.
    """
    if isinstance(text, str):
        return text, []
    notes: list[str] = [] if problems is None else problems
    parts: list[str] = []
    links: list[str] = []
    if not isinstance(text, list):
        notes.append(f"'{field}' must be a string or a list of text parts, got {_describe(text)}")
        return "", []
    for index, part in enumerate(text):
        if isinstance(part, str):
            parts.append(part)
            continue
        if not isinstance(part, dict):
            notes.append(
                f"'{field}' part {index} must be a string or an entity object, "
                f"got {_describe(part)}"
            )
            continue
        raw = part.get("text", "")
        if isinstance(raw, str):
            value = raw
        else:
            notes.append(f"'{field}' part {index} is an entity whose 'text' is {_describe(raw)}")
            is_number = isinstance(raw, int | float) and not isinstance(raw, bool)
            value = str(raw) if is_number else ""
        parts.append(value)
        kind = part.get("type")
        if kind == LINK_ENTITY and value:
            links.append(value)
        elif kind == TEXT_LINK_ENTITY and part.get("href"):
            links.append(str(part["href"]))
    return "".join(parts), links


def _text_and_links(message: dict[str, Any]) -> tuple[str, list[str], list[str]]:
    """A message's text, explicit links, and what in its text fields cannot be read.

    The text comes from ``text_entities`` when it is a list (newer exports), else from
    ``text``. A ``text`` that is neither a string nor a list (a number, an object, null),
    or a ``text_entities`` that is not a list, is a problem even when the other field
    gives the text.
    """
    problems: list[str] = []
    for field, kinds, shape in (
        ("text", str | list, "a string or a list of text parts"),
        ("text_entities", list, "a list of text parts"),
    ):
        if field in message and not isinstance(message[field], kinds):
            problems.append(f"'{field}' must be {shape}, got {_describe(message[field])}")
    raw_text = message.get("text", "")
    entities = message.get("text_entities")
    if isinstance(entities, list):
        text, links = message_text(entities, problems, "text_entities")
        if not text and isinstance(raw_text, str):
            text = raw_text
    elif isinstance(raw_text, str | list):
        text, links = message_text(raw_text, problems)
    else:
        text, links = "", []
    return text, links, problems


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
    text, links, problems = _text_and_links(message)
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
    if problems:
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(f"and {len(problems) - MAX_PROBLEMS} more problem(s) like these")
        problem = "; ".join(shown) + "; the message is kept with what could be read"
        item.error = InvalidJsonError(where, problem)
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

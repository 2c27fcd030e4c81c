"""JSON Lines posts: one JSON object per line, ``{"id", "text", "url", "posted_at", "media"}``.

* ``id`` (string or number; default: the line number) makes the locator
  ``jsonl:<absolute file path>#<id>``.
* ``text`` message text; ``url`` the post's own address (kept as metadata and as an explicit
  link); ``posted_at`` ISO 8601 (a missing zone means UTC) or Unix seconds.
* ``media``: paths relative to the JSON Lines file's folder; paths that lead outside that
  folder are refused (:class:`~tvec.errors.UnsafePathError`), missing files are
  :class:`~tvec.errors.MissingMediaError` on the child item.

A line that is not valid UTF-8, not valid JSON, or not an object yields an item carrying the
error (``jsonl:<file>#line <n>``); the following lines are still read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tvec.errors import EncodingError, InvalidJsonError, MissingMediaError
from tvec.sources.base import RawItem, attach_media


def read_jsonl(path: Path) -> Iterator[RawItem]:
    """Yield one RawItem per line of the JSON Lines file ``path`` (blank lines skipped)."""
    resolved = path.resolve()
    folder = resolved.parent
    try:
        handle = resolved.open("rb")
    except OSError as exc:
        yield RawItem(
            resolved.as_uri(), str(path), error=MissingMediaError(str(path), exc.strerror or "")
        )
        return
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            yield _read_line(raw, number, resolved, folder, str(path))


def _line_error(resolved: Path, number: int, error: Exception) -> RawItem:
    from tvec.errors import InputError

    assert isinstance(error, InputError)
    return RawItem(f"jsonl:{resolved}#line {number}", error.source, error=error)


def _read_line(raw: bytes, number: int, resolved: Path, folder: Path, name: str) -> RawItem:
    where = f"{name}:{number}"
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _line_error(resolved, number, EncodingError(where, f"not UTF-8 (byte {exc.start})"))
    try:
        post = json.loads(line)
    except json.JSONDecodeError as exc:
        problem = f"invalid JSON at column {exc.colno}: {exc.msg}"
        return _line_error(resolved, number, InvalidJsonError(where, problem))
    if not isinstance(post, dict):
        problem = f"expected a JSON object, got {type(post).__name__}"
        return _line_error(resolved, number, InvalidJsonError(where, problem))
    shape_problem = _shape_problem(post)
    if shape_problem:
        return _line_error(resolved, number, InvalidJsonError(where, shape_problem))
    post_id = post.get("id", f"line {number}")
    locator = f"jsonl:{resolved}#{post_id}"
    meta: dict[str, Any] = {"line": number}
    if post.get("url"):
        meta["url"] = post["url"]
    item = RawItem(
        locator=locator,
        name=f"{name}#{post_id}",
        text=post.get("text") or None,
        meta=meta,
        links=[post["url"]] if post.get("url") else [],
        media_type="application/x-post",
    )
    try:
        item.posted_at = parse_time(post.get("posted_at"))
    except ValueError as exc:
        item.error = InvalidJsonError(where, f"posted_at: {exc}")
    for index, media in enumerate(post.get("media") or []):
        item.children.append(_media_child(str(media), index, locator, where, folder))
    return item


def _shape_problem(post: dict[str, Any]) -> str | None:
    for key in ("text", "url"):
        if key in post and post[key] is not None and not isinstance(post[key], str):
            return f"'{key}' must be a string"
    if "id" in post and not isinstance(post["id"], str | int):
        return "'id' must be a string or a number"
    media = post.get("media")
    if media is not None and (
        not isinstance(media, list) or not all(isinstance(m, str) for m in media)
    ):
        return "'media' must be a list of paths"
    return None


#: A string read as Unix seconds: 9 or more digits (after 1973-03-03), optional fraction.
_UNIX_SECONDS = re.compile(r"-?\d{9,}(?:\.\d+)?")


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 (no zone = UTC) or Unix seconds as an aware UTC datetime; None stays None.

    Unix seconds may be a JSON number or a string of 9 or more digits with an optional
    fraction (``"1767225600"``, as CSV files and Telegram's ``date_unixtime`` give them);
    shorter digit strings are ISO 8601 basic dates (``"20261201"``).

    Raises:
        ValueError: the value is neither, or is out of the range of dates.
    """
    if value is None or value == "":
        return None
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, str):
            text = value.strip()
            if _UNIX_SECONDS.fullmatch(text):
                return datetime.fromtimestamp(float(text), UTC)
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
    except (OverflowError, OSError) as exc:
        raise ValueError(f"{value!r} is out of the range of dates") from exc
    raise ValueError(f"{value!r} is not an ISO 8601 time or Unix seconds")


def _media_child(value: str, index: int, parent: str, where: str, folder: Path) -> RawItem:
    name = f"{where} media {value!r}"
    child = RawItem(f"{parent}/media/{index}", name, meta={"path": value})
    return attach_media(child, value, folder, "posts' folder")

"""Posts in CSV (with a header row) or JSON Lines, read through a :class:`PostMapping`.

Each row (line) becomes an item ``csv:<origin>#<id>`` (JSON Lines: ``jsonl:<origin>#<id>``,
as :mod:`tvec.sources.jsonl` names them), where ``origin`` is the file's absolute path or the
URL it was fetched from and ``id`` the mapped id (default ``line <n>``). Text, the post's
URL, extra link columns, author and time come from the mapped columns; the post URL and the
link columns become out-links. Files are read as UTF-8 (a BOM is allowed).

Problems never stop the file: a CSV whose header lacks a mapped column yields one item
carrying an :class:`~tvec.errors.InvalidRowError` naming the file and the columns; a row
that does not parse, a bad time, or a JSON line that is not an object yields an item carrying
the error, named ``<file>:<line>``, and the next rows are still read.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tvec.banks.formats import csv_rows
from tvec.errors import (
    EncodingError,
    InputError,
    InvalidJsonError,
    InvalidRowError,
    MissingMediaError,
)
from tvec.sources.base import RawItem
from tvec.sources.jsonl import parse_time
from tvec.sources.mapping import PostMapping

POST_MEDIA_TYPE = "application/x-post"


def _read_text(path: Path, scheme: str, origin: str) -> tuple[str | None, RawItem | None]:
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        problem: InputError = MissingMediaError(name, f"cannot read: {exc.strerror}")
        return None, RawItem(f"{scheme}:{origin}", name, error=problem)
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        problem = EncodingError(name, f"not UTF-8 (byte {exc.start})")
        return None, RawItem(f"{scheme}:{origin}", name, error=problem)


def read_posts_csv(
    path: Path, mapping: PostMapping, *, origin: str | None = None
) -> Iterator[RawItem]:
    """Yield one item per data row of the CSV file ``path`` (see the module docstring)."""
    origin = origin or str(path.resolve())
    text, failed = _read_text(path, "csv", origin)
    if failed is not None or text is None:
        yield failed or RawItem(f"csv:{origin}", str(path))
        return
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:  # an unreadable header row (found by fuzzing)
        problem = f"the header row cannot be read: {exc}"
        yield RawItem(f"csv:{origin}", str(path), error=InvalidRowError(str(path), problem))
        return
    missing = [c for c in mapping.columns() if c not in header]
    if missing:
        problem = f"column(s) {', '.join(missing)} not in the header ({', '.join(header)})"
        yield RawItem(f"csv:{origin}", str(path), error=InvalidRowError(str(path), problem))
        return
    for line, row in csv_rows(reader):
        if isinstance(row, csv.Error):
            where = f"{path}:{line}"
            yield RawItem(
                f"csv:{origin}#line {line}",
                where,
                error=InvalidRowError(where, f"unreadable CSV: {row}"),
            )
            continue
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        yield post_item(row, mapping, "csv", origin, str(path), line)


def read_posts_jsonl(
    path: Path, mapping: PostMapping, *, origin: str | None = None
) -> Iterator[RawItem]:
    """Yield one item per non-blank line of the JSON Lines file ``path``."""
    origin = origin or str(path.resolve())
    text, failed = _read_text(path, "jsonl", origin)
    if failed is not None or text is None:
        yield failed or RawItem(f"jsonl:{origin}", str(path))
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            post = json.loads(line)
        except json.JSONDecodeError as exc:
            problem = f"invalid JSON at column {exc.colno}: {exc.msg}"
            yield RawItem(
                f"jsonl:{origin}#line {number}", where, error=InvalidJsonError(where, problem)
            )
            continue
        if not isinstance(post, dict):
            problem = f"expected a JSON object, got {type(post).__name__}"
            yield RawItem(
                f"jsonl:{origin}#line {number}", where, error=InvalidJsonError(where, problem)
            )
            continue
        yield post_item(post, mapping, "jsonl", origin, str(path), number)


def _get(row: Mapping[str, Any], key: str | None) -> Any:
    if not key:
        return None
    if key in row:
        return row[key]
    value: Any = row
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _cell(row: Mapping[str, Any], key: str | None) -> str | None:
    value = _get(row, key)
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def post_item(
    row: Mapping[str, Any], mapping: PostMapping, scheme: str, origin: str, name: str, line: int
) -> RawItem:
    """The item for one mapped row or JSON object (``line``: its 1-based line number)."""
    where = f"{name}:{line}"
    post_id = _cell(row, mapping.id) or f"line {line}"
    url = _cell(row, mapping.url)
    links = [url] if url else []
    for column in mapping.links:
        value = _get(row, column)
        values = value if isinstance(value, list) else str(value or "").split()
        links.extend(str(v).strip() for v in values if str(v).strip())
    meta: dict[str, Any] = {"line": line}
    if url:
        meta["url"] = url
    author = _cell(row, mapping.author)
    if author:
        meta["author"] = author
    item = RawItem(
        locator=f"{scheme}:{origin}#{post_id}",
        name=f"{name}#{post_id}",
        text=_cell(row, mapping.text),
        meta=meta,
        links=list(dict.fromkeys(links)),
        media_type=POST_MEDIA_TYPE,
    )
    raw_time = _get(row, mapping.posted_at)
    try:
        item.posted_at = parse_time(raw_time if raw_time not in ("",) else None)
    except (ValueError, TypeError, OverflowError, OSError) as exc:
        item.error = InvalidRowError(where, f"{mapping.posted_at}: {exc}")
    return item

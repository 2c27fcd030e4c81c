"""TCAP exports as a source: each row of a Terrorist Content Analytics Platform CSV export
becomes a verified URL item with its group label.

The CSV is read by :func:`tvec.banks.formats.read_rows` (``tcap`` format: the one TCAP
reader), so columns, URL scheme repair and dates follow :mod:`tvec.banks.formats`. Each row
becomes an item ``tcap:<TCAP ID>`` (``tcap:<origin>#line <n>`` when the ID is blank) whose
one out-link is the URL, with ``meta``: ``verified: true``, ``entity`` (the terrorist group
label), ``ideology``, ``source: TCAP`` and the other TCAP columns; ``posted_at`` is the
row's "Created On". A bad row yields an item carrying an :class:`~tvec.errors.InvalidRowError`
named ``<file>:<line>``; a file that is not a TCAP export yields one such item for the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from tvec.banks.formats import EntryRow, read_rows
from tvec.errors import (
    EncodingError,
    InputError,
    InvalidRowError,
    MissingMediaError,
    UsageError,
)
from tvec.sources.base import RawItem
from tvec.sources.url_list import URL_MEDIA_TYPE


def read_tcap(path: Path, *, origin: str | None = None) -> Iterator[RawItem]:
    """Yield one verified URL item per row of the TCAP CSV export ``path``."""
    origin = origin or str(path.resolve())
    name = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        error: InputError = MissingMediaError(name, f"cannot read: {exc.strerror}")
        yield RawItem(f"tcap:{origin}", name, error=error)
        return
    except UnicodeDecodeError as exc:
        error = EncodingError(name, f"not UTF-8 (byte {exc.start})")
        yield RawItem(f"tcap:{origin}", name, error=error)
        return
    try:
        rows = read_rows(text, "tcap")
        for row in rows:
            where = f"{name}:{row.line}"
            if not isinstance(row, EntryRow):
                yield RawItem(
                    f"tcap:{origin}#line {row.line}",
                    where,
                    error=InvalidRowError(where, row.message),
                )
                continue
            yield _row_item(row, origin, where)
    except UsageError as exc:
        yield RawItem(f"tcap:{origin}", name, error=InvalidRowError(name, str(exc)))


def _row_item(row: EntryRow, origin: str, where: str) -> RawItem:
    tcap_id = row.extra.get("tcap_id")
    meta: dict[str, Any] = {
        "verified": True,
        "source": row.source,
        "url": row.value,
        "line": row.line,
    }
    for key, value in (("entity", row.entity), ("ideology", row.ideology), ("note", row.note)):
        if value:
            meta[key] = value
    meta.update({k: v for k, v in row.extra.items() if k != "created_on"})
    created = row.extra.get("created_on")
    return RawItem(
        locator=f"tcap:{tcap_id}" if tcap_id else f"tcap:{origin}#line {row.line}",
        name=where,
        posted_at=datetime.fromisoformat(created) if created else None,
        meta=meta,
        links=[row.value],
        media_type=URL_MEDIA_TYPE,
    )

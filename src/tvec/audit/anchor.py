"""Anchors of the audit log: its head written outside the database, checked at verification.

An anchor file is JSON Lines, one anchor a line, appended and never rewritten::

    {"at": "2026-12-06T22:00:00Z", "events": 812, "last_id": 812,
     "last_sha256": "<64 hex>", "last_hmac": "<64 hex>"}

:func:`check_anchor` compares the newest anchor with the database: the anchored event must
still be there with the same SHA-256 and HMAC, and exactly ``events`` events must have an id
up to it. That finds what the chain alone cannot: the newest events deleted (truncation),
every event deleted, and a chain rebuilt without the key from an earlier point. The anchor
is only as safe as the place it is kept: keep the file on another machine or write-once
storage (``docs/security.md``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tvec.audit.log import Head, count_through, event_at
from tvec.errors import ConfigError


def anchor_record(head: Head, at: str) -> dict[str, Any]:
    """The JSON object of one anchor line (``at`` in RFC 3339)."""
    return {"at": at, **head.as_dict()}


def append_anchor(path: Path, record: dict[str, Any]) -> None:
    """Append one anchor line to ``path`` (created when missing), flushed to disk.

    Raises:
        ConfigError: the file cannot be written.
    """
    line = json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise ConfigError(f"audit anchor file {path}: cannot write: {exc.strerror}") from exc


def newest_anchor(path: Path) -> dict[str, Any] | None:
    """The last anchor of the file at ``path``; None when it is missing or empty.

    Raises:
        ConfigError: the file cannot be read, or its last line is not an anchor (names the
            line).
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"audit anchor file {path}: cannot read: {exc}") from exc
    numbered = [(n, line) for n, line in enumerate(lines, 1) if line.strip()]
    if not numbered:
        return None
    number, line = numbered[-1]
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"audit anchor file {path}, line {number}: not JSON ({exc.msg})"
        ) from None
    events, last_id = (
        (record.get("events"), record.get("last_id")) if isinstance(record, dict) else (None, None)
    )
    if not isinstance(events, int) or not (last_id is None or isinstance(last_id, int)):
        raise ConfigError(
            f"audit anchor file {path}, line {number}: not an anchor (needs 'events' and 'last_id')"
        )
    return dict(record)


def check_anchor(session: Session, anchor: dict[str, Any]) -> str | None:
    """What is wrong with the log against ``anchor`` (a line of an anchor file), or None.

    The anchored event must exist with the anchored SHA-256 and HMAC, and the log must hold
    exactly ``anchor["events"]`` events up to it.
    """
    events: int = anchor["events"]
    last_id = anchor.get("last_id")
    when = anchor.get("at", "?")
    if events == 0 or last_id is None:
        return None
    found = event_at(session, last_id)
    if found is None:
        total = count_through(session)
        if total == 0:
            return (
                f"the anchor of {when} has {events} events, the log has none: every event "
                "was deleted"
            )
        return (
            f"event {last_id}, the newest at the anchor of {when}, is missing: the newest "
            "events were deleted (truncation)"
        )
    sha256, hmac = found
    if sha256 != anchor.get("last_sha256") or hmac != anchor.get("last_hmac"):
        return (
            f"event {last_id} is not the event anchored at {when} (its SHA-256 or HMAC "
            "differs): the log was rewritten after the anchor"
        )
    have = count_through(session, last_id)
    if have != events:
        return (
            f"{have} events up to event {last_id}, the anchor of {when} has {events}: "
            "events were deleted or inserted before it"
        )
    return None

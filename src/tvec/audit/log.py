"""Appending to, verifying and exporting the audit log (format in ``docs/review.md``).

An event's digest is the SHA-256 (hex) of the UTF-8 canonical JSON (keys sorted, no spaces)
of ``{"at", "actor", "kind", "target", "data", "prev_sha256"}``, ``at`` in ISO 8601 UTC with
microseconds. The first event's ``prev_sha256`` is :data:`GENESIS` (64 zeros).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TextIO

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tvec.store.models import utcnow
from tvec.store.models.audit import AuditEvent

GENESIS = "0" * 64
#: Key of the PostgreSQL advisory lock that serialises appends (SQLite serialises writers).
_PG_LOCK_KEY = 0x74766563


class AuditKind(StrEnum):
    """Every kind of audit event: what was done (the target names to what)."""

    LOGIN = "auth.login"
    LOGIN_FAILED = "auth.login_failed"
    LOGOUT = "auth.logout"
    CASE_OPEN = "case.open"
    CASE_FLAG = "case.flag"
    MEDIA_REVEAL = "media.reveal"
    MEDIA_DOWNLOAD = "media.download"
    DECISION = "case.decision"
    DECISION_UNDO = "case.decision_undo"
    APPEAL_FILE = "appeal.file"
    APPEAL_RESOLVE = "appeal.resolve"
    BANK_CREATE = "bank.create"
    BANK_DELETE = "bank.delete"
    BANK_IMPORT = "bank.import"
    BANK_ADD = "bank.add"
    SOURCE_ADD = "source.add"
    SOURCE_CHANGE = "source.change"
    SOURCE_REMOVE = "source.remove"
    PLATFORM_CHANGE = "platform.change"
    WEBHOOK = "webhook.delivery"
    USER_ADD = "user.add"
    USER_DISABLE = "user.disable"
    USER_RESET_PASSWORD = "user.reset_password"  # noqa: S105 - an event name
    SETTING_CHANGE = "setting.change"
    TOKEN_CREATE = "token.create"  # noqa: S105 - an event name
    AUDIT_EXPORT = "audit.export"
    ATTRIBUTION = "url.attribute"
    ALERT_DELIVERY = "alert.delivery"
    ALERT_ROUTE = "alert.route"
    CHECK_REMOVED = "check.removed"
    ORDER_RECEIVE = "order.receive"
    ORDER_OVERDUE = "order.overdue"
    ORDER_ACTION = "order.action"
    ORDER_REPLY = "order.reply"
    HOLD_ACCESS = "hold.access"
    HOLD_EXTEND = "hold.extend"
    HOLD_PURGE = "hold.purge"


def event_digest(
    at: datetime,
    actor: str,
    kind: str,
    target: str | None,
    data: dict[str, Any],
    prev_sha256: str,
) -> str:
    """SHA-256 (64 hex characters) of an event's canonical JSON."""
    document = {
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor,
        "kind": kind,
        "target": target,
        "data": data,
        "prev_sha256": prev_sha256,
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(
    session: Session,
    actor: str,
    kind: AuditKind,
    target: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction and return it.

    Args:
        actor: who acted: a username, ``token:<name>`` for an API client, or ``tvec``.
        kind: what was done.
        target: what it was done to, e.g. ``case:12``, ``item:7``, ``user:alice``.
        data: details (JSON-serialisable; keep secrets out).

    Raises:
        StoreError (from the store's session): another writer appended at the same moment
            (``prev_sha256`` is unique, so the chain cannot fork).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    last = session.scalars(select(AuditEvent.sha256).order_by(AuditEvent.id.desc()).limit(1))
    prev = last.first() or GENESIS
    payload = json.loads(json.dumps(data or {}, default=str))
    at = utcnow()
    event = AuditEvent(
        at=at,
        actor=actor,
        kind=str(kind),
        target=target,
        data=payload,
        prev_sha256=prev,
        sha256=event_digest(at, actor, str(kind), target, payload, prev),
    )
    session.add(event)
    session.flush()
    return event


@dataclass
class ChainReport:
    """Result of :func:`verify_chain`: events checked, and the first broken one if any."""

    checked: int
    broken_id: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when every event's links and digest are intact."""
        return self.broken_id is None


def _events(session: Session, batch: int = 1000) -> Iterator[Any]:
    """Every event as a row (not an ORM object, so memory stays flat), oldest first."""
    columns = (
        AuditEvent.id,
        AuditEvent.at,
        AuditEvent.actor,
        AuditEvent.kind,
        AuditEvent.target,
        AuditEvent.data,
        AuditEvent.prev_sha256,
        AuditEvent.sha256,
    )
    last_id = 0
    while True:
        rows = session.execute(
            select(*columns).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def verify_chain(session: Session) -> ChainReport:
    """Walk the chain from the first event; stop at the first broken one.

    An event is broken when its ``prev_sha256`` is not the digest stored on the event before
    it (that one was removed, or edited along with its digest) or when its own digest does
    not match its contents (it was edited).
    """
    expected_prev = GENESIS
    checked = 0
    for event in _events(session):
        if event.prev_sha256 != expected_prev:
            return ChainReport(
                checked,
                event.id,
                f"event {event.id} ({event.kind}): prev_sha256 does not match the event "
                "before it (an earlier event was edited or deleted)",
            )
        digest = event_digest(
            event.at, event.actor, event.kind, event.target, event.data or {}, event.prev_sha256
        )
        if digest != event.sha256:
            return ChainReport(
                checked,
                event.id,
                f"event {event.id} ({event.kind}): contents do not match its sha256 "
                "(the event was edited)",
            )
        expected_prev = event.sha256
        checked += 1
    return ChainReport(checked)


def export_jsonl(session: Session, out: TextIO) -> int:
    """Write every event, oldest first, as one JSON object per line; return the count."""
    count = 0
    for event in _events(session):
        out.write(
            json.dumps(
                {
                    "id": event.id,
                    "at": event.at.isoformat(timespec="microseconds"),
                    "actor": event.actor,
                    "kind": event.kind,
                    "target": event.target,
                    "data": event.data,
                    "prev_sha256": event.prev_sha256,
                    "sha256": event.sha256,
                },
                ensure_ascii=False,
                sort_keys=True,
            )
            + "\n"
        )
        count += 1
    return count


def events_after(session: Session, after_id: int = 0, limit: int = 100) -> list[AuditEvent]:
    """Events with an id above ``after_id``, oldest first, at most ``limit`` (paging)."""
    query = select(AuditEvent).where(AuditEvent.id > after_id).order_by(AuditEvent.id)
    return list(session.scalars(query.limit(limit)))


def newest_events(session: Session, kind: str | None = None, limit: int = 200) -> list[AuditEvent]:
    """The newest ``limit`` events (of ``kind`` when given), newest first."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if kind:
        query = query.where(AuditEvent.kind == kind)
    return list(session.scalars(query))

"""Appending to, verifying and exporting the audit log (format in ``docs/review.md``).

An event's digest is the SHA-256 (hex) of the UTF-8 canonical JSON (keys sorted, no spaces)
of ``{"at", "actor", "kind", "target", "data", "prev_sha256"}``, ``at`` in ISO 8601 UTC with
microseconds. The first event's ``prev_sha256`` is :data:`GENESIS` (64 zeros).

The keyed chain (``docs/security.md``): each event also carries ``hmac``, the HMAC-SHA256
(hex) under the current audit key (:mod:`tvec.audit.keys`, a file outside the database) of
``"<hmac of the event before>:<sha256 of this event>"``; the first keyed event uses
:data:`GENESIS` as the HMAC before it. Without the key, nobody can append an event or
rewrite one and recompute the chain so that it verifies. Events written before tvec had a
key have no ``hmac``; the keyed chain then begins at an ``audit.keyed`` event that counts
them, and no unkeyed event may follow a keyed one. An ``audit.key_rotate`` event is the first
one signed with the new key it names.
"""

from __future__ import annotations

import hashlib
import hmac as hmac_
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TextIO

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tvec.audit.keys import Keyring, key_id, load_keyring
from tvec.errors import ConfigError
from tvec.settings import Settings
from tvec.store.db import SETTINGS_INFO
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
    BANK_UPDATE = "bank.update"
    BANK_REMOVE = "bank.remove"
    BANK_ENTRY_UPDATE = "bank.entry_update"
    SIGNAL_TYPE_CHANGE = "signal_type.change"
    SOURCE_ADD = "source.add"
    SOURCE_CHANGE = "source.change"
    SOURCE_REMOVE = "source.remove"
    SOURCE_POLL = "source.poll"
    CSV_EXPORT = "export.csv"
    PLATFORM_CHANGE = "platform.change"
    WEBHOOK = "webhook.delivery"
    USER_ADD = "user.add"
    USER_DISABLE = "user.disable"
    USER_RESET_PASSWORD = "user.reset_password"  # noqa: S105 - an event name
    SETTING_CHANGE = "setting.change"
    TOKEN_CREATE = "token.create"  # noqa: S105 - an event name
    TOKEN_REVOKE = "token.revoke"  # noqa: S105 - an event name
    USER_ENABLE = "user.enable"
    USER_DELETE = "user.delete"
    PASSWORD_CHANGE = "user.change_password"  # noqa: S105 - an event name
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
    ENTITY_IMPORT = "entity.import"
    AUDIT_KEYED = "audit.keyed"
    AUDIT_KEY_ROTATE = "audit.key_rotate"
    SESSION_REVOKE = "session.revoke"
    SOR_SUBMIT = "sor.submit"
    EXCHANGE_ADD = "exchange.add"
    EXCHANGE_CHANGE = "exchange.change"
    EXCHANGE_REMOVE = "exchange.remove"
    EXCHANGE_FETCH = "exchange.fetch"
    EXCHANGE_FEEDBACK = "exchange.feedback"
    EXCHANGE_CREDENTIALS = "exchange.credentials"


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


def chain_hmac(key: bytes, prev_hmac: str, sha256: str) -> str:
    """The keyed link of an event: HMAC-SHA256 (hex) of ``"<prev_hmac>:<sha256>"``."""
    message = f"{prev_hmac}:{sha256}".encode("ascii")
    return hmac_.new(key, message, hashlib.sha256).hexdigest()


def session_settings(session: Session) -> Settings:
    """The settings of the store that opened ``session`` (where the audit key file is).

    Raises:
        ConfigError: the session was not opened by a :class:`tvec.store.Store`.
    """
    settings = session.info.get(SETTINGS_INFO)
    if not isinstance(settings, Settings):
        raise ConfigError("audit log: this database session has no settings (open it with a Store)")
    return settings


def _append(
    session: Session,
    actor: str,
    kind: str,
    target: str | None,
    payload: dict[str, Any],
    prev: str,
    key: bytes,
    prev_hmac: str,
) -> AuditEvent:
    at = utcnow()
    digest = event_digest(at, actor, kind, target, payload, prev)
    event = AuditEvent(
        at=at,
        actor=actor,
        kind=kind,
        target=target,
        data=payload,
        prev_sha256=prev,
        sha256=digest,
        hmac=chain_hmac(key, prev_hmac, digest),
    )
    session.add(event)
    session.flush()
    return event


def record(
    session: Session,
    actor: str,
    kind: AuditKind,
    target: str | None = None,
    data: dict[str, Any] | None = None,
    *,
    key: bytes | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction and return it.

    The event is signed with the current audit key (``key`` when given: the new key of a
    rotation). When the events before it have no HMAC (written before tvec had a key), an
    ``audit.keyed`` event that counts them is appended first and begins the keyed chain.

    Args:
        actor: who acted: a username, ``token:<name>`` for an API client, or ``tvec``.
        kind: what was done.
        target: what it was done to, e.g. ``case:12``, ``item:7``, ``user:alice``.
        data: details (JSON-serialisable; keep secrets out).

    Raises:
        ConfigError: the audit key file cannot be read or created.
        StoreError (from the store's session): another writer appended at the same moment
            (``prev_sha256`` is unique, so the chain cannot fork).
    """
    signing_key = key if key is not None else load_keyring(session_settings(session)).current
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    last = session.execute(
        select(AuditEvent.sha256, AuditEvent.hmac).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    prev = last.sha256 if last else GENESIS
    prev_hmac = last.hmac if last and last.hmac else GENESIS
    if last is not None and last.hmac is None:
        unkeyed = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        marker = _append(
            session,
            "tvec",
            str(AuditKind.AUDIT_KEYED),
            None,
            {"key_id": key_id(signing_key), "unkeyed_events": unkeyed},
            prev,
            signing_key,
            GENESIS,
        )
        prev, prev_hmac = marker.sha256, marker.hmac or GENESIS
    payload = json.loads(json.dumps(data or {}, default=str))
    return _append(session, actor, str(kind), target, payload, prev, signing_key, prev_hmac)


@dataclass(frozen=True)
class Head:
    """The head of the audit log, as an anchor keeps it: how many events, the newest one's id,
    SHA-256 and HMAC (``None`` on an empty log, or an unkeyed newest event)."""

    events: int
    last_id: int | None
    last_sha256: str | None
    last_hmac: str | None

    def as_dict(self) -> dict[str, Any]:
        """The head as JSON-ready keys (``events``, ``last_id``, ``last_sha256``,
        ``last_hmac``)."""
        return {
            "events": self.events,
            "last_id": self.last_id,
            "last_sha256": self.last_sha256,
            "last_hmac": self.last_hmac,
        }


@dataclass
class ChainReport:
    """Result of :func:`verify_chain`: events checked, and the first broken one if any.

    ``keyed`` counts the events checked against the audit key, ``unkeyed`` those written
    before tvec had one (checked by their SHA-256 links only); ``head`` is the log's head
    after a walk that found nothing broken.
    """

    checked: int
    broken_id: int | None = None
    problem: str | None = None
    keyed: int = 0
    unkeyed: int = 0
    head: Head | None = None

    @property
    def ok(self) -> bool:
        """True when every event's links, digest and HMAC are intact."""
        return self.broken_id is None and self.problem is None


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
        AuditEvent.hmac,
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


def _key_named(keyring: Keyring, data: Any, field: str) -> bytes | None:
    name = data.get(field) if isinstance(data, dict) else None
    return keyring.keys.get(name) if isinstance(name, str) else None


def verify_chain(session: Session, keyring: Keyring | None = None) -> ChainReport:
    """Walk the chain from the first event; stop at the first broken one.

    An event is broken when its ``prev_sha256`` is not the digest stored on the event before
    it (that one was removed, or edited along with its digest), when its own digest does
    not match its contents (it was edited), or, in the keyed chain, when its HMAC is not the
    one the audit key gives (it was appended, or the chain recomputed, without the key), or
    it has no HMAC after keyed events (written without the key).

    Args:
        keyring: the audit keys (default: the key file of the session's store, created if
            missing).

    Raises:
        ConfigError: the audit key file cannot be read or created.
    """
    keys = keyring or load_keyring(session_settings(session))
    expected_prev = GENESIS
    checked = keyed = unkeyed = 0
    key: bytes | None = None
    prev_hmac = GENESIS
    last = None

    def broken(event: Any, problem: str) -> ChainReport:
        return ChainReport(
            checked, event.id, f"event {event.id} ({event.kind}): {problem}", keyed, unkeyed
        )

    for event in _events(session):
        if event.prev_sha256 != expected_prev:
            return broken(
                event,
                "prev_sha256 does not match the event before it (an earlier event was "
                "edited or deleted)",
            )
        digest = event_digest(
            event.at, event.actor, event.kind, event.target, event.data or {}, event.prev_sha256
        )
        if digest != event.sha256:
            return broken(event, "contents do not match its sha256 (the event was edited)")
        if event.hmac is None:
            if key is not None:
                return broken(
                    event,
                    "no HMAC after the keyed chain began (written without the audit key)",
                )
            unkeyed += 1
        else:
            if key is None:
                if event.kind != AuditKind.AUDIT_KEYED:
                    if checked:
                        return broken(
                            event,
                            "the keyed chain does not begin with an audit.keyed event after "
                            "the unkeyed events",
                        )
                    key = next(
                        (
                            k
                            for k in keys.keys.values()
                            if hmac_.compare_digest(chain_hmac(k, GENESIS, digest), event.hmac)
                        ),
                        None,
                    )
                    if key is None:
                        return broken(
                            event,
                            "HMAC matches no key of the audit key file (forged, or the key "
                            "file is not this log's)",
                        )
                else:
                    key = _key_named(keys, event.data, "key_id")
                    if key is None:
                        return broken(event, "names an audit key that is not in the audit key file")
            if event.kind == AuditKind.AUDIT_KEY_ROTATE:
                key = _key_named(keys, event.data, "new_key_id")
                if key is None:
                    return broken(event, "names a new audit key that is not in the key file")
            if not hmac_.compare_digest(chain_hmac(key, prev_hmac, digest), event.hmac):
                return broken(
                    event,
                    "HMAC does not match (the event was appended, or the chain recomputed, "
                    "without the audit key)",
                )
            prev_hmac = event.hmac
            keyed += 1
        expected_prev = event.sha256
        checked += 1
        last = event
    head = Head(
        checked,
        last.id if last else None,
        last.sha256 if last else None,
        last.hmac if last else None,
    )
    return ChainReport(checked, keyed=keyed, unkeyed=unkeyed, head=head)


def event_at(session: Session, event_id: int) -> tuple[str, str | None] | None:
    """The ``(sha256, hmac)`` of event ``event_id``, or None when there is none."""
    row = session.execute(
        select(AuditEvent.sha256, AuditEvent.hmac).where(AuditEvent.id == event_id)
    ).first()
    return (row.sha256, row.hmac) if row else None


def count_through(session: Session, event_id: int | None = None) -> int:
    """How many events have an id up to ``event_id`` (every event when None)."""
    query = select(func.count()).select_from(AuditEvent)
    if event_id is not None:
        query = query.where(AuditEvent.id <= event_id)
    return session.scalar(query) or 0


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


def search_events(
    session: Session,
    *,
    actor: str | None = None,
    kind: str | None = None,
    target: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEvent]:
    """Events newest first, filtered: ``actor`` and ``kind`` exactly, ``target`` exactly or
    as a prefix when it ends with ``:`` (``case:`` every case), ``since`` <= at < ``until``
    (aware UTC), ids below ``before_id`` (the next page); at most ``limit``."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if kind:
        query = query.where(AuditEvent.kind == kind)
    if target:
        if target.endswith(":"):
            escaped = target.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(AuditEvent.target.like(escaped + "%", escape="\\"))
        else:
            query = query.where(AuditEvent.target == target)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(session.scalars(query))


def newest_events(session: Session, kind: str | None = None, limit: int = 200) -> list[AuditEvent]:
    """The newest ``limit`` events (of ``kind`` when given), newest first."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if kind:
        query = query.where(AuditEvent.kind == kind)
    return list(session.scalars(query))

"""Legal holds: removed content and its data, preserved and every access logged.

Regulation (EU) 2021/784, Article 6: a provider preserves terrorist content it removed (or
disabled access to) under a removal order, and the related data, for six months from the
removal (``TVEC_LEGAL_HOLD_DAYS``, 183 days), longer when a competent authority or court
asks; the preserved content is protected against unauthorised access. Here:

* the bytes are copied into ``settings.holds_dir`` by SHA-256 (the evidence store's layout
  ``<aa>/<bb>/<sha256>``, checked on the way in and on every read); the data snapshot
  (URL, item, metadata, text, signals, source, order) is kept in ``LegalHold.data``;
* every read or export (:func:`read_hold`, :func:`export_hold`) records a ``hold.access``
  audit event with the actor and a purpose, and is refused without a purpose; listing the
  holds shows only the record (URL, digest, dates), not the content or data;
* :func:`extend_hold` moves ``held_until`` later (``hold.extend``; kept in ``extensions``);
* :func:`purge_expired_holds` deletes the bytes of holds past ``held_until`` and keeps
  the record (a ``hold.purge`` event with ``access: purge``; the record's
  ``data["purged"]`` says when and by whom).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.audit.events import HoldAccessed, HoldExtended, HoldPurged, record_event
from tvec.clock import rfc3339, rfc3339_or_none
from tvec.errors import ConflictError, NotFoundError, StoreError, UsageError
from tvec.orders.intake import LINKED_BY_LOCATOR, LINKED_BY_META_URL
from tvec.settings import Settings
from tvec.store.evidence import EvidenceStore, open_evidence
from tvec.store.models import Item, Source, utcnow
from tvec.store.models.orders import LegalHold, RemovalOrder, RemovalOrderUrl
from tvec.text import profiles
from tvec.views.base import dumps
from tvec.views.orders import HoldRecordView, HoldView

#: Links that make an item the removed content itself (its bytes are held); an item found
#: by an out-link sighting is the post that linked to the content.
CONTENT_LINKS = (LINKED_BY_LOCATOR, LINKED_BY_META_URL)


def _item_data(session: Session, item: Item, linked_by: str) -> dict[str, Any]:
    source = session.get(Source, item.source_id) if item.source_id is not None else None
    return {
        "id": item.id,
        "linked_by": linked_by,
        "locator": item.locator,
        "media_type": item.media_type,
        "content_type": item.content_type,
        "sha256": item.sha256,
        "size": item.size,
        "text": item.text,
        "posted_at": rfc3339_or_none(item.posted_at),
        "collected_at": rfc3339_or_none(item.collected_at),
        "metadata": item.meta,
        "signals": [
            {"signal_type": s.signal_type, "value": s.value, "quality": s.quality}
            for s in item.signals
        ],
        "source": None
        if source is None
        else {
            "name": source.name,
            "kind": source.kind,
            "locator": source.locator,
            "platform": source.platform,
        },
    }


def _content_bytes(
    settings: Settings,
    entry: RemovalOrderUrl,
    item: Item | None,
    linked_by: str | None,
    given: Path | None,
) -> tuple[bytes, dict[str, Any]] | None:
    """The removed content's bytes and where they came from, or None when tvec has none."""
    if given is not None:
        try:
            return given.read_bytes(), {"from": "file", "file": str(given)}
        except OSError as exc:
            raise UsageError(f"content file {given} for {entry.url}: {exc.strerror}") from None
    if item is None or item.sha256 is None or linked_by not in CONTENT_LINKS:
        return None
    evidence = open_evidence(settings.evidence_location)
    if item.sha256 not in evidence:
        return None
    data = evidence.get(item.sha256)
    if hashlib.sha256(data).hexdigest() != item.sha256:
        raise StoreError(
            f"evidence of item {item.id} does not match its sha256 {item.sha256}; "
            f"give the removed content of {entry.url} as a file instead"
        )
    return data, {"from": "evidence store", "item": item.id}


def preserve(
    session: Session,
    settings: Settings,
    order: RemovalOrder,
    entry: RemovalOrderUrl,
    *,
    linked_by: str | None,
    content: Path | None,
    now: datetime,
) -> LegalHold:
    """Put one acted-on URL of ``order`` under legal hold from ``now``.

    The bytes come from ``content`` (a file the user gives) or else from the evidence
    store by the linked item's SHA-256 (only when the item is the content itself, not a
    post that linked to it); the data snapshot from the item, its signals and source.

    Raises:
        UsageError: ``content`` cannot be read.
        StoreError: the evidence bytes do not match the item's SHA-256, or the hold folder
            cannot be written.
    """
    item = session.get(Item, entry.item_id) if entry.item_id is not None else None
    found = _content_bytes(settings, entry, item, linked_by, content)
    sha256 = size = None
    content_info: dict[str, Any] = {"from": None}
    if found is not None:
        data, content_info = found
        sha256 = EvidenceStore(settings.holds_dir).put(data)
        size = len(data)
        content_info |= {"sha256": sha256, "size": size}
    snapshot = {
        "url": entry.url,
        "order": {
            "reference": order.reference,
            "authority": order.authority,
            "member_state": order.member_state,
            "received_at": rfc3339_or_none(order.received_at),
            "reasons": order.reasons,
        },
        "action": entry.action,
        "acted_at": rfc3339_or_none(entry.acted_at),
        "item": None if item is None else _item_data(session, item, linked_by or ""),
        "content": content_info,
    }
    hold = LegalHold(
        order_id=order.id,
        url=entry.url,
        item_id=entry.item_id,
        sha256=sha256,
        size=size,
        data=json.loads(json.dumps(snapshot, default=str)),
        held_from=now,
        held_until=now + timedelta(days=settings.legal_hold_days),
        extensions=[],
    )
    session.add(hold)
    session.flush()
    return hold


def preserve_media(
    session: Session,
    settings: Settings,
    order: RemovalOrder,
    entry: RemovalOrderUrl,
    *,
    linked_by: str | None,
    now: datetime,
) -> list[LegalHold]:
    """Put the media inside the URL's item (a post's photos and videos: its child items)
    under legal hold too, one hold each, from ``now``.

    Only when the item is the content itself (found by locator or ``metadata["url"]``, not
    a post that merely linked to the URL) and only media whose bytes the evidence store
    has. Each hold's data names the post it belongs to (``part_of``).

    Raises:
        StoreError: evidence bytes do not match their SHA-256, or the hold folder cannot
            be written.
    """
    if entry.item_id is None or linked_by not in CONTENT_LINKS:
        return []
    children = session.scalars(
        select(Item).where(Item.parent_id == entry.item_id).order_by(Item.id)
    ).all()
    evidence = open_evidence(settings.evidence_location)
    held = []
    for child in children:
        if child.sha256 is None or child.sha256 not in evidence:
            continue
        data = evidence.get(child.sha256)
        if hashlib.sha256(data).hexdigest() != child.sha256:
            raise StoreError(f"evidence of item {child.id} does not match its sha256")
        sha256 = EvidenceStore(settings.holds_dir).put(data)
        snapshot = {
            "url": entry.url,
            "part_of": entry.item_id,
            "order": {"reference": order.reference, "member_state": order.member_state},
            "action": entry.action,
            "acted_at": rfc3339_or_none(entry.acted_at),
            "item": _item_data(session, child, "child of the URL's item"),
            "content": {"from": "evidence store", "item": child.id, "sha256": sha256},
        }
        hold = LegalHold(
            order_id=order.id,
            url=entry.url,
            item_id=child.id,
            sha256=sha256,
            size=len(data),
            data=json.loads(json.dumps(snapshot, default=str)),
            held_from=now,
            held_until=now + timedelta(days=settings.legal_hold_days),
            extensions=[],
        )
        session.add(hold)
        held.append(hold)
    session.flush()
    return held


def list_holds(session: Session, *, order_reference: str | None = None) -> list[LegalHold]:
    """Legal holds, newest first (optionally of one order). Records only: not logged.

    Raises:
        NotFoundError: no order has that reference.
    """
    query = select(LegalHold).order_by(LegalHold.id.desc())
    if order_reference is not None:
        order_id = session.scalar(
            select(RemovalOrder.id).where(RemovalOrder.reference == order_reference)
        )
        if order_id is None:
            raise NotFoundError(f"no removal order with reference {order_reference!r}")
        query = query.where(LegalHold.order_id == order_id)
    return list(session.scalars(query))


def get_hold(session: Session, hold_id: int) -> LegalHold:
    """The legal hold ``hold_id`` (not logged: for records only).

    Raises:
        NotFoundError: no such hold.
    """
    hold = session.get(LegalHold, hold_id)
    if hold is None:
        raise NotFoundError(f"no legal hold {hold_id}")
    return hold


def is_purged(hold: LegalHold) -> bool:
    """Whether the hold's bytes were deleted at expiry (the record stays)."""
    return "purged" in (hold.data or {})


def _access(
    session: Session,
    hold: LegalHold,
    *,
    actor: str,
    purpose: str,
    access: str,
    to: str | None = None,
) -> None:
    """Log one read or export of a hold (``hold.access``)."""
    event = HoldAccessed(hold_id=hold.id, access=access, purpose=purpose, url=hold.url)
    if to is not None:
        event = event.model_copy(update={"to": to})
    record_event(session, actor, event)


#: Longest purpose of an access to a legal hold (characters).
MAX_PURPOSE = 2000


def _purpose(purpose: str | None, hold_id: int) -> str:
    if not (purpose or "").strip():
        raise UsageError(f"access to legal hold {hold_id} needs a purpose (it is logged)")
    return profiles.display(
        purpose or "", f"the purpose of access to legal hold {hold_id}", MAX_PURPOSE
    )


def _checked_path(settings: Settings, hold: LegalHold) -> Path | None:
    """The path of the hold's bytes after checking their SHA-256; None when none are kept.

    Raises:
        StoreError: the bytes are missing (and not purged) or do not match the digest.
    """
    if hold.sha256 is None or is_purged(hold):
        return None
    path = EvidenceStore(settings.holds_dir).path_for(hold.sha256)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise StoreError(f"legal hold {hold.id}: cannot read {path}: {exc.strerror}") from None
    if digest != hold.sha256:
        raise StoreError(f"legal hold {hold.id}: {path} does not match sha256 {hold.sha256}")
    return path


def read_hold(
    session: Session, settings: Settings, hold_id: int, *, actor: str, purpose: str | None
) -> tuple[LegalHold, Path | None]:
    """Open a legal hold: its record and data, and the path of its checked bytes.

    Every call records a ``hold.access`` audit event (``access: read``) with ``actor`` and
    ``purpose``, in the caller's transaction.

    Returns:
        The hold and the path of its bytes (None when only data was kept or purged).

    Raises:
        UsageError: no purpose given (nothing is read, nothing logged).
        NotFoundError: no such hold.
        StoreError: the bytes are missing or do not match their SHA-256.
    """
    why = _purpose(purpose, hold_id)
    hold = get_hold(session, hold_id)
    path = _checked_path(settings, hold)
    _access(session, hold, actor=actor, purpose=why, access="read")
    return hold, path


def hold_record(hold: LegalHold, now: datetime, path: Path | None = None) -> HoldRecordView:
    """The hold's record and data (what :func:`export_hold` writes as ``record.json``);
    ``state`` is :func:`hold_state` at ``now``; ``path`` where its bytes are, if given."""
    return HoldRecordView(
        id=hold.id,
        url=hold.url,
        order_id=hold.order_id,
        item_id=hold.item_id,
        sha256=hold.sha256,
        size=hold.size,
        held_from=hold.held_from,
        held_until=hold.held_until,
        extensions=list(hold.extensions or []),
        purged=(hold.data or {}).get("purged"),
        state=hold_state(hold, now),
        data=hold.data or {},
        path=str(path) if path else None,
    )


def hold_view(hold: LegalHold, now: datetime) -> HoldView:
    """The hold as listed (record only); ``state`` is :func:`hold_state` at ``now``."""
    return HoldView(
        id=hold.id,
        url=hold.url,
        order=(hold.data or {}).get("order", {}).get("reference"),
        sha256=hold.sha256,
        size=hold.size,
        held_from=hold.held_from,
        held_until=hold.held_until,
        extensions=len(hold.extensions or []),
        purged=is_purged(hold),
        state=hold_state(hold, now),
    )


def export_hold(
    session: Session,
    settings: Settings,
    hold_id: int,
    destination: Path,
    *,
    actor: str,
    purpose: str | None,
) -> list[Path]:
    """Copy a legal hold out: ``hold-<id>.json`` (record and data) and, when bytes are
    kept, ``hold-<id>-<sha256>`` (the checked bytes) into the folder ``destination``.

    Records a ``hold.access`` audit event (``access: export``) with the destination.

    Returns:
        The files written.

    Raises:
        UsageError: no purpose given; ``destination`` is not a folder.
        ConflictError: a file of that name exists already (never overwritten).
        NotFoundError: no such hold.
        StoreError: the bytes are missing or do not match their SHA-256.
    """
    why = _purpose(purpose, hold_id)
    if not destination.is_dir():
        raise UsageError(f"export folder {destination} does not exist")
    hold = get_hold(session, hold_id)
    source = _checked_path(settings, hold)
    targets = [destination / f"hold-{hold.id}.json"]
    if source is not None:
        targets.append(destination / f"hold-{hold.id}-{hold.sha256}")
    for target in targets:
        if target.exists():
            raise ConflictError(f"{target} exists; export legal holds into an empty folder")
    _access(session, hold, actor=actor, purpose=why, access="export", to=str(destination))
    targets[0].write_text(dumps(hold_record(hold, utcnow())) + "\n", encoding="utf-8")
    if source is not None:
        targets[1].write_bytes(source.read_bytes())
    return targets


#: The most an extension may reach: ``days`` at most this, and ``until`` at most this many
#: days after now (100 years; anything longer is a typo, and far dates overflow).
MAX_EXTENSION_DAYS = 36_500


def hold_state(hold: LegalHold, now: datetime) -> str:
    """The state of a legal hold at ``now``: ``purged`` (its bytes deleted at expiry),
    ``expired`` (past ``held_until``, not purged yet: ``tvec order hold purge``),
    ``extended`` (in force, kept longer at least once) or ``held`` (in force)."""
    if is_purged(hold):
        return "purged"
    if hold.held_until <= now:
        return "expired"
    return "extended" if hold.extensions else "held"


def extend_hold(
    session: Session,
    hold_id: int,
    *,
    until: datetime | None = None,
    days: int | None = None,
    reason: str,
    actor: str,
    now: datetime | None = None,
) -> LegalHold:
    """Keep a legal hold longer (Article 6(2): on request of an authority or a court).

    Give ``until`` (a later aware time, at most :data:`MAX_EXTENSION_DAYS` days after
    ``now``) or ``days`` (1 to :data:`MAX_EXTENSION_DAYS`, added to the current
    ``held_until``). The extension is appended to ``extensions`` as ``{"at", "by",
    "from", "until", "reason"}`` and recorded as a ``hold.extend`` audit event.

    Raises:
        UsageError: neither or both of ``until``/``days``; ``days`` outside 1 to 36500;
            ``until`` naive, not after the current ``held_until`` or more than 36500 days
            after ``now``; no reason.
        ConflictError: the hold's bytes were already purged.
        NotFoundError: no such hold.
    """
    if (until is None) == (days is None):
        raise UsageError("extend a legal hold with either an until time or a number of days")
    if not reason.strip():
        raise UsageError(f"extending legal hold {hold_id} needs a reason (it is logged)")
    at = now or utcnow()
    if days is not None and not 1 <= days <= MAX_EXTENSION_DAYS:
        raise UsageError(
            f"extend legal hold {hold_id} by 1 to {MAX_EXTENSION_DAYS} days, not {days}"
        )
    if until is not None:
        if until.tzinfo is None or until.utcoffset() is None:
            raise UsageError(f"until {rfc3339(until)} has no time zone")
        if until > at + timedelta(days=MAX_EXTENSION_DAYS):
            raise UsageError(
                f"until {rfc3339(until)} is more than {MAX_EXTENSION_DAYS} days from now; "
                "check the date"
            )
        until = until.astimezone(UTC)  # cannot overflow: bounded by now + 100 years
    hold = get_hold(session, hold_id)
    if is_purged(hold):
        raise ConflictError(f"legal hold {hold_id} expired and its content was purged")
    if days is not None:
        try:
            until = hold.held_until + timedelta(days=days)
        except OverflowError:
            raise UsageError(
                f"legal hold {hold_id} held until {rfc3339(hold.held_until)} cannot be "
                f"extended by {days} days (past year 9999)"
            ) from None
    assert until is not None
    if until <= hold.held_until:
        raise UsageError(
            f"legal hold {hold_id} is held until {rfc3339(hold.held_until)}; "
            f"{rfc3339(until)} is not later"
        )
    entry = {
        "at": rfc3339(at),
        "by": actor,
        "from": rfc3339(hold.held_until),
        "until": rfc3339(until),
        "reason": reason.strip(),
    }
    hold.held_until = until
    hold.extensions = [*(hold.extensions or []), entry]
    record_event(session, actor, HoldExtended(hold_id=hold.id, **entry))
    session.flush()
    return hold


def purge_expired_holds(
    session: Session, settings: Settings, now: datetime | None = None, *, actor: str = "tvec"
) -> list[LegalHold]:
    """Delete the bytes of every hold whose ``held_until`` has passed; keep the records.

    A file shared with a hold still in force (same SHA-256) stays. Each purge is recorded
    as a ``hold.purge`` audit event (``access: purge``) and in ``data["purged"]``
    (``{"at", "by", "deleted"}``).

    Returns:
        The holds purged now.

    Raises:
        StoreError: a file cannot be deleted.
    """
    at = now or utcnow()
    expired = [
        h
        for h in session.scalars(
            select(LegalHold).where(LegalHold.held_until <= at).order_by(LegalHold.id)
        )
        if not is_purged(h)
    ]
    store = EvidenceStore(settings.holds_dir)
    purged = []
    for hold in expired:
        deleted = False
        if hold.sha256 is not None:
            still_held = session.scalar(
                select(LegalHold.id).where(
                    LegalHold.sha256 == hold.sha256,
                    LegalHold.held_until > at,
                    LegalHold.id != hold.id,
                )
            )
            if still_held is None:
                path = store.path_for(hold.sha256)
                try:
                    path.unlink(missing_ok=True)
                except OSError as exc:
                    raise StoreError(f"cannot delete {path}: {exc.strerror}") from None
                deleted = True
        hold.data = {**hold.data, "purged": {"at": rfc3339(at), "by": actor, "deleted": deleted}}
        record_event(
            session,
            actor,
            HoldPurged(
                hold_id=hold.id,
                purpose="legal hold expired",
                url=hold.url,
                held_until=rfc3339(hold.held_until),
                deleted=deleted,
            ),
        )
        purged.append(hold)
    session.flush()
    return purged

"""Removal orders (Regulation (EU) 2021/784): record, watch the hour, act, reply.

The life of an order (``docs/removal-orders.md``)::

    record_order ──► open ──(deadline_at, sweep_orders)──► overdue
                       │                                      │
                       └──── act_on_order (every URL) ────────┴──► done (reply filled in)

    open, overdue ──reject_order (Article 3(7), 3(8))──► rejected
    rejected ──resume_order (deadline_at = resumed_at + 1 hour)──► open

(:mod:`tvec.orders.impossibility` rejects and resumes.) Every
function but :func:`sweep_orders` takes the caller's session (and commits nothing);
:func:`sweep_orders` takes the store, commits the overdue status and then sends the
webhook outside any transaction. All take ``now`` (aware UTC, default
:func:`tvec.store.models.utcnow`) so tests can freeze the clock. Each state change is an
audit event: ``order.receive``, ``order.overdue``, ``order.action``, ``order.reply``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.audit.events import (
    OrderActedOn,
    OrderOverdue,
    OrderReceived,
    OrderReplied,
    WebhookDelivered,
    record_event,
)
from tvec.clock import rfc3339, rfc3339_or_none
from tvec.errors import ConflictError, NotFoundError, TvecError, UsageError
from tvec.net.client import OutboundClient
from tvec.net.webhook import send_webhook
from tvec.orders.clock import (
    check_receipt,
    deadline_for,
    format_time_left,
    order_state,
    parse_time,
)
from tvec.orders.holds import preserve, preserve_media
from tvec.orders.intake import find_item, member_state_code, order_urls
from tvec.orders.reply import reply_document
from tvec.settings import Settings
from tvec.store.db import Store
from tvec.store.models import utcnow
from tvec.store.models.orders import ACTIONS, LegalHold, RemovalOrder, RemovalOrderUrl
from tvec.text import profiles
from tvec.views.orders import OrderUrlView, OrderView

#: Status filters of :func:`list_orders`: the statuses, ``unfinished`` (open or overdue)
#: and ``all``.
LIST_FILTERS = ("unfinished", "open", "overdue", "done", "rejected", "all")
#: The webhook event sent when an order becomes overdue.
OVERDUE_EVENT = "removal_order.overdue"


def record_order(
    session: Session,
    *,
    reference: str,
    authority: str,
    member_state: str,
    received_at: datetime,
    urls: list[str],
    reasons: str,
    actor: str,
    now: datetime | None = None,
) -> RemovalOrder:
    """Record a removal order received at ``received_at``; its hour runs from then.

    ``deadline_at`` is ``received_at`` plus one hour (Article 3(3)). Each URL is linked to
    the stored item it names, where one matches (:func:`tvec.orders.intake.find_item`).
    Recorded as an ``order.receive`` audit event.

    Args:
        reference: the authority's reference of the order (unique; at most 200 characters).
        authority: the issuing competent authority (at most 300 characters).
        member_state: its Member State (EU code; ISO ``GR`` is read as ``EL``).
        received_at: time of receipt, timezone-aware.
        urls: the URLs to remove (http or https; repeats, by canonical form, dropped:
            the first spelling is kept).
        reasons: the order's statement of reasons.
        actor: who records it (username, ``cli``).

    Raises:
        UsageError: an empty field (or only whitespace), a control character in the
            reference or authority (or one other than tab and line breaks in the reasons),
            an unknown Member State, no URL or a non-http(s) one, a naive ``received_at``,
            one before 7 June 2022 (the Regulation applies from then, Article 24) or more
            than five minutes after ``now``.
        ConflictError: an order with this reference is recorded already.
    """
    at = now or utcnow()
    reference = profiles.display(reference, "the removal order's reference", 200)
    authority = profiles.display(authority, "the removal order's issuing authority", 300)
    reasons = profiles.display(reasons, "the removal order's reasons", 100_000, multiline=True)
    code = member_state_code(member_state)
    received = parse_time(received_at, "time of receipt")
    check_receipt(received, at)
    wanted = order_urls(urls)
    if session.scalar(select(RemovalOrder.id).where(RemovalOrder.reference == reference)):
        raise ConflictError(f"a removal order with reference {reference!r} is recorded already")
    order = RemovalOrder(
        reference=reference,
        authority=authority,
        member_state=code,
        received_at=received,
        deadline_at=deadline_for(received),
        reasons=reasons,
        status="open",
        reply={},
        recorded_by=actor,
        created_at=at,
    )
    linked: dict[str, str | None] = {}
    for url in wanted:
        found = find_item(session, url)
        order.urls.append(RemovalOrderUrl(url=url, item_id=found[0].id if found else None))
        linked[url] = f"item:{found[0].id} ({found[1]})" if found else None
    session.add(order)
    session.flush()
    record_event(
        session,
        actor,
        OrderReceived(
            reference=reference,
            authority=authority,
            member_state=code,
            received_at=rfc3339(received),
            deadline_at=rfc3339(order.deadline_at),
            urls=linked,
        ),
    )
    return order


def get_order(session: Session, reference: str) -> RemovalOrder:
    """The order with this reference.

    Raises:
        NotFoundError: none has it.
    """
    order = session.scalars(select(RemovalOrder).where(RemovalOrder.reference == reference)).first()
    if order is None:
        raise NotFoundError(f"no removal order with reference {reference!r}")
    return order


def list_orders(
    session: Session, *, status: str = "unfinished", now: datetime | None = None
) -> list[tuple[RemovalOrder, str, float]]:
    """Orders with their status and seconds left at ``now`` (:func:`order_state`).

    Unfinished orders (open, overdue) come first, least time left first; then the rest,
    newest receipt first. ``status`` filters on the status at ``now`` (see
    :data:`LIST_FILTERS`), so an order past its hour counts as overdue before any sweep.

    Raises:
        UsageError: an unknown ``status``.
    """
    if status not in LIST_FILTERS:
        raise UsageError(f"unknown order status {status!r} (one of {', '.join(LIST_FILTERS)})")
    at = now or utcnow()
    stored = {
        "unfinished": ("open", "overdue"),
        "open": ("open",),
        "overdue": ("open", "overdue"),
        "done": ("done",),
        "rejected": ("rejected",),
        "all": ("open", "overdue", "done", "rejected"),
    }[status]
    query = select(RemovalOrder).where(RemovalOrder.status.in_(stored))
    rows = []
    for order in session.scalars(query):
        state, left = order_state(order, at)
        if (
            status == "all"
            or state == status
            or (status == "unfinished" and state in ("open", "overdue"))
        ):
            rows.append((order, state, left))

    def key(row: tuple[RemovalOrder, str, float]) -> tuple[int, float]:
        order, state, left = row
        if state in ("open", "overdue"):
            return 0, left
        return 1, -order.received_at.timestamp()

    return sorted(rows, key=key)


def order_view(session: Session, order: RemovalOrder, now: datetime) -> OrderView:
    """``order`` as a result model (CLI ``--json`` and ``/api/orders``), with its status and
    seconds left at ``now`` and the ids of its legal holds (ascending).

    ``reply`` is ``{}`` until filled in; the Annex II keys once done, and ``impossibility``,
    the list of rejections, once the order was rejected (:mod:`tvec.orders.impossibility`).
    """
    state, left = order_state(order, now)
    holds = session.scalars(
        select(LegalHold.id).where(LegalHold.order_id == order.id).order_by(LegalHold.id)
    )
    return OrderView(
        reference=order.reference,
        authority=order.authority,
        member_state=order.member_state,
        received_at=order.received_at,
        deadline_at=order.deadline_at,
        status=state,
        seconds_left=left,
        time_left=format_time_left(left) if state in ("open", "overdue") else None,
        overdue_at=order.overdue_at,
        completed_at=order.completed_at,
        reasons=order.reasons,
        recorded_by=order.recorded_by,
        urls=[
            OrderUrlView(url=u.url, item_id=u.item_id, action=u.action, acted_at=u.acted_at)
            for u in order.urls
        ],
        reply=order.reply or {},
        holds=list(holds),
    )


def unfinished_orders(session: Session, now: datetime) -> list[OrderView]:
    """Open and overdue orders, least time left first (what the review queue shows at its
    top)."""
    return [order_view(session, order, now) for order, _, _ in list_orders(session, now=now)]


def overdue_event(order: RemovalOrder) -> dict[str, Any]:
    """The ``removal_order.overdue`` webhook event of an order."""
    return {
        "event": OVERDUE_EVENT,
        "reference": order.reference,
        "authority": order.authority,
        "member_state": order.member_state,
        "received_at": rfc3339(order.received_at),
        "deadline_at": rfc3339(order.deadline_at),
        "overdue_at": rfc3339_or_none(order.overdue_at),
        "urls": [
            {"url": u.url, "action": u.action, "acted_at": rfc3339_or_none(u.acted_at)}
            for u in order.urls
        ],
    }


def webhook_outcome(
    settings: Settings, event: dict[str, Any], client: OutboundClient | None = None
) -> dict[str, Any]:
    """Send ``event`` to ``TVEC_WEBHOOK_URL`` (retries and backoff as the settings say) and
    return the outcome for the ``webhook.delivery`` audit event: ``{"delivered",
    "attempts", "status", "error"}``, ``{"skipped": True}`` without a URL, or
    ``{"delivered": False, "error"}`` when the URL or its secret is refused. Never raises
    a :class:`~tvec.errors.TvecError`; touches no database. ``client``: the outbound client
    (default: a new one of ``settings``).
    """
    try:
        result = send_webhook(settings, event, client=client)
    except TvecError as exc:
        return {"delivered": False, "error": str(exc)}
    if result is None:
        return {"skipped": True}
    return {
        "delivered": result.delivered,
        "attempts": result.attempts,
        "status": result.status,
        "error": result.error,
    }


def mark_overdue(session: Session, now: datetime | None = None) -> list[RemovalOrder]:
    """The database part of a sweep, in the caller's transaction: every open order whose
    hour has passed (``deadline_at <= now``) becomes ``overdue`` with ``overdue_at = now``
    and an ``order.overdue`` audit event. Rejected, done and already overdue orders are
    left alone. Sends nothing (:func:`sweep_orders` sends the webhook after the commit).

    The rows are locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write lock
    serialises anyway), so two sweeps at once alert an order once.

    Returns:
        The orders made overdue now, earliest deadline first (their URLs loaded).
    """
    at = now or utcnow()
    due = session.scalars(
        select(RemovalOrder)
        .where(RemovalOrder.status == "open", RemovalOrder.deadline_at <= at)
        .order_by(RemovalOrder.deadline_at, RemovalOrder.id)
        .with_for_update()
    ).all()
    swept = []
    for order in due:
        if order_state(order, at)[0] != "overdue":
            continue
        order.status = "overdue"
        order.overdue_at = at
        session.flush()
        pending = [u.url for u in order.urls if u.acted_at is None]
        record_event(
            session,
            "tvec",
            OrderOverdue(
                reference=order.reference,
                deadline_at=rfc3339(order.deadline_at),
                overdue_at=rfc3339(at),
                pending_urls=pending,
            ),
        )
        swept.append(order)
    return swept


def sweep_orders(
    store: Store,
    settings: Settings,
    now: datetime | None = None,
    *,
    client: OutboundClient | None = None,
) -> list[RemovalOrder]:
    """Turn every open order whose hour has passed (``deadline_at <= now``) into an
    overdue alert, then tell the webhook.

    1. In one transaction, committed before anything is sent: :func:`mark_overdue`
       (status ``overdue``, ``overdue_at = now``, an ``order.overdue`` audit event).
    2. After the commit, when ``TVEC_WEBHOOK_URL`` is set: a signed
       ``removal_order.overdue`` event per order (:func:`overdue_event`), with the
       webhook's retries and backoff, while no transaction is open; so the receiver
       already reads the order as overdue, and a dead endpoint holds no database lock.
    3. Each outcome as a ``webhook.delivery`` audit event in its own short transaction.
       A failed delivery never stops the sweep.

    An order already overdue is not alerted twice. Should the process die between 1 and
    2, the order stays overdue (its ``order.overdue`` event is kept) without a webhook
    event: the webhook is at most once. Run it often (``tvec order sweep`` from a timer).

    Args:
        store: the database; the sweep opens (and commits) its own sessions, so call it
            outside any open session of ``store`` (SQLite allows one writer).
        settings: webhook URL, secret, retries and backoff, outbound address rules.
        client: the outbound client of the webhook (default: a new one per event).

    Returns:
        The orders made overdue now, earliest deadline first (detached from their session,
        attributes and URLs loaded).

    Raises:
        StoreError: the database failed (the orders already committed stay overdue).
    """
    at = now or utcnow()
    with store.session() as session:
        swept = mark_overdue(session, at)
        events = [overdue_event(order) for order in swept]
    if not settings.webhook_url:
        return swept
    for order, event in zip(swept, events, strict=True):
        outcome = webhook_outcome(settings, event, client)
        with store.session() as session:
            subject = f"order:{order.reference}"
            delivered = WebhookDelivered(subject=subject, event=OVERDUE_EVENT, **outcome)
            record_event(session, "tvec", delivered)
    return swept


def act_on_order(
    session: Session,
    settings: Settings,
    reference: str,
    *,
    urls: list[str] | None = None,
    action: str = "removed",
    actor: str,
    now: datetime | None = None,
    content: dict[str, Path] | None = None,
) -> RemovalOrder:
    """Record that URLs of an order were removed (or access to them disabled) at ``now``.

    Each URL acted on gets ``action`` and ``acted_at``, and a legal hold of its content
    and data from ``now`` for ``TVEC_LEGAL_HOLD_DAYS`` (:func:`tvec.orders.holds.preserve`).
    Once every URL is acted on the order is ``done``, ``completed_at`` is set and the reply
    is filled in (:func:`tvec.orders.reply.reply_document`); a late order keeps its
    ``overdue_at`` and its reply says it was late. Audit events: one ``order.action`` per
    call, and ``order.reply`` when the reply is filled in.

    Args:
        urls: the URLs acted on (default: every URL not acted on yet).
        action: ``removed`` or ``disabled`` (disabled access in all Member States).
        actor: who acted (username, ``cli``).
        content: the removed content's bytes as files, by URL (default: the evidence
            store's bytes of the item linked to the URL, where tvec has them).

    Raises:
        NotFoundError: no order has ``reference``.
        UsageError: an unknown action; a URL (in ``urls`` or ``content``) the order does
            not name; ``now`` before the time of receipt; a content file cannot be read.
        ConflictError: the order is done or rejected, or a URL was acted on already.
        StoreError: the content cannot be preserved.
    """
    if action not in ACTIONS:
        raise UsageError(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    at = now or utcnow()
    order = get_order(session, reference)
    if order.status == "done":
        raise ConflictError(f"removal order {reference!r} is done")
    if order.status == "rejected":
        raise ConflictError(
            f"removal order {reference!r} is rejected; once it can be executed, restart "
            f"its clock first ('tvec order resume {reference}')"
        )
    if at < order.received_at:
        raise UsageError(
            f"acting at {rfc3339(at)} is before the order's receipt ({rfc3339(order.received_at)})"
        )
    by_url = {u.url: u for u in order.urls}
    chosen = [u for u in order.urls if u.acted_at is None] if urls is None else []
    for url in urls or []:
        entry = by_url.get(url.strip())
        if entry is None:
            raise UsageError(f"removal order {reference!r} does not name the URL {url!r}")
        if entry.acted_at is not None:
            raise ConflictError(f"URL {url!r} of order {reference!r} was {entry.action} already")
        if entry not in chosen:
            chosen.append(entry)
    files = content or {}
    for url in files:
        if url not in {u.url for u in chosen}:
            raise UsageError(f"content given for {url!r}, which this call does not act on")
    if not chosen:
        raise ConflictError(f"every URL of removal order {reference!r} is acted on already")
    holds = []
    for entry in chosen:
        entry.action = action
        entry.acted_at = at
        found = find_item(session, entry.url) if entry.item_id is not None else None
        linked_by = found[1] if found and found[0].id == entry.item_id else None
        hold = preserve(
            session,
            settings,
            order,
            entry,
            linked_by=linked_by,
            content=files.get(entry.url),
            now=at,
        )
        holds.append(hold)
        if entry.url not in files:
            holds.extend(
                preserve_media(session, settings, order, entry, linked_by=linked_by, now=at)
            )
    session.flush()
    record_event(
        session,
        actor,
        OrderActedOn(
            reference=reference,
            action=action,
            acted_at=rfc3339(at),
            urls=[u.url for u in chosen],
            holds=[h.id for h in holds],
            seconds_left=(order.deadline_at - at).total_seconds(),
        ),
    )
    if all(u.acted_at is not None for u in order.urls):
        order.status = "done"
        order.completed_at = at
        kept = {k: v for k, v in (order.reply or {}).items() if k == "impossibility"}
        order.reply = reply_document(order, settings) | kept
        session.flush()
        record_event(
            session,
            actor,
            OrderReplied(
                reference=reference,
                on_time=order.reply["on_time"],
                acted_at=order.reply["acted_at"],
            ),
        )
    return order

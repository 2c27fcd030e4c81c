"""Use cases of removal orders (Regulation (EU) 2021/784) and legal holds, for ``tvec order``
and the web app. Each takes the :class:`~tvec.app.context.AppContext` first, runs in its own
transaction and returns result models (:mod:`tvec.views.orders`); errors are those of
:mod:`tvec.orders` (``UsageError``, ``NotFoundError``, ``ConflictError``, ``StoreError``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from tvec.app.context import AppContext
from tvec.errors import UsageError
from tvec.orders import holds, impossibility, service
from tvec.orders.clock import order_state
from tvec.orders.intake import OrderFile
from tvec.views.orders import HoldRecordView, HoldView, OrderView


def record_order(ctx: AppContext, order: OrderFile, *, actor: str) -> OrderView:
    """Record a removal order (from an order file or typed fields); its hour runs from
    ``order.received_at``. See :func:`tvec.orders.service.record_order`."""
    now = ctx.now()
    with ctx.write() as session:
        recorded = service.record_order(
            session,
            reference=order.reference,
            authority=order.authority,
            member_state=order.member_state,
            received_at=order.received_at,
            urls=order.urls,
            reasons=order.reasons,
            actor=actor,
            now=now,
        )
        return service.order_view(session, recorded, now)


def list_orders(ctx: AppContext, *, status: str = "unfinished") -> list[OrderView]:
    """Orders with the given status filter (:data:`tvec.orders.service.LIST_FILTERS`), least
    time left first.

    Raises:
        UsageError: unknown status filter.
    """
    now = ctx.now()
    with ctx.read() as session:
        rows = service.list_orders(session, status=status, now=now)
        return [service.order_view(session, order, now) for order, _, _ in rows]


def unfinished_orders(ctx: AppContext) -> list[OrderView]:
    """Open and overdue orders, least time left first (the top of the review queue)."""
    with ctx.read() as session:
        return service.unfinished_orders(session, ctx.now())


def show_order(ctx: AppContext, reference: str) -> OrderView:
    """One order with its clock now.

    Raises:
        NotFoundError: no order has ``reference``.
    """
    now = ctx.now()
    with ctx.read() as session:
        return service.order_view(session, service.get_order(session, reference), now)


def act_on_order(
    ctx: AppContext,
    reference: str,
    *,
    actor: str,
    urls: list[str] | None = None,
    action: str = "removed",
    content: dict[str, Path] | None = None,
) -> OrderView:
    """Record that URLs of an order were removed or disabled now, hold their content and
    fill in the reply once every URL is done (:func:`tvec.orders.service.act_on_order`)."""
    now = ctx.now()
    with ctx.write() as session:
        order = service.act_on_order(
            session,
            ctx.settings,
            reference,
            urls=urls,
            action=action,
            actor=actor,
            now=now,
            content=content,
        )
        return service.order_view(session, order, now)


def sweep_orders(ctx: AppContext) -> list[OrderView]:
    """Make every open order past its hour overdue, then tell the webhook
    (:func:`tvec.orders.service.sweep_orders`)."""
    now = ctx.now()
    with ctx.write_lock, ctx.http() as http:
        swept = service.sweep_orders(ctx.store, ctx.settings, now, client=http)
    with ctx.read() as session:
        return [service.order_view(session, order, now) for order in swept]


def reject_order(
    ctx: AppContext,
    reference: str,
    *,
    ground: str,
    explanation: str,
    actor: str,
    clarification: str | None = None,
) -> dict[str, Any]:
    """Record that an order cannot be executed (Article 3(7)/(8)); returns the Annex III
    document of the rejection (:mod:`tvec.orders.impossibility`)."""
    with ctx.write() as session:
        order = impossibility.reject_order(
            session,
            ctx.settings,
            reference,
            ground=ground,
            explanation=explanation,
            clarification=clarification,
            actor=actor,
            now=ctx.now(),
        )
        document: dict[str, Any] = impossibility.rejections(order)[-1]["document"]
        return document


def resume_order(ctx: AppContext, reference: str, *, actor: str) -> OrderView:
    """Restart the one-hour clock of a rejected order now."""
    now = ctx.now()
    with ctx.write() as session:
        order = impossibility.resume_order(session, reference, actor=actor, now=now)
        return service.order_view(session, order, now)


def order_reply(ctx: AppContext, reference: str) -> tuple[str, dict[str, Any]]:
    """The provider's reply to an order: ``("annex-ii", document)`` for a done order, or
    ``("annex-iii", document)`` for the latest rejection of a rejected one.

    Raises:
        NotFoundError: no order has ``reference``.
        UsageError: the order is neither done nor rejected (no reply yet).
    """
    with ctx.read() as session:
        order = service.get_order(session, reference)
        stored = dict(order.reply or {})
        state = order_state(order, ctx.now())[0]
    rejections = stored.get("impossibility") or []
    if state == "rejected" and rejections:
        return "annex-iii", dict(rejections[-1]["document"])
    if "form" in stored:
        return "annex-ii", stored
    raise UsageError(
        f"removal order {reference!r} is {state}: no reply until every URL is acted on"
    )


def list_holds(ctx: AppContext, *, order_reference: str | None = None) -> list[HoldView]:
    """Legal holds, newest first (records only; not logged).

    Raises:
        NotFoundError: no order has ``order_reference``.
    """
    now = ctx.now()
    with ctx.read() as session:
        return [
            holds.hold_view(hold, now)
            for hold in holds.list_holds(session, order_reference=order_reference)
        ]


def read_hold(ctx: AppContext, hold_id: int, *, actor: str, purpose: str) -> HoldRecordView:
    """Open a legal hold: its record, data and the path of its bytes (the access is logged)."""
    with ctx.write() as session:
        hold, path = holds.read_hold(session, ctx.settings, hold_id, actor=actor, purpose=purpose)
        return holds.hold_record(hold, ctx.now(), path)


def export_hold(
    ctx: AppContext, hold_id: int, destination: Path, *, actor: str, purpose: str
) -> list[Path]:
    """Copy a legal hold into the folder ``destination`` (the access is logged); returns the
    files written."""
    with ctx.write() as session:
        return holds.export_hold(
            session, ctx.settings, hold_id, destination, actor=actor, purpose=purpose
        )


def extend_hold(
    ctx: AppContext,
    hold_id: int,
    *,
    reason: str,
    actor: str,
    until: datetime | None = None,
    days: int | None = None,
) -> HoldView:
    """Keep a legal hold longer, to ``until`` or by ``days``."""
    now = ctx.now()
    with ctx.write() as session:
        hold = holds.extend_hold(
            session, hold_id, until=until, days=days, reason=reason, actor=actor, now=now
        )
        return holds.hold_view(hold, now)


def purge_expired_holds(ctx: AppContext, *, actor: str) -> list[HoldView]:
    """Delete the bytes of legal holds past their end; the records stay (logged)."""
    now = ctx.now()
    with ctx.write() as session:
        purged = holds.purge_expired_holds(session, ctx.settings, now, actor=actor)
        return [holds.hold_view(hold, now) for hold in purged]

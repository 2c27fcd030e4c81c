"""Removal orders: the pages (``/orders``, ``/orders/{reference}``) and ``/api/orders``.

Read-only and thin over :mod:`tvec.orders`; orders are recorded and acted on with
``tvec order`` (see ``docs/removal-orders.md``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from tvec.accounts import Principal
from tvec.orders import get_order, list_holds, list_orders, order_document
from tvec.orders.clock import format_time
from tvec.orders.holds import hold_state
from tvec.orders.service import LIST_FILTERS
from tvec.store.models import utcnow
from tvec.web.context import WebContext, get_ctx
from tvec.web.render import render
from tvec.web.schemas.orders import OrderOut
from tvec.web.security import need

router = APIRouter()

_Status = Annotated[str, Query(max_length=20, description=f"One of: {', '.join(LIST_FILTERS)}.")]


@router.get("/orders", response_class=HTMLResponse, include_in_schema=False)
def orders_page(
    *,
    request: Request,
    status: _Status = "unfinished",
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("order.view"))],
) -> Response:
    """Orders with their time left (least first), filtered by status."""
    now = utcnow()
    with ctx.read() as session:
        orders = [
            order_document(o, now) for o, _, _ in list_orders(session, status=status, now=now)
        ]
    return render(
        request,
        ctx,
        "orders.html",
        principal,
        orders=orders,
        status=status,
        filters=LIST_FILTERS,
        when=format_time,
    )


@router.get("/orders/{reference:path}", response_class=HTMLResponse, include_in_schema=False)
def order_page(
    *,
    request: Request,
    reference: str,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("order.view"))],
) -> Response:
    """One order: its clock, URLs, actions, rejections (each with its Annex III
    document), reply and legal holds (records only).

    The reference may hold ``/``, ``?`` or ``#``: links percent-encode it (``%2F``, ``%3F``,
    ``%23``) and the path converter takes the decoded rest of the path."""
    now = utcnow()
    with ctx.read() as session:
        order = order_document(get_order(session, reference), now)
        holds = [
            {
                "id": h.id,
                "url": h.url,
                "sha256": h.sha256,
                "size": h.size,
                "held_from": h.held_from,
                "held_until": h.held_until,
                "extensions": h.extensions or [],
                "state": hold_state(h, now),
            }
            for h in list_holds(session, order_reference=reference)
        ]
    return render(
        request, ctx, "orders.html", principal, order=order, holds=holds, when=format_time
    )


def _out(document: dict[str, object], holds: list[int]) -> OrderOut:
    return OrderOut.model_validate(document | {"holds": holds})


@router.get("/api/orders", response_model=list[OrderOut], tags=["orders"])
def orders_api(
    *,
    status: _Status = "unfinished",
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("order.view"))],
) -> list[OrderOut]:
    """Removal orders with their status and seconds left now; unfinished ones first, least
    time left first."""
    now = utcnow()
    with ctx.read() as session:
        return [
            _out(
                order_document(o, now),
                [h.id for h in list_holds(session, order_reference=o.reference)],
            )
            for o, _, _ in list_orders(session, status=status, now=now)
        ]


@router.get("/api/orders/{reference:path}", response_model=OrderOut, tags=["orders"])
def order_api(
    *,
    reference: str,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("order.view"))],
) -> OrderOut:
    """One removal order with its URLs, the reply (once done) and its legal hold ids."""
    with ctx.read() as session:
        document = order_document(get_order(session, reference))
        holds = [h.id for h in list_holds(session, order_reference=reference)]
    return _out(document, holds)

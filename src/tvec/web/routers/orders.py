"""Removal orders: the pages (``/orders``, ``/orders/{reference}``) and ``/api/orders``.

Read-only and thin over :mod:`tvec.app.orders`; orders are recorded and acted on with
``tvec order`` (see ``docs/removal-orders.md``). The API answers with the same result models,
in the same bytes, as ``tvec order list|show --json``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from tvec.accounts import Principal
from tvec.app import orders as use
from tvec.app.context import AppContext
from tvec.orders.clock import format_time
from tvec.orders.service import LIST_FILTERS
from tvec.views.orders import OrderView
from tvec.web.context import WebContext, get_app, get_ctx
from tvec.web.render import ViewResponse, render
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
    orders = use.list_orders(ctx.app, status=status)
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
    order = use.show_order(ctx.app, reference)
    holds = use.list_holds(ctx.app, order_reference=reference)
    return render(
        request, ctx, "orders.html", principal, order=order, holds=holds, when=format_time
    )


@router.get("/api/orders", response_model=list[OrderView], tags=["orders"])
def orders_api(
    *,
    status: _Status = "unfinished",
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("order.view"))],
) -> Response:
    """Removal orders with their status and seconds left now; unfinished ones first, least
    time left first (``tvec order list --json``)."""
    return ViewResponse(use.list_orders(app, status=status))


@router.get("/api/orders/{reference:path}", response_model=OrderView, tags=["orders"])
def order_api(
    *,
    reference: str,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("order.view"))],
) -> Response:
    """One removal order with its URLs, the reply (once done) and its legal hold ids
    (``tvec order show --json``)."""
    return ViewResponse(use.show_order(app, reference))

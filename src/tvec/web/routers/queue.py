"""The review queue: the page (``/queue``) and the API (``GET /api/cases``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.accounts import Principal, allowed
from tvec.app import orders as orders_use
from tvec.app import review as use
from tvec.app.context import AppContext
from tvec.cases import DecisionRequest, QueueFilter
from tvec.views.cases import QueuePageView
from tvec.web.context import WebContext, get_app, get_ctx
from tvec.web.params import BodyId
from tvec.web.render import ViewResponse, render
from tvec.web.security import need

router = APIRouter()


def _filters(
    status: Annotated[str, Query(max_length=20)] = "open",
    entity: Annotated[str | None, Query(max_length=200)] = None,
    signal_type: Annotated[str | None, Query(max_length=40)] = None,
    source: Annotated[str | None, Query(max_length=200)] = None,
    platform: Annotated[str | None, Query(max_length=200)] = None,
    language: Annotated[str | None, Query(max_length=16)] = None,
) -> QueueFilter:
    return QueueFilter(
        status=status,
        entity=entity or None,
        signal_type=signal_type or None,
        source=source or None,
        platform=platform or None,
        language=language or None,
    ).check()


@router.get("/", include_in_schema=False)
def home() -> Response:
    """The queue is the home page."""
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue", response_class=HTMLResponse, include_in_schema=False)
def queue(
    *,
    request: Request,
    filters: Annotated[QueueFilter, Depends(_filters)],
    after: Annotated[str | None, Query(max_length=200)] = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("case.view"))],
) -> Response:
    """Cases by priority then age, with filters, paging and keyboard navigation."""
    page = use.queue_page(ctx.app, filters, after=after, limit=ctx.settings.queue_page_size)
    values = ctx.cached(
        f"filters:{filters.status}", lambda: use.filter_values(ctx.app, filters.status)
    )
    can_see_orders = allowed(principal.role, "order.view")
    orders = orders_use.unfinished_orders(ctx.app) if can_see_orders else None
    return render(
        request,
        ctx,
        "queue.html",
        principal,
        page=page,
        filters=filters,
        values=values,
        after=after,
        orders=orders,
    )


@router.post("/queue/bulk-decide", include_in_schema=False)
def queue_bulk_decide(
    *,
    case_ids: Annotated[list[BodyId], Form(max_length=500)],
    outcome: Annotated[str, Form(max_length=20)],
    note: Annotated[str | None, Form(max_length=5000)] = None,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("case.decide"))],
) -> Response:
    """The bulk form of the queue: one decision (no violation or escalate) on the selection."""
    request_ = DecisionRequest(outcome=outcome, note=note or None)
    use.bulk_decide(app, case_ids, principal, request_)
    return RedirectResponse("/queue", status_code=303)


@router.get("/api/cases", response_model=QueuePageView, tags=["cases"])
def list_cases(
    *,
    filters: Annotated[QueueFilter, Depends(_filters)],
    after: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("case.view"))],
) -> Response:
    """The queue: cases by priority (highest first) then age; keyset paging via ``after``."""
    return ViewResponse(use.queue_page(app, filters, after=after, limit=limit))

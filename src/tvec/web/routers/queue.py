"""The review queue: the page (``/queue``) and the API (``GET /api/cases``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.accounts import Principal, allowed
from tvec.app import orders as orders_use
from tvec.app import review as use
from tvec.app.context import AppContext
from tvec.cases import DecisionRequest, QueueFilter
from tvec.errors import ConflictError, NotFoundError, UsageError, http_status_for
from tvec.views.cases import QueuePageView
from tvec.web.context import WebContext, get_app, get_ctx
from tvec.web.params import MAX_FORM_NOTE, BodyId, parse_queue_query, queue_query
from tvec.web.render import ViewResponse, render
from tvec.web.routers.cases import land_after_decision
from tvec.web.security import need

router = APIRouter()

#: Outcomes the queue's bulk form offers (duplicate needs one target per case).
BULK_OUTCOMES = ("remove", "no_violation", "escalate")


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


def _queue_response(
    request: Request,
    ctx: WebContext,
    principal: Principal,
    filters: QueueFilter,
    after: str | None,
    *,
    status_code: int = 200,
    error: str | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    page = use.queue_page(ctx.app, filters, after=after, limit=ctx.settings.queue_page_size)
    values = ctx.cached(
        f"filters:{filters.status}", lambda: use.filter_values(ctx.app, filters.status)
    )
    can_see_orders = allowed(principal.role, "order.view")
    orders = orders_use.unfinished_orders(ctx.app) if can_see_orders else None
    grounds = (
        use.bulk_grounds(ctx.app, [row.entity for row in page.cases])
        if allowed(principal.role, "case.decide")
        else []
    )
    return render(
        request,
        ctx,
        "queue.html",
        principal,
        status_code=status_code,
        page=page,
        filters=filters,
        values=values,
        after=after,
        orders=orders,
        query=queue_query(filters),
        grounds=grounds,
        error=error,
        form=form or {},
    )


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
    return _queue_response(request, ctx, principal, filters, after)


@router.post("/queue/bulk-decide", include_in_schema=False)
def queue_bulk_decide(
    *,
    request: Request,
    background: BackgroundTasks,
    case_ids: Annotated[list[BodyId] | None, Form(max_length=500)] = None,
    outcome: Annotated[str, Form(max_length=20)] = "",
    ground: Annotated[str | None, Form(max_length=600)] = None,
    note: Annotated[str | None, Form(max_length=MAX_FORM_NOTE)] = None,
    queue: Annotated[str | None, Form(max_length=2000)] = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("case.decide"))],
) -> Response:
    """The bulk form of the queue: one decision (remove with a ground, no violation or
    escalate) on the selected cases, all or nothing. Then the next case of the filter with
    a confirmation and an undo; a refused decision shows the queue again with the reason
    and the selection, outcome, ground and note kept."""
    filters = parse_queue_query(queue)
    try:
        if outcome not in BULK_OUTCOMES:
            raise UsageError(
                "choose an outcome for the selected cases: "
                + ", ".join(o.replace("_", " ") for o in BULK_OUTCOMES)
            )
        kind, text = None, None
        if outcome == "remove" and ground:
            kind, _, text = ground.partition("|")
        request_ = DecisionRequest(
            outcome=outcome, ground_kind=kind, ground=text, note=note or None
        )
        decisions = use.bulk_decide(ctx.app, case_ids or [], principal, request_)
    except (UsageError, ConflictError, NotFoundError) as exc:
        form = {
            "case_ids": set(case_ids or []),
            "outcome": outcome,
            "ground": ground or "",
            "note": note or "",
        }
        return _queue_response(
            request,
            ctx,
            principal,
            filters,
            None,
            status_code=http_status_for(exc),
            error=str(exc),
            form=form,
        )
    for decision in decisions:
        background.add_task(use.notify_decision, ctx.app, decision.id)
    response = land_after_decision(request, ctx.app, decisions, queue_query(filters))
    response.background = background
    return response


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

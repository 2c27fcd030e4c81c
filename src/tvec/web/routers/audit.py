"""The audit log: a page of events, filtered by actor, kind, target and time, in pages of
100 (newest first) with links to their targets and, on request, the chain's verification;
and ``GET /api/audit`` (``tvec audit list``)."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from tvec.accounts import Principal, allowed
from tvec.app import audit as use
from tvec.app.context import AppContext
from tvec.audit import AuditKind
from tvec.orders.clock import parse_time
from tvec.views.audit import AuditEventView
from tvec.web.context import WebContext, get_app, get_ctx
from tvec.web.params import MAX_ID
from tvec.web.render import ViewResponse, render
from tvec.web.security import need

router = APIRouter()


PAGE_SIZE = 100
_Filter = Annotated[str | None, Query(max_length=200)]


def _time(value: str | None, what: str) -> datetime | None:
    if not value:
        return None
    return parse_time(value if "T" in value or " " in value else value + "T00:00:00Z", what)


def target_link(target: str | None, *, users_page: bool = True) -> str | None:
    """The page of an event's target (``case:12`` -> ``/cases/12``), if tvec has one;
    ``user:`` targets link the users page only when ``users_page`` (the reader may manage
    users: an analyst reads the audit log but would get a 403 there)."""
    if not target:
        return None
    kind, _, rest = target.partition(":")
    if kind == "case" and rest.isdigit():
        return f"/cases/{rest}"
    if kind == "order" and rest:
        return "/orders/" + quote(rest, safe="")
    if kind == "user":
        return "/users" if users_page else None
    if kind == "entity" and rest:
        return "/entities/" + quote(rest, safe="")
    return None


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(
    *,
    request: Request,
    actor: _Filter = None,
    kind: _Filter = None,
    target: _Filter = None,
    since: Annotated[str | None, Query(max_length=40)] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    verify: bool = False,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("audit.view"))],
) -> Response:
    """Events newest first, 100 a page, filtered by actor, kind, target (``case:`` for every
    case) and time (``since`` <= at < ``until``, ISO 8601 or a date, UTC); ``verify=1``
    walks the chain and shows the result."""
    events = use.search(
        ctx.app,
        actor=actor or None,
        kind=kind or None,
        target=target or None,
        since=_time(since, "since"),
        until=_time(until, "until"),
        before_id=before,
        limit=PAGE_SIZE,
    )
    filters = {"actor": actor, "kind": kind, "target": target, "since": since, "until": until}
    kept = {k: v for k, v in filters.items() if v}
    more = len(events) == PAGE_SIZE
    return render(
        request,
        ctx,
        "audit.html",
        principal,
        events=events,
        filters=filters,
        kinds=sorted(kind.value for kind in AuditKind),
        link=partial(target_link, users_page=allowed(principal.role, "user.manage")),
        next_page=("/audit?" + urlencode(kept | {"before": events[-1].id})) if more else None,
        first_page=("/audit?" + urlencode(kept)) if before else None,
        chain=use.check_chain(ctx.app) if verify else None,
        verify_url="/audit?" + urlencode(kept | {"verify": 1}),
    )


@router.get("/api/audit", response_model=list[AuditEventView], tags=["audit"])
def audit_api(
    *,
    after_id: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("audit.view"))],
) -> Response:
    """Events after ``after_id``, oldest first (``tvec audit list --json``)."""
    return ViewResponse(use.list_events(app, after_id=after_id, limit=limit))

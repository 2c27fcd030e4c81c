"""The audit log: a page of recent events and ``GET /api/audit`` (``tvec audit list``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from tvec.accounts import Principal
from tvec.app import audit as use
from tvec.app.context import AppContext
from tvec.views.audit import AuditEventView
from tvec.web.context import WebContext, get_app, get_ctx
from tvec.web.params import MAX_ID
from tvec.web.render import ViewResponse, render
from tvec.web.security import need

router = APIRouter()


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(
    *,
    request: Request,
    kind: Annotated[str | None, Query(max_length=60)] = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("audit.view"))],
) -> Response:
    """The newest 200 events (optionally of one kind)."""
    events = use.newest(ctx.app, kind=kind or None, limit=200)
    return render(request, ctx, "audit.html", principal, events=events, kind=kind)


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

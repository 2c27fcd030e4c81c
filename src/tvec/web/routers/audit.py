"""The audit log: a page of recent events and ``GET /api/audit``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from tvec.accounts import Principal
from tvec.store.models.audit import AuditEvent
from tvec.web.context import WebContext, get_ctx
from tvec.web.params import MAX_ID
from tvec.web.render import render
from tvec.web.schemas.audit import AuditEventOut
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
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(200)
    if kind:
        query = query.where(AuditEvent.kind == kind)
    with ctx.read() as session:
        events = list(session.scalars(query))
    return render(request, ctx, "audit.html", principal, events=events, kind=kind)


@router.get("/api/audit", response_model=list[AuditEventOut], tags=["audit"])
def audit_api(
    *,
    after_id: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("audit.view"))],
) -> list[AuditEventOut]:
    """Events after ``after_id``, oldest first."""
    with ctx.read() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > after_id).order_by(AuditEvent.id).limit(limit)
        )
        return [AuditEventOut.model_validate(e, from_attributes=True) for e in rows]

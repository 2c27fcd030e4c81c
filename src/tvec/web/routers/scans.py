"""The scans pages: every scan with its state, counts and progress (``/scans``) and one scan
with its errors, paginated (``/scans/{id}``). Read-only (``scan.view``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from tvec.accounts import Principal
from tvec.app import operations as use
from tvec.web.context import WebContext, get_ctx
from tvec.web.params import PathId
from tvec.web.render import render
from tvec.web.security import need

router = APIRouter(include_in_schema=False)


@router.get("/scans", response_class=HTMLResponse)
def scans_page(
    *,
    request: Request,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("scan.view"))],
) -> Response:
    """The latest scans, newest first: started, state, items, errors, run time."""
    return render(request, ctx, "scans.html", principal, scans=use.list_scans(ctx.app))


@router.get("/scans/{scan_id}", response_class=HTMLResponse)
def scan_page(
    *,
    request: Request,
    scan_id: PathId,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("scan.view"))],
) -> Response:
    """One scan and one page of its errors (path, kind, reason)."""
    return render(
        request, ctx, "scan.html", principal, view=use.scan_page(ctx.app, scan_id, page=page)
    )

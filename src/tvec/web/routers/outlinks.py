"""The out-links pages: platforms with their out-link counts (open, alerted, removed) at
``/outlinks``, and one platform's out-links (defanged URL, entity, case, first seen, alert
and takedown state) at ``/outlinks/platform?name=``, paginated; both link the CSV export
(``/export/outlinks.csv``). Read-only (``takedown.view``)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from tvec.accounts import Principal
from tvec.app import operations as use
from tvec.web.context import WebContext, get_ctx
from tvec.web.render import render
from tvec.web.security import need

router = APIRouter(include_in_schema=False)


@router.get("/outlinks", response_class=HTMLResponse)
def platforms_page(
    *,
    request: Request,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("takedown.view"))],
) -> Response:
    """Every platform with out-links and how many are open, alerted and removed."""
    rows = [
        {"counts": c, "href": "/outlinks/platform?" + urlencode({"name": c.platform})}
        for c in use.platform_counts(ctx.app)
    ]
    return render(request, ctx, "outlinks.html", principal, rows=rows)


@router.get("/outlinks/platform", response_class=HTMLResponse)
def platform_page(
    *,
    request: Request,
    name: Annotated[str, Query(min_length=1, max_length=200)],
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("takedown.view"))],
) -> Response:
    """One platform's out-links, newest first, one page at a time."""
    rows, total = use.platform_outlinks(ctx.app, name, page=page)
    per_page = use.OUTLINKS_PER_PAGE
    pages = max(1, -(-total // per_page))
    return render(
        request,
        ctx,
        "platform.html",
        principal,
        platform=name,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        query=lambda p: urlencode({"name": name, "page": p}),
        export="/export/outlinks.csv?" + urlencode({"platform": name}),
    )

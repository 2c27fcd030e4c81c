"""The alerts pages: alerts to platforms, newest first, filtered by status and platform
(``/alerts``), and one alert with its delivery attempts, status checks and takedown
timeline (``/alerts/{reference}``). Read-only (``takedown.view``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from tvec.accounts import Principal
from tvec.app import alerts
from tvec.app import operations as use
from tvec.urls.defang import defang
from tvec.web.context import WebContext, get_ctx
from tvec.web.render import render
from tvec.web.security import need

router = APIRouter(include_in_schema=False)

#: Alerts listed on the page at most.
ALERTS_LISTED = 500


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    *,
    request: Request,
    status: Annotated[str | None, Query(max_length=20)] = None,
    platform: Annotated[str | None, Query(max_length=200)] = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("takedown.view"))],
) -> Response:
    """Alerts: platform, defanged URL, state, sent at; newest first."""
    found = alerts.list_alerts(
        ctx.app, status=status or None, platform=platform or None, limit=ALERTS_LISTED
    )
    rows = [{"alert": a, "url": defang(a.url)} for a in found]
    return render(
        request,
        ctx,
        "alerts.html",
        principal,
        rows=rows,
        statuses=use.ALERT_STATUSES,
        status=status or "",
        platform=platform or "",
        limit=ALERTS_LISTED,
    )


@router.get("/alerts/{reference}", response_class=HTMLResponse)
def alert_page(
    *,
    request: Request,
    reference: Annotated[str, Path(max_length=40)],
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("takedown.view"))],
) -> Response:
    """One alert: its deliveries, status checks and the timeline of its takedown."""
    return render(request, ctx, "alert.html", principal, view=use.alert_page(ctx.app, reference))

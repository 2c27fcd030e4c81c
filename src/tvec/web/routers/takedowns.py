"""The Takedowns page: removal metrics per platform, entity, ideology, language and month,
the chart over time (``/takedowns/chart.svg``) and ``GET /api/takedowns/metrics``.

All three read :func:`tvec.app.reports.removal_metrics`, so the page, the chart, the API
and ``tvec stats removals --format json`` show the same numbers. The page also lists the
document's alerted URLs whose removal is not confirmed ("URLs not yet removed"), with each
one's next status check from its ``takedown`` row. Optional ``since``/``until``
query parameters select alerts by the time they were sent (``YYYY-MM-DD`` or ISO 8601, as
``tvec stats removals --since/--until``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from tvec.accounts import Principal
from tvec.app import reports, takedowns
from tvec.app.context import AppContext
from tvec.reports.metrics import DIMENSIONS, FIGURE_LABELS, display_value
from tvec.views.reports import RemovalFiguresView, RemovalMetricsView
from tvec.web.context import WebContext, get_app, get_ctx
from tvec.web.render import ViewResponse, render
from tvec.web.security import need

router = APIRouter()

#: Figures shown in the page's tables, in order: every figure of the document except the
#: counts behind the "within" shares (the shares are shown; the counts are in the API).
PAGE_FIELDS = tuple(f for f in FIGURE_LABELS if not f.startswith("removed_within_"))
#: The chart's own policy: an SVG loaded as an image needs its inline styles, nothing else.
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

_Since = Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD or ISO time")]
_Until = Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD or ISO time")]


def _when(moment: datetime | None) -> str:
    """A time as ``YYYY-MM-DD HH:MM`` in UTC; ``-`` for None."""
    if moment is None:
        return "-"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _not_removed(ctx: AppContext, document: RemovalMetricsView) -> list[dict[str, Any]]:
    """The document's alerted URLs whose removal is not confirmed (takedown state
    ``tracking`` or ``stopped``, or no takedown row yet), in the document's order: by time
    sent, then URL."""
    urls = [u for u in document.urls if u.removed_at is None]
    next_checks = takedowns.next_checks(ctx, [u.url for u in urls])
    return [
        {
            "url": u.url,
            "reference": u.reference,
            "platform": u.platform,
            "entity": u.entity,
            "state": u.state or "not tracked",
            "sent_at": _when(u.sent_at),
            "last_result": u.last_result or "not checked",
            "last_online_at": _when(u.last_online_at),
            "next_check_at": _when(next_checks.get(u.url)),
        }
        for u in urls
    ]


def _cells(row: RemovalFiguresView) -> list[dict[str, Any]]:
    # non-breaking spaces keep "12h 30m" on one line
    cells = []
    for f in PAGE_FIELDS:
        value = getattr(row, f)
        cells.append(
            {"field": f, "value": value, "text": display_value(f, value).replace(" ", "\u00a0")}
        )
    return cells


@router.get("/takedowns", response_class=HTMLResponse, include_in_schema=False)
def takedowns_page(
    *,
    request: Request,
    since: _Since = None,
    until: _Until = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("takedown.view"))],
) -> Response:
    """Removal metrics: the overall figures, one table per dimension, the chart, and the
    URLs not yet removed."""
    document = reports.removal_metrics(ctx.app, since=since, until=until)
    sections = [
        {"dimension": dim, "rows": [{"key": r.key, "cells": _cells(r)} for r in rows]}
        for dim, rows in document.by.items()
    ]
    query = urlencode([(k, v) for k, v in (("since", since), ("until", until)) if v])
    return render(
        request,
        ctx,
        "takedowns.html",
        principal,
        overall=_cells(document.overall),
        sections=sections,
        labels=FIGURE_LABELS,
        fields=PAGE_FIELDS,
        dimensions=DIMENSIONS,
        since=since or "",
        until=until or "",
        chart_query=query,
        not_removed=_not_removed(ctx.app, document),
    )


@router.get("/takedowns/chart.svg", include_in_schema=False)
def takedowns_chart(
    *,
    since: _Since = None,
    until: _Until = None,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("takedown.view"))],
) -> Response:
    """Per month: alerts sent, confirmed removals and median time to removal (SVG)."""
    svg = reports.removals_chart(app, since=since, until=until)
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"Content-Security-Policy": CHART_CSP, "Cache-Control": "no-store"},
    )


@router.get("/api/takedowns/metrics", response_model=RemovalMetricsView, tags=["takedowns"])
def takedowns_metrics(
    *,
    since: _Since = None,
    until: _Until = None,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("takedown.view"))],
) -> Response:
    """The removal metrics document, byte for byte as ``tvec stats removals --format json``
    (shape and definitions in docs/removal-metrics.md)."""
    return ViewResponse(reports.removal_metrics(app, since=since, until=until))

"""The Reports page (the transparency report of a period, with download buttons) and the
Scoreboard page (platforms ranked by how they act on alerts).

The page is built from :data:`SECTIONS`: each section names its template (under
``web/templates/reports/``) and a function that gives the template its values, so another
report (the TCO annual report, statements of reasons) is one more entry. Downloads
(``/reports/transparency.{html,pdf,csv,json}``, ``/reports/scoreboard.{html,csv,json}``)
are byte for byte what ``tvec report`` writes; the internal variant (``internal=1``, with
URLs) needs ``report.internal``. Definitions: docs/reports.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from tvec.accounts import Principal, allowed
from tvec.app import reports, sor, tco
from tvec.app.context import AppContext
from tvec.errors import NotFoundError, PermissionDeniedError
from tvec.reports.metrics import DIMENSIONS
from tvec.reports.render import (
    MEDIA_TYPES,
    REPORT_FORMATS,
    SCOREBOARD_FORMATS,
    TIER_NAMES,
    dur,
    pct,
    period_text,
    points,
    signed,
    trend_text,
)
from tvec.reports.scoreboard import MIN_ALERTS
from tvec.web.context import WebContext, get_app, get_ctx
from tvec.web.render import render
from tvec.web.security import need

router = APIRouter()

#: Policy of the downloaded files: self-contained HTML (inline style, data: images).
FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
#: Policy of the chart images shown on the page.
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
#: Names of the report's charts.
CHARTS = ("removal-rate", "time-to-removal", "top-platforms")

_From = Annotated[str | None, Query(alias="from", max_length=40, description="YYYY-MM-DD")]
_To = Annotated[str | None, Query(alias="to", max_length=40, description="YYYY-MM-DD")]


@dataclass(frozen=True)
class ReportSection:
    """One section of the Reports page: ``template`` (under ``templates/``) rendered with
    the values ``build(app, principal, since, until)`` returns, shown to roles with
    ``permission``."""

    id: str
    title: str
    template: str
    permission: str
    build: Callable[[AppContext, Principal, str, str], dict[str, Any]]


def _default_period(app: AppContext) -> tuple[str, str]:
    """The previous calendar month (by the context's clock)."""
    first = app.now().astimezone(UTC).date().replace(day=1)
    last = first - timedelta(days=1)
    return last.replace(day=1).isoformat(), last.isoformat()


def _transparency(app: AppContext, principal: Principal, since: str, until: str) -> dict[str, Any]:
    report = reports.transparency_report(app, since=since, until=until)
    query = urlencode({"from": since, "to": until})
    return {
        "report": report,
        "c": report.content,
        "r": report.review,
        "a": report.alerts,
        "o": report.orders,
        "dimensions": DIMENSIONS,
        "charts": [f"/reports/chart/{name}.svg?{query}" for name in CHARTS],
        "downloads": [(fmt, f"/reports/transparency.{fmt}?{query}") for fmt in REPORT_FORMATS],
        "internal_downloads": (
            [(fmt, f"/reports/transparency.{fmt}?{query}&internal=1") for fmt in REPORT_FORMATS]
            if allowed(principal.role, "report.internal")
            else []
        ),
        "period_text": period_text(report.period),
        "previous_text": period_text(report.previous_period),
    }


def _tco(app: AppContext, principal: Principal, since: str, until: str) -> dict[str, Any]:
    """The TCO Article 7 annual report of the year the period ends in (downloads)."""
    year = int((until or since or app.now().date().isoformat())[:4])
    return {
        "year": year,
        "downloads": [(fmt, f"/reports/tco-annual.{fmt}?year={year}") for fmt in TCO_FORMATS],
    }


def _statements(app: AppContext, principal: Principal, since: str, until: str) -> dict[str, Any]:
    """Statements of reasons by submission state, and where to see them."""
    return {"counts": sor.counts(app), "href": "/reports/statements"}


#: The sections of the Reports page, in order. Add one to add a report to the page.
SECTIONS: list[ReportSection] = [
    ReportSection(
        id="transparency",
        title="Transparency report",
        template="reports/transparency.html",
        permission="report.view",
        build=_transparency,
    ),
    ReportSection(
        id="tco-annual",
        title="TCO Regulation annual report (Article 7)",
        template="reports/tco_section.html",
        permission="report.view",
        build=_tco,
    ),
    ReportSection(
        id="statements",
        title="Statements of reasons (DSA Article 17)",
        template="reports/statements_section.html",
        permission="sor.view",
        build=_statements,
    ),
]

#: Formats of the TCO annual report download.
TCO_FORMATS = ("html", "json", "csv")


def _helpers() -> dict[str, Any]:
    return {"pct": pct, "points": points, "signed": signed, "dur": dur}


def _download(data: bytes, fmt: str, name: str) -> Response:
    return Response(
        data,
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
            "Content-Security-Policy": FILE_CSP,
        },
    )


@router.get("/reports", response_class=HTMLResponse, include_in_schema=False)
def reports_page(
    *,
    request: Request,
    since: _From = None,
    until: _To = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("report.view"))],
) -> Response:
    """Every report section of :data:`SECTIONS` the user may see, for one period (default:
    the previous calendar month)."""
    if not since and not until:
        since, until = _default_period(ctx.app)
    start, end = since or "", until or ""
    sections = [
        {"id": s.id, "title": s.title, "template": s.template}
        | s.build(ctx.app, principal, start, end)
        for s in SECTIONS
        if allowed(principal.role, s.permission)
    ]
    return render(
        request, ctx, "reports.html", principal, sections=sections, since=start, until=end,
        **_helpers(),
    )  # fmt: skip


@router.get("/reports/transparency.{fmt}", include_in_schema=False)
def transparency_download(
    *,
    fmt: str,
    since: _From = None,
    until: _To = None,
    internal: bool = False,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("report.view"))],
) -> Response:
    """The transparency report as a file, the same bytes as ``tvec report transparency``."""
    if fmt not in REPORT_FORMATS:
        raise NotFoundError(f"no report format {fmt!r}")
    if internal and not allowed(principal.role, "report.internal"):
        raise PermissionDeniedError(f"role {principal.role!r} may not report.internal")
    data = reports.transparency_file(app, since=since, until=until, fmt=fmt, internal=internal)
    name = f"transparency-{since}-{until}" + ("-internal" if internal else "")
    return _download(data, fmt, name)


@router.get("/reports/tco-annual.{fmt}", include_in_schema=False)
def tco_download(
    *,
    fmt: str,
    year: Annotated[int, Query(ge=2000, le=2100)],
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("report.view"))],
) -> Response:
    """The TCO Article 7 annual report as a file, the same text as ``tvec report tco-annual``."""
    if fmt not in TCO_FORMATS:
        raise NotFoundError(f"no TCO report format {fmt!r}")
    text = tco.tco_annual_text(app, year, fmt)
    return _download(text.encode("utf-8"), fmt, f"tco-annual-{year}")


@router.get("/reports/chart/{name}.svg", include_in_schema=False)
def report_chart(
    *,
    name: str,
    since: _From = None,
    until: _To = None,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("report.view"))],
) -> Response:
    """One chart of the transparency report (SVG)."""
    svg = reports.report_chart(app, name, since=since, until=until)
    return Response(svg, media_type="image/svg+xml", headers={"Content-Security-Policy": CHART_CSP})


@router.get("/reports/scoreboard", response_class=HTMLResponse, include_in_schema=False)
def scoreboard_page(
    *,
    request: Request,
    since: _From = None,
    until: _To = None,
    min_alerts: Annotated[int, Query(ge=1, le=100000)] = MIN_ALERTS,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("report.view"))],
) -> Response:
    """The platform scoreboard of a period (default: the last 30 days)."""
    board = reports.scoreboard(ctx.app, since=since, until=until, min_alerts=min_alerts)
    query = urlencode(
        [(k, v) for k, v in (("from", since), ("to", until)) if v] + [("min_alerts", min_alerts)]
    )
    return render(
        request, ctx, "scoreboard.html", principal, board=board, since=since or "",
        until=until or "", period_text=period_text(board.period),
        previous_text=period_text(board.previous_period), tier_names=TIER_NAMES,
        trend_text=trend_text,
        downloads=[(fmt, f"/reports/scoreboard.{fmt}?{query}") for fmt in SCOREBOARD_FORMATS],
        **_helpers(),
    )  # fmt: skip


@router.get("/reports/scoreboard.{fmt}", include_in_schema=False)
def scoreboard_download(
    *,
    fmt: str,
    since: _From = None,
    until: _To = None,
    min_alerts: Annotated[int, Query(ge=1, le=100000)] = MIN_ALERTS,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("report.view"))],
) -> Response:
    """The scoreboard as a file, the same bytes as ``tvec report scoreboard``."""
    if fmt not in SCOREBOARD_FORMATS:
        raise NotFoundError(f"no scoreboard format {fmt!r}")
    data = reports.scoreboard_file(app, since=since, until=until, fmt=fmt, min_alerts=min_alerts)
    return _download(data, fmt, "scoreboard")

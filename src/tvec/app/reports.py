"""Use cases of reports: removal metrics (``tvec stats removals``, the Takedowns page), the
transparency report and the platform scoreboard (``tvec report``, the Reports pages).

Each takes the :class:`~tvec.app.context.AppContext` first and reads in its own transaction;
figures describe the context's ``now`` (:meth:`AppContext.now`), so a frozen clock gives the
same document from the CLI and the web API.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from tvec.app.context import AppContext
from tvec.errors import NotFoundError, UsageError
from tvec.reports.chart import removals_chart_svg
from tvec.reports.metrics import metrics_document, parse_period
from tvec.reports.render import (
    REPORT_FORMATS,
    SCOREBOARD_FORMATS,
    render_scoreboard,
    render_transparency,
    report_charts,
)
from tvec.reports.scoreboard import MIN_ALERTS
from tvec.reports.scoreboard import scoreboard as build_scoreboard
from tvec.reports.transparency import transparency_report as build_transparency
from tvec.views.reports import RemovalMetricsView, ScoreboardView, TransparencyReportView


def removal_metrics(
    ctx: AppContext, *, since: str | None = None, until: str | None = None
) -> RemovalMetricsView:
    """The removal metrics of the alerts sent in ``since`` .. ``until`` (``YYYY-MM-DD`` or
    ISO 8601; see :func:`tvec.reports.metrics.parse_period`).

    Raises:
        UsageError: a bound is not a date or time, or ``since`` is not before ``until``.
        ConfigError: the entities file is unreadable or invalid.
    """
    start, end = parse_period(since, until)
    registry = ctx.entities()
    with ctx.read() as session:
        return metrics_document(session, now=ctx.now(), since=start, until=end, registry=registry)


def removals_chart(ctx: AppContext, *, since: str | None = None, until: str | None = None) -> bytes:
    """The removals chart (SVG bytes, UTF-8) of :func:`removal_metrics`."""
    document = removal_metrics(ctx, since=since, until=until)
    return removals_chart_svg(document.model_dump(mode="json"))


# --- Transparency report and scoreboard (``tvec report``, the Reports pages) ---------------

#: Days the scoreboard covers when no period is given (ending at the end of today, UTC).
DEFAULT_SCOREBOARD_DAYS = 30


def _required_period(since: str | None, until: str | None) -> tuple[datetime, datetime]:
    if not since or not since.strip():
        raise UsageError("from is required: the first day of the report (YYYY-MM-DD)")
    if not until or not until.strip():
        raise UsageError("to is required: the last day of the report (YYYY-MM-DD)")
    start, end = parse_period(since, until, names=("from", "to"))
    if start is None or end is None:  # --to 9999-12-31 (no end)
        raise UsageError(f"to {until!r} is not a usable end of a report period")
    return start, end


def transparency_report(
    ctx: AppContext, *, since: str | None, until: str | None, internal: bool = False
) -> TransparencyReportView:
    """The transparency report of ``since`` .. ``until`` (``YYYY-MM-DD``: whole days, the
    last one included; or ISO 8601 times, ``until`` exclusive); see
    :mod:`tvec.reports.transparency`. ``internal`` adds the alerted URLs.

    Raises:
        UsageError: a bound is missing or not a date, or ``since`` is not before ``until``.
        ConfigError: the entities file is unreadable or invalid.
    """
    start, end = _required_period(since, until)
    registry = ctx.entities()
    with ctx.read() as session:
        return build_transparency(
            session, since=start, until=end, now=ctx.now(), registry=registry, internal=internal
        )


def scoreboard(
    ctx: AppContext,
    *,
    since: str | None = None,
    until: str | None = None,
    min_alerts: int = MIN_ALERTS,
) -> ScoreboardView:
    """The platform scoreboard of ``since`` .. ``until`` (as :func:`transparency_report`);
    without them, the last :data:`DEFAULT_SCOREBOARD_DAYS` days up to the end of today (UTC,
    by the context's clock). See :mod:`tvec.reports.scoreboard`.

    Raises:
        UsageError: a bound is not a date, only one is given, or ``min_alerts`` < 1.
    """
    if not since and not until:
        today = ctx.now().astimezone(UTC).date()
        end = datetime(today.year, today.month, today.day, tzinfo=UTC) + timedelta(days=1)
        start, end = end - timedelta(days=DEFAULT_SCOREBOARD_DAYS), end
    else:
        start, end = _required_period(since, until)
    registry = ctx.entities()
    with ctx.read() as session:
        return build_scoreboard(
            session, since=start, until=end, now=ctx.now(), registry=registry,
            min_alerts=min_alerts,
        )  # fmt: skip


def transparency_file(
    ctx: AppContext,
    *,
    since: str | None,
    until: str | None,
    fmt: str,
    internal: bool = False,
    extra_sections: Sequence[str] = (),
) -> bytes:
    """The transparency report rendered as ``fmt`` (html, pdf, csv or json), as bytes."""
    if fmt not in REPORT_FORMATS:
        raise UsageError(f"unknown report format {fmt!r} (known: {', '.join(REPORT_FORMATS)})")
    report = transparency_report(ctx, since=since, until=until, internal=internal)
    return render_transparency(report, fmt, extra_sections)


def scoreboard_file(
    ctx: AppContext,
    *,
    since: str | None = None,
    until: str | None = None,
    fmt: str,
    min_alerts: int = MIN_ALERTS,
) -> bytes:
    """The scoreboard rendered as ``fmt`` (html, csv or json), as bytes."""
    if fmt not in SCOREBOARD_FORMATS:
        raise UsageError(
            f"unknown scoreboard format {fmt!r} (known: {', '.join(SCOREBOARD_FORMATS)})"
        )
    board = scoreboard(ctx, since=since, until=until, min_alerts=min_alerts)
    return render_scoreboard(board, fmt)


def report_chart(ctx: AppContext, name: str, *, since: str | None, until: str | None) -> bytes:
    """One chart of the transparency report (``removal-rate``, ``time-to-removal`` or
    ``top-platforms``) as SVG bytes.

    Raises:
        NotFoundError: no chart of that name.
    """
    report = transparency_report(ctx, since=since, until=until)
    for chart in report_charts(report):
        if chart["name"] == name:
            return chart["svg"].encode()
    raise NotFoundError(f"no report chart {name!r}")

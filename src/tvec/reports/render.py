"""Write the transparency report and the scoreboard as HTML, PDF, CSV and JSON.

HTML comes from the Jinja2 templates beside this module (``templates/``); it is one
self-contained file: the CSS is inline and the charts (matplotlib SVG,
:mod:`tvec.reports.chart`) are ``data:`` URIs, so it can be published as it is. The PDF is
that HTML laid out by WeasyPrint (https://doc.courtbouillon.org/weasyprint/), which needs
Pango (Debian: ``scripts/system-packages.sh pdf``). CSV is one figure per row:
``section,figure,key,value`` for the report (an empty value: no data), one platform per row
for the scoreboard. JSON is :func:`tvec.views.base.dumps` of the result model.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from tvec.errors import UsageError
from tvec.reports.chart import (
    removal_rate_chart_svg,
    removal_time_chart_svg,
    top_platforms_chart_svg,
)
from tvec.reports.metrics import DIMENSIONS, format_seconds
from tvec.views.base import dumps
from tvec.views.reports import (
    ChangeView,
    CountView,
    PeriodView,
    ScoreboardView,
    ScoreRowView,
    TransparencyReportView,
)

#: Formats of ``tvec report transparency`` and of ``tvec report scoreboard``.
REPORT_FORMATS = ("html", "pdf", "csv", "json")
SCOREBOARD_FORMATS = ("html", "csv", "json")
#: Names of the scoreboard's tiers, for people.
TIER_NAMES = {
    "recognised": "recognised",
    "ranked": "ranked",
    "not_responding": "not responding",
    "unranked": "below minimum",
}
#: Media types of the formats (web downloads).
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


def pct(value: float | None) -> str:
    """A ratio as a percentage with one decimal (``0.6667`` -> ``66.7%``); ``-`` for None."""
    return "-" if value is None else f"{value * 100:.1f}%"


def points(value: float | None) -> str:
    """A change in percentage points, signed (``+12.5 pt``); ``-`` for None."""
    return "-" if value is None else f"{value:+.1f} pt"


def signed(value: int | None) -> str:
    """A count change with its sign (``+3``, ``-2``, ``0``)."""
    return "-" if value is None else (f"{value:+d}" if value else "0")


def dur(value: float | None, *known: object) -> str | None:
    """A duration for people (:func:`format_seconds`). With a second argument that is None
    (the section is unknown), None, so the template prints "no data"."""
    if known and known[0] is None:
        return None
    return format_seconds(value)


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def period_text(period: PeriodView) -> str:
    """``2026-01-01 to 2026-02-28`` for ``[2026-01-01, 2026-03-01)`` (whole days), else the
    two times."""
    since, until = period.since, period.until
    if since is None or until is None:
        return "all time"
    whole = since.time() == until.time() == datetime.min.time()
    if whole:
        last = until - timedelta(days=1)
        return f"{since.date().isoformat()} to {last.date().isoformat()}"
    return f"{_when(since)} to {_when(until)}"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tvec.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(pct=pct, points=points, signed=signed, dur=dur, when=_when)
    return env


def _data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _change_of(changes: Sequence[ChangeView], key: str) -> ChangeView | None:
    return next((c for c in changes if c.key == key), None)


def report_charts(report: TransparencyReportView) -> list[dict[str, str]]:
    """The report's three charts: ``{"name", "alt", "svg"}`` (SVG text)."""
    alerts = report.alerts
    months = [r.model_dump() for r in alerts.by["month"]]
    return [
        {
            "name": "removal-rate",
            "alt": "Removal rate by month the alert was sent",
            "svg": removal_rate_chart_svg(months).decode(),
        },
        {
            "name": "time-to-removal",
            "alt": "Alerted URLs by time from alert to confirmed removal",
            "svg": removal_time_chart_svg(
                [b.model_dump() for b in alerts.time_to_removal]
            ).decode(),
        },
        {
            "name": "top-platforms",
            "alt": "Platforms with the most alerts: alerts sent and removed",
            "svg": top_platforms_chart_svg(
                [r.model_dump() for r in alerts.by["platform"]]
            ).decode(),
        },
    ]


def transparency_html(report: TransparencyReportView, extra_sections: Sequence[str] = ()) -> str:
    """The report as one self-contained HTML page (charts as ``data:`` URIs).

    ``extra_sections`` are HTML fragments (already escaped) added before the methodology.
    """
    charts = [{"alt": c["alt"], "src": _data_uri(c["svg"].encode())} for c in report_charts(report)]
    return (
        _environment()
        .get_template("transparency.html")
        .render(
            title=report.title,
            report=report,
            c=report.content,
            r=report.review,
            a=report.alerts,
            o=report.orders,
            charts=charts,
            dimensions=DIMENSIONS,
            change_of=_change_of,
            period_text=period_text(report.period),
            previous_text=period_text(report.previous_period),
            extra_sections=[Markup(s) for s in extra_sections],  # noqa: S704 - caller's own HTML
        )
    )


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of an HTML page, laid out by WeasyPrint (no resource is fetched: the page
    is self-contained and the URL fetcher refuses everything but ``data:`` URIs).

    Raises:
        UsageError: WeasyPrint or its system libraries (Pango) are not installed.
    """
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise UsageError(
            f"PDF output needs WeasyPrint and Pango (sh scripts/system-packages.sh pdf): {exc}"
        ) from None
    # Only data: URIs (the charts); anything else (http, file) is refused, not fetched.
    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _report_rows(report: TransparencyReportView) -> Iterator[tuple[str, str, str, str]]:
    for section in ("content", "review", "orders"):
        model = getattr(report, section)
        for name in type(model).model_fields:
            value = getattr(model, name)
            if isinstance(value, list):
                for row in value:
                    assert isinstance(row, CountView)
                    yield section, name, row.key, str(row.count)
            else:
                yield section, name, "", _scalar(value)
    alerts = report.alerts
    for label, figures in (
        ("overall", alerts.overall),
        ("previous_overall", alerts.previous_overall),
    ):
        for name, value in figures.model_dump().items():
            if name != "key":
                yield "alerts", f"{label}.{name}", "all", _scalar(value)
    for dim, rows in alerts.by.items():
        for fig in rows:
            for name, value in fig.model_dump().items():
                if name != "key":
                    yield "alerts", f"by_{dim}.{name}", fig.key, _scalar(value)
    for dim, changes in alerts.change.items():
        for change in changes:
            for name, value in change.model_dump().items():
                if name != "key":
                    yield "alerts", f"change_{dim}.{name}", change.key, _scalar(value)
    for bucket in alerts.time_to_removal:
        yield "alerts", "time_to_removal", bucket.key, str(bucket.count)
    for url in report.urls or []:
        yield "urls", "url", url.reference, url.url


def transparency_csv(report: TransparencyReportView) -> str:
    """The report's figures, one per row: ``section,figure,key,value`` (header first).

    ``key`` is the group (a source kind, bank, platform...; ``all`` for the whole); an
    empty ``value`` means no data. The period is on the first rows (``period``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("section", "figure", "key", "value"))
    writer.writerow(("period", "since", "", _when_iso(report.period.since)))
    writer.writerow(("period", "until", "", _when_iso(report.period.until)))
    writer.writerows(_report_rows(report))
    return buffer.getvalue()


def _when_iso(moment: datetime | None) -> str:
    from tvec.clock import rfc3339

    return "" if moment is None else rfc3339(moment)


def render_transparency(
    report: TransparencyReportView, fmt: str, extra_sections: Sequence[str] = ()
) -> bytes:
    """The report in ``fmt`` (one of :data:`REPORT_FORMATS`) as bytes (text in UTF-8).

    Raises:
        UsageError: unknown format, or PDF without WeasyPrint.
    """
    if fmt == "json":
        return dumps(report).encode() + b"\n"
    if fmt == "csv":
        return transparency_csv(report).encode()
    if fmt in ("html", "pdf"):
        html = transparency_html(report, extra_sections)
        return html.encode() if fmt == "html" else html_to_pdf(html)
    raise UsageError(f"unknown report format {fmt!r} (known: {', '.join(REPORT_FORMATS)})")


def trend_text(row: ScoreRowView) -> str:
    """``up (+4.2)``, ``down (-1.0)``, ``same``, ``new`` or ``-``."""
    if row.trend in ("up", "down") and row.score_change is not None:
        return f"{row.trend} ({row.score_change:+.1f})"
    return {"none": "-"}.get(row.trend, row.trend)


def scoreboard_html(board: ScoreboardView) -> str:
    """The scoreboard as one self-contained HTML page, publishable as it is."""
    return (
        _environment()
        .get_template("scoreboard.html")
        .render(
            title="Platform accountability scoreboard " + period_text(board.period),
            board=board,
            tier_names=TIER_NAMES,
            trend_text=trend_text,
            period_text=period_text(board.period),
            previous_text=period_text(board.previous_period),
        )
    )


#: Columns of the scoreboard's CSV.
SCORE_COLUMNS = tuple(ScoreRowView.model_fields)


def scoreboard_csv(board: ScoreboardView) -> str:
    """One platform per row, columns :data:`SCORE_COLUMNS` (empty: not applicable)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SCORE_COLUMNS)
    for row in board.rows:
        writer.writerow([_scalar(getattr(row, name)) for name in SCORE_COLUMNS])
    return buffer.getvalue()


def render_scoreboard(board: ScoreboardView, fmt: str) -> bytes:
    """The scoreboard in ``fmt`` (one of :data:`SCOREBOARD_FORMATS`) as UTF-8 bytes.

    Raises:
        UsageError: unknown format.
    """
    if fmt == "json":
        return dumps(board).encode() + b"\n"
    if fmt == "csv":
        return scoreboard_csv(board).encode()
    if fmt == "html":
        return scoreboard_html(board).encode()
    raise UsageError(f"unknown scoreboard format {fmt!r} (known: {', '.join(SCOREBOARD_FORMATS)})")

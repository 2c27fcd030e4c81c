"""The removals chart of the Takedowns page: per month, alerts sent, confirmed removals and the
median time to removal, drawn server-side as SVG with matplotlib.

Drawn without pyplot or a GUI backend (a bare :class:`~matplotlib.figure.Figure` on the SVG
canvas), with text kept as SVG text in the DejaVu Sans family that matplotlib ships (no
font files embedded, nothing fetched), no date in the metadata and a fixed hash salt for the
ids, so the same document always gives the same bytes.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Mapping, Sequence
from typing import Any

#: matplotlib settings that make the SVG stable and self-contained.
CHART_RC: dict[Any, Any] = {
    "svg.hashsalt": "tvec-removals",
    "svg.fonttype": "none",
    "font.family": ["DejaVu Sans"],
    "font.size": 9.0,
    "axes.unicode_minus": False,
}
#: Figure size in inches (at 100 dpi SVG user units).
CHART_SIZE = (8.0, 3.6)

_lock = threading.Lock()  # rc_context changes process-wide rcParams


def chart_months(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every month from the first to the last month of ``document["by"]["month"]``, in
    order, with ``alerts_sent``, ``removed`` and ``median_seconds_to_removal`` (months
    without alerts: 0, 0 and None)."""
    rows = {row["key"]: row for row in document["by"]["month"]}
    if not rows:
        return []
    first, last = min(rows), max(rows)
    year, month = int(first[:4]), int(first[5:7])
    months: list[dict[str, Any]] = []
    while True:
        key = f"{year:04d}-{month:02d}"
        row = rows.get(key, {})
        months.append(
            {
                "month": key,
                "alerts_sent": int(row.get("alerts_sent", 0)),
                "removed": int(row.get("removed", 0)),
                "median_seconds_to_removal": row.get("median_seconds_to_removal"),
            }
        )
        if key == last:
            return months
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def removals_chart_svg(document: Mapping[str, Any]) -> bytes:
    """The chart of a :func:`tvec.reports.metrics.metrics_document` as SVG bytes (UTF-8).

    Bars: alerts sent and confirmed removals (of the alerts sent that month), left axis.
    Line: median time to removal in hours (upper bound), right axis; months without removals
    leave a gap. An empty document gives a chart saying there is nothing to show.
    """
    from matplotlib import rc_context
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    months = chart_months(document)
    buffer = io.BytesIO()
    with _lock, rc_context(CHART_RC):
        figure = Figure(figsize=CHART_SIZE, dpi=100)
        FigureCanvasSVG(figure)
        axes = figure.add_subplot()
        if not months:
            axes.text(0.5, 0.5, "no alerts sent in this period", ha="center", va="center")
            axes.set_axis_off()
        else:
            _draw(axes, months)
        figure.tight_layout()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "tvec"})
    return buffer.getvalue()


def _draw(axes: Any, months: list[dict[str, Any]]) -> None:
    positions = list(range(len(months)))
    width = 0.38
    axes.bar(
        [p - width / 2 for p in positions],
        [m["alerts_sent"] for m in months],
        width,
        label="alerts sent",
        color="#5b7fa6",
    )
    axes.bar(
        [p + width / 2 for p in positions],
        [m["removed"] for m in months],
        width,
        label="confirmed removals",
        color="#6aa84f",
    )
    axes.set_ylabel("URLs")
    axes.set_xticks(positions, [m["month"] for m in months])
    if len(months) > 8:
        axes.tick_params(axis="x", labelrotation=45)
    axes.yaxis.get_major_locator().set_params(integer=True)
    hours = [
        m["median_seconds_to_removal"] / 3600
        if m["median_seconds_to_removal"] is not None
        else math.nan
        for m in months
    ]
    right = axes.twinx()
    right.plot(
        positions, hours, marker="o", color="#b45f06", label="median time to removal (hours)"
    )
    right.set_ylabel("median time to removal (hours)")
    right.set_ylim(bottom=0)
    handles, labels = axes.get_legend_handles_labels()
    more_handles, more_labels = right.get_legend_handles_labels()
    axes.legend(
        handles + more_handles,
        labels + more_labels,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14 if len(months) <= 8 else -0.3),
        ncol=3,
        frameon=False,
    )
    axes.set_title("Alerts sent, confirmed removals and median time to removal, per month")


# --- Charts of the transparency report and the scoreboard ---------------------------------

#: Size of the report's charts in inches.
REPORT_CHART_SIZE = (7.0, 3.0)


def _svg(draw: Any, empty: str | None) -> bytes:
    """Run ``draw(axes)`` on a fresh figure and return its SVG; ``empty`` instead writes
    that message on a blank chart."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    buffer = io.BytesIO()
    with _lock, rc_context(CHART_RC):
        figure = Figure(figsize=REPORT_CHART_SIZE, dpi=100)
        FigureCanvasSVG(figure)
        axes = figure.add_subplot()
        if empty is not None:
            axes.text(0.5, 0.5, empty, ha="center", va="center")
            axes.set_axis_off()
        else:
            draw(axes)
        figure.tight_layout()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "tvec"})
    return buffer.getvalue()


def removal_rate_chart_svg(months: Sequence[Mapping[str, Any]]) -> bytes:
    """Removal rate (percent) per month of sending, as a line with its alert counts under
    the axis; ``months`` are figure rows (``key``, ``alerts_sent``, ``removal_rate``)."""

    def draw(axes: Any) -> None:
        positions = list(range(len(months)))
        rates = [
            (m["removal_rate"] * 100) if m["removal_rate"] is not None else math.nan for m in months
        ]
        axes.plot(positions, rates, marker="o", color="#6aa84f")
        axes.set_ylim(0, 105)
        axes.set_ylabel("removal rate (%)")
        axes.set_xticks(positions, [f"{m['key']}\n{m['alerts_sent']} alerts" for m in months])
        axes.set_title("Removal rate of alerted URLs, by month the alert was sent")

    return _svg(draw, None if months else "no alerts sent in this period")


def removal_time_chart_svg(buckets: Sequence[Mapping[str, Any]]) -> bytes:
    """Alerted URLs per bucket of time to removal (``key``, ``count``), as bars."""

    def draw(axes: Any) -> None:
        positions = list(range(len(buckets)))
        axes.bar(positions, [b["count"] for b in buckets], color="#5b7fa6")
        axes.set_xticks(positions, [b["key"] for b in buckets])
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.set_ylabel("alerted URLs")
        axes.set_title("Time from alert to confirmed removal")

    total = sum(int(b["count"]) for b in buckets)
    return _svg(draw, None if total else "no alerts sent in this period")


def top_platforms_chart_svg(platforms: Sequence[Mapping[str, Any]], limit: int = 10) -> bytes:
    """The ``limit`` platforms with most alerts (``key``, ``alerts_sent``, ``removed``), as
    horizontal bars of alerts sent and removed."""
    top = sorted(platforms, key=lambda p: (-int(p["alerts_sent"]), str(p["key"])))[:limit]

    def draw(axes: Any) -> None:
        positions = list(range(len(top)))[::-1]
        height = 0.38
        axes.barh(
            [p + height / 2 for p in positions],
            [p["alerts_sent"] for p in top],
            height,
            label="alerts sent",
            color="#5b7fa6",
        )
        axes.barh(
            [p - height / 2 for p in positions],
            [p["removed"] for p in top],
            height,
            label="removed",
            color="#6aa84f",
        )
        axes.set_yticks(positions, [str(p["key"]) for p in top])
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.legend(loc="lower right", frameon=False)
        axes.set_title("Platforms with the most alerts")

    return _svg(draw, None if top else "no alerts sent in this period")

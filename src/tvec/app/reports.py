"""Use cases of removal metrics, for ``tvec stats removals`` and the Takedowns page.

Each takes the :class:`~tvec.app.context.AppContext` first and reads in its own transaction;
figures describe the context's ``now`` (:meth:`AppContext.now`), so a frozen clock gives the
same document from the CLI and the web API.
"""

from __future__ import annotations

from tvec.app.context import AppContext
from tvec.reports.chart import removals_chart_svg
from tvec.reports.metrics import metrics_document, parse_period
from tvec.views.reports import RemovalMetricsView


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

"""Use case of the annual transparency report of Regulation (EU) 2021/784, Article 7."""

from __future__ import annotations

from tvec.app.context import AppContext
from tvec.errors import UsageError
from tvec.reports.tco import annual_report, render_csv, render_html
from tvec.views.base import dumps
from tvec.views.tco import TcoAnnualView

FORMATS = ("html", "json", "csv")


def tco_annual(ctx: AppContext, year: int) -> TcoAnnualView:
    """The Article 7(3) report of calendar year ``year`` (UTC), from live data.

    Raises:
        UsageError: the year is outside 2000..2100.
    """
    with ctx.read() as session:
        return annual_report(session, year, ctx.now())


def tco_annual_text(ctx: AppContext, year: int, fmt: str) -> str:
    """The report of ``year`` as ``html``, ``json`` or ``csv`` text.

    Raises:
        UsageError: unknown format or year out of range.
    """
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    report = tco_annual(ctx, year)
    if fmt == "json":
        return dumps(report)
    if fmt == "csv":
        return render_csv(report)
    return render_html(report)

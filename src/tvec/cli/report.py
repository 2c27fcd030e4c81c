"""``tvec report``: the transparency report and the platform scoreboard of a period.

Definitions of every figure and of the score: docs/reports.md.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tvec.app.reports import scoreboard_file, transparency_file
from tvec.cli.context import context
from tvec.cli.report_tco import tco_annual
from tvec.errors import UsageError
from tvec.reports.scoreboard import MIN_ALERTS

app = typer.Typer(
    help="Transparency reports, the platform scoreboard and the TCO Article 7 annual report.",
    no_args_is_help=True,
)


class ReportFormat(StrEnum):
    """Formats of ``tvec report transparency``."""

    html = "html"
    pdf = "pdf"
    csv = "csv"
    json = "json"


class BoardFormat(StrEnum):
    """Formats of ``tvec report scoreboard``."""

    html = "html"
    csv = "csv"
    json = "json"


_From = Annotated[
    str | None,
    typer.Option("--from", help="First day of the period (YYYY-MM-DD, UTC) or an ISO time."),
]
_To = Annotated[
    str | None,
    typer.Option("--to", help="Last day of the period (YYYY-MM-DD: to its end, UTC)."),
]
_Out = Annotated[
    Path | None,
    typer.Option("--out", help="Write to this file instead of standard output."),
]


def _write(data: bytes, out: Path | None, fmt: str) -> None:
    if out is None:
        if fmt == "pdf" and sys.stdout.isatty():
            raise UsageError("out: a PDF is not written to a terminal; give --out FILE")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"out {str(out)!r} cannot be written: {exc.strerror or exc}") from None
    typer.echo(f"wrote {out}", err=True)


@app.command("transparency")
def transparency(
    since: _From = None,
    until: _To = None,
    output: Annotated[
        ReportFormat, typer.Option("--format", help="html, pdf, csv or json.")
    ] = ReportFormat.html,
    out: _Out = None,
    internal: Annotated[
        bool,
        typer.Option("--internal", help="List the alerted URLs (not for publication)."),
    ] = False,
) -> None:
    """Write the transparency report of a period: content seen, review, alerts and
    takedowns, removal orders and legal holds, with the methodology.

    The public report holds no personal data and no URL. Definitions: docs/reports.md.
    """
    data = transparency_file(
        context(), since=since, until=until, fmt=output.value, internal=internal
    )
    _write(data, out, output.value)


@app.command("scoreboard")
def scoreboard(
    since: _From = None,
    until: _To = None,
    output: Annotated[
        BoardFormat, typer.Option("--format", help="html, csv or json.")
    ] = BoardFormat.html,
    out: _Out = None,
    min_alerts: Annotated[
        int, typer.Option("--min-alerts", help="Alerts a platform needs to be ranked.")
    ] = MIN_ALERTS,
) -> None:
    """Rank the platforms that received alerts by how well they removed the content.

    Without --from/--to: the last 30 days. The score and tiers: docs/reports.md.
    """
    data = scoreboard_file(
        context(), since=since, until=until, fmt=output.value, min_alerts=min_alerts
    )
    _write(data, out, output.value)


app.command("tco-annual")(tco_annual)

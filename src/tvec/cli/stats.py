"""``tvec stats``: figures over what tvec recorded (``tvec stats removals``)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from tvec.app.reports import removal_metrics
from tvec.cli.context import context, out, print_json
from tvec.reports.metrics import FIGURE_FIELDS, display_value
from tvec.views.reports import RemovalMetricsView

app = typer.Typer(help="Figures over what tvec recorded.", no_args_is_help=True)


class Dimension(StrEnum):
    """What ``--by`` groups removal figures by."""

    platform = "platform"
    entity = "entity"
    ideology = "ideology"
    language = "language"
    month = "month"


class Format(StrEnum):
    """Output formats of ``tvec stats removals``."""

    table = "table"
    json = "json"
    csv = "csv"


#: Figures shown in the table and their headers (lower bounds and the counts behind the
#: shares are in the JSON and CSV output).
TABLE_COLUMNS = (
    ("alerts_sent", "alerts\nsent"),
    ("removed", "removed"),
    ("removal_rate", "removal\nrate"),
    ("median_seconds_to_removal", "median\nremoval"),
    ("p90_seconds_to_removal", "p90\nremoval"),
    ("share_within_1h", "within\n1 h"),
    ("share_within_24h", "within\n24 h"),
    ("share_within_7d", "within\n7 d"),
    ("still_online", "still\nonline"),
    ("median_seconds_to_alert", "median\nto alert"),
)
#: Width of the table when stdout is not a terminal (the table takes what it needs, up to it).
PIPE_WIDTH = 200
TABLE_CAPTION = (
    "removal: time from alert to confirmed removal (upper bound), median and 90th percentile; "
    "within: share of alerts sent removed within 1 h, 24 h, 7 d; to alert: time from first "
    "sighting to alert. Definitions: docs/removal-metrics.md"
)


@app.command("removals")
def removals(
    by: Annotated[
        Dimension,
        typer.Option("--by", help="Group by platform, entity, ideology, language, month."),
    ] = Dimension.platform,
    output: Annotated[
        Format, typer.Option("--format", help="table, json (the whole document) or csv.")
    ] = Format.table,
    since: Annotated[
        str | None,
        typer.Option(help="Only alerts sent from this date (YYYY-MM-DD or ISO time, UTC)."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="Only alerts sent up to this date (YYYY-MM-DD: to its end, UTC)."),
    ] = None,
) -> None:
    """Print removal metrics: alerts sent, removal rate, time to removal, still online.

    Definitions in docs/removal-metrics.md. --format json prints the whole document (every
    dimension and every URL; --by is ignored), the same as GET /api/takedowns/metrics.
    """
    document = removal_metrics(context(), since=since, until=until)
    if output is Format.json:
        print_json(document)
    elif output is Format.csv:
        typer.echo(removals_csv(document, by.value), nl=False)
    else:
        _print_table(document, by.value)


def removals_csv(document: RemovalMetricsView, by: str) -> str:
    """One CSV row per group of ``by`` (header: the dimension, then every figure); empty
    cells for None. Raw values: seconds and ratios as in the JSON."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([by, *FIGURE_FIELDS])
    for row in document.by[by]:
        values = [getattr(row, f) for f in FIGURE_FIELDS]
        writer.writerow([row.key, *("" if v is None else v for v in values)])
    return buffer.getvalue()


def _print_table(document: RemovalMetricsView, by: str) -> None:
    title = f"Removals by {by}"
    bounds = [
        f"{word} {_shown_time(moment)}"
        for moment, word in ((document.period.since, "from"), (document.period.until, "before"))
        if moment is not None
    ]
    if bounds:
        title += ", alerts sent " + " and ".join(bounds)
    table = Table(
        title=title,
        caption=TABLE_CAPTION,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        title_justify="left",
        caption_justify="left",
    )
    table.add_column(by, overflow="fold", min_width=8)
    for _, header in TABLE_COLUMNS:
        table.add_column(header, justify="right")
    rows = [*document.by[by], document.overall]
    for index, row in enumerate(rows):
        table.add_row(
            row.key,
            *(display_value(field, getattr(row, field)) for field, _ in TABLE_COLUMNS),
            end_section=index == len(rows) - 2,
        )
    # A terminal gets the table fitted to its width; a pipe or file its natural width
    # (Rich would otherwise squeeze it into 80 columns).
    console = out.console if out.is_terminal else Console(highlight=False, width=PIPE_WIDTH)
    console.print(table)


def _shown_time(moment: datetime) -> str:
    """A UTC time as ``YYYY-MM-DD HH:MM UTC``."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")

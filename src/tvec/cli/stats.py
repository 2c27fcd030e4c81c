"""``tvec stats``: figures over what tvec recorded (``tvec stats removals``)."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from tvec.cli.context import out, settings, store
from tvec.entities import load_entities
from tvec.reports.metrics import (
    FIGURE_FIELDS,
    display_value,
    metrics_document,
    parse_period,
)

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
    start, end = parse_period(since, until)
    current = settings()
    registry = load_entities(current.entities_file)
    with store().session() as session:
        document = metrics_document(session, since=start, until=end, registry=registry)
    if output is Format.json:
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
    elif output is Format.csv:
        typer.echo(removals_csv(document, by.value), nl=False)
    else:
        _print_table(document, by.value)


def removals_csv(document: dict[str, Any], by: str) -> str:
    """One CSV row per group of ``by`` (header: the dimension, then every figure); empty
    cells for None. Raw values: seconds and ratios as in the JSON."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([by, *FIGURE_FIELDS])
    for row in document["by"][by]:
        writer.writerow([row["key"], *("" if row[f] is None else row[f] for f in FIGURE_FIELDS)])
    return buffer.getvalue()


def _print_table(document: dict[str, Any], by: str) -> None:
    period = document["period"]
    title = f"Removals by {by}"
    bounds = [
        f"{word} {_shown_time(period[key])}"
        for key, word in (("since", "from"), ("until", "before"))
        if period[key]
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
    rows = [*document["by"][by], document["overall"]]
    for index, row in enumerate(rows):
        table.add_row(
            row["key"],
            *(display_value(field, row[field]) for field, _ in TABLE_COLUMNS),
            end_section=index == len(rows) - 2,
        )
    # A terminal gets the table fitted to its width; a pipe or file its natural width
    # (Rich would otherwise squeeze it into 80 columns).
    console = out if out.is_terminal else Console(highlight=False, width=PIPE_WIDTH)
    console.print(table)


def _shown_time(iso: str) -> str:
    """An ISO 8601 UTC time as ``YYYY-MM-DD HH:MM UTC``."""
    return iso[:10] + " " + iso[11:16] + " UTC"

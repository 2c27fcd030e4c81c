"""``tvec audit``: list the audit log's events, verify its hash chain, export it as JSON
Lines."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tvec.app import audit as use
from tvec.cli.context import context, err, out, print_json
from tvec.clock import rfc3339

app = typer.Typer(
    help="Check and export the audit log. List its events (as GET /api/audit).",
    no_args_is_help=True,
)

#: Largest event id (the database column's range), as ``GET /api/audit`` accepts.
MAX_ID = 2**31 - 1


@app.command("list")
def list_(
    after_id: Annotated[
        int, typer.Option("--after-id", min=0, max=MAX_ID, help="Only events after this id.")
    ] = 0,
    limit: Annotated[
        int, typer.Option(min=1, max=1000, help="At most this many events (1-1000).")
    ] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List events after --after-id, oldest first (the JSON is GET /api/audit's)."""
    events = use.list_events(context(), after_id=after_id, limit=limit)
    if as_json:
        print_json(events)
        return
    table = Table("id", "at", "actor", "kind", "target")
    for event in events:
        table.add_row(str(event.id), rfc3339(event.at), event.actor, event.kind, event.target or "")
    out.print(table)


@app.command("verify")
def verify() -> None:
    """Check the hash chain; exit 1 and name the first broken event if any."""
    report = use.verify(context())
    if report.ok:
        out.print(f"audit log intact: {report.checked} events")
        return
    err.print(f"audit log broken at event {report.broken_id}: {report.problem}", markup=False)
    err.print(f"({report.checked} events before it are intact)")
    raise typer.Exit(1)


@app.command("export")
def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Write every audit event as JSON Lines (the export itself is logged first)."""
    destination = str(output) if output else "stdout"
    if output is None:
        use.export(context(), sys.stdout, destination=destination, actor="cli")
        sys.stdout.flush()
        return
    with output.open("w", encoding="utf-8") as handle:
        count = use.export(context(), handle, destination=destination, actor="cli")
    err.print(f"wrote {count} events to {output}")

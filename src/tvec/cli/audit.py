"""``tvec audit``: verify the audit log's hash chain, export it as JSON Lines."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from tvec.audit import AuditKind, export_jsonl, record, verify_chain
from tvec.cli.context import err, out, store

app = typer.Typer(help="Check and export the audit log.", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Check the hash chain; exit 1 and name the first broken event if any."""
    with store().session() as session:
        report = verify_chain(session)
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
    the_store = store()
    with the_store.session() as session:
        record(session, "cli", AuditKind.AUDIT_EXPORT, str(output) if output else "stdout")
    with the_store.session() as session:
        if output is None:
            export_jsonl(session, sys.stdout)
            sys.stdout.flush()
            return
        with output.open("w", encoding="utf-8") as handle:
            count = export_jsonl(session, handle)
    err.print(f"wrote {count} events to {output}")

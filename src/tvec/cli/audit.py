"""``tvec audit``: list the audit log's events, verify its keyed chain against an anchor,
write anchors, rotate the key, export it as JSON Lines."""

from __future__ import annotations

import json
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


AnchorOption = Annotated[
    Path | None,
    typer.Option(
        "--anchor",
        help="Anchor file (JSON Lines): check the log against its newest anchor, then append "
        "the head (default: TVEC_AUDIT_ANCHOR_FILE).",
    ),
]


def _report(verification: use.Verification) -> None:
    report = verification.chain
    if not report.ok:
        err.print(f"audit log broken at event {report.broken_id}: {report.problem}", markup=False)
        err.print(f"({report.checked} events before it are intact)")
        raise typer.Exit(1)
    if verification.anchor_problem is not None:
        err.print(
            f"audit log does not match the anchor in {verification.anchor_file}: "
            f"{verification.anchor_problem}",
            markup=False,
        )
        raise typer.Exit(1)
    out.print(
        f"audit log intact: {report.checked} events ({report.keyed} keyed, "
        f"{report.unkeyed} from before the audit key)"
    )
    if verification.anchor is not None:
        where = verification.anchor_file or "the log only"
        out.print(f"anchor written to {where}: {json.dumps(verification.anchor)}", markup=False)
    if verification.sent is not None:
        out.print(f"anchor webhook: {verification.sent}", markup=False)


@app.command("verify")
def verify(anchor: AnchorOption = None) -> None:
    """Check the chain (SHA-256 links, HMACs under the audit key) and the newest anchor;
    exit 1 naming the first broken event or what the anchor found. When all holds, the head
    is written out as a new anchor."""
    _report(use.verify(context(), anchor))


@app.command("anchor")
def anchor(anchor: AnchorOption = None) -> None:
    """Verify and write the head out now (anchor file, log line, webhook); for a schedule
    (cron) when tvec watch does not run."""
    _report(use.anchor(context(), anchor))


@app.command("rotate-key")
def rotate_key() -> None:
    """Start signing the audit log with a new key (appended to the key file; keep the old
    ones, they verify the events they signed)."""
    new_id = use.rotate_key(context(), actor="cli")
    out.print(f"audit key rotated: new key {new_id}")


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

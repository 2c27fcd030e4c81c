"""``tvec sor``: statements of reasons (DSA Article 17) for the EU DSA Transparency Database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tvec.app import sor as use
from tvec.cli.context import context, out, print_json
from tvec.errors import InputError, UsageError

app = typer.Typer(
    help="Statements of reasons (DSA Article 17): list, show, export, check and submit them to "
    "the EU DSA Transparency Database.",
    no_args_is_help=True,
)

_Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
_State = Annotated[
    str | None,
    typer.Option(
        "--state", help="Only statements in this state: pending, submitting, submitted, rejected."
    ),
]


@app.command("list")
def list_command(state: _State = None, as_json: _Json = False) -> None:
    """List statements of reasons (one per remove decision) and their submission state."""
    views = use.list_statements(context(), state=state)
    if as_json:
        print_json(views)
        return
    table = Table(title=f"{len(views)} statement(s) of reasons")
    for column in ("puid", "decision", "ground", "state", "attempts", "problem"):
        table.add_column(column)
    for view in views:
        problem = view.last_error or ""
        if view.errors:
            fields = sorted({f for errors in view.errors.values() for f in errors})
            problem = f"{problem}: {', '.join(fields)}" if problem else ", ".join(fields)
        table.add_row(
            view.puid,
            str(view.decision_id or ""),
            str(view.statement.get("decision_ground", "")).removeprefix("DECISION_GROUND_"),
            view.state,
            str(view.attempts),
            problem,
        )
    out.print(table)


@app.command("show")
def show(
    puid: Annotated[str, typer.Argument(help="The statement's puid (see 'tvec sor list').")],
    as_json: _Json = False,
) -> None:
    """Show one statement: its fields as sent to the API, its state and any field errors."""
    view = use.show_statement(context(), puid)
    if as_json:
        print_json(view)
        return
    for name in ("puid", "decision_id", "state", "attempts", "uuid", "last_error"):
        out.print(f"{name}: {getattr(view, name)}", markup=False)
    for origin, errors in view.errors.items():
        for field, messages in errors.items():
            out.print(f"error ({origin}) {field}: {' '.join(messages)}", markup=False)
    out.print(json.dumps(view.statement, indent=2, ensure_ascii=False), markup=False)


@app.command("export")
def export(
    output: Annotated[
        Path | None, typer.Option("--out", help="Write to this file (default: stdout).")
    ] = None,
    state: _State = None,
) -> None:
    """Export statements as the API's batch body: {"statements": [...]} (JSON)."""
    views = use.list_statements(context(), state=state)
    text = json.dumps({"statements": [v.statement for v in views]}, indent=2, ensure_ascii=False)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        out.print(f"wrote {len(views)} statement(s) to {output}", markup=False)


@app.command("check")
def check(
    file: Annotated[
        Path, typer.Argument(help='JSON file: one statement, a list, or {"statements": [...]}.')
    ],
) -> None:
    """Check statements in a file against the API's rules (locally); exit 2 when any fails."""
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(str(file), f"not a readable JSON file: {exc}") from exc
    if isinstance(document, dict) and "statements" in document:
        document = document["statements"]
    statements = document if isinstance(document, list) else [document]
    bad = 0
    for index, statement in enumerate(statements):
        if not isinstance(statement, dict):
            out.print(f"statement {index}: not a JSON object", markup=False)
            bad += 1
            continue
        errors = use.check_statement(statement)
        for field, messages in errors.items():
            out.print(f"statement {index} {field}: {' '.join(messages)}", markup=False)
        bad += bool(errors)
    if bad:
        raise UsageError(f"{bad} of {len(statements)} statement(s) in {file} break the API's rules")
    out.print(f"{len(statements)} statement(s) pass the API's rules", markup=False)


@app.command("submit")
def submit(
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Send at most this many statements.")
    ] = None,
    as_json: _Json = False,
) -> None:
    """Submit pending statements in batches of 100 (TVEC_SOR_ENVIRONMENT, token from
    TVEC_SOR_TOKEN or TVEC_SOR_AUTH_FILE); a run that was cut off resumes safely."""
    view = use.submit(context(), limit=limit)
    if as_json:
        print_json(view)
    else:
        out.print(
            f"{view.environment} {view.endpoint}: {view.batches} batch(es), "
            f"{view.submitted} submitted, {view.duplicates} already held, "
            f"{view.rejected} rejected; {view.checked} checked by puid ({view.found} held); "
            f"now {view.counts.pending} pending, {view.counts.submitting} unresolved, "
            f"{view.counts.submitted} submitted, {view.counts.rejected} rejected",
            markup=False,
        )
    if view.stopped:
        raise UsageError(f"stopped: {view.stopped}")

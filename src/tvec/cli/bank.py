"""``tvec bank``: create, list, show, add, import, export and delete banks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tvec.app import banks as use
from tvec.cli.context import context, err, out, print_json
from tvec.views.banks import BankLoadView

ACTOR = "cli"

app = typer.Typer(
    help="Manage banks of known signals (hash lists such as TCAP or GIFCT).", no_args_is_help=True
)


def _report(report: BankLoadView) -> int:
    out.print(
        f"bank {report.bank}: {report.added} added, {report.already_present} already present, "
        f"{len(report.problems)} problem(s)",
        markup=False,
    )
    for problem in report.problems:
        err.print(f"  line {problem.line}: {problem.message}", markup=False)
    return 1 if report.problems else 0


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Name of the new bank.")],
    description: Annotated[str | None, typer.Option(help="What the bank holds.")] = None,
) -> None:
    """Create an empty bank."""
    use.create_bank(context(), name, description, actor=ACTOR)
    out.print(f"created bank {name}", markup=False)


@app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List banks with their entry counts per signal type."""
    views = use.list_banks(context())
    if as_json:
        print_json(views)
        return
    table = Table("bank", "entries", "by signal type", "description")
    for s in views:
        by_type = ", ".join(f"{k}: {v}" for k, v in sorted(s.counts.items()))
        table.add_row(s.name, str(s.total), by_type, s.description or "")
    out.print(table)


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Bank name.")],
    limit: Annotated[int, typer.Option(help="How many entries to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a bank and its first entries with their labels."""
    view = use.show_bank(context(), name, limit=limit)
    if as_json:
        print_json(view)
        return
    summary = view.bank
    out.print(f"[bold]{summary.name}[/]: {summary.total} entries {summary.counts}")
    table = Table("id", "signal type", "value", "labels")
    for e in view.entries:
        labels = ", ".join(f"{k}={v}" for k, v in e.labels.items() if k != "file")
        table.add_row(str(e.id), e.signal_type, e.value, labels)
    out.print(table)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Bank to add to.")],
    files: Annotated[list[Path], typer.Argument(help="Local files to hash into the bank.")],
    entity: Annotated[str | None, typer.Option(help="Entity label (group).")] = None,
    ideology: Annotated[str | None, typer.Option(help="Ideology label.")] = None,
    source: Annotated[str | None, typer.Option(help="Source label (e.g. TCAP).")] = None,
    note: Annotated[str | None, typer.Option(help="Note (default: the file name).")] = None,
) -> None:
    """Hash local files (md5, sha256, pdq...) into a bank."""
    report = use.add_files(
        context(),
        name,
        files,
        entity=entity,
        ideology=ideology,
        source=source,
        note=note,
        actor=ACTOR,
    )
    raise typer.Exit(_report(report))


@app.command("import")
def import_(
    name: Annotated[str, typer.Argument(help="Bank to load into.")],
    file: Annotated[Path, typer.Argument(help="File to read.")],
    fmt: Annotated[str, typer.Option("--format", help="auto, csv, tcap or hma.")] = "auto",
    create: Annotated[bool, typer.Option(help="Create the bank if it does not exist.")] = False,
) -> None:
    """Load a bank file: plain CSV, a TCAP CSV export, or HMA '<signal_type> <value>' lines.

    Invalid rows are reported with their line numbers (exit code 1); valid rows still load.
    """
    report = use.import_bank(context(), name, file, fmt, create=create, actor=ACTOR)
    raise typer.Exit(_report(report))


@app.command("export")
def export(
    name: Annotated[str, typer.Argument(help="Bank to write.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or hma.")] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Write a bank as plain CSV or HMA lines."""
    text = use.export_bank(context(), name, fmt)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}", markup=False)


@app.command("delete")
def delete(
    name: Annotated[str, typer.Argument(help="Bank to delete.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a bank with all its entries and their matches."""
    if not yes and not typer.confirm(f"Delete bank {name} and all its entries?"):
        raise typer.Exit(2)
    count = use.delete_bank(context(), name, actor=ACTOR)
    out.print(f"deleted bank {name} ({count} entries)", markup=False)

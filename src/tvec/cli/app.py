"""The ``tvec`` command: entry point, error handling and the top-level commands.

Exit codes (documented in ``docs/cli.md``): 0 all fine; 1 finished, but some items had errors;
2 usage or configuration error; 3 the database or evidence store failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from tvec import __version__
from tvec.cli import bank
from tvec.cli.context import err, out, settings, store
from tvec.errors import EXIT_USAGE, NotFoundError, TvecError, exit_code_for
from tvec.hashing import hash_content
from tvec.scan import ScanResult, run_scan

app = typer.Typer(
    help="tvec: find, review and take down terrorist and violent extremist content.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(bank.app, name="bank")


@app.command("version")
def version() -> None:
    """Print tvec's version."""
    out.print(__version__)


@app.command("settings")
def show_settings(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print every setting: its environment variable, current value and help."""
    current = settings()
    rows = []
    for name, info in type(current).model_fields.items():
        rows.append((f"TVEC_{name.upper()}", str(getattr(current, name)), info.description or ""))
    if as_json:
        out.print_json(
            json.dumps([dict(zip(("env", "value", "help"), r, strict=True)) for r in rows])
        )
        return
    table = Table("variable", "value", "help")
    for row in rows:
        table.add_row(*row)
    out.print(table)


@app.command("hash")
def hash_files(
    files: Annotated[list[Path], typer.Argument(help="Files to hash.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print 'signal_type value [quality]' for every signal of every file.

    With several files, each file's lines follow a '==> path <==' header.
    """
    current = settings()
    failed = False
    documents = []
    for index, path in enumerate(files):
        try:
            data = path.read_bytes()
        except OSError as exc:
            err.print(f"{path}: cannot read: {exc.strerror}", markup=False)
            failed = True
            continue
        result = hash_content(data, str(path), max_pixels=current.max_image_pixels)
        if result.error is not None:
            err.print(str(result.error), markup=False)
            failed = True
        if as_json:
            documents.append(
                {
                    "file": str(path),
                    "media_type": result.kind.media_type,
                    "signals": [s.__dict__ for s in result.signals],
                    "error": str(result.error) if result.error else None,
                }
            )
            continue
        if len(files) > 1:
            typer.echo(f"{'' if index == 0 else chr(10)}==> {path} <==")
        for s in result.signals:
            typer.echo(
                f"{s.signal_type} {s.value}" + (f" {s.quality}" if s.quality is not None else "")
            )
    if as_json:
        typer.echo(json.dumps(documents, indent=2))
    raise typer.Exit(1 if failed else 0)


def _print_summary(result: ScanResult) -> None:
    table = Table(title=f"scan {result.scan_id}: {result.status}")
    table.add_column("count")
    table.add_column("value", justify="right")
    for key, value in result.counts.as_dict().items():
        table.add_row(key.replace("_", " "), str(value))
    out.print(table)
    if result.matches:
        matches = Table(
            "item",
            "signal type",
            "distance",
            "bank",
            "entity",
            "note",
            title=f"{len(result.matches)} match(es)",
        )
        for m in result.matches:
            matches.add_row(
                m["item"],
                m["signal_type"],
                str(m["distance"]),
                m["bank"],
                str(m["labels"].get("entity", "")),
                str(m["labels"].get("note", "")),
            )
        out.print(matches)
    else:
        out.print("no matches")
    if result.errors:
        errors = Table(title=f"{len(result.errors)} item error(s)")
        errors.add_column("item", overflow="fold")
        errors.add_column("kind")
        errors.add_column("error", overflow="fold", ratio=2)
        for e in result.errors:
            errors.add_row(e["item"], e["kind"], e["error"])
        err.print(errors)


@app.command("scan")
def scan(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Folders, files, Telegram exports (folder or result.json), JSON Lines files."
        ),
    ],
    banks: Annotated[
        list[str] | None,
        typer.Option(
            "--bank", help="Match only against this bank (repeatable; default: all banks)."
        ),
    ] = None,
    json_out: Annotated[
        str | None,
        typer.Option(
            "--json", help="Write the JSON result (docs/scan-json.md) to FILE, or '-' for stdout."
        ),
    ] = None,
) -> None:
    """Scan content: store items and signals, match them against banks, report matches.

    Exit code 0 when every item was read, 1 when some items had errors (listed).
    """
    current = settings()
    for path in paths:
        if not path.exists():
            raise NotFoundError(f"{path}: no such file or folder")
    the_store = store()
    show_progress = current.progress and err.is_terminal and json_out != "-"
    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} items"),
        TimeElapsedColumn(),
        console=err,
        disable=not show_progress,
        transient=True,
    ) as progress:
        task = progress.add_task("scanning", total=None)

        def on_item(done: int, name: str) -> None:
            progress.update(task, completed=done, description=f"scanning {name[-60:]}")

        result = run_scan(the_store, paths, banks=banks or None, progress=on_item)
    document = json.dumps(result.as_json(), indent=2, ensure_ascii=False)
    if json_out == "-":
        typer.echo(document)
    else:
        _print_summary(result)
        if json_out:
            Path(json_out).write_text(document + "\n", encoding="utf-8")
            err.print(f"wrote {json_out}")
    raise typer.Exit(1 if result.errors else 0)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    try:
        result = app(args=argv, prog_name="tvec", standalone_mode=False)
    except TvecError as exc:
        err.print(f"error: {exc}", markup=False)
        return exit_code_for(exc)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        return EXIT_USAGE
    except typer.TyperException as exc:
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err.print(f"error: {exc}", markup=False)
        code = getattr(exc, "exit_code", EXIT_USAGE)
        return code if isinstance(code, int) and code else EXIT_USAGE
    return result if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())

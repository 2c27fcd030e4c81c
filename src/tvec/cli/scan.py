"""``tvec scan``: the main job: store items and signals, match them, report matches."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from tvec.app import scan as use
from tvec.cli.context import context, err, out, settings
from tvec.errors import UsageError
from tvec.views.base import dumps
from tvec.views.scan import ScanView


def _print_summary(result: ScanView) -> None:
    table = Table(title=f"scan {result.scan_id}: {result.status}")
    table.add_column("count")
    table.add_column("value", justify="right")
    for key, value in result.counts.model_dump().items():
        table.add_row(key.replace("_", " "), str(value))
    out.print(table)
    if result.matches:
        matches = Table(title=f"{len(result.matches)} match(es)")
        matches.add_column("item", overflow="fold", ratio=3)
        matches.add_column("signal")
        matches.add_column("distance", justify="right")
        matches.add_column("bank", overflow="fold")
        matches.add_column("entity / note", overflow="fold", ratio=2)
        for m in result.matches:
            labels = m.labels
            described = " / ".join(str(labels[k]) for k in ("entity", "note") if k in labels)
            if "found_by" in labels:
                described += f" (found by {labels['found_by']})"
            matches.add_row(m.item, m.signal_type, str(m.distance), m.bank, described)
        out.print(matches)
    else:
        out.print("no matches")
    if result.errors:
        errors = Table(title=f"{len(result.errors)} item error(s)")
        errors.add_column("item", overflow="fold")
        errors.add_column("kind")
        errors.add_column("error", overflow="fold", ratio=2)
        for e in result.errors:
            errors.add_row(e.item, e.kind, e.error)
        err.print(errors)


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
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Prepare files and posts on this Dask scheduler (tcp://HOST:8786; default: "
            "TVEC_DASK_SCHEDULER; docs/scale.md).",
        ),
    ] = None,
) -> None:
    """Scan content: store items and signals, match them against banks, report matches.

    Exit code 0 when every item was read, 1 when some items had errors (listed).
    """
    current = settings()
    if json_out and json_out != "-":
        parent = Path(json_out).resolve().parent
        if not parent.is_dir():
            raise UsageError(f"--json {json_out}: folder {parent} does not exist")
    ctx = context()
    show_progress = current.progress and err.is_terminal and json_out != "-"
    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} items"),
        TimeElapsedColumn(),
        console=err.console,
        disable=not show_progress,
        transient=True,
    ) as progress:
        task = progress.add_task("scanning", total=None)

        terminated: list[int] = []

        def on_item(done: int, name: str) -> None:
            progress.update(task, completed=done, description=f"scanning {name[-60:]}")
            if terminated:  # a safe point: the batch holding this item is committed
                raise KeyboardInterrupt

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            # Only noted here: raising at an arbitrary point could interrupt a commit and
            # leave the scan row ``running``; the scan stops after the batch it is storing.
            terminated.append(signum)

        previous = signal.signal(signal.SIGTERM, on_sigterm)
        try:
            result = use.scan(ctx, paths, banks=banks, progress=on_item, scheduler=scheduler)
        except KeyboardInterrupt:
            if not terminated:
                raise
            err.print(
                "scan stopped by SIGTERM: the batches stored so far are kept and the scan "
                "is marked interrupted; run the same scan again to go on"
            )
            raise typer.Exit(143) from None
        finally:
            signal.signal(signal.SIGTERM, previous)
    document = dumps(result)
    if json_out == "-":
        typer.echo(document)
    else:
        _print_summary(result)
        if json_out:
            Path(json_out).write_text(document + "\n", encoding="utf-8")
            err.print(f"wrote {json_out}")
    raise typer.Exit(1 if result.errors else 0)

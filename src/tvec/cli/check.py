"""``tvec check``: status checks of alerted URLs (``run``) and what they found (``list``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from tvec.app import takedowns as use
from tvec.cli.context import context, err, out, print_json
from tvec.views.takedowns import CheckHistoryView

app = typer.Typer(
    help="Status checks: is alerted content still online? (docs/status-checks.md)",
    no_args_is_help=True,
)

#: Actor recorded in the audit log for removals confirmed by a CLI run.
ACTOR = "cli"
#: Width of the console a table goes to in a pipe or file when it is narrower than this.
PIPE_MIN_WIDTH = 200


def _table(*headers: str, title: str | None = None) -> Table:
    """A table in the style of ``tvec stats removals``: a rule under the header, no frame."""
    return Table(*headers, title=title, box=box.SIMPLE_HEAD, pad_edge=False, title_justify="left")


def _print_table(table: Table) -> None:
    """Print ``table``: fitted to a terminal's width; to a pipe or file at its natural width
    (every URL on one line, whatever ``COLUMNS`` says), as ``tvec stats removals`` does."""
    if out.is_terminal:
        out.print(table)
        return
    probe = Console(highlight=False, width=PIPE_MIN_WIDTH)
    natural = Measurement.get(probe, probe.options.update_width(10**6), table).maximum
    Console(highlight=False, width=max(PIPE_MIN_WIDTH, natural)).print(table)


def _time(moment: datetime | None, *, seconds: bool = False) -> str:
    """A UTC time for tables (``YYYY-MM-DD HH:MM``, with ``:SS`` if asked), ``""`` if None."""
    shape = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    return moment.strftime(shape) if moment is not None else ""


@app.command("run")
def run(
    urls: Annotated[
        list[str] | None,
        typer.Argument(help="URLs to check now as well (tracked from now on if new)."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=0, help="Check at most N due URLs (named ones besides).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Check every URL that is due, and the URLs named; print what each check found."""
    ctx = context()
    show_progress = ctx.settings.progress and err.is_terminal and not as_json
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=err.console,
        disable=not show_progress,
        transient=True,
    ) as bar:
        task = bar.add_task("checking", total=None)

        def on_check(done: int, total: int, url: str) -> None:
            bar.update(task, completed=done, total=total, description=f"checking {url[-60:]}")

        report = use.run_checks(ctx, urls=urls or None, limit=limit, actor=ACTOR, progress=on_check)
    if as_json:
        print_json(report)
        return
    counts = ", ".join(f"{n} {key}" for key, n in sorted(report.counts.items()) if n)
    table = _table(title=f"{counts} (times UTC)" if counts else None)
    table.add_column("url", overflow="fold")
    for name in ("result", "http"):
        table.add_column(name, no_wrap=True)
    table.add_column("route / reason", overflow="fold")
    for name in ("state", "next check"):
        table.add_column(name)
    if not report.checks:
        out.print("no URL is due for a check")
        return
    for check in report.checks:
        if check.result is None:
            result, status, why = "skipped", "", check.reason or ""
        else:
            result, status = check.result, str(check.http_status or "")
            reason = check.reason or ""
            why = f"{check.route}: {reason}" if check.route else reason
        table.add_row(
            escape(check.url), result, status, escape(why), check.state, _time(check.next_check_at)
        )
    _print_table(table)


@app.command("list")
def list_(
    url: Annotated[str | None, typer.Option("--url", help="Show this URL's check history.")] = None,
    state: Annotated[
        str | None, typer.Option(help="Only takedowns in this state: tracking, removed, stopped.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List tracked URLs with their state and times, or one URL's status checks."""
    if url is not None:
        history = use.check_history(context(), url)
        if as_json:
            print_json(history)
            return
        _print_history(history)
        return
    rows = use.list_takedowns(context(), state=state)
    if as_json:
        print_json(rows)
        return
    table = _table(title=f"{len(rows)} takedown(s) (times UTC)")
    table.add_column("url", overflow="fold")
    table.add_column("platform", overflow="fold")
    for name in ("state", "checks", "last result", "last online", "removed at", "next check"):
        table.add_column(name, no_wrap=name in ("state", "last result"))
    for r in rows:
        table.add_row(
            escape(r.url),
            escape(r.platform or ""),
            r.state,
            str(r.checks),
            r.last_result or "",
            _time(r.last_online_at),
            _time(r.removed_at),
            _time(r.next_check_at),
        )
    _print_table(table)


def _print_history(history: CheckHistoryView) -> None:
    takedown = history.takedown
    if takedown is None:
        out.print(f"{history.url}: not tracked", markup=False)
    else:
        out.print(
            f"{history.url}: {takedown.state}, {takedown.checks} check(s), last online "
            f"{_time(takedown.last_online_at) or '-'}, removed at "
            f"{_time(takedown.removed_at) or '-'}, confirmed at "
            f"{_time(takedown.confirmed_at) or '-'}",
            markup=False,
        )
    table = _table("checked at", "result", "http", "route")
    table.add_column("final url", overflow="fold")
    table.add_column("reason", overflow="fold")
    for c in history.checks:
        table.add_row(
            _time(c.checked_at, seconds=True),
            c.result,
            str(c.http_status or ""),
            c.route or "",
            escape(c.final_url or ""),
            escape(c.reason),
        )
    _print_table(table)

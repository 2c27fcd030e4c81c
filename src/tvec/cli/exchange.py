"""``tvec exchange``: add, list, show, fetch, enable, disable and remove exchanges, and send
their feedback."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from tvec.app import exchanges as use
from tvec.cli.context import context, err, out, print_json
from tvec.exchanges.apply import ApplyCounts
from tvec.views.exchanges import ExchangeFetchView, ExchangeView

ACTOR = "cli"

app = typer.Typer(
    help="Fetch hash and URL lists from the field (TAT, ThreatExchange, HMA, URL lists) into "
    "banks.",
    no_args_is_help=True,
)


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Name of the exchange (letters, digits, . _ -).")],
    kind: Annotated[
        str, typer.Option("--kind", help="tat, threatexchange, hma, file or url-list.")
    ],
    url: Annotated[str | None, typer.Option(help="List URL (hma, url-list).")] = None,
    path: Annotated[str | None, typer.Option(help="List file (file).")] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="List format: lines, csv, tcap, hma or auto."),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="API base URL (tat, threatexchange; default: the real one).")
    ] = None,
    privacy_group: Annotated[
        str | None, typer.Option(help="ThreatExchange privacy group id (threatexchange).")
    ] = None,
    credential_env: Annotated[
        str | None,
        typer.Option(help="Environment variable holding the credential (never the credential)."),
    ] = None,
    credential_file: Annotated[
        str | None, typer.Option(help="File holding the credential (never the credential).")
    ] = None,
    bank: Annotated[str | None, typer.Option(help="Name of its bank (default: NAME).")] = None,
    interval: Annotated[int, typer.Option(help="Seconds between fetches by tvec watch.")] = 3600,
    feedback: Annotated[
        bool, typer.Option(help="Send reviewers' decisions back (threatexchange).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Configure an exchange with a bank of its own."""
    config = {
        "url": url,
        "path": path,
        "format": fmt,
        "base_url": base_url,
        "privacy_group": privacy_group,
        "credential_env": credential_env,
        "credential_file": credential_file,
    }
    view = use.create_exchange(
        context(),
        name,
        kind,
        config,
        bank=bank,
        interval_seconds=interval,
        feedback=feedback,
        actor=ACTOR,
    )
    if as_json:
        print_json(view)
        return
    out.print(f"added exchange {view.name} ({view.kind}) into bank {view.bank}", markup=False)


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List exchanges: state, entries, last fetch, next run."""
    views = use.list_exchanges(context())
    if as_json:
        print_json(views)
        return
    table = Table("exchange", "kind", "state", "entries", "last fetch", "next run", "errors")
    for v in views:
        table.add_row(
            v.name,
            v.kind,
            v.state,
            str(v.entries),
            _when(v.last_fetch_at),
            _when(v.next_fetch_at),
            str(len(v.last_errors)),
        )
    out.print(table)


def _show(view: ExchangeView) -> None:
    out.print(f"{view.name} ({view.kind}) → bank {view.bank}: {view.state}", markup=False)
    out.print(
        f"  entries {view.entries}; last fetch {_when(view.last_fetch_at)}; "
        f"next {_when(view.next_fetch_at)}; feedback {'on' if view.feedback else 'off'}",
        markup=False,
    )
    out.print(f"  config {view.config}", markup=False)
    out.print(f"  checkpoint {view.checkpoint}; last counts {view.last_counts}", markup=False)
    for problem in view.last_errors:
        err.print(f"  {problem}", markup=False)


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Exchange name.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show an exchange: configuration, checkpoint, last fetch and its problems."""
    view = use.exchange_status(context(), name)
    if as_json:
        print_json(view)
        return
    _show(view)


def _fetch_one(name: str, show_progress: bool) -> ExchangeFetchView:
    ctx = context()
    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        TimeElapsedColumn(),
        console=err.console,
        transient=True,
        disable=not show_progress,
    ) as progress:
        task = progress.add_task(f"{name}: starting", total=None)

        def on_page(pages: int, counts: ApplyCounts) -> None:
            progress.update(
                task,
                description=(
                    f"{name}: page {pages}, {counts.added} added, {counts.updated} changed, "
                    f"{counts.deleted} deleted, {len(counts.problems)} problem(s)"
                ),
            )

        return use.fetch_exchange(ctx, name, actor=ACTOR, on_page=on_page)


@app.command("fetch")
def fetch(
    name: Annotated[
        str | None, typer.Argument(help="Exchange (default: every enabled one).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Fetch exchanges from their checkpoints now (exit 1 when a fetch had problems)."""
    ctx = context()
    names = [name] if name else [v.name for v in use.list_exchanges(ctx) if v.enabled]
    show_progress = ctx.settings.progress and err.is_terminal and not as_json
    results = [_fetch_one(n, show_progress) for n in names]
    if as_json:
        print_json(results)
    else:
        for r in results:
            out.print(
                f"{r.name}: {r.pages} page(s), {r.added} added, {r.updated} changed, "
                f"{r.deleted} deleted, {r.unchanged} unchanged; {r.entries} entries"
                + ("" if r.complete else " (stopped: see errors)"),
                markup=False,
            )
            for problem in r.errors:
                err.print(f"  {problem}", markup=False)
    if any(r.errors for r in results):
        raise typer.Exit(1)


@app.command("enable")
def enable(name: Annotated[str, typer.Argument(help="Exchange name.")]) -> None:
    """Enable an exchange (tvec watch fetches it again)."""
    use.change_exchange(context(), name, enabled=True, actor=ACTOR)
    out.print(f"enabled exchange {name}", markup=False)


@app.command("disable")
def disable(name: Annotated[str, typer.Argument(help="Exchange name.")]) -> None:
    """Disable an exchange (its bank stays and still matches)."""
    use.change_exchange(context(), name, enabled=False, actor=ACTOR)
    out.print(f"disabled exchange {name}", markup=False)


@app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="Exchange name.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
) -> None:
    """Remove an exchange and its bank."""
    if not yes and not typer.confirm(f"remove exchange {name} and its bank?"):
        raise typer.Exit(1)
    count = use.remove_exchange(context(), name, actor=ACTOR)
    out.print(f"removed exchange {name} and its bank ({count} entries)", markup=False)


@app.command("feedback")
def feedback(
    name: Annotated[str | None, typer.Argument(help="Exchange (default: all).")] = None,
    send: Annotated[bool, typer.Option("--send", help="Send what is due now.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the feedback outbox, or send what is due (--send)."""
    ctx = context()
    if send:
        run = use.send_feedback(ctx, actor=ACTOR)
        if as_json:
            print_json(run)
        else:
            out.print(f"sent {run.sent}, failed {run.failed}, waiting {run.waiting}", markup=False)
        return
    rows = use.list_feedback(ctx, name)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "exchange", "case", "record", "opinion", "state", "attempts", "error")
    for r in rows:
        table.add_row(
            str(r.id),
            r.exchange,
            str(r.case_id or ""),
            r.source_id,
            r.opinion,
            r.state,
            str(r.attempts),
            r.last_error or "",
        )
    out.print(table)

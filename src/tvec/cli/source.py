"""``tvec source``: add, list, show, enable, disable, remove and poll collection sources."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from tvec.app import collection as use
from tvec.cli.context import context, err, out, print_json
from tvec.collection.kinds import KINDS
from tvec.views.collection import PollOutcomeView

ACTOR = "cli"

app = typer.Typer(
    help="Manage beacon sources (Telegram exports, feeds, web archives, post files, URL lists, "
    "TCAP exports) and poll them.",
    no_args_is_help=True,
)

_KIND_HELP = "Source kind: " + ", ".join(KINDS) + "."


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Unique name of the source.")],
    kind: Annotated[str, typer.Argument(help=_KIND_HELP)],
    locator: Annotated[str, typer.Argument(help="http(s) URL or local path.")],
    platform: Annotated[
        str | None, typer.Option(help="Platform the source lives on (default: from its URL).")
    ] = None,
    entity: Annotated[
        str | None, typer.Option(help="Group the source belongs to, when known.")
    ] = None,
    language: Annotated[str | None, typer.Option(help="Main language (e.g. ar, en).")] = None,
    notes: Annotated[str | None, typer.Option(help="Free-text notes.")] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="csv/jsonl column mapping FIELD=COLUMN (fields: id, text, url, posted_at, "
            "links, author); repeatable.",
        ),
    ] = None,
) -> None:
    """Register a source to collect from."""
    view = use.add_source(
        context(),
        name,
        kind,
        locator,
        platform=platform,
        entity=entity,
        language=language,
        notes=notes,
        mapping=mapping or [],
        actor=ACTOR,
    )
    out.print(f"added source {view.name} ({view.kind}: {view.locator})", markup=False)


@app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List sources with kind, state and item counts."""
    views = use.list_sources(context())
    if as_json:
        print_json(views)
        return
    table = Table("source", "kind", "enabled", "platform", "entity", "items", "last poll")
    for v in views:
        last = f"{v.state.get('last_status', '-')} {v.state.get('last_polled_at', '')}".strip()
        table.add_row(
            v.name,
            v.kind,
            "yes" if v.enabled else "no",
            v.platform or "",
            v.entity or "",
            str(v.items),
            last,
        )
    out.print(table)


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Source name.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one source with its options and polling state."""
    view = use.show_source(context(), name)
    if as_json:
        print_json(view)
        return
    for key, value in view.model_dump(mode="json").items():
        out.print(f"{key}: {value}", markup=False)


@app.command("enable")
def enable(name: Annotated[str, typer.Argument(help="Source name.")]) -> None:
    """Enable a source (it is polled again)."""
    use.set_enabled(context(), name, True, actor=ACTOR)
    out.print(f"enabled source {name}", markup=False)


@app.command("disable")
def disable(name: Annotated[str, typer.Argument(help="Source name.")]) -> None:
    """Disable a source (it is no longer polled; its items stay)."""
    use.set_enabled(context(), name, False, actor=ACTOR)
    out.print(f"disabled source {name}", markup=False)


@app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="Source name.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove a source; its items and out-link sightings stay (without a source)."""
    if not yes and not typer.confirm(f"Remove source {name}?"):
        raise typer.Exit(2)
    count = use.remove_source(context(), name, actor=ACTOR)
    out.print(f"removed source {name} ({count} items kept)", markup=False)


def print_outcomes(outcomes: list[PollOutcomeView]) -> None:
    """A table of poll outcomes on stdout, item errors and problems on stderr."""
    table = Table("source", "status", "new", "changed", "unchanged", "errors", "scan")
    for o in outcomes:
        table.add_row(
            o.source,
            o.status,
            str(o.counts.get("new", "")),
            str(o.counts.get("changed", "")),
            str(o.counts.get("unchanged", "")),
            str(len(o.errors)),
            str(o.scan_id or ""),
        )
    out.print(table)
    for o in outcomes:
        if o.problem and o.status == "error":
            err.print(f"{o.source}: {o.problem}", markup=False)
        for e in o.errors:
            err.print(f"{o.source}: {e['item']}: [{e['kind']}] {e['error']}", markup=False)


@app.command("poll")
def poll(
    names: Annotated[
        list[str] | None, typer.Argument(help="Sources to poll (default: every enabled one).")
    ] = None,
    banks: Annotated[
        list[str] | None,
        typer.Option("--bank", help="Match only against this bank (repeatable)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Fetch what is new from sources into items, signals, matches and out-links.

    Exit code 1 when a source failed or some items had errors.
    """
    outcomes = use.poll(context(), names or None, banks=banks or None)
    if as_json:
        print_json(outcomes)
    else:
        print_outcomes(outcomes)
    failed = any(o.status == "error" or o.errors for o in outcomes)
    raise typer.Exit(1 if failed else 0)

"""``tvec entity``: list, search and show the entities in force, and import designation lists
(UN, EU, UK, US; ``docs/designations.md``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tvec.app import entities as use
from tvec.cli.context import context, out, print_json
from tvec.errors import UsageError
from tvec.views.entities import EntitySummaryView, ImportView

ACTOR = "cli"

app = typer.Typer(
    help="Entities: list, search and show designated groups; import designation lists.",
    no_args_is_help=True,
)

_Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _table(rows: list[EntitySummaryView]) -> None:
    table = Table("id", "name", "ideology", "lists", "origin", title=f"{len(rows)} entities")
    for e in rows:
        table.add_row(e.id, e.name, e.ideology, ", ".join(e.lists), e.origin)
    out.print(table)


@app.command("list")
def list_(
    jurisdiction: Annotated[
        str | None,
        typer.Option(
            help="Only entities listed by this jurisdiction (UN, EU, UK, US) or list key."
        ),
    ] = None,
    as_json: _Json = False,
) -> None:
    """List the entities in force: packaged, TVEC_ENTITIES_FILE and imported."""
    rows = use.list_entities(context(), jurisdiction=jurisdiction)
    if as_json:
        print_json(rows)
        return
    _table(rows)


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="A name or alias, or part of one, any script.")],
    as_json: _Json = False,
) -> None:
    """Entities a name, alias or outlet name matches (exact matches first)."""
    rows = use.list_entities(context(), query=query)
    if as_json:
        print_json(rows)
        return
    _table(rows)


@app.command("show")
def show(
    entity: Annotated[str, typer.Argument(help="Entity id, or its exact name or alias.")],
    as_json: _Json = False,
) -> None:
    """Show one entity: names in every script, outlets, designations (own and inherited)."""
    view = use.show_entity(context(), entity)
    if as_json:
        print_json(view)
        return
    out.print(f"{view.id}: {view.name} ({view.ideology}, {view.origin})", markup=False)
    if view.parent:
        out.print(f"parent: {view.parent} ({view.relation})", markup=False)
    out.print(f"source: {view.source}", markup=False)
    out.print("names:", markup=False)
    for name in view.names:
        out.print(f"  {name.text}  [{name.lang}, {name.script}, {name.match}]", markup=False)
    for outlet in view.outlets:
        out.print(f"outlet: {outlet.name} ({outlet.kind})", markup=False)
    out.print("designations:", markup=False)
    for d in view.designations:
        parts = [d.list_key, d.jurisdiction, d.reference, str(d.date or "date unknown")]
        inherited = f" (through {d.inherited_from})" if d.inherited_from else ""
        out.print(f"  {' | '.join(p for p in parts if p)}{inherited}: {d.list_name}", markup=False)
    if view.children:
        out.print(f"children: {', '.join(view.children)}", markup=False)


def _print_plan(view: ImportView) -> None:
    skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(view.skipped.items()))
    out.print(
        f"{view.file} ({view.format}): {view.entries} entries: {view.new} new, "
        f"{view.changed} changed, {view.gone} gone, {view.unchanged} unchanged"
        + (f"; skipped: {skipped}" if skipped else ""),
        markup=False,
    )
    for change in view.changes:
        entity = f"{change.entity_id} (new entity)" if change.new_entity else change.entity_id
        fields = f" [{', '.join(change.fields)}]" if change.fields else ""
        sign = {"new": "+", "changed": "~", "gone": "-"}[change.change]
        out.print(
            f"  {sign} {change.list_key} {change.reference}: {change.name} -> {entity}{fields}",
            markup=False,
        )


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="The saved list file.", show_default=False)],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="un (UN consolidated list XML), eu (EU financial sanctions XML), uk (gov.uk "
            "proscribed groups page, HTML), us (State Department FTO page, HTML).",
        ),
    ],
    yes: Annotated[bool, typer.Option("--yes", help="Apply without asking.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the changes; write nothing.")
    ] = False,
    as_json: _Json = False,
) -> None:
    """Import a designation list: show what is new, changed and gone, then write it (asks
    unless --yes). Every import is audited."""
    if yes and dry_run:
        raise UsageError("give --yes or --dry-run, not both")
    ctx = context()
    preview = use.preview_import(ctx, fmt, file)
    if dry_run:
        print_json(preview) if as_json else _print_plan(preview)
        return
    if not yes:
        _print_plan(preview)
        if not sys.stdin.isatty():
            raise UsageError("not a terminal: pass --yes to apply or --dry-run to only show")
        if not typer.confirm("Apply these changes?", default=False):
            out.print("nothing written", markup=False)
            raise typer.Exit(1)
    done = use.import_list(ctx, fmt, file, ACTOR, expected_digest=preview.digest)
    if as_json:
        print_json(done)
        return
    if yes:
        _print_plan(done)
    out.print("imported", markup=False)

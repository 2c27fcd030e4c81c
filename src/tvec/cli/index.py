"""``tvec index``: the persisted match index (status, rebuild, verify, compact)."""

from __future__ import annotations

from typing import Annotated

import typer

from tvec.app import index as use
from tvec.cli.context import context, err, out, print_json
from tvec.views.index import IndexStatusView

app = typer.Typer(
    help="The persisted match index shared by every process that matches: status, rebuild, "
    "verify, compact.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _print_status(view: IndexStatusView) -> None:
    if not view.exists:
        out.print(
            f"no index in {view.folder} (database at bank version {view.database_version}; "
            "the first match builds it, or run 'tvec index rebuild')",
            markup=False,
        )
        return
    out.print(
        f"index {view.folder}: version {view.version} (database {view.database_version}), "
        f"{view.pdq_entries} pdq and {view.exact_entries} exact entries, "
        f"{view.vpdq_frames} vpdq frames, "
        f"{view.tombstones} tombstones, {view.segments} segments, {view.bytes} bytes",
        markup=False,
    )


@app.command("status")
def status(as_json: JsonOption = False) -> None:
    """Print the index's folder, version (against the database's), entries and size."""
    view = use.status(context())
    print_json(view) if as_json else _print_status(view)


@app.command("rebuild")
def rebuild(as_json: JsonOption = False) -> None:
    """Build the index afresh from the bank entries."""
    view = use.rebuild(context())
    print_json(view) if as_json else _print_status(view)


@app.command("verify")
def verify(as_json: JsonOption = False) -> None:
    """Check the index files and their entries against the database; exit 1 on a problem."""
    view = use.verify(context())
    if as_json:
        print_json(view)
    elif view.ok:
        out.print(f"index {view.folder}: ok", markup=False)
    else:
        for problem in view.problems:
            err.print(f"index {view.folder}: {problem}", markup=False)
    if not view.ok:
        raise typer.Exit(1)


@app.command("compact")
def compact(as_json: JsonOption = False) -> None:
    """Rewrite the index without the rows removed since it was built."""
    view = use.compact(context())
    if as_json:
        print_json(view)
    else:
        out.print(
            f"index {view.folder}: {view.bytes_before} bytes before, {view.bytes_after} after",
            markup=False,
        )

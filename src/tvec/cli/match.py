"""``tvec match``: look signal values or files up in the banks (:mod:`tvec.app.matching`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tvec.app import matching as use
from tvec.cli.context import context, err, out, print_json
from tvec.views.matching import LookupMatchView


def match(
    items: Annotated[
        list[str],
        typer.Argument(
            help="Files to hash and look up; with --signal-type, values of that type.",
            metavar="FILE_OR_VALUE...",
        ),
    ],
    signal_type: Annotated[
        str | None,
        typer.Option(
            "--signal-type",
            "-t",
            help="Look up the arguments as values of this signal type (pdq, md5, url...).",
        ),
    ] = None,
    banks: Annotated[
        list[str] | None,
        typer.Option(
            "--bank", help="Match only against this bank (repeatable; default: all banks)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the bank entries that signal values or files match: distance, bank and labels.

    'tvec match --signal-type pdq HASH' looks up a value; 'tvec match FILE...' hashes the
    files as a scan would (nothing is stored) and looks up every signal. A url value is
    looked up with its url_md5 too. Exit code 0 whether or not anything matched, 1 when a
    file could not be read or hashed in full, 2 for an unknown signal type, an invalid value
    or a missing file or bank.
    """
    if signal_type is not None:
        found = use.lookup_values(context(), signal_type, items, banks=banks)
    else:
        found = use.lookup_files(context(), [Path(item) for item in items], banks=banks)
    for error in found.errors:
        err.print(f"error: {error.error}", markup=False)
    if as_json:
        print_json(found)
    else:
        _print_matches(found.matches)
    raise typer.Exit(1 if found.errors else 0)


def _print_matches(found: list[LookupMatchView]) -> None:
    if not found:
        typer.echo("no matches")  # what Rich prints for it, without importing Rich
        return
    from rich.table import Table  # only to print a table

    table = Table(title=f"{len(found)} match(es)")
    table.add_column("query", overflow="fold", ratio=2)
    table.add_column("signal type")
    table.add_column("distance", justify="right")
    table.add_column("bank")
    table.add_column("entry", justify="right")
    table.add_column("labels", overflow="fold", ratio=2)
    for m in found:
        labels = ", ".join(f"{k}={v}" for k, v in m.labels.items())
        table.add_row(m.query, m.signal_type, str(m.distance), m.bank, str(m.entry_id), labels)
    out.print(table)

"""``tvec match``: look signal values or files up in the banks (:mod:`tvec.matching.lookup`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tvec.cli.context import err, out, settings, store
from tvec.errors import InvalidSignalError, NotFoundError, UsageError
from tvec.matching.lookup import LookupMatch, Query, lookup, query_for_file, query_for_value
from tvec.signals.pdq_variants import PDQOptions


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
    current = settings()
    queries: list[Query] = []
    if signal_type is not None:
        for value in items:
            try:
                queries.append(query_for_value(signal_type, value))
            except InvalidSignalError as exc:
                raise UsageError(str(exc)) from exc
    else:
        for item in items:
            if not Path(item).is_file():
                raise NotFoundError(
                    f"{item}: no such file (to look up a value, give --signal-type)"
                )
        queries = [
            query_for_file(
                Path(item),
                max_pixels=current.max_image_pixels,
                max_file_bytes=current.max_file_bytes,
                pdq=PDQOptions.from_settings(current),
            )
            for item in items
        ]
    found = lookup(store(), queries, banks=banks or None)
    errors = [q.error for q in queries if q.error is not None]
    for error in errors:
        err.print(f"error: {error}", markup=False)
    if as_json:
        document = {
            "matches": [m.as_json() for m in found],
            "errors": [{"query": e.source, "kind": e.kind, "error": str(e)} for e in errors],
        }
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        _print_matches(found)
    raise typer.Exit(1 if errors else 0)


def _print_matches(found: list[LookupMatch]) -> None:
    if not found:
        out.print("no matches")
        return
    table = Table(title=f"{len(found)} match(es)")
    table.add_column("query", overflow="fold", ratio=2)
    table.add_column("signal type")
    table.add_column("distance", justify="right")
    table.add_column("bank")
    table.add_column("entry", justify="right")
    table.add_column("labels", overflow="fold", ratio=2)
    for m in found:
        labels = ", ".join(f"{k}={v}" for k, v in m.hit.labels.items())
        table.add_row(
            m.source,
            m.signal.signal_type,
            str(m.hit.distance),
            m.hit.bank,
            str(m.hit.entry_id),
            labels,
        )
    out.print(table)

"""``tvec outlinks`` and ``tvec watch``: collection commands at the top level."""

from __future__ import annotations

import json
import threading
from typing import Annotated

import typer
from rich.table import Table

from tvec.cli.context import err, out, settings, store
from tvec.cli.source import print_outcomes
from tvec.collection.poll import PollOutcome
from tvec.collection.sightings import list_outlinks
from tvec.collection.watch import stop_on_signals, watch


def outlinks(
    source: Annotated[
        str | None, typer.Option("--source", help="Only out-links seen in this source.")
    ] = None,
    platform: Annotated[
        str | None,
        typer.Option("--platform", help="Only out-links on this platform ('unknown': none)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List each canonical out-link with the text as seen, its platform and its sightings."""
    views = list_outlinks(store(), source=source, platform=platform)
    if as_json:
        typer.echo(json.dumps([v.as_json() for v in views], indent=2, ensure_ascii=False))
        return
    table = Table("url", "platform", "seen as", "sightings", "last seen", title=f"{len(views)}")
    for v in views:
        where = v.platform if v.platform != "unknown" else f"unknown ({v.registrable_domain})"
        table.add_row(v.url, where, " | ".join(v.seen_as), str(len(v.sightings)), v.last_seen_at)
    out.print(table)


def watch_command(
    names: Annotated[
        list[str] | None, typer.Argument(help="Sources to poll (default: every enabled one).")
    ] = None,
    interval: Annotated[
        float | None,
        typer.Option(help="Seconds between rounds (default: TVEC_WATCH_INTERVAL_SECONDS)."),
    ] = None,
    rounds: Annotated[
        int | None, typer.Option(help="Stop after this many rounds (default: never).")
    ] = None,
) -> None:
    """Poll sources on an interval until stopped (SIGINT/SIGTERM stop cleanly)."""
    stop = threading.Event()
    stop_on_signals(stop)
    every = interval if interval is not None else settings().watch_interval_seconds

    def report(number: int, outcomes: list[PollOutcome]) -> None:
        err.print(f"round {number}", markup=False)
        print_outcomes(outcomes)

    done = watch(
        store(), interval=every, stop=stop, names=names or None, rounds=rounds, on_round=report
    )
    err.print(f"stopped after {done} round(s)", markup=False)

"""``tvec outlinks`` and ``tvec watch``: collection commands at the top level."""

from __future__ import annotations

import json
import threading
from typing import Annotated

import typer
from rich.table import Table

from tvec.app.rounds import seconds_to_next_due, takedown_round
from tvec.cli.context import err, out, settings, store
from tvec.cli.source import print_outcomes
from tvec.collection.poll import PollOutcome
from tvec.collection.registry import get_source
from tvec.collection.watch import stop_on_signals, watch
from tvec.net.http import HttpClient
from tvec.outlinks.sightings import list_outlinks


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
    the_store = store()
    source_id = None
    if source is not None:
        with the_store.session() as session:
            source_id = get_source(session, source).id
    views = list_outlinks(the_store, source_id=source_id, platform=platform)
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
    alerts: Annotated[
        bool, typer.Option("--alerts/--no-alerts", help="Deliver due alert batches.")
    ] = True,
    checks: Annotated[
        bool, typer.Option("--checks/--no-checks", help="Run due status checks.")
    ] = True,
    orders: Annotated[
        bool,
        typer.Option("--orders/--no-orders", help="Make removal orders past their hour overdue."),
    ] = True,
) -> None:
    """Poll sources on an interval until stopped (SIGINT/SIGTERM stop cleanly); between
    polls, deliver due alerts, run due status checks and sweep removal orders."""
    stop = threading.Event()
    stop_on_signals(stop)
    every = interval if interval is not None else settings().watch_interval_seconds
    opened = store()

    def report(number: int, outcomes: list[PollOutcome]) -> None:
        err.print(f"round {number}", markup=False)
        print_outcomes(outcomes)

    def takedown_work(client: HttpClient) -> None:
        work = takedown_round(opened, client, alerts=alerts, checks=checks, orders=orders)
        err.print(f"takedowns: {work.summary()}", markup=False)

    busy = alerts or checks or orders
    done = watch(
        opened,
        interval=every,
        stop=stop,
        names=names or None,
        rounds=rounds,
        on_round=report,
        between=takedown_work if busy else None,
        next_due=(lambda: seconds_to_next_due(opened)) if (checks or orders) else None,
    )
    err.print(f"stopped after {done} round(s)", markup=False)

"""``tvec outlinks`` and ``tvec watch``: collection commands at the top level."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from tvec.app import collection as use
from tvec.cli.context import context, err, out, print_json
from tvec.cli.source import print_outcomes
from tvec.clock import rfc3339
from tvec.views.collection import PollOutcomeView

if TYPE_CHECKING:
    from tvec.app.rounds import TakedownRound


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
    views = use.outlinks(context(), source=source, platform=platform)
    if as_json:
        print_json(views)
        return
    table = Table("url", "platform", "seen as", "sightings", "last seen", title=f"{len(views)}")
    for v in views:
        where = v.platform if v.platform != "unknown" else f"unknown ({v.registrable_domain})"
        table.add_row(
            v.url, where, " | ".join(v.seen_as), str(len(v.sightings)), rfc3339(v.last_seen_at)
        )
    out.print(table)


def outlinks_expand(
    limit: Annotated[int | None, typer.Option(help="Expand at most this many.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Expand stored short links (bit.ly...) to the platform hosting the content."""
    from tvec.app.shortlinks import expand_short_outlinks

    views = expand_short_outlinks(context(), limit=limit)
    if as_json:
        print_json(views)
        return
    table = Table("short link", "leads to", "platform", "error", title=f"{len(views)}")
    for v in views:
        table.add_row(v.url, v.final, v.platform, v.error or "")
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
    from tvec.collection.watch import stop_on_signals  # polls scan: imported to watch only

    stop_on_signals(stop)
    ctx = context()
    every = interval if interval is not None else ctx.settings.watch_interval_seconds

    def report(number: int, outcomes: list[PollOutcomeView]) -> None:
        err.print(f"round {number}", markup=False)
        print_outcomes(outcomes)

    def takedowns(work: TakedownRound) -> None:
        err.print(f"takedowns: {work.summary()}", markup=False)

    done = use.watch_sources(
        ctx,
        interval=every,
        stop=stop,
        names=names or None,
        rounds=rounds,
        alerts=alerts,
        checks=checks,
        orders=orders,
        on_round=report,
        on_takedowns=takedowns,
    )
    err.print(f"stopped after {done} round(s)", markup=False)

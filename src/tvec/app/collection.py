"""Use cases of collection, for ``tvec source``, ``tvec outlinks`` and ``tvec watch``.

Each takes the :class:`~tvec.app.context.AppContext` first and runs in its own transaction;
polls go through the context's outbound client (:meth:`AppContext.http`). Changes to
sources are audited as ``actor`` (:mod:`tvec.collection.registry`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from tvec.app.context import AppContext
from tvec.collection import registry
from tvec.outlinks.sightings import list_outlinks
from tvec.views.collection import PollOutcomeView, SourceView
from tvec.views.outlinks import OutlinkView

if TYPE_CHECKING:  # polling scans (the matcher's numba kernels): imported when a poll runs
    from tvec.app.rounds import TakedownRound
    from tvec.collection.watch import RoundReport
    from tvec.net.http import HttpClient


def add_source(
    ctx: AppContext,
    name: str,
    kind: str,
    locator: str,
    *,
    actor: str,
    platform: str | None = None,
    entity: str | None = None,
    language: str | None = None,
    notes: str | None = None,
    mapping: Iterable[str] = (),
) -> SourceView:
    """Register a source (:func:`tvec.collection.registry.add_source`; audited).

    Raises:
        UsageError: bad kind, name, locator or mapping; NotFoundError: a missing local path.
    """
    with ctx.write() as session:
        return registry.add_source(
            session,
            name,
            kind,
            locator,
            platform=platform,
            entity=entity,
            language=language,
            notes=notes,
            mapping=mapping,
            actor=actor,
        )


def list_sources(ctx: AppContext) -> list[SourceView]:
    """Every source, by name."""
    with ctx.read() as session:
        return registry.list_sources(session)


def show_source(ctx: AppContext, name: str) -> SourceView:
    """One source. Raises NotFoundError."""
    with ctx.read() as session:
        return registry.show_source(session, name)


def set_enabled(ctx: AppContext, name: str, enabled: bool, *, actor: str) -> SourceView:
    """Enable or disable a source (audited when it changes). Raises NotFoundError."""
    with ctx.write() as session:
        return registry.set_enabled(session, name, enabled, actor=actor)


def remove_source(ctx: AppContext, name: str, *, actor: str) -> int:
    """Remove a source (audited); its items stay. Returns how many items it had.

    Raises:
        NotFoundError: no such source.
    """
    with ctx.write() as session:
        return registry.remove_source(session, name, actor=actor)


def poll(
    ctx: AppContext, names: list[str] | None = None, *, banks: list[str] | None = None
) -> list[PollOutcomeView]:
    """Poll the named sources (default: every enabled one) once
    (:func:`tvec.collection.poll.poll_sources`); a failing source is reported, not raised.

    Raises:
        NotFoundError: an unknown source name.
    """
    from tvec.collection.poll import poll_sources

    with ctx.http() as client:
        return poll_sources(ctx.store, names or None, client=client, banks=banks)


def outlinks(
    ctx: AppContext, *, source: str | None = None, platform: str | None = None
) -> list[OutlinkView]:
    """Every out-link with its sightings (only those seen in ``source`` / on ``platform``).

    Raises:
        NotFoundError: no source is named ``source``.
    """
    with ctx.read() as session:
        source_id = registry.get_source(session, source).id if source is not None else None
        return list_outlinks(session, source_id=source_id, platform=platform)


def watch_sources(
    ctx: AppContext,
    *,
    interval: float,
    stop: threading.Event,
    names: list[str] | None = None,
    rounds: int | None = None,
    alerts: bool = True,
    checks: bool = True,
    orders: bool = True,
    on_round: RoundReport | None = None,
    on_takedowns: Callable[[TakedownRound], None] | None = None,
) -> int:
    """Poll sources every ``interval`` seconds until ``stop`` is set (or ``rounds`` are
    done); between polls run the due takedown work (:func:`tvec.app.rounds.takedown_round`,
    actor ``watch``) and send the decision webhook events whose undo window has passed
    (:func:`tvec.app.review.deliver_due_decisions`), all with one outbound client of the
    context. Returns the rounds of polls run.

    Raises:
        NotFoundError: an unknown source name; StoreError: the database failed.
    """
    from tvec.app.review import deliver_due_decisions
    from tvec.app.rounds import seconds_to_next_due, takedown_round
    from tvec.collection.watch import watch

    def takedown_work(client: HttpClient) -> None:
        deliver_due_decisions(ctx)  # the decision webhook's outbox (tvec.cases.webhooks)
        work = takedown_round(ctx, client, alerts=alerts, checks=checks, orders=orders)
        if on_takedowns is not None:
            on_takedowns(work)

    with ctx.http() as client:
        return watch(
            ctx.store,
            interval=interval,
            stop=stop,
            names=names or None,
            rounds=rounds,
            on_round=on_round,
            between=takedown_work if (alerts or checks or orders) else None,
            next_due=(lambda: seconds_to_next_due(ctx)) if (checks or orders) else None,
            client=client,
        )

"""Use cases of exchanges, for ``tvec exchange``, the Exchanges page, the watch loop and the
HMA-compatible exchange routes: list, create, status, fetch (and show, enable, disable,
remove, the due fetches and the feedback outbox).

Each takes the :class:`~tvec.app.context.AppContext` first and returns result models
(:mod:`tvec.views.exchanges`); changes are audited with the ``actor`` given (``cli`` from
the command line, a username on the web, ``watch`` for the watch loop). Every request goes
through the context's outbound client (:meth:`AppContext.http`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tvec.app.context import AppContext
from tvec.exchanges import feedback as outbox
from tvec.exchanges import service
from tvec.exchanges.apply import ApplyCounts
from tvec.net.client import OutboundClient
from tvec.views.exchanges import ExchangeFetchView, ExchangeView, FeedbackRunView, FeedbackView


def list_exchanges(ctx: AppContext) -> list[ExchangeView]:
    """Every exchange with its state, last fetch, counts, errors and next run, by name."""
    with ctx.read() as session:
        return service.list_exchanges(session)


def create_exchange(
    ctx: AppContext,
    name: str,
    kind: str,
    config: Mapping[str, Any],
    *,
    bank: str | None = None,
    interval_seconds: int = 3600,
    feedback: bool = False,
    actor: str,
) -> ExchangeView:
    """Configure an exchange with a bank of its own (see
    :func:`tvec.exchanges.service.add_exchange`; ``config`` names where the credential is
    read from: ``credential_env`` or ``credential_file``).

    Raises:
        UsageError: a bad name, kind or configuration; the name or bank taken.
    """
    with ctx.write() as session:
        exchange = service.add_exchange(
            session,
            name,
            kind,
            config,
            bank=bank,
            interval_seconds=interval_seconds,
            feedback=feedback,
            actor=actor,
            now=ctx.now(),
        )
        return service.exchange_view(session, exchange)


def exchange_status(ctx: AppContext, name: str) -> ExchangeView:
    """One exchange: state, checkpoint, last fetch, counts, errors, next run.

    Raises:
        NotFoundError: no such exchange.
    """
    with ctx.read() as session:
        return service.exchange_view(session, service.get_exchange(session, name))


def change_exchange(
    ctx: AppContext,
    name: str,
    *,
    enabled: bool | None = None,
    feedback: bool | None = None,
    actor: str,
) -> ExchangeView:
    """Enable or disable an exchange or its feedback.

    Raises:
        NotFoundError: no such exchange; UsageError: feedback on a kind that takes none.
    """
    with ctx.write() as session:
        exchange = service.change_exchange(
            session, name, enabled=enabled, feedback=feedback, actor=actor
        )
        return service.exchange_view(session, exchange)


def remove_exchange(ctx: AppContext, name: str, *, actor: str) -> int:
    """Remove an exchange and its bank; return how many entries went.

    Raises:
        NotFoundError: no such exchange.
    """
    with ctx.write() as session:
        return service.remove_exchange(session, name, actor=actor)


def fetch_exchange(
    ctx: AppContext,
    name: str,
    *,
    actor: str,
    client: OutboundClient | None = None,
    on_page: Callable[[int, ApplyCounts], None] | None = None,
) -> ExchangeFetchView:
    """Fetch one exchange from its checkpoint, page by page (each page committed with its
    checkpoint); ``on_page`` reports progress.

    Raises:
        NotFoundError: no such exchange; UsageError: it is disabled.
    """
    if client is not None:
        return service.run_fetch(
            name, write=ctx.write, http=client, now=ctx.now, actor=actor, on_page=on_page
        )
    with ctx.http() as http:
        return service.run_fetch(
            name, write=ctx.write, http=http, now=ctx.now, actor=actor, on_page=on_page
        )


def fetch_due(
    ctx: AppContext, client: OutboundClient, *, actor: str = "watch"
) -> list[ExchangeFetchView]:
    """Fetch every enabled exchange whose interval has passed (the watch loop), then send
    the feedback that is due."""
    with ctx.read() as session:
        names = service.due_exchanges(session, ctx.now())
    done = [fetch_exchange(ctx, name, actor=actor, client=client) for name in names]
    send_feedback(ctx, client=client, actor=actor)
    return done


def queue_feedback(
    ctx: AppContext, case_id: int, verdict: str, *, actor: str
) -> list[FeedbackView]:
    """Queue the opinion a decision on case ``case_id`` gives about the exchange entries its
    item matched (``verdict``: ``remove`` → true positive, ``no_violation`` → false
    positive), for exchanges whose feedback is on. Returns what was queued (nothing twice).
    """
    with ctx.write() as session:
        return outbox.queue_for_case(session, case_id, verdict, now=ctx.now())


def send_feedback(
    ctx: AppContext, *, client: OutboundClient | None = None, actor: str = "tvec"
) -> FeedbackRunView:
    """Send the due opinions of the outbox (retried later on failure, each sent one audited)."""
    if client is not None:
        return outbox.send_due(write=ctx.write, http=client, now=ctx.now, actor=actor)
    with ctx.http() as http:
        return outbox.send_due(write=ctx.write, http=http, now=ctx.now, actor=actor)


def list_feedback(ctx: AppContext, name: str | None = None) -> list[FeedbackView]:
    """The feedback outbox (of exchange ``name``), newest first."""
    with ctx.read() as session:
        return outbox.list_feedback(session, name)

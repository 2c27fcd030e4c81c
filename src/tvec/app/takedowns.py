"""Use cases of status checks and takedowns, for ``tvec check`` and the Takedowns page.

Each takes the :class:`~tvec.app.context.AppContext` first and runs in its own
transactions; visits go through the context's outbound client (:meth:`AppContext.http`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from tvec.app.context import AppContext
from tvec.takedowns import checks
from tvec.views.takedowns import CheckHistoryView, CheckReportView, TakedownView


def run_checks(
    ctx: AppContext,
    *,
    actor: str,
    urls: Sequence[str] | None = None,
    limit: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> CheckReportView:
    """Check every URL that is due, and ``urls`` (:func:`tvec.takedowns.checks.run_checks`;
    one transaction per URL).

    Raises:
        UsageError: a named URL is not an http(s) URL, or ``limit`` is negative.
        ConfigError: the markers file is invalid.
    """
    with ctx.http() as client:
        return checks.run_checks(
            ctx.store,
            ctx.settings,
            client=client,
            urls=urls or None,
            limit=limit,
            actor=actor,
            progress=progress,
        )


def list_takedowns(ctx: AppContext, *, state: str | None = None) -> list[TakedownView]:
    """Every takedown (or those in ``state``), by URL.

    Raises:
        UsageError: ``state`` is not one of tracking, removed, stopped.
    """
    with ctx.read() as session:
        return checks.list_takedowns(session, state=state)


def check_history(ctx: AppContext, url: str) -> CheckHistoryView:
    """The takedown and status checks of ``url`` (any spelling; canonicalised).

    Raises:
        UsageError: not an http(s) URL.
        NotFoundError: tvec has never stored that URL.
    """
    with ctx.read() as session:
        return checks.check_history(session, url)


def next_checks(ctx: AppContext, urls: Sequence[str]) -> dict[str, datetime]:
    """URL -> time of its next status check, for those of ``urls`` that have one."""
    with ctx.read() as session:
        return checks.next_checks(session, urls)

"""Use cases of the web app's operations pages: sources and their polls, scans and their
errors, out-links by platform, and alerts with their deliveries and status checks.

Each takes the :class:`~tvec.app.context.AppContext` first, reads in its own transaction and
returns result models (:mod:`tvec.views.operations`); the one write, asking for a poll, is
audited as ``actor`` (:class:`~tvec.audit.events.SourcePollRequested`).
"""

from __future__ import annotations

import logging

from tvec.alerts import listing
from tvec.app.context import AppContext
from tvec.audit.events import SourcePollRequested, record_event
from tvec.collection import registry
from tvec.collection.kinds import KINDS, LOCAL_ONLY, is_url
from tvec.errors import ConflictError, UsageError
from tvec.outlinks import report
from tvec.scan import listing as scans
from tvec.store.models.alerts import ALERT_STATUSES as _STATUSES
from tvec.views.collection import SourceView
from tvec.views.operations import (
    AlertPageView,
    OutlinkRowView,
    PlatformOutlinksView,
    PollView,
    ScanPageView,
    ScanRowView,
)

#: Alert statuses (for the alerts page's filter) and out-links per platform page.
ALERT_STATUSES: tuple[str, ...] = _STATUSES
OUTLINKS_PER_PAGE = report.OUTLINKS_PER_PAGE
#: Item errors shown under each poll of a source's page (the rest: its scan's page).
POLL_ERRORS_SHOWN = 5

log = logging.getLogger(__name__)


def remote_kinds() -> dict[str, str]:
    """The source kinds that can be read from a URL, with their descriptions."""
    return {k: v for k, v in KINDS.items() if k not in LOCAL_ONLY}


def source_polls(ctx: AppContext, name: str) -> tuple[SourceView, list[PollView]]:
    """Source ``name`` and its last polls, newest first, each with its first item errors
    (:data:`POLL_ERRORS_SHOWN`). Raises NotFoundError."""
    with ctx.read() as session:
        source = registry.show_source(session, name)
        history = registry.poll_history(session, name)
        scan_ids = [p["scan_id"] for p in history if isinstance(p.get("scan_id"), int)]
        errors = scans.first_errors(session, scan_ids, POLL_ERRORS_SHOWN)
    polls = []
    for entry in history:
        counts = entry.get("counts") or {}
        scan_id = entry.get("scan_id")
        polls.append(
            PollView(
                at=entry["at"],
                status=str(entry.get("status") or "unknown"),
                scan_id=scan_id,
                items=int(counts.get("items", 0)),
                new=int(counts.get("new", 0)),
                changed=int(counts.get("changed", 0)),
                unchanged=int(counts.get("unchanged", 0)),
                errors=int(counts.get("errors", 0)),
                problem=entry.get("problem"),
                error_rows=errors.get(scan_id, []) if isinstance(scan_id, int) else [],
            )
        )
    return source, polls


def request_poll(ctx: AppContext, name: str, *, actor: str) -> SourceView:
    """Record that ``actor`` asked for a poll of source ``name`` (audited); the poll itself
    is :func:`poll_source_now`, run by the caller after answering.

    Raises:
        NotFoundError: no such source.
        ConflictError: the source is disabled (a disabled source is never polled).
    """
    with ctx.write() as session:
        source = registry.show_source(session, name)
        if not source.enabled:
            raise ConflictError(f"source {name!r} is disabled; enable it before polling it")
        record_event(session, actor, SourcePollRequested(source=name))
        return source


def poll_source_now(ctx: AppContext, name: str) -> None:
    """Poll source ``name`` once (:func:`tvec.app.collection.poll`); the outcome goes to the
    source's poll history. Never raises: a failure is logged (the web app runs this after
    its answer, where nobody would see an exception)."""
    from tvec.app.collection import poll

    try:
        poll(ctx, [name])
    except Exception:
        log.exception("poll of source %r failed", name)


def list_scans(ctx: AppContext) -> list[ScanRowView]:
    """The latest scans, newest first (:func:`tvec.scan.listing.list_scans`)."""
    with ctx.read() as session:
        return scans.list_scans(session, ctx.now())


def scan_page(ctx: AppContext, scan_id: int, *, page: int = 1) -> ScanPageView:
    """A scan with one page of its errors. Raises NotFoundError, UsageError (bad page)."""
    with ctx.read() as session:
        return scans.scan_page(session, scan_id, ctx.now(), page=page)


def platform_counts(ctx: AppContext) -> list[PlatformOutlinksView]:
    """Out-link counts per platform (:func:`tvec.outlinks.report.platform_counts`)."""
    with ctx.read() as session:
        return report.platform_counts(session)


def platform_outlinks(
    ctx: AppContext, platform: str, *, page: int = 1
) -> tuple[list[OutlinkRowView], int]:
    """One page of a platform's out-links and their number. Raises UsageError (bad page)."""
    with ctx.read() as session:
        return report.platform_outlinks(session, platform, page=page)


def alert_page(ctx: AppContext, reference: str) -> AlertPageView:
    """An alert with its deliveries, checks and timeline. Raises NotFoundError."""
    with ctx.read() as session:
        return listing.alert_page(session, reference)


def add_remote_source(
    ctx: AppContext,
    name: str,
    kind: str,
    url: str,
    *,
    actor: str,
    platform: str | None = None,
    entity: str | None = None,
    language: str | None = None,
    notes: str | None = None,
) -> SourceView:
    """Register a source read from an http(s) URL (the web app's form; audited). Local paths
    are for the command line (``tvec source add``), which runs with the server's files.

    Raises:
        UsageError: ``url`` is not an http(s) URL, or a bad kind or name (as
            :func:`tvec.collection.registry.add_source`).
    """
    url = url.strip()
    if not is_url(url):
        raise UsageError(
            f"{url!r} is not an http(s) URL; local files are added with 'tvec source add'"
        )
    with ctx.write() as session:
        return registry.add_source(
            session,
            name.strip(),
            kind,
            url,
            platform=platform or None,
            entity=entity or None,
            language=language or None,
            notes=notes or None,
            actor=actor,
        )

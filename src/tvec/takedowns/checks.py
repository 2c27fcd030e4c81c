"""Status checks: re-visit alerted URLs (and URLs users name), record what each visit found,
and confirm removals (``tvec check run``; rules in ``docs/status-checks.md``).

**Results** of one visit: :mod:`tvec.takedowns.classify`.

**The two-result rule.** A URL counts as removed only after two consecutive ``removed``
results at least ``TVEC_CHECK_CONFIRM_SECONDS`` apart: the first starts a run
(``first_removed_at``) and schedules the confirming check that long later; a ``removed``
result before then (the URL named again at once) is recorded but confirms nothing, and the
confirming check stays where it was; the first ``removed`` result at or after
``first_removed_at + TVEC_CHECK_CONFIRM_SECONDS`` sets the takedown's state to ``removed``,
``removed_at`` to the first check of the run and ``confirmed_at`` to the confirming one, and
checks stop. Any other result ends the run: an ``unreachable`` or ``unknown`` result between
two ``removed`` ones is a blip, not a takedown (and not proof of life either: only
``online`` sets ``last_online_at``).

**Schedule.** Alerts create the takedown with ``next_check_at = sent_at +
TVEC_CHECK_INTERVAL_SECONDS`` and ``interval_seconds`` set. After every result that is not
``removed``, the interval is multiplied by ``TVEC_CHECK_BACKOFF_FACTOR`` (at most
``TVEC_CHECK_MAX_INTERVAL_SECONDS``) and the next check is that long after this one, but not
after the stop time: ``created_at + TVEC_CHECK_STOP_AFTER_DAYS``. A check at or after the
stop time that does not find the content removed sets the state to ``stopped``.

Each visit goes through :class:`tvec.net.http.HttpClient` (address rules, timeouts,
size cap, per-host interval, the User-Agent of the settings), without its retries
(:data:`CHECK_HTTP_RETRIES`): a timeout, connection error, ``429`` or ``5xx`` is recorded
at once (``unreachable``) and the URL is checked again on its schedule. Each URL's status
check and takedown update are one transaction, written after the visit, so a run killed
half-way keeps what it recorded and the next run checks only what is still due.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tvec.audit.events import RemovalConfirmed, record_event
from tvec.clock import rfc3339_or_none
from tvec.errors import (
    InvalidSignalError,
    NotFoundError,
    UsageError,
)
from tvec.net.http import HttpClient
from tvec.outlinks.sightings import outlink_for
from tvec.platforms.overrides import load_registry
from tvec.settings import Settings
from tvec.store.db import Store
from tvec.store.models import Outlink, utcnow
from tvec.store.models.alerts import TAKEDOWN_STATES, StatusCheck, Takedown
from tvec.takedowns.classify import CheckOutcome, classify
from tvec.takedowns.markers import RemovalMarkers, load_markers
from tvec.urls.canonical import canonicalize_url
from tvec.views.takedowns import (
    CheckHistoryView,
    CheckReportView,
    StatusCheckView,
    TakedownView,
    UrlCheckView,
)

#: Consecutive "removed" results that confirm a removal.
CONFIRMING_RESULTS = 2
#: ``requested_by`` of a takedown created because a user named its URL.
REQUESTED_BY_USER = "user"
#: Retries per request of a status check's visit, whatever ``TVEC_HTTP_RETRIES`` says: none.
#: A check is repeated on its schedule anyway, and retrying a server that hangs multiplies
#: the time it holds the run (``TVEC_HTTP_TIMEOUT_SECONDS`` per try).
CHECK_HTTP_RETRIES = 0


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


def apply_outcome(takedown: Takedown, result: str, at: datetime, settings: Settings) -> bool:
    """Update ``takedown`` for one check's ``result`` at ``at`` (rules in the module doc).

    Returns True when this check confirmed the removal: a "removed" result at least
    ``TVEC_CHECK_CONFIRM_SECONDS`` after the first of an unbroken run of "removed" results.
    A "removed" result sooner than that (a URL named twice in a row) is recorded but does
    not count: ``consecutive_removed`` is unchanged, the run stays open and the confirming
    check stays due at ``first_removed_at + TVEC_CHECK_CONFIRM_SECONDS``. Every path that
    records a check goes through here, so none can confirm a removal faster.
    Pure on the row: the caller records the status check and commits.
    """
    takedown.checks = (takedown.checks or 0) + 1
    takedown.last_checked_at = at
    takedown.last_result = result
    if result == "removed":
        wait = _seconds(settings.check_confirm_seconds)
        first = takedown.first_removed_at
        if not takedown.consecutive_removed or first is None:
            takedown.first_removed_at = first = at
            takedown.consecutive_removed = 0
        elif at < first + wait:
            takedown.state = "tracking"
            takedown.next_check_at = first + wait  # too soon to confirm: the run stays open
            return False
        takedown.consecutive_removed = (takedown.consecutive_removed or 0) + 1
        if takedown.consecutive_removed >= CONFIRMING_RESULTS:
            takedown.state = "removed"
            takedown.removed_at = takedown.first_removed_at
            takedown.confirmed_at = at
            takedown.next_check_at = None
            return True
        takedown.state = "tracking"  # a stopped URL found removed gets its confirming check
        takedown.next_check_at = first + wait
        return False
    if result == "online":
        takedown.last_online_at = at
    takedown.consecutive_removed = 0
    takedown.first_removed_at = None
    interval = takedown.interval_seconds or settings.check_interval_seconds
    interval = min(interval * settings.check_backoff_factor, settings.check_max_interval_seconds)
    takedown.interval_seconds = interval
    if takedown.state != "tracking":
        return False
    stop_at = (takedown.created_at or at) + timedelta(days=settings.check_stop_after_days)
    if at >= stop_at:
        takedown.state = "stopped"
        takedown.next_check_at = None
    else:
        takedown.next_check_at = min(at + _seconds(interval), stop_at)
    return False


#: One URL of a run (a result model).
UrlCheck = UrlCheckView
#: What one run did (a result model).
CheckReport = CheckReportView


def _counts(checks: Sequence[UrlCheckView]) -> dict[str, int]:
    """Checks per result, plus ``skipped`` and ``confirmed`` (removals confirmed now)."""
    counted = Counter(c.result for c in checks if c.result is not None)
    counted["skipped"] = sum(1 for c in checks if c.skipped)
    counted["confirmed"] = sum(1 for c in checks if c.confirmed)
    return dict(counted)


@contextmanager
def _transaction(target: Session | Store) -> Iterator[Session]:
    """A Store gives one committed transaction per call; a Session is the caller's own."""
    if isinstance(target, Session):
        yield target
        target.flush()
    else:
        with target.session() as session:
            yield session


def canonical_check_url(url: str) -> str:
    """``url`` in canonical form, if it is an http(s) URL.

    Raises:
        UsageError: not a URL, or not http/https.
    """
    try:
        canonical = canonicalize_url(url)
    except InvalidSignalError as error:
        raise UsageError(f"{url!r} is not a URL ({error})") from error
    if urlsplit(canonical).scheme not in ("http", "https"):
        raise UsageError(f"{url!r}: only http and https URLs can be checked")
    return canonical


def track_url(
    session: Session, url: str, settings: Settings, *, now: datetime | None = None
) -> Takedown:
    """The takedown of ``url``, created (``requested_by`` "user", due ``now``) if missing,
    with its out-link (canonical URL, resolved platform) created too if missing.

    Raises:
        UsageError: ``url`` is not an http(s) URL.
    """
    now = now or utcnow()
    canonical = canonical_check_url(url)
    outlink = outlink_for(session, canonical, now=now)
    takedown = session.scalars(
        select(Takedown).where(Takedown.outlink_id == outlink.id)
    ).one_or_none()
    if takedown is None:
        takedown = Takedown(
            outlink_id=outlink.id,
            state="tracking",
            requested_by=REQUESTED_BY_USER,
            checks=0,
            consecutive_removed=0,
            interval_seconds=settings.check_interval_seconds,
            next_check_at=now,
            created_at=now,
        )
        session.add(takedown)
        session.flush()
    return takedown


@dataclass(frozen=True)
class _Job:
    takedown_id: int
    url: str
    platform: str | None
    checks_seen: int
    named: bool


def _job(takedown: Takedown, *, named: bool) -> _Job:
    return _Job(
        takedown.id, takedown.outlink.url, takedown.outlink.platform, takedown.checks, named
    )


def _view(
    takedown: Takedown,
    job: _Job,
    at: datetime | None,
    *,
    outcome: CheckOutcome | None = None,
    skipped: str | None = None,
    confirmed: bool = False,
) -> UrlCheck:
    return UrlCheck(
        url=job.url,
        platform=job.platform,
        takedown_id=takedown.id,
        requested_by=takedown.requested_by,
        checked_at=at,
        result=outcome.result if outcome else None,
        http_status=outcome.http_status if outcome else None,
        final_url=outcome.final_url if outcome else None,
        route=outcome.route if outcome else None,
        reason=outcome.reason if outcome else skipped,
        skipped=skipped is not None,
        confirmed=confirmed,
        state=takedown.state,
        consecutive_removed=takedown.consecutive_removed,
        last_online_at=takedown.last_online_at,
        removed_at=takedown.removed_at,
        confirmed_at=takedown.confirmed_at,
        next_check_at=takedown.next_check_at,
    )


def _plan(
    target: Session | Store,
    settings: Settings,
    started: datetime,
    urls: Sequence[str],
    limit: int | None,
) -> tuple[list[_Job], RemovalMarkers]:
    canonical = [canonical_check_url(u) for u in urls]  # UsageError before any work
    jobs: list[_Job] = []
    with _transaction(target) as session:
        markers = load_markers(settings, registry=load_registry(session))
    for url in dict.fromkeys(canonical):
        with _transaction(target) as session:
            jobs.append(_job(track_url(session, url, settings, now=started), named=True))
    named = {job.takedown_id for job in jobs}
    with _transaction(target) as session:
        query = (
            select(Takedown)
            .where(Takedown.state == "tracking", Takedown.next_check_at <= started)
            .order_by(Takedown.next_check_at, Takedown.id)
            .options(selectinload(Takedown.outlink))
        )
        due = [t for t in session.scalars(query) if t.id not in named]
        jobs.extend(_job(t, named=False) for t in due[:limit])
    return jobs, markers


def _record(
    target: Session | Store,
    job: _Job,
    outcome: CheckOutcome,
    at: datetime,
    settings: Settings,
    started: datetime,
    actor: str,
) -> UrlCheck:
    with _transaction(target) as session:
        takedown = session.scalars(
            select(Takedown).where(Takedown.id == job.takedown_id).with_for_update()
        ).one()
        still_due = takedown.state == "tracking" and (
            takedown.next_check_at is not None and takedown.next_check_at <= started
        )
        if takedown.checks != job.checks_seen or not (job.named or still_due):
            return _view(takedown, job, None, skipped="checked by another run meanwhile")
        session.add(
            StatusCheck(
                outlink_id=takedown.outlink_id,
                checked_at=at,
                result=outcome.result,
                http_status=outcome.http_status,
                final_url=outcome.final_url,
                route=outcome.route,
                reason=outcome.reason,
            )
        )
        confirmed = apply_outcome(takedown, outcome.result, at, settings)
        if confirmed:
            record_event(
                session,
                actor,
                RemovalConfirmed(
                    outlink_id=takedown.outlink_id,
                    url=job.url,
                    platform=job.platform,
                    route=outcome.route,
                    last_online_at=rfc3339_or_none(takedown.last_online_at),
                    removed_at=rfc3339_or_none(takedown.removed_at),
                    confirmed_at=rfc3339_or_none(takedown.confirmed_at),
                ),
            )
        session.flush()
        return _view(takedown, job, at, outcome=outcome, confirmed=confirmed)


def _skip_removed(target: Session | Store, job: _Job) -> UrlCheck | None:
    with _transaction(target) as session:
        takedown = session.get(Takedown, job.takedown_id)
        if takedown is None or takedown.state != "removed":
            return None
        when = rfc3339_or_none(takedown.confirmed_at)
        return _view(takedown, job, None, skipped=f"confirmed removed at {when}; not checked")


def run_checks(
    session_or_store: Session | Store,
    settings: Settings,
    *,
    client: HttpClient | None = None,
    now: datetime | None = None,
    urls: Iterable[str] | None = None,
    limit: int | None = None,
    actor: str = "tvec",
    progress: Callable[[int, int, str], None] | None = None,
) -> CheckReport:
    """Check every takedown that is due, and the URLs named, once each.

    Due: state ``tracking`` and ``next_check_at <= now``, earliest first, at most ``limit``
    of them. Named URLs (``urls``) are canonicalised; their out-link and takedown
    (``requested_by`` "user") are created when missing, and they are checked now whatever
    their schedule, before the due ones and in addition to ``limit`` (a URL confirmed
    removed is not checked again: it is reported as skipped).

    Args:
        session_or_store: a :class:`~tvec.store.db.Store` (one transaction per URL, so a
            killed run resumes without duplicates) or a Session (everything in the caller's
            transaction; the caller commits).
        settings: check schedule, markers file and HTTP limits.
        client: the HTTP client (default: a new :class:`HttpClient` of ``settings``, closed
            at the end). Visits make no retry (:data:`CHECK_HTTP_RETRIES`), whatever
            ``TVEC_HTTP_RETRIES`` says; the client's other rules apply.
        now: the time of the run (default: the clock, read again for each check).
        urls: URLs to check now besides the due ones.
        limit: at most this many due URLs.
        actor: who is recorded in the audit log for confirmed removals.
        progress: called with (done, total, url) after each URL.

    Raises:
        UsageError: a named URL is not an http(s) URL (nothing is checked).
        ConfigError: the markers file is invalid.
    """
    if limit is not None and limit < 0:
        raise UsageError(f"limit {limit} is negative")
    started = now or utcnow()
    jobs, markers = _plan(session_or_store, settings, started, list(urls or ()), limit)
    http = client or HttpClient(settings)
    done: list[UrlCheck] = []
    try:
        for index, job in enumerate(jobs, 1):
            skipped = _skip_removed(session_or_store, job) if job.named else None
            if skipped is not None:
                done.append(skipped)
            else:
                at = now or utcnow()
                visit = http.try_fetch(job.url, retries=CHECK_HTTP_RETRIES)
                outcome = classify(job.url, visit, markers.rules_for(job.platform))
                done.append(_record(session_or_store, job, outcome, at, settings, started, actor))
            if progress is not None:
                progress(index, len(jobs), job.url)
    finally:
        if client is None:
            http.close()
    return CheckReport(counts=_counts(done), checks=done)


def _takedown_view(takedown: Takedown) -> TakedownView:
    return TakedownView(
        url=takedown.outlink.url,
        platform=takedown.outlink.platform,
        state=takedown.state,
        requested_by=takedown.requested_by,
        checks=takedown.checks,
        last_result=takedown.last_result,
        last_checked_at=takedown.last_checked_at,
        last_online_at=takedown.last_online_at,
        removed_at=takedown.removed_at,
        confirmed_at=takedown.confirmed_at,
        next_check_at=takedown.next_check_at,
        created_at=takedown.created_at,
    )


def list_takedowns(session: Session, *, state: str | None = None) -> list[TakedownView]:
    """Every takedown (or those in ``state``), by URL.

    Raises:
        UsageError: ``state`` is not one of tracking, removed, stopped.
    """
    query = select(Takedown).join(Outlink, Outlink.id == Takedown.outlink_id).order_by(Outlink.url)
    if state is not None:
        if state not in TAKEDOWN_STATES:
            raise UsageError(f"state {state!r} is not one of {', '.join(TAKEDOWN_STATES)}")
        query = query.where(Takedown.state == state)
    return [_takedown_view(t) for t in session.scalars(query)]


def check_history(session: Session, url: str) -> CheckHistoryView:
    """The status checks of ``url`` (any spelling; canonicalised).

    Raises:
        UsageError: not an http(s) URL.
        NotFoundError: tvec has never stored that URL.
    """
    canonical = canonical_check_url(url)
    outlink = session.scalars(select(Outlink).where(Outlink.url == canonical)).one_or_none()
    if outlink is None:
        raise NotFoundError(f"no stored URL {canonical!r} (name it to 'tvec check run' first)")
    takedown = session.scalars(
        select(Takedown).where(Takedown.outlink_id == outlink.id)
    ).one_or_none()
    checks = session.scalars(
        select(StatusCheck)
        .where(StatusCheck.outlink_id == outlink.id)
        .order_by(StatusCheck.checked_at, StatusCheck.id)
    )
    return CheckHistoryView(
        url=canonical,
        takedown=_takedown_view(takedown) if takedown else None,
        checks=[StatusCheckView.model_validate(check) for check in checks],
    )


def next_checks(session: Session, urls: Sequence[str]) -> dict[str, datetime]:
    """URL -> time of its next status check (``takedown.next_check_at``), for those of
    ``urls`` (canonical) that have one scheduled (none once removed or stopped)."""
    if not urls:
        return {}
    rows = session.execute(
        select(Outlink.url, Takedown.next_check_at)
        .join(Takedown, Takedown.outlink_id == Outlink.id)
        .where(Outlink.url.in_(urls), Takedown.next_check_at.is_not(None))
    )
    return {url: at for url, at in rows if at is not None}

"""Queueing and sending alerts: batching per platform, idempotency, retries, dry runs.

``tvec alert send`` (:func:`send_alerts`) does, in order:

1. :func:`~tvec.verification.sync.sync_attributions` (decisions and the verified-bank rule);
2. :func:`queue_alerts`: one alert per alertable attributed URL that has a route and no alert
   yet (the ``alert`` table's unique idempotency key and out-link: at most one alert per URL,
   ever);
3. per platform, one batch of its queued alerts when the batch is due: the oldest has waited
   the route's batching window (``--force`` ignores it) and no alert of the platform is
   waiting for a retry (``next_attempt_at`` in the future). Each batch is claimed (its
   alerts' ``next_attempt_at`` moved :data:`CLAIM_SECONDS` ahead, in a committed
   transaction, so a concurrent run skips it), delivered, and its outcome committed on its
   own: an ``alert_delivery`` row and an ``alert.delivery`` audit event per attempt. On
   success the alerts are ``sent`` and each URL gets a ``takedown`` row (status checks begin
   ``TVEC_CHECK_INTERVAL_SECONDS`` later); on failure ``attempts`` grows and the next attempt
   waits ``TVEC_ALERT_BACKOFF_SECONDS * 2**(attempts-1)``; after ``TVEC_ALERT_MAX_ATTEMPTS``
   the alerts are ``failed``. A channel that turns out not to be configured as the server
   needs (an SMTP server without STARTTLS while ``TVEC_SMTP_STARTTLS`` is true) holds the
   alerts: the claim is released and no attempt is counted.

A queued alert is sent only while its URL's attribution still makes it alertable (entity in
the registry and in the inclusion policy) and its platform has a route; it goes over the
route in force at sending time. A dry run (``--dry-run`` or ``TVEC_ALERT_DRY_RUN``) does
steps 1-3 in a transaction that is rolled back, writing what would be sent to a new folder
(none when nothing would be sent); :func:`preview` does the same without writing anything.
:func:`retry_alerts` (``tvec alert retry``) makes waiting alerts due now and puts failed
ones back in the queue.

Every entry point first checks the inclusion policy
(:func:`~tvec.entities.policy.check_inclusion_policy`): an empty one, or one naming a key
the entity registry does not know, is a ConfigError before anything is done.
"""

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tvec.alerts.channels import DeliveryResult, check_channel, deliver, render
from tvec.alerts.compose import Batch, alert_view, make_batch
from tvec.alerts.queue import (
    check_platform,
    check_policy,
    not_alertable,
    queue_alerts,
)
from tvec.alerts.routes import MAX_BATCH_SECONDS, RouteBook
from tvec.audit.events import AlertsDelivered, record_event
from tvec.clock import rfc3339_or_none
from tvec.entities.resolve import entity_registry
from tvec.errors import ConfigError, UsageError
from tvec.net.client import OutboundClient
from tvec.settings import Settings
from tvec.store.db import Store
from tvec.store.models import Outlink, utcnow
from tvec.store.models.alerts import Alert, AlertDelivery, Attribution, Takedown
from tvec.verification.alertability import alertable_reason
from tvec.verification.sync import sync_attributions
from tvec.views.alerts import AlertLineView, BatchReportView, SendReportView, WaitingView

#: How long (seconds) a batch being delivered stays claimed by one run.


#: Result models of a send (see :mod:`tvec.views.alerts`).
AlertLine = AlertLineView
BatchReport = BatchReportView
Waiting = WaitingView
SendReport = SendReportView

#: How long (seconds) a batch being delivered stays claimed by one run.
CLAIM_SECONDS = 600.0
#: Longest wait (seconds) before retrying a failed delivery: the doubling backoff stops
#: growing at 30 days.
MAX_BACKOFF_SECONDS = MAX_BATCH_SECONDS


@dataclass
class _Plan:
    batches: list[Batch]
    waiting: list[Waiting]


def _platform_alerts(session: Session, platform: str | None) -> dict[str, list[Alert]]:
    query = select(Alert).where(Alert.status == "queued").order_by(Alert.created_at, Alert.id)
    by_platform: dict[str, list[Alert]] = defaultdict(list)
    for alert in session.scalars(query):
        if platform is None or alert.platform.casefold() == platform.casefold():
            by_platform[alert.platform].append(alert)
    return by_platform


def _plan(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    force: bool,
    platform: str | None,
    environ: Mapping[str, str] | None,
) -> _Plan:
    """Which platforms' batches are due now (composed), and which wait and why."""
    registry = entity_registry(settings, session)
    book = RouteBook.load(session)
    plan = _Plan([], [])
    for name, alerts in sorted(_platform_alerts(session, platform).items()):
        lookup = book.lookup(name)
        if lookup.route is None:
            plan.waiting.append(
                Waiting(platform=name, alerts=len(alerts), kind="route", reason=lookup.reason or "")
            )
            continue
        retry_at = max((a.next_attempt_at for a in alerts if a.next_attempt_at), default=None)
        if retry_at is not None and retry_at > now:
            errors = [a.last_error for a in alerts if a.last_error]
            reason = f"next attempt at {rfc3339_or_none(retry_at)}"
            reason += f" (last error: {errors[-1]})" if errors else " (a run is sending them)"
            plan.waiting.append(
                Waiting(
                    platform=name, alerts=len(alerts), kind="backoff", reason=reason, until=retry_at
                )
            )
            continue
        window = lookup.route.window_seconds(settings)
        due_at = alerts[0].created_at + timedelta(seconds=window)
        if due_at > now and not force:
            reason = f"batching window of {window:g} s ends at {rfc3339_or_none(due_at)}"
            plan.waiting.append(
                Waiting(
                    platform=name, alerts=len(alerts), kind="window", reason=reason, until=due_at
                )
            )
            continue
        views = []
        held = 0
        for alert in alerts:
            attribution = session.scalars(
                select(Attribution).where(Attribution.outlink_id == alert.outlink_id)
            ).one_or_none()
            if attribution is None or alertable_reason(attribution, registry, settings):
                held += 1
                continue
            outlink = session.get_one(Outlink, alert.outlink_id)
            view = alert_view(
                url=alert.url,
                platform=lookup.route.platform,
                entity_id=attribution.entity,
                content_kind=attribution.content_kind,
                graphic=attribution.graphic,
                first_seen_at=outlink.first_seen_at,
                registry=registry,
                settings=settings,
            )
            views.append((alert.id, view))
        if held:
            reason = "the URL's attribution no longer makes it alertable"
            plan.waiting.append(Waiting(platform=name, alerts=held, kind="policy", reason=reason))
        if not views:
            continue
        batch = make_batch(lookup.route.platform, lookup.route, views, now)
        try:
            check_channel(batch, settings, environ)
        except ConfigError as exc:
            plan.waiting.append(
                Waiting(platform=name, alerts=len(views), kind="config", reason=str(exc))
            )
            continue
        plan.batches.append(batch)
    return plan


def _lines(batch: Batch, alerts: Mapping[int, Alert], new: set[int]) -> list[AlertLine]:
    return [
        AlertLine(
            reference=view.reference,
            url=view.url,
            platform=view.platform,
            entity=view.entity_id,
            content_kind=view.content_kind,
            graphic=view.graphic,
            new=alert_id in new,
        )
        for alert_id, view in zip(batch.alert_ids, batch.alerts, strict=True)
        if alert_id in alerts
    ]


def _report(batch: Batch, lines: list[AlertLine]) -> BatchReport:
    return BatchReport(
        platform=batch.platform,
        channel=batch.route.channel,
        recipient=batch.route.target,
        batch_reference=batch.reference,
        alerts=lines,
    )


def _dry_folder(settings: Settings, out_dir: Path | None, now: datetime) -> Path:
    if out_dir is not None:
        folder = out_dir
    else:
        base = settings.alerts_dir / f"dry-run-{now:%Y%m%dT%H%M%SZ}"
        folder, n = base, 1
        while folder.exists():
            n += 1
            folder = base.with_name(f"{base.name}-{n}")
    if folder.exists() and any(folder.iterdir()):
        raise UsageError(f"dry-run folder {folder} exists and is not empty")
    return folder


def _simulate(
    store: Store,
    settings: Settings,
    now: datetime,
    *,
    force: bool,
    platform: str | None,
    environ: Mapping[str, str] | None,
    folder: Path | None,
) -> SendReport:
    """Steps 1-3 in a transaction that is rolled back; write the batches to ``folder``."""
    report = SendReport(dry_run=folder is not None, out_dir=folder)
    session = store.sessions()
    try:
        report.attributed = sync_attributions(session, settings, now)
        new = queue_alerts(session, settings, now)
        report.queued = len(new)
        new_ids = {a.id for a in new}
        plan = _plan(session, settings, now, force=force, platform=platform, environ=environ)
        report.waiting = plan.waiting
        report.not_alertable = not_alertable(session, settings)
        alerts = {a.id: a for a in session.scalars(select(Alert).where(Alert.status == "queued"))}
        for batch in plan.batches:
            line = _report(batch, _lines(batch, alerts, new_ids))
            if folder is not None:
                folder.mkdir(parents=True, exist_ok=True)
                for name, data in render(batch, settings, environ):
                    (folder / name).write_bytes(data)
                    line.files.append(str(folder / name))
            report.batches.append(line)
    finally:
        session.rollback()
        session.close()
    if not any(line.files for line in report.batches):
        report.out_dir = None  # nothing would be sent: no folder was made
    return report


def preview(
    store: Store,
    settings: Settings,
    *,
    now: datetime | None = None,
    platform: str | None = None,
    force: bool = False,
    environ: Mapping[str, str] | None = None,
) -> SendReport:
    """What ``tvec alert send`` would queue and send now, without writing anything.

    ``batches`` are the batches that would go out (their alerts marked ``new`` when they
    would be queued by this run), ``waiting`` the platforms that wait and why, and
    ``not_alertable`` the verified URLs that get no alert, with the reason.

    Raises:
        ConfigError: the inclusion policy is not usable.
        NotFoundError: ``platform`` names no platform.
        StoreError: the database failed.
    """
    check_policy(settings, store)
    check_platform(store, platform)
    return _simulate(
        store,
        settings,
        now or utcnow(),
        force=force,
        platform=platform,
        environ=environ,
        folder=None,
    )


def _claim(store: Store, batch: Batch, now: datetime) -> bool:
    """Claim the batch's alerts for this run (committed); False if another run has them."""
    with store.session() as session:
        result = session.execute(
            update(Alert)
            .where(
                Alert.id.in_(batch.alert_ids),
                Alert.status == "queued",
                (Alert.next_attempt_at.is_(None)) | (Alert.next_attempt_at <= now),
            )
            .values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
            .execution_options(synchronize_session=False)
        )
        if int(getattr(result, "rowcount", 0) or 0) != len(batch.alert_ids):
            session.rollback()
            return False
    return True


def _track(session: Session, outlink_id: int, settings: Settings, now: datetime) -> None:
    """Start status checks of an alerted URL (unless it is tracked already)."""
    if session.scalars(select(Takedown.id).where(Takedown.outlink_id == outlink_id)).first():
        return
    session.add(
        Takedown(
            outlink_id=outlink_id,
            state="tracking",
            requested_by="alert",
            interval_seconds=settings.check_interval_seconds,
            next_check_at=now + timedelta(seconds=settings.check_interval_seconds),
            created_at=now,
        )
    )


def backoff_seconds(settings: Settings, alert: Alert) -> float:
    """The wait (seconds) after an alert's latest failed attempt:
    ``TVEC_ALERT_BACKOFF_SECONDS * 2**(attempts-1)``, at most :data:`MAX_BACKOFF_SECONDS`."""
    exponent = min(max(alert.attempts - 1, 0), 64)
    wait = settings.alert_backoff_seconds * 2.0**exponent
    return min(wait, MAX_BACKOFF_SECONDS) if math.isfinite(wait) else MAX_BACKOFF_SECONDS


def _release(store: Store, batch: Batch, error: str) -> None:
    """Give back a claimed batch without counting an attempt (a configuration problem
    found while delivering): its alerts are due again and keep the reason."""
    with store.session() as session:
        session.execute(
            update(Alert)
            .where(Alert.id.in_(batch.alert_ids), Alert.status == "queued")
            .values(next_attempt_at=None, last_error=error)
            .execution_options(synchronize_session=False)
        )


def _settle(
    store: Store,
    batch: Batch,
    result: DeliveryResult,
    settings: Settings,
    now: datetime,
    actor: str,
) -> None:
    """Record one attempt and its outcome on the batch's alerts (one committed transaction)."""
    with store.session() as session:
        delivery = AlertDelivery(
            platform=batch.platform,
            channel=batch.route.channel,
            recipient=batch.route.target,
            batch_reference=batch.reference,
            attempted_at=now,
            ok=result.ok,
            alert_ids=list(batch.alert_ids),
            detail=result.detail,
            error=result.error,
        )
        session.add(delivery)
        session.flush()
        failed: list[str] = []
        for alert in session.scalars(select(Alert).where(Alert.id.in_(batch.alert_ids))):
            alert.attempts += 1
            alert.channel, alert.recipient = batch.route.channel, batch.route.target
            if result.ok:
                alert.status, alert.sent_at, alert.next_attempt_at = "sent", now, None
                alert.last_error, alert.delivery_id = None, delivery.id
                _track(session, alert.outlink_id, settings, now)
                continue
            alert.last_error = result.error
            if alert.attempts >= settings.alert_max_attempts:
                alert.status, alert.next_attempt_at = "failed", None
                failed.append(alert.reference)
            else:
                alert.next_attempt_at = now + timedelta(seconds=backoff_seconds(settings, alert))
        record_event(
            session,
            actor,
            AlertsDelivered(
                platform=batch.platform,
                delivery_id=delivery.id,
                batch_reference=batch.reference,
                channel=batch.route.channel,
                recipient=batch.route.target,
                alerts=[view.reference for view in batch.alerts],
                ok=result.ok,
                detail=result.detail,
                error=result.error,
                given_up=failed,
            ),
        )


def send_alerts(
    store: Store,
    settings: Settings,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    force: bool = False,
    platform: str | None = None,
    out_dir: Path | None = None,
    actor: str = "tvec",
    environ: Mapping[str, str] | None = None,
    client: OutboundClient | None = None,
) -> SendReport:
    """Sync attributions, queue alerts and deliver every due batch (see the module docstring).

    Args:
        now: the time (default: now, UTC).
        dry_run: write what would be sent and change nothing (also ``TVEC_ALERT_DRY_RUN``).
        force: send batches whose window has not ended (retry waits still apply).
        platform: only this platform's batch (any case).
        out_dir: dry run: write here (must be empty or missing) instead of a new
            ``dry-run-<time>`` folder under ``TVEC_ALERT_CSV_DIR`` (default ``HOME/alerts``).
        actor: who sends, in the audit log (``cli`` from the command line).
        environ: where webhook ``secret_env`` variables are read (default ``os.environ``).
        client: the outbound client for e-mail and webhooks (default: one per delivery;
            the application passes ``ctx.http()``).

    Returns:
        The report; delivery failures are in it, not raised. Platforms held back by a
        configuration problem (no SMTP host, no webhook key...) are in ``waiting`` with kind
        ``config``.

    Raises:
        ConfigError: the inclusion policy is not usable (nothing is done).
        NotFoundError: ``platform`` names no platform.
        UsageError: the dry-run folder is not empty.
        StoreError: the database failed.
    """
    now = now or utcnow()
    check_policy(settings, store)
    check_platform(store, platform)
    if dry_run or settings.alert_dry_run:
        folder = _dry_folder(settings, out_dir, now)
        return _simulate(
            store, settings, now, force=force, platform=platform, environ=environ, folder=folder
        )
    report = SendReport()
    with store.session() as session:
        report.attributed = sync_attributions(session, settings, now)
        new_ids = {a.id for a in queue_alerts(session, settings, now)}
        report.queued = len(new_ids)
    with store.session() as session:
        plan = _plan(session, settings, now, force=force, platform=platform, environ=environ)
        report.not_alertable = not_alertable(session, settings)
        alerts = {a.id: a for a in session.scalars(select(Alert).where(Alert.status == "queued"))}
        lines = {b.reference: _lines(b, alerts, new_ids) for b in plan.batches}
    report.waiting = plan.waiting
    for batch in plan.batches:
        if not _claim(store, batch, now):
            report.waiting.append(
                Waiting(
                    platform=batch.platform,
                    alerts=len(batch.alerts),
                    kind="claimed",
                    reason="another run is sending",
                )
            )
            continue
        try:
            result = deliver(batch, settings, environ=environ, client=client)
        except ConfigError as exc:  # e.g. no STARTTLS: held, no attempt counted
            _release(store, batch, str(exc))
            report.waiting.append(
                Waiting(
                    platform=batch.platform,
                    alerts=len(batch.alerts),
                    kind="config",
                    reason=str(exc),
                )
            )
            continue
        _settle(store, batch, result, settings, now, actor)
        line = _report(batch, lines[batch.reference])
        line.ok, line.detail, line.error = result.ok, result.detail, result.error
        line.files = [str(p) for p in result.files]
        report.batches.append(line)
    report.sent = sum(len(b.alerts) for b in report.batches if b.ok)
    return report

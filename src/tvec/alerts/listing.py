"""Listing alerts (``tvec alert list``, the web app's alert pages)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.alerts.queue import platform_name
from tvec.errors import NotFoundError, UsageError
from tvec.store.models.alerts import (
    ALERT_STATUSES,
    Alert,
    AlertDelivery,
    StatusCheck,
    Takedown,
)
from tvec.urls.defang import defang
from tvec.views.alerts import AlertView
from tvec.views.operations import AlertPageView, CheckView, DeliveryView, TimelineEventView

#: How long (seconds) a batch being delivered stays claimed by one run.


def list_alerts(
    session: Session,
    *,
    status: str | None = None,
    platform: str | None = None,
    limit: int | None = None,
) -> list[Alert]:
    """Alerts, newest first; optionally only one status and/or platform (any case), at most
    ``limit`` of them.

    Raises:
        UsageError: unknown status; ``limit`` below 1.
        NotFoundError: ``platform`` names no platform (:func:`platform_name`).
    """
    if limit is not None and limit < 1:
        raise UsageError(f"limit must be 1 or more, got {limit}")
    if platform is not None:
        platform = platform_name(session, platform)
    query = select(Alert).order_by(Alert.created_at.desc(), Alert.id.desc())
    if status is not None:
        if status not in ALERT_STATUSES:
            raise UsageError(
                f"unknown alert status {status!r} (known: {', '.join(ALERT_STATUSES)})"
            )
        query = query.where(Alert.status == status)
    rows = [
        a
        for a in session.scalars(query)
        if platform is None or a.platform.casefold() == platform.casefold()
    ]
    return rows[:limit] if limit is not None else rows


def alert_view(alert: Alert) -> AlertView:
    """An alert row as ``tvec alert list --json`` prints it."""
    return AlertView.model_validate(alert)


def get_alert(session: Session, reference: str) -> Alert:
    """The alert with ``reference`` (``TVEC-...``, any case). Raises NotFoundError."""
    wanted = reference.strip()
    if wanted[:5].upper() == "TVEC-":  # references are written TVEC- + lower-case hex
        wanted = "TVEC-" + wanted[5:].lower()
    alert = session.scalars(select(Alert).where(Alert.reference == wanted)).one_or_none()
    if alert is None:
        raise NotFoundError(f"no alert {reference!r}")
    return alert


def alert_page(session: Session, reference: str) -> AlertPageView:
    """Alert ``reference`` with every delivery attempt of the batches it went in, every
    status check of its URL and the timeline of both (queued, attempts, checks, removal).

    Raises:
        NotFoundError: no such alert.
    """
    alert = get_alert(session, reference)
    deliveries = [
        d
        for d in session.scalars(
            select(AlertDelivery)
            .where(AlertDelivery.platform == alert.platform)
            .order_by(AlertDelivery.attempted_at, AlertDelivery.id)
        )
        if alert.id in (d.alert_ids or [])
    ]
    checks = list(
        session.scalars(
            select(StatusCheck)
            .where(StatusCheck.outlink_id == alert.outlink_id)
            .order_by(StatusCheck.checked_at, StatusCheck.id)
        )
    )
    takedown = session.scalars(
        select(Takedown).where(Takedown.outlink_id == alert.outlink_id)
    ).one_or_none()
    timeline = [TimelineEventView(at=alert.created_at, kind="queued", text="alert queued")]
    for d in deliveries:
        outcome = f"delivered: {d.detail}" if d.ok else f"failed: {d.error}"
        timeline.append(
            TimelineEventView(
                at=d.attempted_at, kind="delivery", text=f"{d.channel} to {d.recipient}: {outcome}"
            )
        )
    for c in checks:
        words = [c.result]
        if c.http_status is not None:
            words.append(f"(HTTP {c.http_status})")
        if c.reason:
            words.append(c.reason)
        timeline.append(TimelineEventView(at=c.checked_at, kind="check", text=" ".join(words)))
    if takedown is not None and takedown.removed_at is not None:
        since = takedown.removed_at.strftime("%Y-%m-%d %H:%M")
        timeline.append(
            TimelineEventView(
                at=takedown.confirmed_at or takedown.removed_at,
                kind="removed",
                text=f"removal confirmed by a second check (removed since the check at {since})",
            )
        )
    timeline.sort(key=lambda e: e.at)
    return AlertPageView(
        alert=alert_view(alert),
        defanged=defang(alert.url),
        takedown_state=takedown.state if takedown else None,
        removed_at=takedown.removed_at if takedown else None,
        deliveries=[DeliveryView.model_validate(d) for d in deliveries],
        checks=[CheckView.model_validate(c) for c in checks],
        timeline=timeline,
    )

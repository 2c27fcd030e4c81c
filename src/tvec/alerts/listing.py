"""Listing alerts (``tvec alert list``, the web app's alert pages)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.alerts.queue import platform_name
from tvec.errors import UsageError
from tvec.store.models.alerts import ALERT_STATUSES, Alert
from tvec.views.alerts import AlertView

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

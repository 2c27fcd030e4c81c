"""``tvec alert retry``: make waiting alerts due now and put failed ones back in the queue."""

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.alerts.queue import platform_name
from tvec.audit.events import AlertsRetried, record_event
from tvec.clock import rfc3339_or_none
from tvec.store.models import utcnow
from tvec.store.models.alerts import Alert, Attribution
from tvec.views.alerts import RetryReportView, SkippedAlertView

#: How long (seconds) a batch being delivered stays claimed by one run.


#: What :func:`retry_alerts` did (a result model).
RetryReport = RetryReportView


def retry_alerts(
    session: Session,
    *,
    actor: str,
    platform: str | None = None,
    failed: bool = False,
    now: datetime | None = None,
) -> RetryReport:
    """Make waiting alerts due now, and with ``failed`` give failed alerts a new start.

    Queued alerts waiting for a retry (``next_attempt_at`` after ``now``) get
    ``next_attempt_at`` cleared, so the next ``tvec alert send`` tries them (after the
    batching window as usual). Queued alerts never attempted that wait all the same are
    being sent by a running ``tvec alert send`` (claimed) and are left alone. With
    ``failed``, ``failed`` alerts become ``queued`` again with ``attempts`` 0 (their
    ``alert_delivery`` rows stay); an alert whose attribution was withdrawn stays failed.
    No alert row is created: a URL still has at most one alert. One ``alert.delivery``
    audit event per platform concerned (``action: retry``).

    Args:
        platform: only this platform's alerts (any case).
        failed: also requeue failed alerts.
        actor: who asks (``cli``, a username), in the audit log.

    Raises:
        NotFoundError: ``platform`` names no platform.
    """
    now = now or utcnow()
    name = platform_name(session, platform) if platform is not None else None
    statuses = ["queued", "failed"] if failed else ["queued"]
    query = select(Alert).where(Alert.status.in_(statuses)).order_by(Alert.id)
    if name is not None:
        query = query.where(Alert.platform == name)
    report = RetryReport()
    changed: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for alert in session.scalars(query):
        waits = alert.next_attempt_at is not None and alert.next_attempt_at > now
        if alert.status == "queued" and waits and alert.attempts == 0:
            report.skipped.append(
                SkippedAlertView(
                    reference=alert.reference, reason="a running 'tvec alert send' is sending it"
                )
            )
        elif alert.status == "queued" and waits:
            changed[alert.platform]["made_due"].append(
                {"reference": alert.reference, "was_due_at": rfc3339_or_none(alert.next_attempt_at)}
            )
            alert.next_attempt_at = None
            report.made_due.append(alert.reference)
        elif alert.status == "failed":
            attributed = session.scalars(
                select(Attribution.id).where(Attribution.outlink_id == alert.outlink_id)
            ).first()
            if attributed is None:
                report.skipped.append(
                    SkippedAlertView(
                        reference=alert.reference, reason="its attribution was withdrawn"
                    )
                )
                continue
            changed[alert.platform]["requeued"].append(
                {"reference": alert.reference, "attempts": alert.attempts}
            )
            alert.status, alert.attempts, alert.next_attempt_at = "queued", 0, None
            report.requeued.append(alert.reference)
    session.flush()
    for platform_of, data in sorted(changed.items()):
        record_event(
            session,
            actor,
            AlertsRetried(
                platform=platform_of, made_due=data["made_due"], requeued=data["requeued"]
            ),
        )
    return report

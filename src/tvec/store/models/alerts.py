"""Tables of the takedown side: attributions, alerts, delivery attempts and status checks.

Tables (see ``docs/takedowns.md``)::

    outlink ──1 attribution          (who verified the URL, for which entity; audit-logged)
       ├──1 alert >── alert_delivery (at most one alert per URL; every attempt kept)
       ├──1 takedown                 (the URL's check schedule and removal state)
       └──< status_check             (every visit: online, removed, unreachable, unknown)

Times are timezone-aware UTC. An alert's ``idempotency_key`` is the SHA-256 (hex) of
``"tvec-alert\\0" + canonical URL``: the same URL can never be alerted twice, whatever runs
``tvec alert send`` and however often.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tvec.clock import utcnow
from tvec.store.models.core import Base, Outlink

#: Kinds of content an attribution may name (what the alert says is at the URL).
CONTENT_KINDS = ("video", "image", "audio", "document", "text", "archive", "channel", "other")
#: How an attribution was made: by a person, by a reviewer's decision, or by an enabled rule.
ATTRIBUTION_METHODS = ("person", "decision", "rule")
#: Alert statuses: waiting for its platform's batch, delivered, given up, written by a dry run.
ALERT_STATUSES = ("queued", "sent", "failed")
#: Delivery channels a platform's alerts may take.
CHANNELS = ("email", "webhook", "csv")
#: Results of one status check.
CHECK_RESULTS = ("online", "removed", "unreachable", "unknown")
#: How a removal was recognised (``status_check.route``).
REMOVAL_ROUTES = ("http_404", "http_410", "login_redirect", "home_redirect", "marker")
#: States of a tracked URL: still being checked, confirmed removed, or no longer checked.
TAKEDOWN_STATES = ("tracking", "removed", "stopped")


class Attribution(Base):
    """The finding that a URL carries an entity's content: the gate before any alert.

    ``entity`` is an entity id of :mod:`tvec.entities` (e.g. ``islamic-state-khorasan``).
    ``method`` is ``person`` (``tvec alert verify``), ``decision`` (a reviewer's ``remove``
    decision on an item that links to the URL) or ``rule`` (``rule`` names it, e.g.
    ``verified-bank:tcap``). Every change is recorded in the audit log.
    """

    __tablename__ = "attribution"

    id: Mapped[int] = mapped_column(primary_key=True)
    outlink_id: Mapped[int] = mapped_column(
        ForeignKey("outlink.id", ondelete="CASCADE"), unique=True
    )
    entity: Mapped[str] = mapped_column(String(200))
    content_kind: Mapped[str] = mapped_column(String(20), default="other")
    graphic: Mapped[bool] = mapped_column(default=False)
    method: Mapped[str] = mapped_column(String(20))
    attributed_by: Mapped[str] = mapped_column(String(100))
    rule: Mapped[str | None] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("review_case.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    outlink: Mapped[Outlink] = relationship()


class Alert(Base):
    """A notice to a platform about one verified URL on it (at most one per URL).

    ``reference`` (``TVEC-`` + 12 hex digits of the idempotency key) is quoted to the
    platform. ``channel``/``recipient`` are the route in force when the alert was queued.
    ``attempts`` counts delivery attempts of the alert's batches; after a failure the next
    attempt waits until ``next_attempt_at`` (exponential backoff).
    """

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    outlink_id: Mapped[int] = mapped_column(
        ForeignKey("outlink.id", ondelete="CASCADE"), unique=True
    )
    url: Mapped[str] = mapped_column(Text)
    platform: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(Text)
    entity: Mapped[str] = mapped_column(String(200))
    content_kind: Mapped[str] = mapped_column(String(20))
    graphic: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_delivery.id", ondelete="SET NULL")
    )

    outlink: Mapped[Outlink] = relationship()

    __table_args__ = (Index("ix_alert_status_platform", "status", "platform"),)


class AlertDelivery(Base):
    """One delivery attempt of one platform's batch of alerts, successful or not.

    ``alert_ids`` lists the alerts in the batch; ``detail`` says what was produced (the
    e-mail's Message-ID, the webhook's HTTP status, the CSV file's path); ``error`` why it
    failed. Dry runs are not recorded here (they change nothing).
    """

    __tablename__ = "alert_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(Text)
    batch_reference: Mapped[str] = mapped_column(String(40))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool] = mapped_column(default=False)
    alert_ids: Mapped[list[Any]] = mapped_column(default=list)
    detail: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_alert_delivery_platform", "platform", "attempted_at"),)


class AlertRoute(Base):
    """How one platform takes alerts, set by ``tvec alert route``; overrides the default.

    The default route of a platform with an ``abuse_email`` in the registry is e-mail to
    that address. ``target`` is comma-separated addresses (email), an https URL (webhook)
    or a folder (csv). ``secret_env`` names the environment variable holding the webhook's
    HMAC key. ``batch_seconds`` is the platform's batching window (``None``: the default
    ``TVEC_ALERT_BATCH_SECONDS``).
    """

    __tablename__ = "alert_route"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(Text)
    secret_env: Mapped[str | None] = mapped_column(String(100))
    batch_seconds: Mapped[float | None] = mapped_column(Float)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Takedown(Base):
    """One URL under status checks: its schedule and what the checks established.

    ``state`` is ``tracking`` (checks go on), ``removed`` (two consecutive "removed"
    results: checks stop) or ``stopped`` (given up after ``TVEC_CHECK_STOP_AFTER_DAYS``).
    ``last_online_at`` is the last check that found the content online;
    ``first_removed_at`` the first check of the current run of "removed" results;
    ``removed_at`` and ``confirmed_at`` are set when that run reaches two: the removal time
    (the first removed check) and the check that confirmed it. The removal happened in
    ``(last_online_at, removed_at]``.
    """

    __tablename__ = "takedown"

    id: Mapped[int] = mapped_column(primary_key=True)
    outlink_id: Mapped[int] = mapped_column(
        ForeignKey("outlink.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[str] = mapped_column(String(20), default="tracking")
    requested_by: Mapped[str] = mapped_column(String(100), default="alert")
    last_result: Mapped[str | None] = mapped_column(String(20))
    checks: Mapped[int] = mapped_column(Integer, default=0)
    consecutive_removed: Mapped[int] = mapped_column(Integer, default=0)
    interval_seconds: Mapped[float | None] = mapped_column(Float)
    last_checked_at: Mapped[datetime | None] = mapped_column()
    last_online_at: Mapped[datetime | None] = mapped_column()
    first_removed_at: Mapped[datetime | None] = mapped_column()
    removed_at: Mapped[datetime | None] = mapped_column()
    confirmed_at: Mapped[datetime | None] = mapped_column()
    next_check_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    outlink: Mapped[Outlink] = relationship()

    __table_args__ = (Index("ix_takedown_due", "state", "next_check_at"),)


class StatusCheck(Base):
    """One visit to a URL: the result, the HTTP status, the final URL and the reason.

    ``route`` says how a removal was recognised (one of :data:`REMOVAL_ROUTES`), ``None``
    for other results.
    """

    __tablename__ = "status_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    outlink_id: Mapped[int] = mapped_column(ForeignKey("outlink.id", ondelete="CASCADE"))
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    result: Mapped[str] = mapped_column(String(20))
    http_status: Mapped[int | None] = mapped_column(Integer)
    final_url: Mapped[str | None] = mapped_column(Text)
    route: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_status_check_outlink", "outlink_id", "checked_at"),)

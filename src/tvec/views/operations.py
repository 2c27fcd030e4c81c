"""Result models of the web app's operations pages: sources' polls, scans and their errors,
out-links by platform, and alerts with their deliveries and status checks.

The pages (``/sources``, ``/scans``, ``/outlinks``, ``/alerts``) render these; the same
models are what :mod:`tvec.app.operations` returns.
"""

from __future__ import annotations

from pydantic import Field

from tvec.views.alerts import AlertView
from tvec.views.base import Timestamp, View


class ErrorRowView(View):
    """One input problem a scan (or a poll's scan) met: where and why."""

    locator: str = Field(description="The item's locator, or the input's path.")
    kind: str
    message: str


class PollView(View):
    """One poll of a source: when, how it ended, what its scan stored, and its problems."""

    at: Timestamp
    status: str = Field(description="fetched, not_modified, stopped, skipped or error.")
    scan_id: int | None = None
    items: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = Field(default=0, description="Items seen again, unchanged.")
    errors: int = Field(default=0, description="Item errors of the poll's scan.")
    problem: str | None = Field(default=None, description="Why the source itself failed.")
    error_rows: list[ErrorRowView] = Field(
        default_factory=list, description="The first item errors of the poll's scan."
    )


class ScanRowView(View):
    """One scan (``tvec scan`` or a poll): its state, counts and progress."""

    id: int
    started_at: Timestamp
    finished_at: Timestamp | None
    status: str = Field(
        description="running, finished, finished_with_errors, interrupted or failed."
    )
    source: str | None = Field(description="The source polled, for a poll's scan.")
    paths: list[str]
    items: int = Field(description="Items seen (so far, while running).")
    new: int
    matches: int
    errors: int = Field(description="Input problems recorded (so far).")
    seconds: float = Field(description="Run time so far (running) or in all (ended).")


class ScanPageView(View):
    """A scan with one page of its errors."""

    scan: ScanRowView
    errors: list[ErrorRowView]
    page: int = Field(description="1-based.")
    pages: int
    total: int = Field(description="Errors in all.")


class PlatformOutlinksView(View):
    """Out-link counts of one platform (``unknown``: on no known platform)."""

    platform: str
    outlinks: int
    open: int = Field(description="Not alerted and not removed.")
    alerted: int = Field(description="Alert queued or sent, removal not confirmed.")
    alert_failed: int = Field(
        default=0,
        description="Alert delivery failed for good (the platform was not told), removal "
        "not confirmed.",
    )
    removed: int = Field(description="Removal confirmed by status checks.")


class OutlinkRowView(View):
    """One out-link with what tvec did about it."""

    id: int
    url: str = Field(description="Canonical URL.")
    defanged: str = Field(description="The URL defanged for display (hxxps://a[.]b/c).")
    platform: str
    entity: str | None = Field(description="The attributed entity id.")
    case_id: int | None = Field(description="The case it was attributed from, or seen in.")
    first_seen_at: Timestamp
    last_seen_at: Timestamp
    alert_reference: str | None
    alert_status: str | None = Field(description="queued, sent or failed; null: no alert.")
    alert_sent_at: Timestamp | None
    takedown_state: str | None = Field(description="tracking, removed or stopped.")
    removed_at: Timestamp | None


class DeliveryView(View):
    """One delivery attempt of the batch an alert went in."""

    id: int
    attempted_at: Timestamp
    ok: bool
    channel: str
    recipient: str
    batch_reference: str
    detail: str | None
    error: str | None


class CheckView(View):
    """One status check of an alerted URL."""

    checked_at: Timestamp
    result: str = Field(description="online, removed, unreachable or unknown.")
    http_status: int | None
    route: str | None
    reason: str


class TimelineEventView(View):
    """One step of an alert's life: queued, a delivery attempt, a check, the removal."""

    at: Timestamp
    kind: str = Field(description="queued, delivery, check or removed.")
    text: str


class AlertPageView(View):
    """An alert with its deliveries, status checks and takedown timeline."""

    alert: AlertView
    defanged: str
    takedown_state: str | None
    removed_at: Timestamp | None
    deliveries: list[DeliveryView]
    checks: list[CheckView]
    timeline: list[TimelineEventView] = Field(description="Oldest first.")

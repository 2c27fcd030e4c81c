"""Result models of alerts: what a send (or preview) did, the alert list, retries, routes
and URL verifications.

``tvec alert preview|send --json`` answer with :class:`SendReportView`; ``tvec alert list
--json`` with a list of :class:`AlertView`; ``tvec alert retry --json`` with
:class:`RetryReportView`; ``tvec alert route list --json`` with a list of
:class:`RouteView`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from tvec.views.base import Timestamp, View


class AlertLineView(View):
    """One alert in a batch, as preview and send report it."""

    reference: str
    url: str
    platform: str
    entity: str = Field(description="The entity id.")
    content_kind: str
    graphic: bool
    new: bool = Field(default=False, description="Queued by this run.")


class BatchReportView(View):
    """One platform's batch: where it goes and, once attempted, how it went (``ok`` null:
    not attempted, as in a preview or dry run)."""

    platform: str
    channel: str = Field(description="email, webhook or csv.")
    recipient: str = Field(description="Addresses, URL or folder ('' : the alerts folder).")
    batch_reference: str
    alerts: list[AlertLineView]
    ok: bool | None = None
    detail: str | None = None
    error: str | None = None
    files: list[str] = Field(default_factory=list, description="Files written (csv, dry run).")


class WaitingView(View):
    """Queued alerts of a platform that are not sent now, and why.

    ``kind``: ``window`` (batching window open), ``backoff`` (waiting to retry), ``config``
    (channel not configured), ``route`` (no reporting route), ``policy`` (attribution no
    longer alertable) or ``claimed`` (another run is sending them).
    """

    platform: str
    alerts: int
    kind: str
    reason: str
    until: Timestamp | None = Field(default=None, description="When they may go.")


class NotAlertableView(View):
    """A verified (attributed) URL that gets no alert, and why."""

    url: str
    platform: str | None
    entity: str
    reason: str


class SendReportView(View):
    """What a send (or preview) did or would do.

    ``attributed``: attributions created, replaced or withdrawn by the sync; ``queued``: new
    alerts; ``sent``: alerts delivered; ``batches``: the batches due now (attempted unless a
    dry run or preview); ``waiting``: platforms whose queued alerts wait; ``not_alertable``:
    verified URLs that get no alert; ``out_dir``: the dry run's folder (null when it wrote
    nothing).
    """

    dry_run: bool = False
    out_dir: Path | None = None
    attributed: int = 0
    queued: int = 0
    sent: int = 0
    batches: list[BatchReportView] = Field(default_factory=list)
    waiting: list[WaitingView] = Field(default_factory=list)
    not_alertable: list[NotAlertableView] = Field(default_factory=list)

    @property
    def failed(self) -> list[BatchReportView]:
        """Batches whose delivery attempt failed."""
        return [b for b in self.batches if b.ok is False]

    @property
    def held_by_config(self) -> list[WaitingView]:
        """Platforms waiting for a configuration fix."""
        return [w for w in self.waiting if w.kind == "config"]


class AlertView(View):
    """An alert as listed."""

    id: int
    reference: str
    url: str
    platform: str
    channel: str
    recipient: str
    entity: str
    content_kind: str
    graphic: bool
    status: str = Field(description="queued, sent or failed.")
    attempts: int
    next_attempt_at: Timestamp | None
    last_error: str | None
    created_at: Timestamp
    sent_at: Timestamp | None


class SkippedAlertView(View):
    """An alert a retry left alone, and why."""

    reference: str
    reason: str


class RetryReportView(View):
    """What a retry did: the queued alerts made due now, the failed ones put back in the
    queue (references), and those left alone."""

    made_due: list[str] = Field(default_factory=list)
    requeued: list[str] = Field(default_factory=list)
    skipped: list[SkippedAlertView] = Field(default_factory=list)


class RouteView(View):
    """Where one platform's alerts go."""

    platform: str
    channel: str = Field(description="email, webhook or csv.")
    target: str = Field(description="Addresses, URL or folder ('' : the alerts folder).")
    secret_env: str | None = Field(description="Webhook: variable holding the HMAC key.")
    batch_seconds: float | None = Field(description="Batching window (null: the default).")
    origin: str = Field(description="route (set by a person) or registry (abuse e-mail).")


class VerificationView(View):
    """A URL attributed to an entity, and whether it may be alerted now."""

    url: str = Field(description="The canonical URL.")
    entity: str = Field(description="The entity id.")
    entity_name: str
    content_kind: str
    platform: str | None
    not_alertable: str | None = Field(description="Why no alert goes (null: alertable).")

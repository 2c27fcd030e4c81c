"""The takedown work of each ``tvec watch`` round: alerts, status checks, removal orders.

After the polls of a round, :func:`takedown_round` delivers the alert batches that are due
(:func:`tvec.alerts.send_alerts`), runs the status checks that are due
(:func:`tvec.alerts.run_checks`, with the round's HTTP client, so the outbound rules and the
per-host interval hold across polls and checks) and turns removal orders past their hour
into overdue alerts (:func:`tvec.orders.sweep_orders`), and fetches the exchanges whose
interval has passed and sends their due feedback (:func:`tvec.app.exchanges.fetch_due`). A
part that fails is reported in the
round and the others still run; nothing is sent that a person did not configure (alerts
need an attribution and a route).

:func:`seconds_to_next_due` tells the watch loop how long it may sleep: never past the next
status check or the deadline of an open removal order, so an order turns overdue within a
second of its hour instead of at the next round.

When an audit anchor is configured (``TVEC_AUDIT_ANCHOR_FILE`` or
``TVEC_AUDIT_ANCHOR_WEBHOOK``), each round also verifies the audit log and writes its head
out (:func:`tvec.app.audit.anchor`); a log that does not verify is an error of the round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from tvec.alerts.send import send_alerts
from tvec.app.context import AppContext
from tvec.errors import TvecError
from tvec.net.http import HttpClient
from tvec.orders.service import sweep_orders
from tvec.store.models.alerts import Takedown
from tvec.store.models.exchanges import Exchange
from tvec.store.models.orders import RemovalOrder
from tvec.takedowns.checks import run_checks


@dataclass
class TakedownRound:
    """What one round's takedown work did.

    Attributes:
        alerts_sent: alerts delivered; ``alerts_failed``: batches whose delivery failed;
        ``alerts_held``: platforms whose alerts wait for configuration (SMTP, webhook key).
        checks: status checks made; ``confirmed``: removals confirmed by them.
        overdue: references of removal orders that became overdue.
        errors: ``"part: message"`` for each part that could not run.
    """

    alerts_sent: int = 0
    alerts_failed: int = 0
    alerts_held: int = 0
    checks: int = 0
    confirmed: int = 0
    overdue: list[str] = field(default_factory=list)
    anchored: bool = False
    exchanges: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the watch's log."""
        parts = [
            f"alerts sent {self.alerts_sent}",
            f"failed batches {self.alerts_failed}",
            f"held by configuration {self.alerts_held}",
            f"status checks {self.checks}",
            f"removals confirmed {self.confirmed}",
            f"orders overdue {len(self.overdue)}",
        ]
        if self.overdue:
            parts[-1] += f" ({', '.join(self.overdue)})"
        if self.exchanges:
            parts.append(f"exchanges fetched {len(self.exchanges)} ({', '.join(self.exchanges)})")
        return "; ".join(parts) + "".join(f"; {e}" for e in self.errors)


def takedown_round(
    ctx: AppContext,
    client: HttpClient,
    *,
    alerts: bool = True,
    checks: bool = True,
    orders: bool = True,
    exchanges: bool = True,
    now: datetime | None = None,
    actor: str = "watch",
) -> TakedownRound:
    """Run the due takedown work once (see the module docstring), with the watch's
    outbound ``client`` (from :meth:`AppContext.http`).

    ``now`` is the time of the round (default: the clock, read by each part as it runs).
    Never raises a :class:`~tvec.errors.TvecError`: each part's error is in
    :attr:`TakedownRound.errors`.
    """
    report = TakedownRound()
    store, settings = ctx.store, ctx.settings
    if alerts:
        try:
            sent = send_alerts(store, settings, now=now, actor=actor, client=client)
        except TvecError as error:
            report.errors.append(f"alerts: {error}")
        else:
            report.alerts_sent = sent.sent
            report.alerts_failed = len(sent.failed)
            report.alerts_held = len(sent.held_by_config)
    if checks:
        try:
            checked = run_checks(store, settings, client=client, now=now, actor=actor)
        except TvecError as error:
            report.errors.append(f"status checks: {error}")
        else:
            counts = checked.counts
            report.checks = len(checked.checks) - counts.get("skipped", 0)
            report.confirmed = counts.get("confirmed", 0)
    if orders:
        try:
            with ctx.write_lock:
                swept = sweep_orders(store, settings, now or ctx.now(), client=client)
            report.overdue = [o.reference for o in swept]
        except TvecError as error:
            report.errors.append(f"removal orders: {error}")
    if exchanges:
        from tvec.app.exchanges import fetch_due

        try:
            for fetched in fetch_due(ctx, client, actor=actor):
                report.exchanges.append(fetched.name)
                report.errors.extend(f"exchange {fetched.name}: {e}" for e in fetched.errors[:3])
        except TvecError as error:
            report.errors.append(f"exchanges: {error}")
    if settings.audit_anchor_file is not None or settings.audit_anchor_webhook:
        report.anchored, problem = anchor_audit(ctx)
        if problem is not None:
            report.errors.append(f"audit log: {problem}")
    return report


def anchor_audit(ctx: AppContext) -> tuple[bool, str | None]:
    """Verify the audit log against its anchor file and write the head out; returns whether
    an anchor was written and what is wrong (None: nothing). Never raises a TvecError."""
    from tvec.app.audit import anchor

    try:
        result = anchor(ctx)
    except TvecError as error:
        return False, str(error)
    if not result.chain.ok:
        return False, f"broken at event {result.chain.broken_id}: {result.chain.problem}"
    if result.anchor_problem is not None:
        return False, f"does not match its anchor: {result.anchor_problem}"
    return True, None


def seconds_to_next_due(ctx: AppContext, now: datetime | None = None) -> float | None:
    """Seconds from ``now`` (default: the context's clock) until the next status check, open
    removal order's deadline or exchange fetch (0 if past).

    ``None`` when nothing is scheduled. Raises StoreError when the database fails.
    """
    at = now or ctx.now()
    with ctx.read() as session:
        check = session.scalar(
            select(func.min(Takedown.next_check_at)).where(Takedown.state == "tracking")
        )
        deadline = session.scalar(
            select(func.min(RemovalOrder.deadline_at)).where(RemovalOrder.status == "open")
        )
        fetch = session.scalar(
            select(func.min(Exchange.next_fetch_at)).where(Exchange.enabled.is_(True))
        )
    moments = [m for m in (check, deadline, fetch) if m is not None]
    if not moments:
        return None
    return max(0.0, (min(moments) - at).total_seconds())

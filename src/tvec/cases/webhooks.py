"""The decision webhook's outbox (table ``decision_webhook``): a decision is told to
``TVEC_WEBHOOK_URL`` only once its undo window (``TVEC_UNDO_SECONDS``) has passed, so it can
be undone while it has not left tvec, and an undone decision is never sent.

1. :func:`enqueue` adds a ``pending`` row, due at ``decided_at + TVEC_UNDO_SECONDS``, in the
   decision's own transaction (nothing when no webhook is configured).
2. :func:`withdraw` (called by an undo) deletes the row while it is ``pending``; once it is
   claimed the undo is refused (:func:`undo_blocker`).
3. A deliverer (the web app's background thread, ``tvec watch``) calls :func:`claim_due`:
   due ``pending`` rows, and ``sending`` rows whose deliverer died more than
   :data:`CLAIM_SECONDS` ago, become ``sending`` in one committed transaction, each by a
   conditional ``UPDATE`` so two deliverers never claim the same row; then it sends each
   and records the outcome with :func:`finish` (``sent`` or ``failed``; every attempt is
   also in the audit log as ``webhook.delivery``).

The same transactional-outbox pattern as the statements of reasons (:mod:`tvec.sor.outbox`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from tvec.errors import ConflictError
from tvec.settings import Settings
from tvec.store.models.cases import Decision, DecisionWebhook

#: Seconds after which a ``sending`` claim is taken to be a dead deliverer's and retried.
CLAIM_SECONDS = 300
#: Rows claimed by one call of :func:`claim_due` at most.
CLAIM_LIMIT = 100


def enqueue(session: Session, decision: Decision, settings: Settings) -> DecisionWebhook | None:
    """Queue the webhook event of ``decision`` (flushed), due when its undo window ends;
    None when ``TVEC_WEBHOOK_URL`` is unset."""
    if not settings.webhook_url:
        return None
    row = DecisionWebhook(
        decision_id=decision.id,
        case_id=decision.case_id,
        due_at=decision.decided_at + timedelta(seconds=settings.undo_seconds),
    )
    session.add(row)
    session.flush()
    return row


def undo_blocker(session: Session, decision_id: int) -> str | None:
    """Why the decision may not be undone as far as the webhook goes (its event was handed
    to a deliverer or sent), or None."""
    state = session.scalar(
        select(DecisionWebhook.state).where(DecisionWebhook.decision_id == decision_id)
    )
    if state is None or state == "pending":
        return None
    return f"decision {decision_id} was already handed to the webhook ({state})"


def withdraw(session: Session, decision_id: int) -> None:
    """Take the decision's event out of the outbox (an undo). Nothing when it has none.

    Raises:
        ConflictError: a deliverer claimed it in the meantime (the undo must fail).
    """
    exists = session.scalar(
        select(DecisionWebhook.id).where(DecisionWebhook.decision_id == decision_id)
    )
    if exists is None:
        return
    removed = session.execute(
        delete(DecisionWebhook).where(
            DecisionWebhook.id == exists, DecisionWebhook.state == "pending"
        )
    )
    if getattr(removed, "rowcount", 0) != 1:
        raise ConflictError(f"cannot undo: decision {decision_id} is being sent to the webhook")


def claim_due(session: Session, now: datetime, *, limit: int = CLAIM_LIMIT) -> list[int]:
    """Claim the rows due at ``now`` (see the module docstring); returns their decision ids,
    oldest due first. The caller commits before sending."""
    stale = now - timedelta(seconds=CLAIM_SECONDS)
    candidates = session.execute(
        select(DecisionWebhook.id, DecisionWebhook.decision_id, DecisionWebhook.state)
        .where(
            or_(
                (DecisionWebhook.state == "pending") & (DecisionWebhook.due_at <= now),
                (DecisionWebhook.state == "sending") & (DecisionWebhook.claimed_at <= stale),
            )
        )
        .order_by(DecisionWebhook.due_at, DecisionWebhook.id)
        .limit(limit)
    ).all()
    claimed = []
    for row_id, decision_id, state in candidates:
        done = session.execute(
            update(DecisionWebhook)
            .where(DecisionWebhook.id == row_id, DecisionWebhook.state == state)
            .values(state="sending", claimed_at=now, attempts=DecisionWebhook.attempts + 1)
        )
        if getattr(done, "rowcount", 0) == 1:
            claimed.append(int(decision_id))
    return claimed


def finish(
    session: Session, decision_id: int, *, delivered: bool, error: str | None, now: datetime
) -> None:
    """Record how sending the decision's event went: ``sent`` or ``failed`` (with why)."""
    session.execute(
        update(DecisionWebhook)
        .where(DecisionWebhook.decision_id == decision_id)
        .values(
            state="sent" if delivered else "failed",
            sent_at=now if delivered else None,
            error=None if delivered else error,
        )
    )


def pending_count(session: Session) -> int:
    """Events waiting in the outbox (``pending`` or ``sending``)."""
    return len(
        session.scalars(
            select(DecisionWebhook.id).where(DecisionWebhook.state.in_(("pending", "sending")))
        ).all()
    )

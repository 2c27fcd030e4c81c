"""The feedback outbox: opinions about exchange entries, sent back to the source's API.

A decision on a case (``remove``: true positive; ``no_violation``: false positive) is
queued (:func:`queue_for_case`) for every exchange entry the case's item matched, when that
exchange's feedback setting is on and its API takes opinions (ThreatExchange reactions:
``HELPFUL``, ``NOT_HELPFUL``, ``SAW_THIS_TOO``). :func:`send_due` sends what is due; a
failure is retried later (waits doubling from :data:`FIRST_RETRY_SECONDS`, at most
:data:`MAX_ATTEMPTS` attempts, then ``failed``); each opinion sent is audited
(:class:`~tvec.audit.events.ExchangeFeedbackSent`). One row per (exchange, case, record,
opinion), so an opinion is sent once.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.audit.events import ExchangeFeedbackSent, record_event
from tvec.errors import TvecError
from tvec.exchanges.credentials import read_credential
from tvec.exchanges.kinds import ThreatExchangeSource
from tvec.net.client import OutboundClient
from tvec.store.models import BankEntry, Exchange, ExchangeEntry, ExchangeFeedback, Match
from tvec.store.models.cases import ReviewCase
from tvec.views.exchanges import FeedbackRunView, FeedbackView

OPINIONS = {"remove": "true_positive", "no_violation": "false_positive"}
FIRST_RETRY_SECONDS = 60
MAX_ATTEMPTS = 8


def _view(row: ExchangeFeedback, exchange: str) -> FeedbackView:
    return FeedbackView(
        id=row.id,
        exchange=exchange,
        case_id=row.case_id,
        source_id=row.source_id,
        opinion=row.opinion,
        state=row.state,
        attempts=row.attempts,
        last_error=row.last_error,
        sent_at=row.sent_at,
    )


def queue_for_case(
    session: Session, case_id: int, verdict: str, *, now: datetime
) -> list[FeedbackView]:
    """Queue the opinion ``verdict`` gives on the exchange records case ``case_id``'s item
    matched (see the module docstring); nothing for other verdicts or exchanges whose
    feedback is off. Returns the rows queued now."""
    opinion = OPINIONS.get(verdict)
    case = session.get(ReviewCase, case_id)
    if opinion is None or case is None:
        return []
    rows = session.execute(
        select(Exchange, ExchangeEntry.source_id, BankEntry.signal_type, BankEntry.value)
        .join(ExchangeEntry, ExchangeEntry.exchange_id == Exchange.id)
        .join(BankEntry, BankEntry.id == ExchangeEntry.bank_entry_id)
        .join(Match, Match.bank_entry_id == BankEntry.id)
        .where(Match.item_id == case.item_id, Exchange.feedback.is_(True))
    ).all()
    queued: list[FeedbackView] = []
    for exchange, source_id, signal_type, value in rows:
        exists = session.scalars(
            select(ExchangeFeedback.id).where(
                ExchangeFeedback.exchange_id == exchange.id,
                ExchangeFeedback.case_id == case_id,
                ExchangeFeedback.source_id == source_id,
                ExchangeFeedback.opinion == opinion,
            )
        ).first()
        if exists is not None:
            continue
        row = ExchangeFeedback(
            exchange_id=exchange.id,
            case_id=case_id,
            source_id=source_id,
            signal_type=signal_type,
            value=value,
            opinion=opinion,
            state="pending",
            attempts=0,
            next_attempt_at=now,
        )
        session.add(row)
        session.flush()
        queued.append(_view(row, exchange.name))
    return queued


def send_due(
    *,
    write: Callable[[], AbstractContextManager[Session]],
    http: OutboundClient,
    now: Callable[[], datetime],
    actor: str,
) -> FeedbackRunView:
    """Send every pending opinion whose time has come (one transaction each)."""
    with write() as session:
        due = list(
            session.scalars(
                select(ExchangeFeedback.id)
                .where(ExchangeFeedback.state == "pending")
                .where(ExchangeFeedback.next_attempt_at <= now())
                .order_by(ExchangeFeedback.id)
            )
        )
    sent = failed = waiting = 0
    for row_id in due:
        with write() as session:
            row = session.get(ExchangeFeedback, row_id)
            if row is None or row.state != "pending":
                continue
            exchange = session.get(Exchange, row.exchange_id)
            if exchange is None:
                continue
            row.attempts += 1
            try:
                credential = read_credential(exchange.name, exchange.config)
                source = ThreatExchangeSource(http, credential, exchange.config)
                source.react(row.source_id, row.opinion)
            except TvecError as exc:
                row.last_error = str(exc)[:1000]
                if row.attempts >= MAX_ATTEMPTS:
                    row.state = "failed"
                    failed += 1
                else:
                    wait = FIRST_RETRY_SECONDS * 2 ** (row.attempts - 1)
                    row.next_attempt_at = now() + timedelta(seconds=wait)
                    waiting += 1
                continue
            row.state = "sent"
            row.sent_at = now()
            row.last_error = None
            record_event(
                session,
                actor,
                ExchangeFeedbackSent(
                    exchange=exchange.name,
                    source_id=row.source_id,
                    opinion=row.opinion,
                    case_id=row.case_id,
                    attempts=row.attempts,
                ),
            )
            sent += 1
    return FeedbackRunView(sent=sent, failed=failed, waiting=waiting)


def list_feedback(session: Session, name: str | None = None) -> list[FeedbackView]:
    """The outbox (of exchange ``name``), newest first."""
    query = (
        select(ExchangeFeedback, Exchange.name)
        .join(Exchange, Exchange.id == ExchangeFeedback.exchange_id)
        .order_by(ExchangeFeedback.id.desc())
    )
    if name is not None:
        query = query.where(Exchange.name == name)
    return [_view(row, exchange) for row, exchange in session.execute(query)]

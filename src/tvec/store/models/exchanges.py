"""Tables of exchanges: hash and URL lists fetched from the field, and feedback sent back.

Tables (see ``docs/exchanges.md``)::

    exchange ──< exchange_entry >── bank_entry   (which upstream id holds which bank entry)
       ├── bank                                  (the exchange's own bank)
       └──< exchange_feedback                    (the outbox of opinions sent back)

An ``exchange_entry`` row ties one upstream record (``source_id``: the source's own id, or
``signal_type:value`` where the source has none) to a bank entry it contributed; a bank entry
is deleted when no upstream record of any exchange holds it any more. Times are
timezone-aware UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tvec.clock import utcnow
from tvec.store.models.core import Bank, Base

#: Feedback outbox states.
FEEDBACK_STATES = ("pending", "sent", "failed")


class Exchange(Base):
    """A source of signals fetched on a schedule into a bank of its own.

    ``config`` holds the kind's settings (URL, format, privacy group...) and where the
    credential is (``credential_env`` names an environment variable, ``credential_file`` a
    file), never the credential itself. ``checkpoint`` is where the next fetch continues (the
    API's own cursor or ``after`` value; validators of a list); ``last_counts`` and
    ``last_errors`` describe the last fetch.
    """

    __tablename__ = "exchange"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    bank_id: Mapped[int] = mapped_column(ForeignKey("bank.id", ondelete="CASCADE"))
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    feedback: Mapped[bool] = mapped_column(Boolean, default=False)
    interval_seconds: Mapped[int] = mapped_column(Integer, default=3600)
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), default="new")
    last_fetch_at: Mapped[datetime | None] = mapped_column()
    last_success_at: Mapped[datetime | None] = mapped_column()
    next_fetch_at: Mapped[datetime | None] = mapped_column()
    last_counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_errors: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    bank: Mapped[Bank] = relationship()


class ExchangeEntry(Base):
    """One upstream record's contribution to a bank entry (see the module docstring)."""

    __tablename__ = "exchange_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(String(200))
    bank_entry_id: Mapped[int] = mapped_column(ForeignKey("bank_entry.id", ondelete="CASCADE"))

    __table_args__ = (
        UniqueConstraint(
            "exchange_id", "source_id", "bank_entry_id", name="uq_exchange_entry_source"
        ),
        Index("ix_exchange_entry_bank_entry", "bank_entry_id"),
    )


class ExchangeFeedback(Base):
    """One opinion to send back to an exchange's API (the outbox, retried until sent).

    ``opinion`` is ``true_positive``, ``false_positive`` or ``seen``; ``state`` one of
    :data:`FEEDBACK_STATES`. One row per (exchange, case, entry, opinion): a decision
    recorded twice is sent once.
    """

    __tablename__ = "exchange_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(Integer)
    source_id: Mapped[str] = mapped_column(String(200))
    signal_type: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(Text)
    opinion: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        UniqueConstraint(
            "exchange_id", "case_id", "source_id", "opinion", name="uq_exchange_feedback"
        ),
        Index("ix_exchange_feedback_state", "state", "next_attempt_at"),
    )

"""Tables of the review side: cases, their evidence, decisions and appeals.

Tables (see ``docs/data-model.md``)::

    item ──< review_case ──< case_evidence >── match
                  └──< decision ──< appeal

One item has at most one *open* case (status ``open`` or ``escalated``: a partial unique
index on both SQLite and PostgreSQL); new evidence joins it. The queue reads
``(status, priority DESC, opened_at, id)`` from one index, so keyset paging stays fast with
100,000 open cases. ``entity``, ``signal_type``, ``source``, ``platform`` and ``language``
are copied onto the case for the queue's filters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tvec.clock import utcnow
from tvec.store.models.core import Base, Item

#: Statuses in which a case waits for a person (the item's one open case).
OPEN_STATUSES = ("open", "escalated")
#: Every case status: waiting, decided, under appeal, closed after an appeal.
CASE_STATUSES = ("open", "escalated", "decided", "appealed", "closed")

#: Columns the queue filters on; each has an index with the status (for filtered counts).
_FILTER_COLUMNS = ("entity", "signal_type", "source", "platform", "language")
_OPEN_WHERE = text("status IN ('open', 'escalated')")


class ReviewCase(Base):
    """A request for a human decision about one item, with its priority (0-10) and parts."""

    __tablename__ = "review_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    priority_parts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    entity: Mapped[str | None] = mapped_column(String(200))
    signal_type: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(String(200))
    platform: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[Item] = relationship()
    evidence: Mapped[list[CaseEvidence]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseEvidence.id"
    )
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="case",
        cascade="all, delete-orphan",
        order_by="Decision.id",
        foreign_keys="Decision.case_id",
    )

    __table_args__ = (
        Index("ix_review_case_queue", "status", text("priority DESC"), "opened_at", "id"),
        Index("ix_review_case_item", "item_id"),
        *(Index(f"ix_review_case_{name}", "status", name) for name in _FILTER_COLUMNS),
        Index(
            "uq_review_case_open_item",
            "item_id",
            unique=True,
            sqlite_where=_OPEN_WHERE,
            postgresql_where=_OPEN_WHERE,
        ),
    )


class CaseEvidence(Base):
    """One piece of evidence on a case: a bank match, a flag, a trusted source, an indicator.

    ``confidence`` is this evidence's confidence part (0-1); ``detail`` says what it is.
    """

    __tablename__ = "case_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_case.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    match_id: Mapped[int | None] = mapped_column(ForeignKey("match.id", ondelete="SET NULL"))
    confidence: Mapped[float] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[ReviewCase] = relationship(back_populates="evidence")

    __table_args__ = (UniqueConstraint("case_id", "match_id", name="uq_case_evidence_match"),)


class Decision(Base):
    """A reviewer's outcome on a case: ``remove`` (with a ground), ``no_violation``,
    ``escalate`` or ``duplicate`` (of another case), with a free-text note."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_case.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    reviewer: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(20))
    ground_kind: Mapped[str | None] = mapped_column(String(30))
    ground: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("review_case.id", ondelete="SET NULL")
    )
    bank: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[ReviewCase] = relationship(back_populates="decisions", foreign_keys=[case_id])
    appeals: Mapped[list[Appeal]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="Appeal.id"
    )

    __table_args__ = (Index("ix_decision_case", "case_id"),)


class Appeal(Base):
    """An appeal of a decision; a different reviewer upholds or overturns it (both kept)."""

    __tablename__ = "appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id", ondelete="CASCADE"))
    filed_by: Mapped[str] = mapped_column(String(100))
    on_behalf_of: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    reviewer: Mapped[str | None] = mapped_column(String(100))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()

    decision: Mapped[Decision] = relationship(back_populates="appeals")


#: States of a decision's webhook delivery: waiting for its undo window to pass, handed to
#: a deliverer, delivered, or given up after the webhook's retries.
WEBHOOK_STATES = ("pending", "sending", "sent", "failed")


class DecisionWebhook(Base):
    """The decision webhook's outbox (migration 0018): one row per decision to tell
    ``TVEC_WEBHOOK_URL`` about, due when the decision's undo window (``TVEC_UNDO_SECONDS``)
    has passed. Undoing the decision deletes its row while it is ``pending``, so an undone
    decision never leaves tvec; ``sending`` (claimed by a deliverer) blocks the undo."""

    __tablename__ = "decision_webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decision.id", ondelete="CASCADE"), unique=True
    )
    case_id: Mapped[int] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_decision_webhook_due", "state", "due_at"),)

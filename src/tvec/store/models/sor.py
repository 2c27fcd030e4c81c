"""Statements of reasons (DSA Article 17) and their submission to the EU DSA Transparency
Database (migration 0008; see ``docs/statements-of-reasons.md``).

One row per statement, made from one decision (``decision_id``): ``payload`` is the statement
as the API takes it; ``state`` is where its submission stands:

``pending``     not yet sent;
``submitting``  sent in a batch whose answer was not recorded (a crash, a lost answer): the
                next run asks the API whether it holds the ``puid`` before sending again;
``submitted``   the API holds it (``uuid`` from its answer, or ``duplicate`` when it already
                held the ``puid``);
``rejected``    the API refused it (422); ``errors`` keeps the API's field errors.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tvec.clock import utcnow
from tvec.store.models.core import Base

#: Submission states (see the module docstring).
SOR_STATES = ("pending", "submitting", "submitted", "rejected")


class StatementOfReasons(Base):
    """One statement of reasons and its submission state."""

    __tablename__ = "statement_of_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    puid: Mapped[str] = mapped_column(String(500), unique=True)
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decision.id", ondelete="SET NULL"), unique=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    batch: Mapped[str | None] = mapped_column(String(40))
    uuid: Mapped[str | None] = mapped_column(String(64))
    errors: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    submitted_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_statement_of_reasons_state", "state", "id"),)

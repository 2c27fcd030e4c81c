"""Tables of removal orders (EU Regulation 2021/784, "TCO") and legal holds.

Tables (see ``docs/removal-orders.md``)::

    removal_order ──< removal_order_url
          └──< legal_hold        (removed content and its data, kept six months)

An order's one-hour clock starts at ``received_at`` (Article 3(3)); ``deadline_at`` is
``received_at`` plus one hour. Times are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tvec.clock import utcnow
from tvec.store.models.core import Base

#: Order statuses: waiting within the hour, past the hour, all URLs acted on, rejected
#: (cannot be executed: Article 3(7), 3(8)).
ORDER_STATUSES = ("open", "overdue", "done", "rejected")
#: What the provider did with a URL (Article 3(3): remove, or disable access in all
#: Member States).
ACTIONS = ("removed", "disabled")


class RemovalOrder(Base):
    """A removal order received from a competent authority of a Member State.

    ``status`` is ``open`` until every URL is acted on (then ``done``); a sweep past
    ``deadline_at`` makes an unfinished order ``overdue`` and sets ``overdue_at``. An order
    that cannot be executed (Article 3(7), 3(8)) is ``rejected`` until its clock is
    restarted (``open`` again, ``deadline_at`` one hour after the restart).
    ``reply`` holds the provider's reply once filled in (see
    :func:`tvec.orders.reply.reply_document`) and, under ``impossibility``, each
    rejection with its Annex III document (see :mod:`tvec.orders.impossibility`).
    """

    __tablename__ = "removal_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(200), unique=True)
    authority: Mapped[str] = mapped_column(String(300))
    member_state: Mapped[str] = mapped_column(String(2))
    received_at: Mapped[datetime] = mapped_column()
    deadline_at: Mapped[datetime] = mapped_column()
    reasons: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")
    overdue_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    reply: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    urls: Mapped[list[RemovalOrderUrl]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="RemovalOrderUrl.id"
    )

    __table_args__ = (Index("ix_removal_order_status", "status", "deadline_at"),)


class RemovalOrderUrl(Base):
    """One URL named by an order, and what was done with it and when."""

    __tablename__ = "removal_order_url"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("removal_order.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id", ondelete="SET NULL"))
    action: Mapped[str | None] = mapped_column(String(20))
    acted_at: Mapped[datetime | None] = mapped_column()

    order: Mapped[RemovalOrder] = relationship(back_populates="urls")

    __table_args__ = (UniqueConstraint("order_id", "url", name="uq_removal_order_url"),)


class LegalHold(Base):
    """Removed content and its data, preserved (Article 6) until ``held_until``.

    ``sha256``/``size`` name the preserved bytes in the hold folder (``None`` when only data
    was kept); ``data`` is the snapshot of the item (URL, metadata, text, signals).
    ``extensions`` lists each extension (``{"at", "by", "until", "reason"}``). Every read of
    a hold is recorded in the audit log.
    """

    __tablename__ = "legal_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("removal_order.id", ondelete="SET NULL")
    )
    url: Mapped[str] = mapped_column(Text)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id", ondelete="SET NULL"))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    held_from: Mapped[datetime] = mapped_column()
    held_until: Mapped[datetime] = mapped_column()
    extensions: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_legal_hold_order", "order_id"),)

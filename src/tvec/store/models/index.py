"""The bank change counter and log behind the persisted match index.

``bank_version`` has one row (``id`` 1): the number of bank changes ever committed. Every
change to bank entries (add, import, remove, bank delete) raises it by one in the same
transaction and writes the entry ids it touched to ``bank_change`` as ranges of ids, so a
process holding an index of version ``v`` can catch up by replaying the changes after ``v``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tvec.store.models.core import Base


class BankVersion(Base):
    """The bank change counter: one row, ``id`` 1."""

    __tablename__ = "bank_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class BankChange(Base):
    """Entries ``first_id..last_id`` (inclusive) were added (``op`` "add") or removed
    ("remove") by bank change ``version``."""

    __tablename__ = "bank_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    op: Mapped[str] = mapped_column(String(8))
    first_id: Mapped[int] = mapped_column(BigInteger)
    last_id: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_bank_change_version", "version"),)

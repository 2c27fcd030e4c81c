"""Tables of imported designation lists (``tvec entity import``; ``docs/designations.md``).

One row of ``entity_designation`` is one group on one official list (UN, EU, UK, US), as
the last import of that list read it: its reference on the list, its names in every script,
its listing date, and the registry entity it belongs to (``entity_id``: a packaged or
``TVEC_ENTITIES_FILE`` entity the name resolved to, or a new id made for it). The registry
in force adds these to the packaged one (:func:`tvec.entities.imported.effective_registry`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tvec.clock import utcnow
from tvec.store.models.core import Base


class EntityDesignation(Base):
    """A group's listing on an official list, from an import.

    ``format`` is the importer that wrote it (``un``, ``eu``, ``uk``, ``us``); ``list_key``
    one of :data:`tvec.entities.lists.LISTS`; ``aliases`` a list of ``{"text", "lang",
    "script"}``; ``listed_on`` None when the list gives no full date.
    """

    __tablename__ = "entity_designation"

    id: Mapped[int] = mapped_column(primary_key=True)
    format: Mapped[str] = mapped_column(String(8))
    list_key: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(200))
    entity_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(Text)
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    listed_on: Mapped[date | None] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("list_key", "reference", name="uq_entity_designation_ref"),
        Index("ix_entity_designation_entity", "entity_id"),
        Index("ix_entity_designation_format", "format"),
    )

"""Tables of the analysis pipeline: per-item results and indicator hits (migration 0005).

::

    item ──1 item_analysis ──< indicator_hit >── item

``item_analysis`` holds one row per analysed item, replaced when the item changes;
``indicator_hit`` one row per entity or outlet name found, keyed by item so that cases can
look hits up by item or by entity. Entity and outlet ids are the slugs of the entity registry
(``tvec.entities``); they are not foreign keys because the registry is a data file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tvec.clock import utcnow
from tvec.store.models.core import Base, Item


class ItemAnalysis(Base):
    """What the analysis stages found in one item.

    Attributes:
        primary_language: ISO 639-3 code of the language holding at least half the letters
            of the item's text and OCR text, or ``"und"``; None when language ID was off.
        languages: ``[{"code": "pus", "share": 0.8, "script": "Arab"}, ...]``, shares of
            letters (0..1), largest first.
        ocr_text: the text read inside the item's media (OCR and PDF text layers), parts
            separated by blank lines; None when there was none.
        media_text: one dict per part read: ``where`` (``image``, ``frame@2.0s``,
            ``page 3``), ``method`` (``ocr`` or ``pdf_text``), ``text`` and, for OCR, the
            ``script``, ``language``, ``packs``, ``method``, ``confidence`` (0-100),
            ``seconds``.
        stages: stage name -> ``"done"``, ``"off"`` (turned off by a setting) or
            ``"unavailable"`` (its dependency is missing; see ``errors``).
        errors: problems met while analysing (corrupt media, Tesseract failures), as text.
    """

    __tablename__ = "item_analysis"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), unique=True)
    primary_language: Mapped[str | None] = mapped_column(String(8))
    languages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    ocr_text: Mapped[str | None] = mapped_column(Text)
    media_text: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    stages: Mapped[dict[str, Any]] = mapped_column(default=dict)
    errors: Mapped[list[str]] = mapped_column(JSON, default=list)
    analyzed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    item: Mapped[Item] = relationship()
    hits: Mapped[list[ItemIndicatorHit]] = relationship(
        back_populates="analysis", cascade="all, delete-orphan", passive_deletes=True
    )


class ItemIndicatorHit(Base):
    """An entity or outlet name found in an item's text or OCR text.

    ``field`` says which text (``text`` or ``ocr_text``); ``span_start``/``span_end`` are
    character offsets (end exclusive) into that text; ``steps`` are the normalisation steps
    that made the disguised spelling match (empty for a plain spelling).
    """

    __tablename__ = "indicator_hit"

    id: Mapped[int] = mapped_column(primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("item_analysis.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    entity_id: Mapped[str] = mapped_column(String(100))
    outlet_id: Mapped[str | None] = mapped_column(String(100))
    alias: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(String(20))
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)
    matched_text: Mapped[str] = mapped_column(Text)
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    analysis: Mapped[ItemAnalysis] = relationship(back_populates="hits")

    __table_args__ = (
        Index("ix_indicator_hit_item", "item_id"),
        Index("ix_indicator_hit_entity", "entity_id"),
    )

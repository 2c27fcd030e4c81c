"""The ``vpdq_features`` table: one row per distinct vPDQ frame list (:mod:`tvec.store.vpdq`)."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tvec.store.models.core import Base


class VPDQFeatures(Base):
    """One distinct vPDQ value: its canonical JSON and frame count, keyed by SHA-256."""

    __tablename__ = "vpdq_features"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    frame_count: Mapped[int] = mapped_column(Integer)
    features: Mapped[str] = mapped_column(Text)

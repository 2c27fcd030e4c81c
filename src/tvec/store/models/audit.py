"""The audit log table: append-only events, each holding the SHA-256 of the one before.

``hmac`` is the keyed chain (``tvec.audit.log``): HMAC-SHA256, under a key kept outside the
database, of the event's ``sha256`` and the ``hmac`` of the event before; ``None`` on events
written before tvec had an audit key. ``prev_sha256`` is unique, so two writers that read
the same last event cannot both append (the chain can never fork); the first event's
``prev_sha256`` is 64 zeros.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tvec.clock import utcnow
from tvec.store.models.core import Base


class AuditEvent(Base):
    """One action a person, an API client or tvec itself took (see ``docs/review.md``)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(60))
    target: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    hmac: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_event_kind_at", "kind", "at"),)

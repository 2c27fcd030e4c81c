"""Tables of accounts: reviewers and machine clients (API tokens), and per-day wellbeing counts.

Tables (see ``docs/data-model.md``)::

    account ──< api_token
        └────< reviewer_day   (media revealed per reviewer per UTC day)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tvec.clock import utcnow
from tvec.store.models.core import Base


class Account(Base):
    """A person (or service) who can log in: a username, a role and an Argon2id hash.

    ``prefs`` holds the reviewer's own media defaults (``blur_px``, ``greyscale``), always
    within the organisation's limits (see :mod:`tvec.accounts.wellbeing`).
    """

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(default=False)
    prefs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()


class ApiToken(Base):
    """A bearer token for a machine client; only its SHA-256 is stored (shown once)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    revoked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()


class ReviewerDay(Base):
    """How many media a reviewer revealed on one UTC day (``day`` as ``YYYY-MM-DD``)."""

    __tablename__ = "reviewer_day"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    reveals: Mapped[int] = mapped_column(Integer, default=0)

"""Tables of accounts: reviewers and machine clients (API tokens), and per-day wellbeing counts.

Tables (see ``docs/data-model.md``)::

    account ──< api_token
        ├────< reviewer_day   (media revealed per reviewer per UTC day)
        └────< web_session    (server-side login sessions; revoked at once)
    login_throttle            (failed and successful logins per username and address)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, false
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
    #: The password is a one-time password (generated, or set by an admin): the web app
    #: sends its owner to the change page until they choose their own.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
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


class WebSession(Base):
    """A login session of the web app: the cookie holds its random id, the store holds the
    SHA-256 of that id (``id``), so a copy of the table opens no session.

    A session is valid while ``revoked_at`` is unset and ``expires_at`` is in the future and
    its account is enabled (see :mod:`tvec.accounts.sessions`).
    """

    __tablename__ = "web_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_why: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (Index("ix_web_session_account", "account_id"),)


class LoginThrottle(Base):
    """Login bookkeeping shared by every process on one store (see
    :mod:`tvec.accounts.throttle`).

    ``key`` is ``user:<name>`` (failures since the last success, and the time before which
    the next attempt is refused), ``ip:<address>`` (failures in the current window, which
    began at ``window_start``) or ``ok:<name>:<address>`` (``last_success_at``: the address
    logged in as that user).
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime | None] = mapped_column()
    blocked_until: Mapped[datetime | None] = mapped_column()
    last_success_at: Mapped[datetime | None] = mapped_column()

"""Server-side login sessions of the web app, revoked at once (issue 16, finding 7).

A login creates a :class:`~tvec.store.models.accounts.WebSession` row and gives the browser
its id: 32 random bytes, URL-safe base64, carried in the signed session cookie. The store
keeps only the SHA-256 of the id, so a copy of the table opens no session. A request's
session is valid while its row exists, is not revoked, has not expired
(``TVEC_SESSION_MAX_AGE`` after login) and its account is enabled. Logout revokes the one
session; a password reset, disabling the account and "sign out everywhere" revoke every
session of the account, in the same transaction as the change.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tvec.audit.events import SessionsRevoked, record_event
from tvec.errors import AuthError
from tvec.store.models.accounts import Account, WebSession

#: ``web_session.last_seen_at`` is written at most this often (so most requests only read).
SEEN_RESOLUTION = timedelta(minutes=1)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def start_session(session: Session, account_id: int, now: datetime, max_age_seconds: int) -> str:
    """Create a session of ``account_id`` that lasts ``max_age_seconds``; return its id (for
    the cookie; only its SHA-256 is stored)."""
    session_id = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id=_digest(session_id),
            account_id=account_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(seconds=max_age_seconds),
        )
    )
    session.flush()
    return session_id


def session_account(session: Session, session_id: str, now: datetime) -> tuple[Account, bool]:
    """The account of a valid session, and whether its last use should be noted
    (:func:`touch_session`; at most once a minute, so most requests only read).

    Raises:
        AuthError: unknown, revoked or expired session, or the account is gone or disabled.
    """
    row = session.get(WebSession, _digest(session_id))
    if row is None or row.revoked_at is not None:
        raise AuthError("the session has ended; log in again")
    if row.expires_at <= now:
        raise AuthError("the session has expired; log in again")
    account = session.get(Account, row.account_id)
    if account is None or account.disabled:
        raise AuthError("the session's account is gone or disabled; log in again")
    return account, now - row.last_seen_at > SEEN_RESOLUTION


def touch_session(session: Session, session_id: str, now: datetime) -> None:
    """Note the session's last use (``last_seen_at``)."""
    row = session.get(WebSession, _digest(session_id))
    if row is not None:
        row.last_seen_at = now


def end_session(session: Session, session_id: str, now: datetime) -> int | None:
    """Revoke one session (logout); return its account id (None when it was unknown)."""
    row = session.get(WebSession, _digest(session_id))
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = now
        row.revoked_why = "logout"
    return row.account_id


def revoke_sessions(
    session: Session,
    account: Account,
    now: datetime,
    why: str,
    *,
    actor: str,
    keep: str | None = None,
) -> int:
    """Revoke every open session of ``account`` at once (but ``keep``, a session id: the
    one changing its own password); return how many were revoked. Logged when any was
    open, and always for ``why`` = ``signout`` (others: ``password``, ``disabled``)."""
    where = [WebSession.account_id == account.id, WebSession.revoked_at.is_(None)]
    if keep is not None:
        where.append(WebSession.id != _digest(keep))
    result = session.execute(
        update(WebSession)
        .where(*where)
        .values(revoked_at=now, revoked_why=why)
        .execution_options(synchronize_session=False)
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    if count or why == "signout":
        record_event(
            session, actor, SessionsRevoked(username=account.username, why=why, count=count)
        )
    return count


def open_sessions(session: Session, account_id: int, now: datetime) -> int:
    """How many sessions of ``account_id`` are open (not revoked, not expired)."""
    rows = session.scalars(
        select(WebSession.id).where(
            WebSession.account_id == account_id,
            WebSession.revoked_at.is_(None),
            WebSession.expires_at > now,
        )
    )
    return len(list(rows))

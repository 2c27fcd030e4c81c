"""Accounts: the verbs behind ``tvec user add|list|disable|reset-password``, logins and tokens.

Every function takes a SQLAlchemy session (the caller's transaction) and records what a
person did in the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tvec.accounts.passwords import dummy_hash, generate_password, hash_password, verify_password
from tvec.accounts.roles import Role, parse_role
from tvec.accounts.sessions import revoke_sessions
from tvec.audit.events import (
    Login,
    LoginFailed,
    Logout,
    PasswordReset,
    TokenCreated,
    UserAdded,
    UserDisabled,
    record_event,
)
from tvec.errors import AuthError, NotFoundError, UsageError
from tvec.store.models import utcnow
from tvec.store.models.accounts import Account, ApiToken
from tvec.views.accounts import UserView

#: Prefix of every API token, so a leaked token is easy to recognise (and to scan for).
TOKEN_PREFIX = "tvec_"  # noqa: S105 - a public prefix, not a secret
#: ``api_token.last_used_at`` is updated at most this often (so reads stay reads).
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    """Who is acting: an account (by session or API token), with its role."""

    account_id: int
    username: str
    role: str
    via_token: str | None = None

    @property
    def actor(self) -> str:
        """The name written to the audit log (``token:<name>`` for API clients)."""
        return f"{self.username} (token:{self.via_token})" if self.via_token else self.username


def _principal(account: Account, token: str | None = None) -> Principal:
    return Principal(account.id, account.username, account.role, token)


def get_account(session: Session, username: str) -> Account:
    """The account called ``username``.

    Raises:
        NotFoundError: no such account.
    """
    account = session.scalars(select(Account).where(Account.username == username)).one_or_none()
    if account is None:
        raise NotFoundError(f"no user named {username!r} (see 'tvec user list')")
    return account


def add_user(
    session: Session, username: str, role: str, password: str, *, actor: str = "tvec"
) -> Account:
    """Create an account.

    Raises:
        UsageError: empty, taken or unprintable username, unknown role, or a too-short
            password.
    """
    name = username.strip()
    if not name or len(name) > 100:
        raise UsageError("a username needs 1 to 100 characters")
    if not all(c.isprintable() and not c.isspace() for c in name):
        raise UsageError(
            f"username {name[:40]!r} holds a space, line break or control character "
            "(usernames are one word of printable characters)"
        )
    parsed = parse_role(role)
    if session.scalars(select(Account.id).where(Account.username == name)).first() is not None:
        raise UsageError(f"a user named {name!r} already exists")
    account = Account(username=name, role=parsed.value, password_hash=hash_password(password))
    session.add(account)
    session.flush()
    record_event(session, actor, UserAdded(username=name, role=parsed.value))
    return account


def list_users(session: Session) -> list[Account]:
    """Every account, by username."""
    return list(session.scalars(select(Account).order_by(Account.username)))


def user_view(account: Account) -> UserView:
    """The result model of an account as ``tvec user list`` shows it."""
    return UserView(
        username=account.username,
        role=account.role,
        disabled=account.disabled,
        last_login_at=account.last_login_at,
    )


def logout(session: Session, account_id: int) -> None:
    """Record the logout of the account ``account_id`` (nothing if it is gone)."""
    account = session.get(Account, account_id)
    if account is not None:
        record_event(session, account.username, Logout(username=account.username))


def disable_user(session: Session, username: str, *, actor: str = "tvec") -> None:
    """Disable an account: it can no longer log in, its web sessions end at once and its API
    tokens stop working.

    Raises:
        NotFoundError: no such account.
    """
    account = get_account(session, username)
    account.disabled = True
    record_event(session, actor, UserDisabled(username=username))
    revoke_sessions(session, account, utcnow(), "disabled", actor=actor)


def reset_password(
    session: Session, username: str, password: str | None = None, *, actor: str = "tvec"
) -> str:
    """Set a new password (a generated one when ``password`` is None) and return it; every
    web session of the account ends at once.

    Raises:
        NotFoundError: no such account.
        UsageError: the password is too short.
    """
    account = get_account(session, username)
    new = password if password is not None else generate_password()
    account.password_hash = hash_password(new)
    record_event(session, actor, PasswordReset(username=username))
    revoke_sessions(session, account, utcnow(), "password", actor=actor)
    return new


def sign_out_everywhere(session: Session, username: str, *, actor: str = "tvec") -> int:
    """End every web session of ``username`` at once (logged); return how many were open.

    Raises:
        NotFoundError: no such account.
    """
    return revoke_sessions(
        session, get_account(session, username), utcnow(), "signout", actor=actor
    )


def ensure_first_admin(
    session: Session, password: str | None = None, username: str = "admin"
) -> str | None:
    """On a store with no accounts, create admin ``username``; return its one-time password.

    ``password`` (``TVEC_ADMIN_PASSWORD``) is used when given, and then None is returned
    (nothing to print). With accounts already present nothing happens and None is returned.
    """
    if session.scalar(select(func.count()).select_from(Account)):
        return None
    chosen = password if password else generate_password()
    add_user(session, username, Role.ADMIN.value, chosen, actor="tvec")
    return None if password else chosen


def authenticate(session: Session, username: str, password: str) -> Principal | None:
    """Check a username and password and record the login or the failure.

    Returns None for an unknown user, a wrong password or a disabled account (one answer
    for all, and about the same time: unknown users are checked against a dummy hash). The
    caller commits the session either way, so failures stay in the audit log.
    """
    account = session.scalars(select(Account).where(Account.username == username)).one_or_none()
    ok = verify_password(account.password_hash if account else dummy_hash(), password)
    if account is None or not ok or account.disabled:
        record_event(session, username[:100] or "?", LoginFailed(username=username[:100]))
        return None
    account.last_login_at = utcnow()
    record_event(session, account.username, Login(username=account.username))
    return _principal(account)


def principal_for(session: Session, account_id: int) -> Principal:
    """The principal of a logged-in session's account.

    Raises:
        AuthError: the account is gone or disabled.
    """
    account = session.get(Account, account_id)
    if account is None or account.disabled:
        raise AuthError("the session's account is gone or disabled; log in again")
    return _principal(account)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, username: str, name: str, *, actor: str = "tvec") -> str:
    """Create an API token for ``username`` and return it; only its SHA-256 is stored.

    The token is 32 random bytes (URL-safe base64) after :data:`TOKEN_PREFIX`; show it once.

    Raises:
        NotFoundError: no such account.
    """
    account = get_account(session, username)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            account_id=account.id,
            name=name,
            token_sha256=_token_digest(token),
            prefix=token[: len(TOKEN_PREFIX) + 4],
        )
    )
    record_event(session, actor, TokenCreated(username=username, name=name))
    return token


def principal_for_token(session: Session, token: str) -> Principal:
    """The principal behind a bearer token.

    Raises:
        AuthError: unknown or revoked token, or its account is disabled.
    """
    row = session.scalars(
        select(ApiToken).where(ApiToken.token_sha256 == _token_digest(token))
    ).one_or_none()
    if row is None or row.revoked:
        raise AuthError("unknown or revoked API token")
    account = session.get(Account, row.account_id)
    if account is None or account.disabled:
        raise AuthError("the API token's account is disabled")
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > TOKEN_USE_RESOLUTION:
        row.last_used_at = now
    return _principal(account, row.name)

"""Accounts: the verbs behind ``tvec user add|list|disable|reset-password``, logins and tokens.

Every function takes a SQLAlchemy session (the caller's transaction) and records what a
person did in the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tvec.accounts.passwords import dummy_hash, generate_password, hash_password, verify_password
from tvec.accounts.roles import Role, parse_role
from tvec.accounts.sessions import revoke_sessions
from tvec.audit.events import (
    Login,
    LoginFailed,
    Logout,
    PasswordChanged,
    PasswordReset,
    TokenCreated,
    TokenRevoked,
    UserAdded,
    UserDeleted,
    UserDisabled,
    UserEnabled,
    record_event,
)
from tvec.errors import AuthError, NotFoundError, UsageError
from tvec.store.models import utcnow
from tvec.store.models.accounts import Account, ApiToken
from tvec.views.accounts import TokenView, UserView

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
    #: The account still has a one-time password: the web app sends it to the change page.
    must_change_password: bool = False

    @property
    def actor(self) -> str:
        """The name written to the audit log (``token:<name>`` for API clients)."""
        return f"{self.username} (token:{self.via_token})" if self.via_token else self.username


def _principal(account: Account, token: str | None = None) -> Principal:
    return Principal(
        account.id, account.username, account.role, token, bool(account.must_change_password)
    )


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
    session: Session,
    username: str,
    role: str,
    password: str,
    *,
    actor: str = "tvec",
    one_time: bool = False,
) -> Account:
    """Create an account; with ``one_time`` its password must be changed at first login.

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
    account = Account(
        username=name,
        role=parsed.value,
        password_hash=hash_password(password),
        must_change_password=one_time,
    )
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
        must_change_password=bool(account.must_change_password),
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
        UsageError: ``actor`` disabling their own account (it would lock them out at once,
            the last admin included; another admin, or ``tvec user disable``, can).
    """
    account = get_account(session, username)
    if actor.split(" ", 1)[0] == username:
        raise UsageError("you cannot disable your own account; another admin can")
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
    # a password set by someone else is a one-time password: its owner must change it
    account.must_change_password = True
    record_event(session, actor, PasswordReset(username=username))
    revoke_sessions(session, account, utcnow(), "password", actor=actor)
    return new


def enable_user(session: Session, username: str, *, actor: str = "tvec") -> None:
    """Enable a disabled account again: it may log in (its old sessions stay ended, its
    API tokens work again unless revoked).

    Raises:
        NotFoundError: no such account.
    """
    account = get_account(session, username)
    account.disabled = False
    record_event(session, actor, UserEnabled(username=username))


def delete_user(session: Session, username: str, *, actor: str = "tvec") -> None:
    """Delete an account with its sessions, tokens and daily counters; its decisions keep
    no reviewer, the audit log keeps its name.

    Raises:
        NotFoundError: no such account.
        UsageError: ``actor`` deleting their own account (another admin must do it).
    """
    account = get_account(session, username)
    if actor.split(" ", 1)[0] == username:
        raise UsageError("you cannot delete your own account; another admin can")
    revoke_sessions(session, account, utcnow(), "disabled", actor=actor)
    session.execute(delete(ApiToken).where(ApiToken.account_id == account.id))
    record_event(session, actor, UserDeleted(username=username, role=account.role))
    session.delete(account)
    session.flush()


def change_own_password(
    session: Session, account_id: int, current: str, new: str, *, keep_session: str | None
) -> None:
    """Change one's own password after checking the current one; the one-time flag is
    cleared and every other web session of the account ends at once (``keep_session``, the
    caller's session id, stays open).

    Raises:
        AuthError: the account is gone or disabled, or ``current`` is wrong.
        UsageError: the new password is too short or the same as the current one.
    """
    account = session.get(Account, account_id)
    if account is None or account.disabled:
        raise AuthError("the session's account is gone or disabled; log in again")
    if not verify_password(account.password_hash, current):
        raise AuthError("the current password is wrong")
    if new == current:
        raise UsageError("the new password is the same as the current one; choose another")
    forced = bool(account.must_change_password)
    account.password_hash = hash_password(new)
    account.must_change_password = False
    record_event(
        session, account.username, PasswordChanged(username=account.username, forced=forced)
    )
    revoke_sessions(
        session, account, utcnow(), "password", actor=account.username, keep=keep_session
    )


def list_tokens(session: Session, username: str | None = None) -> list[TokenView]:
    """API tokens (of ``username`` when given), newest first: name, prefix, state, times.

    Raises:
        NotFoundError: no such account.
    """
    query = select(ApiToken, Account.username).join(Account, Account.id == ApiToken.account_id)
    if username is not None:
        query = query.where(ApiToken.account_id == get_account(session, username).id)
    rows = session.execute(query.order_by(ApiToken.id.desc())).all()
    return [
        TokenView(
            id=token.id,
            username=owner,
            name=token.name,
            prefix=token.prefix,
            revoked=token.revoked,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
        )
        for token, owner in rows
    ]


def revoke_token(session: Session, token_id: int, *, actor: str = "tvec") -> None:
    """Revoke one API token by its id (it stops working at once; logged).

    Raises:
        NotFoundError: no token has ``token_id``.
    """
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFoundError(f"no API token with id {token_id} (see 'tvec user tokens')")
    account = session.get(Account, token.account_id)
    token.revoked = True
    record_event(
        session,
        actor,
        TokenRevoked(
            username=account.username if account else "?", name=token.name, token_id=token_id
        ),
    )


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
    add_user(session, username, Role.ADMIN.value, chosen, actor="tvec", one_time=not password)
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

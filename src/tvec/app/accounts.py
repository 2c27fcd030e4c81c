"""Use cases of accounts, for ``tvec user`` and the web app: users, logins and sessions,
API tokens, and the reviewer's own page (wellbeing counters, media defaults).

Each takes the :class:`~tvec.app.context.AppContext` first and runs in its own transaction;
errors are those of :mod:`tvec.accounts` (``UsageError``, ``NotFoundError``, ``AuthError``).
"""

from __future__ import annotations

from dataclasses import dataclass

from tvec.accounts import service, sessions, throttle
from tvec.accounts.passwords import generate_password
from tvec.accounts.service import Principal
from tvec.accounts.throttle import ThrottlePolicy
from tvec.accounts.wellbeing import (
    RevealCount,
    account_media_prefs,
    reveals_today,
    set_media_prefs,
)
from tvec.app.context import AppContext
from tvec.views.accounts import MeView, TokenView, UserView


def add_user(ctx: AppContext, username: str, role: str, password: str | None, *, actor: str) -> str:
    """Create an account; returns its password (``password``, or a generated one-time
    password when None).

    Raises:
        UsageError: bad or taken username, unknown role, or a too-short password.
    """
    chosen = password or generate_password()
    with ctx.write() as session:
        service.add_user(session, username, role, chosen, actor=actor, one_time=not password)
    return chosen


def list_users(ctx: AppContext) -> list[UserView]:
    """Every account, by username (``tvec user list``)."""
    with ctx.read() as session:
        return [service.user_view(a) for a in service.list_users(session)]


def disable_user(ctx: AppContext, username: str, *, actor: str) -> None:
    """Disable an account: no more logins; its web sessions end at once and its API tokens
    stop working.

    Raises:
        NotFoundError: no such account.
        UsageError: disabling one's own account.
    """
    with ctx.write() as session:
        service.disable_user(session, username, actor=actor)


def reset_password(ctx: AppContext, username: str, password: str | None, *, actor: str) -> str:
    """Set a new password (generated when ``password`` is None) and return it; every web
    session of the account ends at once.

    Raises:
        NotFoundError: no such account.
        UsageError: the password is too short.
    """
    with ctx.write() as session:
        return service.reset_password(session, username, password, actor=actor)


def create_token(ctx: AppContext, username: str, name: str, *, actor: str) -> str:
    """Create an API token for ``username``; returned once, stored hashed.

    Raises:
        NotFoundError: no such account.
    """
    with ctx.write() as session:
        return service.create_token(session, username, name, actor=actor)


@dataclass(frozen=True)
class LoginOutcome:
    """What a login attempt gave: the principal, the new session's id (for the cookie) and a
    known-device cookie value; all None when the username or password was wrong."""

    principal: Principal | None
    session_id: str | None = None
    device_token: str | None = None


def login(
    ctx: AppContext,
    username: str,
    password: str,
    *,
    address: str,
    secret: str,
    device_token: str | None = None,
) -> LoginOutcome:
    """Check a username and password under the login limits (:mod:`tvec.accounts.throttle`);
    on success start a server-side session. The login or the failure is logged either way.

    Args:
        address: the client's address (the connection's, or a trusted proxy's
            ``X-Forwarded-For``).
        secret: the key that signs known-device cookies (the web app's secret).
        device_token: the browser's known-device cookie, if any.

    Raises:
        RateLimitedError: the attempt is refused by a limit (its password is not checked).
    """
    policy = ThrottlePolicy.from_settings(ctx.settings)
    now = ctx.now()
    device = throttle.device_of(secret, device_token, username, now)
    with ctx.read() as session:
        throttle.check(session, policy, username, address, now, device)
    with ctx.write() as session:
        principal = service.authenticate(session, username, password)
        if principal is None:
            throttle.fail(session, policy, username, address, now, device)
            return LoginOutcome(None)
        throttle.succeed(session, username, address, now)
        session_id = sessions.start_session(
            session, principal.account_id, now, ctx.settings.session_max_age
        )
    token = throttle.device_token(secret, username, now, ctx.settings.login_known_days)
    return LoginOutcome(principal, session_id, token)


def logout(ctx: AppContext, session_id: str) -> None:
    """End the web session ``session_id`` at once and log the logout (nothing if unknown)."""
    with ctx.write() as session:
        account_id = sessions.end_session(session, session_id, ctx.now())
        if account_id is not None:
            service.logout(session, account_id)


def session_principal(ctx: AppContext, session_id: str) -> Principal:
    """The principal of a web session (its last use noted at most once a minute).

    Raises:
        AuthError: the session is unknown, revoked or expired, or its account is gone or
            disabled.
    """
    now = ctx.now()
    with ctx.read() as session:
        account, stale = sessions.session_account(session, session_id, now)
        principal = service.principal_for(session, account.id)
    if stale:
        with ctx.write() as session:
            sessions.touch_session(session, session_id, now)
    return principal


def enable_user(ctx: AppContext, username: str, *, actor: str) -> None:
    """Enable a disabled account again (logged).

    Raises:
        NotFoundError: no such account.
    """
    with ctx.write() as session:
        service.enable_user(session, username, actor=actor)


def delete_user(ctx: AppContext, username: str, *, actor: str) -> None:
    """Delete an account with its sessions and tokens (logged).

    Raises:
        NotFoundError: no such account.
        UsageError: deleting one's own account.
    """
    with ctx.write() as session:
        service.delete_user(session, username, actor=actor)


def change_own_password(
    ctx: AppContext, principal: Principal, current: str, new: str, *, keep_session: str | None
) -> None:
    """Change the logged-in user's own password (the current one checked); the one-time
    flag is cleared and every other web session of the account ends (logged).

    Raises:
        AuthError: the current password is wrong, or the account is gone or disabled.
        UsageError: the new password is too short or unchanged.
    """
    with ctx.write() as session:
        service.change_own_password(
            session, principal.account_id, current, new, keep_session=keep_session
        )


def list_tokens(ctx: AppContext, username: str | None = None) -> list[TokenView]:
    """API tokens (of ``username`` when given), newest first; never the tokens themselves.

    Raises:
        NotFoundError: no such account.
    """
    with ctx.read() as session:
        return service.list_tokens(session, username)


def revoke_token(ctx: AppContext, token_id: int, *, actor: str) -> None:
    """Revoke one API token by id (logged).

    Raises:
        NotFoundError: no such token.
    """
    with ctx.write() as session:
        service.revoke_token(session, token_id, actor=actor)


def sign_out_everywhere(ctx: AppContext, username: str, *, actor: str) -> int:
    """End every web session of ``username`` at once (``tvec user signout``, the admin's
    button); returns how many were open.

    Raises:
        NotFoundError: no such account.
    """
    with ctx.write() as session:
        return service.sign_out_everywhere(session, username, actor=actor)


def token_principal(ctx: AppContext, token: str) -> Principal:
    """The principal behind an API bearer token (its last use is noted).

    Raises:
        AuthError: unknown or revoked token, or its account is disabled.
    """
    with ctx.write() as session:
        return service.principal_for_token(session, token)


def wellbeing(ctx: AppContext, principal: Principal) -> RevealCount:
    """The reviewer's reveals today (UTC) and whether a break is suggested."""
    with ctx.read() as session:
        return reveals_today(session, principal.account_id, ctx.settings, ctx.now())


def me(ctx: AppContext, principal: Principal) -> MeView:
    """Who is logged in, reveals today (UTC), and media defaults (``/api/me``).

    Raises:
        NotFoundError: the account is gone.
    """
    with ctx.read() as session:
        count = reveals_today(session, principal.account_id, ctx.settings, ctx.now())
        prefs = account_media_prefs(session, principal.account_id, ctx.settings)
    return MeView(
        username=principal.username,
        role=principal.role,
        revealed_today=count.reveals,
        break_after=count.break_after,
        suggest_break=count.suggest_break,
        blur_px=prefs.blur_px,
        greyscale=prefs.greyscale,
        min_blur_px=ctx.settings.min_blur_px,
        greyscale_required=ctx.settings.greyscale_required,
    )


def set_prefs(ctx: AppContext, principal: Principal, blur_px: int, greyscale: bool) -> MeView:
    """Set the reviewer's own media defaults (logged) and return the page's view.

    Raises:
        UsageError: outside the organisation's limits.
    """
    with ctx.write() as session:
        set_media_prefs(session, principal.account_id, ctx.settings, blur_px, greyscale)
    return me(ctx, principal)

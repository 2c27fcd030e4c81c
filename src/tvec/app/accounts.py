"""Use cases of accounts, for ``tvec user`` and the web app: users, logins and sessions,
API tokens, and the reviewer's own page (wellbeing counters, media defaults).

Each takes the :class:`~tvec.app.context.AppContext` first and runs in its own transaction;
errors are those of :mod:`tvec.accounts` (``UsageError``, ``NotFoundError``, ``AuthError``).
"""

from __future__ import annotations

from tvec.accounts import service
from tvec.accounts.passwords import generate_password
from tvec.accounts.service import Principal
from tvec.accounts.wellbeing import (
    RevealCount,
    account_media_prefs,
    reveals_today,
    set_media_prefs,
)
from tvec.app.context import AppContext
from tvec.views.accounts import MeView, UserView


def add_user(ctx: AppContext, username: str, role: str, password: str | None, *, actor: str) -> str:
    """Create an account; returns its password (``password``, or a generated one-time
    password when None).

    Raises:
        UsageError: bad or taken username, unknown role, or a too-short password.
    """
    chosen = password or generate_password()
    with ctx.write() as session:
        service.add_user(session, username, role, chosen, actor=actor)
    return chosen


def list_users(ctx: AppContext) -> list[UserView]:
    """Every account, by username (``tvec user list``)."""
    with ctx.read() as session:
        return [service.user_view(a) for a in service.list_users(session)]


def disable_user(ctx: AppContext, username: str, *, actor: str) -> None:
    """Disable an account: no more logins; its API tokens stop working.

    Raises:
        NotFoundError: no such account.
    """
    with ctx.write() as session:
        service.disable_user(session, username, actor=actor)


def reset_password(ctx: AppContext, username: str, password: str | None, *, actor: str) -> str:
    """Set a new password (generated when ``password`` is None) and return it.

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


def login(ctx: AppContext, username: str, password: str) -> Principal | None:
    """Check a username and password; the login or the failure is logged either way.
    None for an unknown user, a wrong password or a disabled account."""
    with ctx.write() as session:
        return service.authenticate(session, username, password)


def logout(ctx: AppContext, account_id: int) -> None:
    """Log the logout of the account ``account_id`` (nothing if it is gone)."""
    with ctx.write() as session:
        service.logout(session, account_id)


def session_principal(ctx: AppContext, account_id: int) -> Principal:
    """The principal of a logged-in session's account.

    Raises:
        AuthError: the account is gone or disabled.
    """
    with ctx.read() as session:
        return service.principal_for(session, account_id)


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

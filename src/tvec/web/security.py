"""Logins, sessions, CSRF tokens, login rate limiting and permission checks for the web app.

* Sessions live in the store (:mod:`tvec.accounts.sessions`): the cookie is Starlette's
  signed cookie (itsdangerous, HMAC with ``TVEC_SECRET_KEY``), HttpOnly, ``SameSite=Strict``,
  ``Secure`` when ``TVEC_COOKIE_SECURE``, and holds only the random session id, the CSRF
  token and the media revealed in this session. Logout, a password reset, disabling the
  account and an admin's "sign out everywhere" revoke the session row, so an old cookie gets
  the login page at once.
* Every request other than GET/HEAD/OPTIONS must carry the session's CSRF token (header
  ``X-CSRF-Token`` or form field ``csrf_token``), unless it is authenticated by an API token
  (``Authorization: Bearer``), which a browser never sends by itself.
* Failed logins are throttled per username (backoff that a known browser or address with
  the right password passes) and per client address, in the store
  (:mod:`tvec.accounts.throttle`); the client address is the connection's unless it is a
  proxy in ``TVEC_TRUSTED_PROXIES`` (``tvec serve``).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from tvec.accounts import Principal, allowed
from tvec.app import accounts as use
from tvec.errors import AuthError, CsrfError, PasswordChangeRequiredError, PermissionDeniedError
from tvec.web.context import WebContext, get_ctx

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
#: Key of the signed session cookie that holds the server-side session's id.
SESSION_ID = "sid"
#: Cookie of the known-device proof (:func:`tvec.accounts.throttle.device_token`).
DEVICE_COOKIE = "tvec_device"
#: Where a user with a one-time password may go (everything else sends them to the first).
PASSWORD_CHANGE_PATHS = frozenset({"/me/password", "/logout"})
#: Marks a non-GET route that changes nothing a viewer may not change (login, look-ups):
#: ``openapi_extra={WRITES: False}``. The security tests read it from the app's routes.
WRITES = "x-tvec-writes"


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def csrf_protect(request: Request) -> None:
    """App-wide dependency: refuse state-changing requests without the session's token.

    Raises:
        CsrfError: missing or wrong token on a POST/PUT/PATCH/DELETE without a bearer token.
    """
    if request.method in SAFE_METHODS or _bearer(request) is not None:
        return
    expected = request.session.get("csrf")
    given = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if given is None and (
        content_type.startswith("application/x-www-form-urlencoded")
        or content_type.startswith("multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not given or not hmac.compare_digest(expected, given):
        raise CsrfError("missing or wrong CSRF token; reload the page and try again")


def current_principal(request: Request, ctx: Annotated[WebContext, Depends(get_ctx)]) -> Principal:
    """Who makes this request: an API token's account, or the logged-in session's.

    Raises:
        AuthError: neither a valid token nor a logged-in session.
        PasswordChangeRequiredError: the session's account still has a one-time password
            and the path is not one of :data:`PASSWORD_CHANGE_PATHS`.
    """
    token = _bearer(request)
    if token is not None:
        return use.token_principal(ctx.app, token)
    session_id = request.session.get(SESSION_ID)
    if not isinstance(session_id, str):
        raise AuthError("log in first")
    try:
        principal = use.session_principal(ctx.app, session_id)
    except AuthError:
        request.session.clear()
        raise
    if principal.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise PasswordChangeRequiredError("change your one-time password first (/me/password)")
    return principal


def need(permission: str) -> Callable[..., Principal]:
    """A dependency that returns the principal if its role has ``permission``.

    Raises:
        AuthError: not logged in.
        PermissionDeniedError: the role lacks the permission (HTTP 403).
    """

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not allowed(principal.role, permission):
            raise PermissionDeniedError(f"role {principal.role!r} may not {permission}")
        return principal

    check.__name__ = f"need_{permission.replace('.', '_')}"
    return check

"""Logins, sessions, CSRF tokens, login rate limiting and permission checks for the web app.

* Sessions are Starlette's signed cookie (itsdangerous, HMAC with ``TVEC_SECRET_KEY``),
  HttpOnly, ``SameSite=Strict``, ``Secure`` when ``TVEC_COOKIE_SECURE``; they hold only the
  account id, the CSRF token and the media revealed in this session.
* Every request other than GET/HEAD/OPTIONS must carry the session's CSRF token (header
  ``X-CSRF-Token`` or form field ``csrf_token``), unless it is authenticated by an API token
  (``Authorization: Bearer``), which a browser never sends by itself.
* Failed logins are counted per username and per client address; past
  ``TVEC_LOGIN_MAX_ATTEMPTS`` in ``TVEC_LOGIN_WINDOW_SECONDS`` further attempts get 429.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from tvec.accounts import Principal, allowed
from tvec.app import accounts as use
from tvec.errors import AuthError, CsrfError, PermissionDeniedError, RateLimitedError
from tvec.web.context import WebContext, get_ctx

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
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
    """
    token = _bearer(request)
    if token is not None:
        return use.token_principal(ctx.app, token)
    account_id = request.session.get("uid")
    if not isinstance(account_id, int):
        raise AuthError("log in first")
    try:
        return use.session_principal(ctx.app, account_id)
    except AuthError:
        request.session.clear()
        raise


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


class LoginLimiter:
    """Counts failed logins per key (username, client address) in a sliding window."""

    def __init__(self, max_attempts: int, window_seconds: float) -> None:
        self.max_attempts = max_attempts
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def check(self, *keys: str) -> None:
        """Raise if any key has used up its attempts.

        Raises:
            RateLimitedError: too many recent failures (HTTP 429).
        """
        now = time.monotonic()
        with self._lock:
            for key in keys:
                if len(self._recent(key, now)) >= self.max_attempts:
                    raise RateLimitedError(
                        "too many failed logins; wait a few minutes and try again"
                    )

    def fail(self, *keys: str) -> None:
        """Count one failure for each key."""
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeed(self, *keys: str) -> None:
        """Forget the failures of each key."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

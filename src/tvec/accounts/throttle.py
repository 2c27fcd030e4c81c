"""Login throttling that slows an attacker without locking out the real user (issue 16,
finding 8), shared by every process on one store (table ``login_throttle``).

Three limits, all captcha-free:

* **Per username, exponential backoff.** After ``TVEC_LOGIN_MAX_ATTEMPTS`` failures since
  the last success, each further failure makes the next attempt wait
  ``TVEC_LOGIN_BACKOFF_SECONDS`` × 2^(failures − max), at most
  ``TVEC_LOGIN_BACKOFF_MAX_SECONDS``. Attempts during the wait get 429 without their
  password being checked, **unless they prove a known browser or address**: a signed
  known-device cookie for that username (given at each successful login, valid
  ``TVEC_LOGIN_KNOWN_DAYS``) or an address that logged in as that user within
  ``TVEC_LOGIN_KNOWN_DAYS``. So others' failures cannot lock the real user out.
* **Per client address**, a window: ``TVEC_LOGIN_MAX_ATTEMPTS`` failures in
  ``TVEC_LOGIN_WINDOW_SECONDS``, then 429 until the window ends. The address is the
  connection's; ``X-Forwarded-For`` counts only from ``TVEC_TRUSTED_PROXIES`` (``tvec serve``),
  so rotating it does not help. A known-device cookie for the username passes it (its
  failures count on the device instead, with the same window).
* **Per known device**, the same window, so a stolen device cookie buys no extra guesses.

The known-device cookie is ``<device id>.<expiry unix seconds>.<HMAC-SHA256 hex>``, the HMAC
under the web app's secret (``TVEC_SECRET_KEY``) of the lower-cased username, device id and
expiry.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tvec.errors import RateLimitedError
from tvec.settings import Settings
from tvec.store.models.accounts import LoginThrottle


@dataclass(frozen=True)
class ThrottlePolicy:
    """The limits in force (from the ``TVEC_LOGIN_*`` settings)."""

    max_attempts: int
    window: timedelta
    backoff_seconds: float
    backoff_max_seconds: float
    known_for: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottlePolicy:
        """The policy of ``settings``."""
        return cls(
            settings.login_max_attempts,
            timedelta(seconds=settings.login_window_seconds),
            settings.login_backoff_seconds,
            settings.login_backoff_max_seconds,
            timedelta(days=settings.login_known_days),
        )

    def backoff(self, failures: int) -> timedelta:
        """The wait after ``failures`` failures of one username (zero below the maximum)."""
        over = failures - self.max_attempts
        if over < 0:
            return timedelta(0)
        seconds = min(self.backoff_seconds * 2 ** min(over, 40), self.backoff_max_seconds)
        return timedelta(seconds=seconds)


def _name(username: str) -> str:
    return username.strip().lower()[:100]


def _user_key(username: str) -> str:
    return f"user:{_name(username)}"


def _ip_key(address: str) -> str:
    return f"ip:{address[:200]}"


def _ok_key(username: str, address: str) -> str:
    return f"ok:{_name(username)}:{address[:180]}"


def _dev_key(device: str) -> str:
    return f"dev:{device}"


def _row(session: Session, key: str) -> LoginThrottle:
    """The row of ``key``, created when missing (another process may create it first)."""
    row = session.get(LoginThrottle, key)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = LoginThrottle(key=key, failures=0)
            session.add(row)
            session.flush()
        return row
    except IntegrityError:
        found = session.get(LoginThrottle, key)
        assert found is not None
        return found


def _sign(secret: str, username: str, device: str, expires: int) -> str:
    message = f"{_name(username)}\n{device}\n{expires}".encode()
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def device_token(secret: str, username: str, now: datetime, days: float) -> str:
    """A new known-device cookie value for ``username``, valid ``days`` from ``now``."""
    device = secrets.token_urlsafe(12)
    expires = int((now + timedelta(days=days)).timestamp())
    return f"{device}.{expires}.{_sign(secret, username, device, expires)}"


def device_of(secret: str, token: str | None, username: str, now: datetime) -> str | None:
    """The device id of a known-device cookie that is genuine, unexpired and for
    ``username``; None otherwise."""
    if not token:
        return None
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    device, expires, signature = parts[0], int(parts[1]), parts[2]
    if expires < now.timestamp():
        return None
    if not hmac.compare_digest(signature, _sign(secret, username, device, expires)):
        return None
    return device


def _in_window(row: LoginThrottle | None, policy: ThrottlePolicy, now: datetime) -> int:
    """Failures of ``row`` in its current window (0 once the window is over)."""
    if row is None or row.window_start is None or now - row.window_start > policy.window:
        return 0
    return row.failures


def _refuse(what: str, until: datetime, now: datetime) -> RateLimitedError:
    seconds = max(1, int((until - now).total_seconds() + 0.999))
    return RateLimitedError(f"too many failed logins {what}; try again in {seconds} s")


def check(
    session: Session,
    policy: ThrottlePolicy,
    username: str,
    address: str,
    now: datetime,
    device: str | None = None,
) -> None:
    """Refuse an attempt the limits do not allow (before its password is checked).

    Args:
        device: the id of a valid known-device cookie for ``username`` (:func:`device_of`).

    Raises:
        RateLimitedError: the address (or the device) used up its window, or the username is
            in its backoff and the attempt proves neither a known device nor a known address.
    """
    if device is not None:
        row = session.get(LoginThrottle, _dev_key(device))
        if _in_window(row, policy, now) >= policy.max_attempts and row and row.window_start:
            raise _refuse("from this browser", row.window_start + policy.window, now)
    else:
        row = session.get(LoginThrottle, _ip_key(address))
        if _in_window(row, policy, now) >= policy.max_attempts and row and row.window_start:
            raise _refuse("from this address", row.window_start + policy.window, now)
    user = session.get(LoginThrottle, _user_key(username))
    if user is None or user.blocked_until is None or user.blocked_until <= now:
        return
    if device is not None:
        return
    known = session.get(LoginThrottle, _ok_key(username, address))
    if (
        known is not None
        and known.last_success_at
        and now - known.last_success_at <= policy.known_for
    ):
        return
    raise _refuse("for this user", user.blocked_until, now)


def _count_in_window(row: LoginThrottle, policy: ThrottlePolicy, now: datetime) -> None:
    if row.window_start is None or now - row.window_start > policy.window:
        row.window_start = now
        row.failures = 0
    row.failures += 1


def fail(
    session: Session,
    policy: ThrottlePolicy,
    username: str,
    address: str,
    now: datetime,
    device: str | None = None,
) -> None:
    """Count a failed attempt: on the address (or the device) and on the username, whose
    backoff grows; rows that no longer limit anything are removed first (:func:`prune`)."""
    keep = [_ip_key(address), _user_key(username), _ok_key(username, address)]
    prune(session, policy, now, keep=[*keep, *([_dev_key(device)] if device else [])])
    _count_in_window(_row(session, _dev_key(device) if device else _ip_key(address)), policy, now)
    user = _row(session, _user_key(username))
    user.failures += 1
    wait = policy.backoff(user.failures)
    if wait:
        user.blocked_until = now + wait


def prune(session: Session, policy: ThrottlePolicy, now: datetime, keep: Sequence[str] = ()) -> int:
    """Delete the rows that no longer limit anything and return how many: address and
    device windows that are over, and known addresses not used to log in for
    ``policy.known_for``. A username's row stays (its failures drive the backoff until the
    next success), and so do the rows ``keep`` names (the ones this request reads and
    writes). Without this, every address that ever failed a login (an attacker rotating
    addresses) kept a row for good.
    """
    window_over = LoginThrottle.window_start.is_(None) | (
        LoginThrottle.window_start < now - policy.window
    )
    unused = LoginThrottle.last_success_at.is_(None) | (
        LoginThrottle.last_success_at < now - policy.known_for
    )
    limits = LoginThrottle.key.startswith("ip:") | LoginThrottle.key.startswith("dev:")
    result = session.execute(
        delete(LoginThrottle)
        .where(
            or_(limits & window_over, LoginThrottle.key.startswith("ok:") & unused),
            LoginThrottle.key.not_in(list(keep)),
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def succeed(session: Session, username: str, address: str, now: datetime) -> None:
    """A successful login: the username's backoff ends and the address becomes known for it."""
    user = _row(session, _user_key(username))
    user.failures = 0
    user.blocked_until = None
    _row(session, _ok_key(username, address)).last_success_at = now

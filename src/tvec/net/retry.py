"""The one retry policy of outbound requests (HTTP GET and POST, SMTP), built on tenacity.

A request is retried after a network error (connection refused or reset, timeout...) and
after a ``429`` or ``5xx`` answer (:data:`RETRY_STATUSES`); never after another ``4xx``.
Retry *n* (0-based) waits ``backoff_seconds * 2**n``; a ``Retry-After`` header, in seconds
or as an HTTP date (RFC 9110, section 10.2.3), lengthens that wait up to
:data:`MAX_RETRY_AFTER_SECONDS`. The wait goes through an injected ``sleep`` (tests never
sleep for real).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import tenacity

#: HTTP statuses that are retried.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Longest wait (seconds) a ``Retry-After`` header can ask for.
MAX_RETRY_AFTER_SECONDS = 60.0

T = TypeVar("T")


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """The wait a ``Retry-After`` header asks for, in seconds (0 or more).

    Args:
        value: the header: a number of seconds (``"120"``) or an HTTP date
            (``"Wed, 21 Oct 2026 07:28:00 GMT"``).
        now: the current time (timezone-aware), for a date.

    Returns:
        The seconds to wait (a date in the past gives 0), or ``None`` when there is no
        header or it is neither form.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


def _wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry one request (rules in the module docstring).

    Attributes:
        retries: retries after the first attempt (0: one attempt).
        backoff_seconds: the first wait; doubles on each retry.
        max_retry_after: the longest wait a ``Retry-After`` header can ask for (seconds).
        sleep: how to wait (seconds).
        now: the current time, to read ``Retry-After`` dates.
    """

    retries: int
    backoff_seconds: float
    max_retry_after: float = MAX_RETRY_AFTER_SECONDS
    sleep: Callable[[float], None] = field(default=time.sleep)
    now: Callable[[], datetime] = field(default=_wall_clock)

    def delay(self, retry: int, retry_after: str | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (0-based), given the last answer's
        ``Retry-After`` header (``None``: no answer or no header)."""
        wait = self.backoff_seconds * 2.0 ** min(retry, 64)
        asked = retry_after_seconds(retry_after, self.now())
        if asked is not None:
            wait = max(wait, min(asked, self.max_retry_after))
        return wait if math.isfinite(wait) else self.max_retry_after

    def run(
        self,
        attempt: Callable[[], T],
        *,
        retry_error: Callable[[BaseException], bool],
        retry_result: Callable[[T], bool] = lambda result: False,
        retry_after: Callable[[T], str | None] = lambda result: None,
    ) -> T:
        """Call ``attempt`` until it gives a result that needs no retry, or retries run out.

        Args:
            attempt: one try; returns an answer or raises.
            retry_error: whether an exception raised by ``attempt`` is worth a retry.
            retry_result: whether an answer is worth a retry (a ``429``/``5xx`` status).
            retry_after: the answer's ``Retry-After`` header, if any.

        Returns:
            The last answer (also when it still asks for a retry and retries ran out).

        Raises:
            Whatever the last attempt raised, when it raised (an exception not worth a
            retry is raised at once).
        """

        def wait(state: tenacity.RetryCallState) -> float:
            header: str | None = None
            outcome = state.outcome
            if outcome is not None and not outcome.failed:
                header = retry_after(outcome.result())
            return self.delay(state.attempt_number - 1, header)

        def last(state: tenacity.RetryCallState) -> T:
            assert state.outcome is not None
            result: T = state.outcome.result()  # raises the last exception, if any
            return result

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(max(self.retries, 0) + 1),
            wait=wait,
            retry=tenacity.retry_if_exception(retry_error) | tenacity.retry_if_result(retry_result),
            sleep=self.sleep,
            retry_error_callback=last,
            reraise=True,
        )
        return retrying(attempt)

"""The overall deadline of one HTTP request: connect, headers and body together.

Per-read timeouts (``TVEC_HTTP_TIMEOUT_SECONDS``) never fire against a server that sends one
byte a second. :func:`request_deadline` starts a :class:`Deadline` for the request made in
its block (``TVEC_HTTP_DEADLINE_SECONDS``); the network transport
(:class:`tvec.net.transport.DeadlineTransport`, through :func:`bounded`) gives every socket
operation of that request (connect, TLS handshake, write, read) at most the time left, and
refuses one once none is left, with httpcore's timeout of that operation (``ConnectTimeout``,
``WriteTimeout``, ``ReadTimeout``; httpx maps them to its own) and :attr:`Deadline.passed`
set. A request whose deadline passed is not retried.

The deadline is held in a context variable, so it follows the request in the thread that
makes it and pooled connections reused by a later request get that request's deadline.
Transports injected by tests (``httpx.MockTransport``) do not see it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import httpcore

T = TypeVar("T")


@dataclass
class Deadline:
    """The deadline of the request in progress.

    Attributes:
        seconds: the time allowed, connect to the last byte of the body (seconds).
        at: when it passes (``time.monotonic()`` seconds).
        passed: an operation of the request was cut off or refused because it passed.
    """

    seconds: float
    at: float
    passed: bool = False

    def left(self) -> float:
        """Seconds left (zero or less: passed)."""
        return self.at - time.monotonic()

    def message(self) -> str:
        """Why the request failed, naming the deadline and its setting."""
        return (
            f"deadline of {self.seconds:g} s for connect, headers and body passed "
            "(TVEC_HTTP_DEADLINE_SECONDS)"
        )


_CURRENT: ContextVar[Deadline | None] = ContextVar("tvec_http_deadline", default=None)


@contextmanager
def request_deadline(seconds: float) -> Iterator[Deadline]:
    """Give the request made in this block ``seconds`` in all, from now.

    Yields:
        The deadline; read :attr:`Deadline.passed` after a timeout to tell it from a
        per-read one.
    """
    deadline = Deadline(seconds, time.monotonic() + seconds)
    token = _CURRENT.set(deadline)
    try:
        yield deadline
    finally:
        _CURRENT.reset(token)


def bounded(
    call: Callable[[float | None], T], timeout: float | None, error: type[httpcore.TimeoutException]
) -> T:
    """Run one socket operation with at most the time left to the current deadline.

    Args:
        call: the operation, given its timeout (seconds; ``None``: none).
        timeout: the operation's own timeout (the per-read one).
        error: the httpcore timeout to raise when the deadline cuts the operation off.

    Raises:
        httpcore.TimeoutException: ``error`` (naming the deadline) when the deadline has
            passed or passes during the operation; the operation's own timeout otherwise.
    """
    import httpcore

    deadline = _CURRENT.get()
    if deadline is None:
        return call(timeout)
    left = deadline.left()
    if left <= 0:
        deadline.passed = True
        raise error(deadline.message())
    cut_by_deadline = timeout is None or left < timeout
    try:
        return call(left if cut_by_deadline else timeout)
    except httpcore.TimeoutException as exc:
        if cut_by_deadline or deadline.left() <= 0:
            deadline.passed = True
            raise error(deadline.message()) from exc
        raise

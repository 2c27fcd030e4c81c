"""``tvec watch``: poll sources on an interval until SIGINT or SIGTERM.

:func:`watch` runs rounds of :func:`tvec.collection.poll.poll_sources` and waits
``interval`` seconds between rounds; other scheduled work (``between``: alerts, status
checks and removal orders, :mod:`tvec.app.rounds`) runs after each round and whenever it falls
due in between. A stop request (:func:`stop_on_signals` turns SIGINT
and SIGTERM into one) ends the wait at once; during a poll it lets the items already read
be stored (at most one batch) and then stops without saving the source's validators, so
the next poll picks up where this one stopped. Killing the process outright (SIGKILL) is
safe too: see :mod:`tvec.collection.poll`.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from types import FrameType

from tvec.collection.poll import PollOutcome, poll_sources
from tvec.net.http import HttpClient
from tvec.store.db import Store

#: Least time (seconds) between two wake-ups for scheduled work.
MIN_WAKE_SECONDS = 1.0

#: Called after each round with (round number from 1, the round's outcomes).
RoundReport = Callable[[int, list[PollOutcome]], None]


def stop_on_signals(stop: threading.Event) -> None:
    """Make SIGINT and SIGTERM set ``stop`` (call from the main thread)."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def watch(
    store: Store,
    *,
    interval: float,
    stop: threading.Event,
    names: Iterable[str] | None = None,
    rounds: int | None = None,
    banks: list[str] | None = None,
    on_round: RoundReport | None = None,
    between: Callable[[HttpClient], None] | None = None,
    next_due: Callable[[], float | None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    client: HttpClient | None = None,
) -> int:
    """Poll every ``interval`` seconds until ``stop`` is set (or ``rounds`` are done).

    Args:
        between: other work (the takedown work of :mod:`tvec.app.rounds`) run after each round
            of polls and whenever ``next_due`` wakes the loop, with the watch's HTTP client.
        next_due: seconds until ``between`` has work again (``None``: nothing scheduled);
            the loop wakes then (at least 1 s apart) without polling sources early.
        clock: monotonic seconds (tests may pass their own).
        client: the outbound client of every poll and of ``between`` (default: a new
            :class:`HttpClient` of the store's settings, closed at the end).

    Returns the number of rounds of polls run. Raises NotFoundError for an unknown source
    name and StoreError when the database fails; a source that fails is reported in its
    round.
    """
    wanted = list(names) if names else None
    done = 0
    next_poll = clock()
    with nullcontext(client) if client is not None else HttpClient(store.settings) as http:
        while not stop.is_set():
            if clock() >= next_poll:
                outcomes = poll_sources(store, wanted, client=http, banks=banks, stop=stop)
                next_poll = clock() + interval
                done += 1
                if on_round is not None:
                    on_round(done, outcomes)
            if between is not None and not stop.is_set():
                between(http)
            if rounds is not None and done >= rounds:
                break
            wait = next_poll - clock()
            due = next_due() if next_due is not None else None
            if due is not None:
                wait = min(wait, max(due, MIN_WAKE_SECONDS))
            stop.wait(max(wait, 0.0))
    return done

"""``tvec watch``: poll sources on an interval until SIGINT or SIGTERM.

:func:`watch` runs rounds of :func:`tvec.collection.poll.poll_sources` and waits
``interval`` seconds between rounds. A stop request (:func:`stop_on_signals` turns SIGINT
and SIGTERM into one) ends the wait at once; during a poll it lets the items already read
be stored (at most one batch) and then stops without saving the source's validators, so
the next poll picks up where this one stopped. Killing the process outright (SIGKILL) is
safe too: see :mod:`tvec.collection.poll`.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType

from tvec.collection.http import HttpClient
from tvec.collection.poll import PollOutcome, poll_sources
from tvec.store.db import Store

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
) -> int:
    """Poll every ``interval`` seconds until ``stop`` is set (or ``rounds`` are done).

    Returns the number of rounds run. Raises NotFoundError for an unknown source name and
    StoreError when the database fails; a source that fails is reported in its round.
    """
    wanted = list(names) if names else None
    done = 0
    with HttpClient(store.settings) as client:
        while not stop.is_set():
            outcomes = poll_sources(store, wanted, client=client, banks=banks, stop=stop)
            done += 1
            if on_round is not None:
                on_round(done, outcomes)
            if rounds is not None and done >= rounds:
                break
            stop.wait(interval)
    return done

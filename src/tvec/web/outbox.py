"""The web app's background thread: it sends the decision webhook events whose undo window
has passed (:func:`tvec.app.review.deliver_due_decisions`), every
:data:`INTERVAL_SECONDS`, while the app runs (started and stopped by the app's lifespan).

It runs only when ``TVEC_WEBHOOK_URL`` is set. With ``tvec serve --workers N`` each worker
runs one; the outbox's claims (:mod:`tvec.cases.webhooks`) keep them from sending an event
twice. ``tvec watch`` sends them too, between its polls.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from tvec.app.context import AppContext
from tvec.app.review import deliver_due_decisions

#: Seconds between two looks at the outbox.
INTERVAL_SECONDS = 2.0

log = logging.getLogger(__name__)


class OutboxThread:
    """A daemon thread calling :func:`deliver_due_decisions` until :meth:`stop`."""

    def __init__(self, ctx: AppContext, interval: float = INTERVAL_SECONDS) -> None:
        self.ctx = ctx
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tvec-webhook-outbox", daemon=True)

    def start(self) -> None:
        """Start looking at the outbox."""
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the current round (waits up to ``timeout`` seconds)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                deliver_due_decisions(self.ctx)
            except Exception:
                log.exception("decision webhook outbox round failed")


def lifespan(ctx: AppContext) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: an :class:`OutboxThread` while it runs, if a webhook is set."""

    @asynccontextmanager
    async def run(_app: FastAPI) -> AsyncIterator[None]:
        worker = OutboxThread(ctx) if ctx.settings.webhook_url else None
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()

    return run

"""What every request handler needs: settings, the store, templates and the write lock.

Handlers run in a thread pool. Writes take :attr:`WebContext.write_lock` so the audit log's
hash chain is appended by one writer at a time in this process (``prev_sha256`` is unique,
so writers in other processes can never fork it either).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tvec.cases.queue import filter_values
from tvec.matching.matcher import Matcher
from tvec.settings import Settings
from tvec.store import Store
from tvec.store.models import BankEntry

#: Seconds the queue's filter menus are cached.
FILTER_VALUES_TTL = 60.0
TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


@dataclass
class WebContext:
    """Shared state of one web app (kept on ``app.state.ctx``)."""

    settings: Settings
    store: Store
    templates: Jinja2Templates
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    _matcher: tuple[tuple[int, int], Matcher] | None = None
    _filter_values: dict[str, tuple[float, dict[str, list[str]]]] = field(default_factory=dict)

    def filter_values(self, session: Session, status: str) -> dict[str, list[str]]:
        """The queue's filter menus for ``status``, recomputed at most every
        :data:`FILTER_VALUES_TTL` seconds (the DISTINCT scans cost ~1 s at 100,000 cases)."""
        now = time.monotonic()
        cached = self._filter_values.get(status)
        if cached is None or now - cached[0] > FILTER_VALUES_TTL:
            cached = (now, filter_values(session, status))
            self._filter_values[status] = cached
        return cached[1]

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading (committed at the end like any other)."""
        with self.store.session() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session for writing, holding the write lock until it commits or rolls back."""
        with self.write_lock, self.store.session() as session:
            yield session

    def matcher(self, session: Session) -> Matcher:
        """A matcher over every bank, rebuilt when bank entries change (count or newest id)."""
        count, newest = session.execute(
            select(func.count(BankEntry.id), func.max(BankEntry.id))
        ).one()
        key = (int(count or 0), int(newest or 0))
        cached = self._matcher
        if cached is None or cached[0] != key:
            built = Matcher.from_session(
                session,
                pdq_threshold=self.settings.pdq_threshold,
                pdq_min_quality=self.settings.pdq_min_quality,
            )
            self._matcher = cached = (key, built)
        return cached[1]


def get_ctx(request: Request) -> WebContext:
    """The app's :class:`WebContext` (a FastAPI dependency)."""
    ctx: WebContext = request.app.state.ctx
    return ctx

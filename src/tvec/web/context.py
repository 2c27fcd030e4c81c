"""What every request handler needs: the application context, templates and filter caches.

Handlers run in a thread pool and call :mod:`tvec.app` use cases with :attr:`WebContext.app`;
writes go through :meth:`tvec.app.context.AppContext.write`, whose lock appends the audit
log's hash chain one writer at a time in this process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from tvec.app.context import AppContext

if TYPE_CHECKING:
    from tvec.settings import Settings
    from tvec.store import Store

#: Seconds the queue's filter menus are cached.
FILTER_VALUES_TTL = 60.0
TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


@dataclass
class WebContext:
    """Shared state of one web app (kept on ``app.state.ctx``)."""

    app: AppContext
    templates: Jinja2Templates
    _cache: dict[str, tuple[float, Any]] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        """The application's settings."""
        return self.app.settings

    @property
    def store(self) -> Store:
        """The application's store."""
        return self.app.store

    def cached(self, key: str, compute: Any, ttl: float = FILTER_VALUES_TTL) -> Any:
        """``compute()``, recomputed at most every ``ttl`` seconds per ``key`` (the queue's
        filter menus: their DISTINCT scans cost ~1 s at 100,000 cases)."""
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is None or now - hit[0] > ttl:
            hit = (now, compute())
            self._cache[key] = hit
        return hit[1]


def get_ctx(request: Request) -> WebContext:
    """The app's :class:`WebContext` (a FastAPI dependency)."""
    ctx: WebContext = request.app.state.ctx
    return ctx


def get_app(request: Request) -> AppContext:
    """The :class:`~tvec.app.context.AppContext` of the web app (a FastAPI dependency)."""
    ctx: WebContext = request.app.state.ctx
    return ctx.app

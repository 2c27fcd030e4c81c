"""The web app of one ``tvec serve --workers N`` worker process.

uvicorn starts each worker in a fresh process and calls :func:`create` (``factory=True``):
the worker loads the settings from the environment (the parent put a session key there when
``TVEC_SECRET_KEY`` is unset, so a login is valid on every worker), opens its own
application context (database connections, and the matcher mapping the persisted index
files shared by every worker, following bank changes within ``TVEC_INDEX_CHECK_SECONDS``)
and builds the app.
"""

from __future__ import annotations

from fastapi import FastAPI

from tvec.app.context import open_context
from tvec.settings import load_settings
from tvec.web.app import create_app


def create() -> FastAPI:
    """The web app over a new context from the environment's settings.

    Raises:
        ConfigError, StoreError: the settings are invalid or the store cannot be opened.
    """
    return create_app(open_context(load_settings()))

"""What every command needs: settings, the store, and Rich consoles (stdout, stderr)."""

from __future__ import annotations

import os
from functools import cache

from rich.console import Console

from tvec.settings import Settings, load_settings
from tvec.store import Store, open_store

#: Width of tables written to a pipe or a file (a terminal gets its own width).
PIPE_WIDTH = 200


def _console(*, stderr: bool = False) -> Console:
    """A Rich console; when it writes to a pipe or file (and ``COLUMNS`` is unset) tables get
    :data:`PIPE_WIDTH` columns instead of Rich's 80, so URLs are not cut."""
    console = Console(stderr=stderr, highlight=False, soft_wrap=True)
    if console.is_terminal or "COLUMNS" in os.environ:
        return console
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=PIPE_WIDTH)


out = _console()
err = _console(stderr=True)


@cache
def settings() -> Settings:
    """Settings from the environment (read once per process)."""
    return load_settings()


def store() -> Store:
    """The store named by the settings, migrated to head."""
    return open_store(settings())

"""What every command needs: settings, the store, and Rich consoles (stdout, stderr)."""

from __future__ import annotations

from functools import cache

from rich.console import Console

from tvec.settings import Settings, load_settings
from tvec.store import Store, open_store

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@cache
def settings() -> Settings:
    """Settings from the environment (read once per process)."""
    return load_settings()


def store() -> Store:
    """The store named by the settings, migrated to head."""
    return open_store(settings())

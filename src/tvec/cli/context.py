"""What every command needs: the application context (settings, store, clock, outbound
client, matcher), built once per process, and Rich consoles for stdout and stderr (made on
first use: a command that prints only JSON or plain lines never imports Rich).

Commands import this module and :mod:`tvec.app` use cases; they never open sessions or read
the environment themselves (settings are loaded here, once).
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from tvec.app.context import AppContext
    from tvec.settings import Settings
    from tvec.store import Store

#: Width of tables written to a pipe or a file (a terminal gets its own width).
PIPE_WIDTH = 200


def _console(*, stderr: bool = False) -> Console:
    """A Rich console; when it writes to a pipe or file (and ``COLUMNS`` is unset) tables get
    :data:`PIPE_WIDTH` columns instead of Rich's 80, so URLs are not cut."""
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False, soft_wrap=True)
    if console.is_terminal or "COLUMNS" in os.environ:
        return console
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=PIPE_WIDTH)


class LazyConsole:
    """The Rich console of stdout (or stderr), made on first use: importing Rich and sizing
    the console costs tens of milliseconds that a command printing only JSON or plain lines
    need not pay. :attr:`console` is the console itself (for Rich's progress bars)."""

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._made: Console | None = None

    @property
    def console(self) -> Console:
        """The Rich console (made now if not yet)."""
        if self._made is None:
            self._made = _console(stderr=self._stderr)
        return self._made

    @property
    def is_terminal(self) -> bool:
        """Whether the console writes to a terminal."""
        return self.console.is_terminal

    def print(self, *objects: Any, **options: Any) -> None:
        """:meth:`rich.console.Console.print`."""
        self.console.print(*objects, **options)


out = LazyConsole()
err = LazyConsole(stderr=True)


@cache
def settings() -> Settings:
    """Settings from the environment and ``HOME/settings.env`` (read once per process).

    Raises:
        ConfigError: a setting is invalid.
    """
    from tvec.settings import load_settings

    return load_settings()


_context: AppContext | None = None


def context() -> AppContext:
    """The application context of this process, opened on first use (the store is migrated
    then) from :func:`settings`, or the one given to :func:`install`.

    Raises:
        ConfigError, StoreError: the store cannot be opened.
    """
    global _context
    if _context is None:
        from tvec.app.context import open_context

        _context = open_context(settings())
    return _context


def install(ctx: AppContext | None) -> None:
    """Make ``ctx`` the context of the commands that run next in this process (tests, and
    programs that run ``tvec`` in-process with their own clock or transport); ``None``
    forgets it without closing it."""
    global _context
    _context = ctx


def store() -> Store:
    """The context's store."""
    return context().store


def reset() -> None:
    """Forget the settings and context of this process (the in-process test runner calls it
    between commands); a context opened here is closed."""
    global _context
    if _context is not None:
        _context.close()
    _context = None
    settings.cache_clear()


def print_json(value: Any) -> None:
    """Print a result model (or a list of them) as the web API writes it
    (:func:`tvec.views.base.dumps`)."""
    import typer

    from tvec.views.base import dumps

    typer.echo(dumps(value))

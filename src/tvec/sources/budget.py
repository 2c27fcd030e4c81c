"""Parsing untrusted documents with a time budget (issue 16, finding 4).

Some parsers tvec relies on take far longer on hostile input than on real documents:
feedparser's lenient parser spends about 1.3 µs a byte on a body of ``<`` characters (70 s
for 50 MiB) and Python's ``html.parser`` about 60 µs a byte on ``</`` repeated. Whatever
the parser, one document must never hold up a poll round.

:class:`ParseWorker` runs parse functions in one worker process (started with ``spawn`` on
first use, so it inherits no database connections or threads) and waits at most ``seconds``
for each answer; a parse that takes longer has its worker killed (the next call starts a new
one) and raises :class:`ParseBudgetError`, which the reader turns into an error on that
document. Inputs of at most :data:`INLINE_CHARS` characters are parsed in the calling
process, without a budget: the slowest known inputs of that size parse within about a
second, and starting a worker would cost more than that.
"""

from __future__ import annotations

import importlib
import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

T = TypeVar("T")

#: Largest input (characters or bytes) parsed in the calling process.
INLINE_CHARS = 16 * 1024
#: Most seconds a new worker may take to start and import its modules (not part of a budget).
START_SECONDS = 120.0


class ParseBudgetError(Exception):
    """A parse took longer than its budget, or its worker process died (message says which).

    Not a :class:`~tvec.errors.TvecError`: readers catch it and record an
    :class:`~tvec.errors.InputError` naming the document instead.
    """


def _serve(conn: Connection, modules: tuple[str, ...]) -> None:  # pragma: no cover - child
    for module in modules:
        importlib.import_module(module)
    conn.send("ready")
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        function, args = message
        try:
            answer: tuple[str, Any] = ("ok", function(*args))
        except Exception as exc:
            answer = ("error", exc)
        try:
            conn.send(answer)
        except Exception as exc:  # an answer that cannot be pickled
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))


class ParseWorker:
    """Runs parse functions in a worker process, each within ``seconds`` (module docstring).

    Args:
        seconds: most seconds one call may take (``TVEC_PARSE_TIMEOUT_SECONDS``).
        modules: modules the worker imports before it says it is ready (so imports do not
            count against the first call's budget).

    Use as a context manager, or call :meth:`close`; the worker is a daemon process, so it
    never outlives the program.
    """

    def __init__(self, seconds: float, modules: tuple[str, ...] = ()) -> None:
        self.seconds = seconds
        self.modules = modules
        self._process: Any = None
        self._conn: Connection | None = None

    def __enter__(self) -> ParseWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, function: Callable[..., T], *args: Any, size: int | None = None) -> T:
        """``function(*args)``: in this process when ``size`` (of the input) is at most
        :data:`INLINE_CHARS`, else in the worker within the budget.

        ``function`` must be importable by name (a module-level function) and its arguments
        and result picklable.

        Raises:
            ParseBudgetError: the call took longer than ``seconds`` (the worker is killed) or
                the worker died.
            Exception: whatever ``function`` raised.
        """
        if size is not None and size <= INLINE_CHARS:
            return function(*args)
        conn = self._start()
        conn.send((function, args))
        if not conn.poll(self.seconds):
            self._kill()
            raise ParseBudgetError(
                f"parsing took longer than {self.seconds:g} s (TVEC_PARSE_TIMEOUT_SECONDS); stopped"
            )
        try:
            status, value = conn.recv()
        except (EOFError, OSError) as exc:
            self._kill()
            raise ParseBudgetError(f"the parsing process died ({exc or 'no answer'})") from exc
        if status == "error":
            raise value
        result: T = value
        return result

    def _start(self) -> Connection:
        if self._conn is not None and self._process is not None and self._process.is_alive():
            return self._conn
        self._kill()
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(theirs, self.modules), daemon=True)
        process.start()
        theirs.close()
        self._process, self._conn = process, ours
        if not ours.poll(START_SECONDS):
            self._kill()
            raise ParseBudgetError("the parsing process did not start")
        try:
            ours.recv()
        except (EOFError, OSError) as exc:
            self._kill()
            raise ParseBudgetError("the parsing process did not start") from exc
        return ours

    def _kill(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join()
            self._process = None

    def close(self) -> None:
        """Stop the worker (if one was started)."""
        if self._conn is not None and self._process is not None and self._process.is_alive():
            try:
                self._conn.send(None)
                self._process.join(5)
            except OSError:
                pass
        self._kill()

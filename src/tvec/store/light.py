"""Opening a store for reading through its driver alone, without SQLAlchemy.

A one-shot look-up (``tvec match``) on a store that is already at the newest schema needs a
handful of plain queries (:mod:`tvec.store.reads`); importing SQLAlchemy to run them costs
more CPU than the rest of the command. :func:`driver_for` recognises the two URL forms tvec
documents, ``sqlite:///PATH`` (the default, ``HOME/tvec.db``) and
``postgresql+psycopg://user:password@host:port/dbname``, and opens them with ``sqlite3`` or
``psycopg``. Any other form (a query string, percent-escapes in a SQLite path, another
driver) is left to SQLAlchemy: :func:`driver_for` returns None and the caller takes the usual
path, as it does whenever opening or checking the schema this way fails (the usual path then
reports the fault with its usual message).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tvec.store.reads import BankReads, DriverReads

if TYPE_CHECKING:
    from sqlalchemy import Connection

SQLITE_PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")
POSTGRES_PREFIX = "postgresql+psycopg://"
#: Seconds a SQLite reader waits for a writer's lock (as the engine's ``timeout``).
SQLITE_TIMEOUT = 30.0


@dataclass
class Driver:
    """How to open one database with its DB-API driver; one connection, opened by the first
    :meth:`reads`, then kept and shared under a lock until :meth:`close`.

    Args:
        kind: ``"sqlite"`` or ``"postgresql"``.
        target: the SQLite file, or the libpq connection URI.
    """

    kind: str
    target: str
    _connection: Any = field(default=None, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def _errors(self) -> type[Exception]:
        if self.kind == "sqlite":
            import sqlite3

            return sqlite3.Error
        import psycopg

        return psycopg.Error

    def _open(self) -> Any:
        if self.kind == "sqlite":
            import sqlite3

            path = Path(self.target)
            if not path.is_file():  # a new database: SQLAlchemy's path creates it
                raise FileNotFoundError(self.target)
            connection = sqlite3.connect(path, timeout=SQLITE_TIMEOUT, check_same_thread=False)
            connection.execute("PRAGMA query_only=1")
            return connection
        import psycopg

        return psycopg.connect(self.target, autocommit=True)

    def schema_revisions(self) -> list[str] | None:
        """The rows of ``alembic_version``, or None when the database cannot be opened or
        read this way (no file, no such table, a driver error): the caller falls back."""
        try:
            connection = self._connection or self._open()
        except Exception:
            return None
        self._connection = connection
        try:
            cursor = connection.cursor()
            try:
                cursor.execute("SELECT version_num FROM alembic_version")
                return [str(row[0]) for row in cursor.fetchall()]
            finally:
                cursor.close()
        except Exception:
            self.close()
            return None

    @contextmanager
    def reads(
        self,
        core: Callable[[], AbstractContextManager[Connection]],
        again: Callable[[], AbstractContextManager[BankReads]],
    ) -> Iterator[DriverReads]:
        """:class:`~tvec.store.reads.DriverReads` over the kept connection (opened again if
        it was closed), held under the lock; ``core`` opens a SQLAlchemy connection, ``again``
        new reads (:meth:`~tvec.store.reads.BankReads.reopen`).

        Raises:
            StoreError: the database cannot be reached.
        """
        from tvec.errors import StoreError

        errors = self._errors()
        with self._lock:
            if self._connection is None:
                try:
                    self._connection = self._open()
                except (OSError, errors) as exc:
                    raise StoreError(f"database error: {exc}") from exc
            paramstyle = "qmark" if self.kind == "sqlite" else "format"
            try:
                yield DriverReads(self._connection, paramstyle, errors, core, again)
            except StoreError:
                self.close()  # a broken connection is not kept
                raise

    def close(self) -> None:
        """Close the kept connection (if any)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                connection.close()


def driver_for(url: str) -> Driver | None:
    """The :class:`Driver` of ``url`` when it has one of the plain forms tvec documents (see
    the module docstring), else None (SQLAlchemy parses and opens it).

    ``sqlite:///PATH`` names PATH as SQLAlchemy reads it (relative to the working folder
    unless it starts with ``/``); ``postgresql+psycopg://...`` is handed to libpq as the
    ``postgresql://...`` URI, which percent-decodes its parts as SQLAlchemy does.
    """
    if "?" in url or "#" in url:
        return None
    for prefix in SQLITE_PREFIXES:
        if url.startswith(prefix):
            path = url[len(prefix) :]
            if not path or path == ":memory:" or "%" in path or path.startswith("file:"):
                return None
            return Driver("sqlite", path)
    if url.startswith(POSTGRES_PREFIX):
        rest = url[len(POSTGRES_PREFIX) :]
        if not rest or "/" not in rest:
            return None
        return Driver("postgresql", "postgresql://" + rest)
    return None

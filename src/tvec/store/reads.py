"""The reads of the bank tables that matching needs, behind one small port.

A matcher over the persisted index (:mod:`tvec.matching.matcher`) reads little from the
database: the bank change counter, which named banks exist, the entries its hits point to
(with their bank's name and labels), the entries of the linear types (``text_tlsh``,
``raw_text``, kept in memory) and the frame lists of ``vpdq`` entries stored by reference.
:class:`BankReads` is that port. Two kinds of adapter implement it:

* :class:`CoreReads`, over a SQLAlchemy Core connection (any database SQLAlchemy opens; a
  session's connection too): what every long-running process uses;
* :class:`DriverReads`, over a DB-API connection of the driver itself (stdlib ``sqlite3``, or
  ``psycopg`` for PostgreSQL), made by :mod:`tvec.store.light` when a store that is already
  at the newest schema is opened for a one-shot look-up: ``tvec match`` then never imports
  SQLAlchemy (about a third of a second of CPU before the first query).

Both run the same queries and give the same rows: :class:`EntryRow` with ``extra`` decoded
from JSON (a dict, or None). Anything beyond these reads (a rebuild or a catch-up of the
index, any write) takes a SQLAlchemy Core connection: :meth:`BankReads.core`.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

#: Ids (or names, or digests) bound per query.
PER_QUERY = 500
#: Prefix of a ``vpdq`` value stored by reference (:data:`tvec.store.vpdq.REF_PREFIX`).
REF_PREFIX = "sha256:"


class EntryRow(NamedTuple):
    """A bank entry with its bank's name and its label columns (``extra`` as decoded JSON)."""

    id: int
    bank: str
    signal_type: str
    value: str
    entity: str | None
    ideology: str | None
    source: str | None
    note: str | None
    extra: Any


class BankReads(ABC):
    """What a matcher reads from the bank tables (see the module docstring).

    Errors of the database surface as :class:`~tvec.errors.StoreError` from the adapters
    that open connections themselves (:class:`DriverReads`), as SQLAlchemy's errors from
    :class:`CoreReads` (its connection's owner wraps them).
    """

    @abstractmethod
    def bank_version(self) -> int:
        """The bank change counter (0 when no bank has ever changed)."""

    @abstractmethod
    def bank_names(self, names: Sequence[str]) -> set[str]:
        """Those of ``names`` that name a bank."""

    @abstractmethod
    def entries(self, ids: Sequence[int]) -> list[EntryRow]:
        """The entries of ``ids`` that exist (any order)."""

    @abstractmethod
    def entries_of_types(
        self, signal_types: Sequence[str], banks: Sequence[str] | None = None
    ) -> list[EntryRow]:
        """Every entry of ``signal_types`` (in ``banks`` when given).

        The bank ids are read first and the entries selected by ``bank_id IN (...) AND
        signal_type IN (...)``: a prefix of ``uq_bank_entry_value``, so the few entries of a
        rare type are found without reading the table (``bank_entry`` has no index on
        ``signal_type`` alone since migration 0019; a join let SQLite scan every row, 1 s at
        10 million).
        """

    @abstractmethod
    def frame_lists(self, refs: Iterable[str]) -> dict[str, str]:
        """Stored reference -> frame list (canonical JSON) for the ``refs`` that are stored
        references found in ``vpdq_features``."""

    @abstractmethod
    def core(self) -> AbstractContextManager[Connection]:
        """A SQLAlchemy Core connection to the same database (rebuilds, catch-ups)."""

    @abstractmethod
    def reopen(self) -> AbstractContextManager[BankReads]:
        """New reads of the same database, the same way (a matcher that outlives the
        connection it was made with reads through these)."""


def _digests(refs: Iterable[str]) -> list[str]:
    return sorted({r.removeprefix(REF_PREFIX) for r in refs if r.startswith(REF_PREFIX)})


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), PER_QUERY):
        yield items[start : start + PER_QUERY]


def entry_query() -> Any:
    """A Core select of :class:`EntryRow`'s columns: bank entries with their bank's name
    (filter it with ``.where``)."""
    from sqlalchemy import select

    from tvec.store.tables import BANK, BANK_ENTRY

    return select(
        BANK_ENTRY.c.id,
        BANK.c.name,
        BANK_ENTRY.c.signal_type,
        BANK_ENTRY.c.value,
        BANK_ENTRY.c.entity,
        BANK_ENTRY.c.ideology,
        BANK_ENTRY.c.source,
        BANK_ENTRY.c.note,
        BANK_ENTRY.c.extra,
    ).select_from(BANK_ENTRY.join(BANK, BANK_ENTRY.c.bank_id == BANK.c.id))


class CoreReads(BankReads):
    """:class:`BankReads` over a SQLAlchemy Core connection (or an ORM session).

    Args:
        db: the connection (or session) to read in.
        core: what :meth:`core` opens (default: ``db`` itself, left open).
        again: what :meth:`reopen` opens (default: :func:`engine_reads` of ``db``'s engine).
    """

    def __init__(
        self,
        db: Any,
        core: Callable[[], AbstractContextManager[Connection]] | None = None,
        again: Callable[[], AbstractContextManager[BankReads]] | None = None,
    ) -> None:
        self.db = db
        self._core = core
        self._again = again

    def bank_version(self) -> int:
        from tvec.store.bank_changes import current_version

        return current_version(self.db)

    def bank_names(self, names: Sequence[str]) -> set[str]:
        from sqlalchemy import select

        from tvec.store.tables import BANK

        found: set[str] = set()
        for part in _chunks(list(dict.fromkeys(names))):
            found.update(self.db.scalars(select(BANK.c.name).where(BANK.c.name.in_(part))))
        return found

    def _entry_query(self) -> Any:
        return entry_query()

    def entries(self, ids: Sequence[int]) -> list[EntryRow]:
        from tvec.store.tables import BANK_ENTRY

        out: list[EntryRow] = []
        for part in _chunks(list(dict.fromkeys(ids))):
            query = self._entry_query().where(BANK_ENTRY.c.id.in_(part))
            out.extend(EntryRow(*row) for row in self.db.execute(query))
        return out

    def entries_of_types(
        self, signal_types: Sequence[str], banks: Sequence[str] | None = None
    ) -> list[EntryRow]:
        from sqlalchemy import select

        from tvec.store.tables import BANK, BANK_ENTRY

        types = list(signal_types)
        ids = select(BANK.c.id)
        if banks is not None:
            ids = ids.where(BANK.c.name.in_(sorted(banks)))
        bank_ids = sorted(int(i) for i in self.db.scalars(ids))
        if not types or not bank_ids:
            return []
        query = self._entry_query().where(
            BANK_ENTRY.c.bank_id.in_(bank_ids), BANK_ENTRY.c.signal_type.in_(types)
        )
        return [EntryRow(*row) for row in self.db.execute(query)]

    def frame_lists(self, refs: Iterable[str]) -> dict[str, str]:
        from tvec.store.vpdq import load_values

        return load_values(self.db, refs)

    def core(self) -> AbstractContextManager[Connection]:
        if self._core is not None:
            return self._core()
        from contextlib import nullcontext

        return nullcontext(self.db)

    def reopen(self) -> AbstractContextManager[BankReads]:
        if self._again is not None:
            return self._again()
        return engine_reads(engine_of(self.db))


def engine_of(db: Any) -> Engine:
    """The engine behind a Core connection or an ORM session."""
    from sqlalchemy import Connection as CoreConnection

    bind = db if isinstance(db, CoreConnection) else db.get_bind()
    return bind.engine if isinstance(bind, CoreConnection) else bind


@contextmanager
def engine_reads(engine: Engine) -> Iterator[BankReads]:
    """:class:`CoreReads` over a new connection of ``engine`` (closed at the end)."""
    with engine.connect() as connection:
        yield CoreReads(connection, engine.connect, lambda: engine_reads(engine))


#: The columns of :class:`EntryRow`, as plain SQL over ``bank_entry e`` joined to ``bank b``.
_ENTRY_SQL = (
    "SELECT e.id, b.name, e.signal_type, e.value, e.entity, e.ideology, e.source, e.note, "
    "e.extra FROM bank_entry e JOIN bank b ON e.bank_id = b.id"
)


class DriverReads(BankReads):
    """:class:`BankReads` over a DB-API connection (``sqlite3`` or ``psycopg``), with the
    same plain SQL for both (``?`` placeholders become ``%s`` for psycopg).

    Args:
        connection: an open DB-API connection, in autocommit (or ``sqlite3``'s default
            mode, where a ``SELECT`` opens no transaction).
        paramstyle: ``"qmark"`` (sqlite3) or ``"format"`` (psycopg).
        errors: the driver's base error class; such errors become
            :class:`~tvec.errors.StoreError` ("database error: ...").
        core: what :meth:`core` opens (the store's SQLAlchemy connection).
        again: what :meth:`reopen` opens (the store's :meth:`~tvec.store.Store.reads`).
    """

    def __init__(
        self,
        connection: Any,
        paramstyle: str,
        errors: type[Exception],
        core: Callable[[], AbstractContextManager[Connection]],
        again: Callable[[], AbstractContextManager[BankReads]],
    ) -> None:
        self.connection = connection
        self._mark = "?" if paramstyle == "qmark" else "%s"
        self._errors = errors
        self._core = core
        self._again = again

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        from tvec.errors import StoreError

        if self._mark != "?":
            sql = sql.replace("?", self._mark)
        try:
            cursor = self.connection.cursor()
            try:
                cursor.execute(sql, tuple(params))
                return list(cursor.fetchall())
            finally:
                cursor.close()
        except self._errors as exc:
            text = str(exc).strip()
            short = text.splitlines()[0] if text else type(exc).__name__
            raise StoreError(f"database error: {short}") from exc

    def _marks(self, n: int) -> str:
        return ", ".join("?" * n)

    @staticmethod
    def _entry(row: tuple[Any, ...]) -> EntryRow:
        extra = row[8]
        if isinstance(extra, str | bytes):  # SQLite keeps JSON as text; psycopg decodes it
            extra = json.loads(extra)
        entry_id, bank, signal_type, value, entity, ideology, source, note = row[:8]
        return EntryRow(
            int(entry_id), bank, signal_type, value, entity, ideology, source, note, extra
        )

    def bank_version(self) -> int:
        rows = self._rows("SELECT version FROM bank_version WHERE id = 1")
        return int(rows[0][0] or 0) if rows else 0

    def bank_names(self, names: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for part in _chunks(list(dict.fromkeys(names))):
            marks = self._marks(len(part))
            sql = f"SELECT name FROM bank WHERE name IN ({marks})"  # noqa: S608 (only ? marks)
            found.update(str(name) for (name,) in self._rows(sql, part))
        return found

    def entries(self, ids: Sequence[int]) -> list[EntryRow]:
        out: list[EntryRow] = []
        for part in _chunks(list(dict.fromkeys(int(i) for i in ids))):
            sql = f"{_ENTRY_SQL} WHERE e.id IN ({self._marks(len(part))})"
            out.extend(map(self._entry, self._rows(sql, part)))
        return out

    def entries_of_types(
        self, signal_types: Sequence[str], banks: Sequence[str] | None = None
    ) -> list[EntryRow]:
        types = list(signal_types)
        if not types:
            return []
        ids_sql, ids_params = "SELECT id FROM bank", []
        if banks is not None:
            names = sorted(banks)
            if not names:
                return []
            ids_sql += f" WHERE name IN ({self._marks(len(names))})"
            ids_params = names
        bank_ids = sorted(int(i) for (i,) in self._rows(ids_sql, ids_params))
        if not bank_ids:
            return []
        sql = (
            f"{_ENTRY_SQL} WHERE e.bank_id IN ({self._marks(len(bank_ids))}) "
            f"AND e.signal_type IN ({self._marks(len(types))})"
        )
        return [self._entry(row) for row in self._rows(sql, [*bank_ids, *types])]

    def frame_lists(self, refs: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for part in _chunks(_digests(refs)):
            marks = self._marks(len(part))
            sql = f"SELECT digest, features FROM vpdq_features WHERE digest IN ({marks})"  # noqa: S608
            for digest, features in self._rows(sql, part):
                found[REF_PREFIX + str(digest)] = str(features)
        return found

    def core(self) -> AbstractContextManager[Connection]:
        return self._core()

    def reopen(self) -> AbstractContextManager[BankReads]:
        return self._again()

"""Writing many bank entries fast: chunks of rows into ``bank_entry``, duplicates skipped.

:class:`BulkEntries` takes rows in chunks (:data:`~tvec.banks.bulkread.Row`, extra already
JSON text) and writes them in the caller's transaction, each chunk in the order of the
unique constraint ``uq_bank_entry_value`` (bank_id, signal_type, value), so that the
inserts into its index walk it in order instead of touching pages all over it (about half
the CPU of file order at 1 million PDQ hashes, ``docs/benchmarks.md``). A chunk is "plain"
when no row has a label or an extra field and every value is ASCII letters and digits
(hex hashes: nothing to quote), as almost every row of a large bank file is.

* SQLite: a plain chunk goes in with one ``INSERT ... SELECT ... FROM json_each(?)
  ORDER BY value, key ON CONFLICT DO NOTHING`` per signal type, its values bound as one
  JSON array (the array position gives the row's place; the bank id, the id base,
  ``created_at`` and the empty labels are constants of the statement). SQLite sorts the
  rows, and the one statement runs without Python's GIL, so the next chunk is read and
  checked meanwhile (:func:`tvec.banks.bulkread.read_ahead`). Any other chunk is sorted
  here (:func:`first_occurrences`) and bound row by row with ``executemany``.
* PostgreSQL: other writers of ``bank_entry`` are held off by a ``SHARE ROW EXCLUSIVE``
  table lock until the transaction ends. While the bank was empty when the load began and
  no chunk has met a value already stored, each chunk, sorted and its repeats dropped here,
  is ``COPY``-ed straight into ``bank_entry`` (text format, :func:`copy_text`) under a
  savepoint: nothing can collide but a value repeated from an earlier chunk, which the
  constraint refuses; the savepoint then undoes that chunk and it, and every later one,
  takes the general path: ``COPY`` into a temporary table, then one ``INSERT ... SELECT``
  of the first occurrence of each value (``DISTINCT ON ... ORDER BY signal_type, value,
  line``) not already in the bank, in value order. Each chunk's ``COPY`` is sent from a
  thread (:class:`~tvec.banks.bulkread.WriteBehind`) while the next chunk is read, checked
  and made into ``COPY`` text, so the client's work overlaps the server's (a load is
  otherwise the sum of both, ``docs/benchmarks.md``). Where the role may, the row-by-row
  foreign key check is skipped for the load
  (:meth:`BulkEntries._skip_foreign_key_checks`).

Either way a row whose (bank, signal type, value) is already in the bank, or came earlier
in the same load, is skipped: the first occurrence wins. A new entry's id is a base (above
every id there is) plus its place among the valid rows of the load, so ids follow the
file's order (an export lists entries as the file did) although the rows go in by value;
only duplicates leave gaps. Memory stays at one chunk and its text (plus, on SQLite, the
page cache set for the load, :data:`SQLITE_CACHE_KIB`). :meth:`BulkEntries.finish`
returns how many rows were added (from the statements' row counts) and the range of ids
they may have.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import exists, func, select, text
from sqlalchemy.orm import Session

from tvec.banks.bulkread import EMPTY_EXTRA, Row, WriteBehind
from tvec.store.models import BankEntry

__all__ = ["SQLITE_CACHE_KIB", "BulkEntries", "Row", "copy_text", "first_occurrences"]

_COLUMNS = "bank_id, signal_type, value, entity, ideology, source, note, extra, created_at"
_TABLE = BankEntry.__table__
#: SQLite page cache during a load, in KiB (the default 2 MiB makes index inserts read and
#: write the same pages over and over once the bank outgrows it). It is part of the import's
#: peak memory.
SQLITE_CACHE_KIB = 192 * 1024
#: PostgreSQL ``work_mem`` of the load's transaction (the sort of the loaded rows by value).
POSTGRES_WORK_MEM = "128MB"
#: ``extra`` of a row with no extra fields.
PLAIN_EXTRA = EMPTY_EXTRA
_BY_VALUE = itemgetter(2)
_BY_TYPE = itemgetter(1)
_SAFE_LITERAL = re.compile(r"[0-9 :.T+-]+")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
#: PostgreSQL's SQLSTATE of a unique violation.
_UNIQUE_VIOLATION = "23505"


def _copy_field(text: str | None) -> str:
    """One field of PostgreSQL's ``COPY`` text format (``\\N`` for NULL)."""
    return "\\N" if text is None else text.translate(_COPY_ESCAPES)


def copy_text(rows: Sequence[Row], tail: str = "", base: int = 0) -> str:
    """``rows`` in PostgreSQL's ``COPY ... FROM STDIN`` text format (tab-separated, ``\\N``
    for NULL, backslash, tab, newline and carriage return escaped; PostgreSQL manual,
    "COPY", "Text Format"), columns ``line, signal_type, value, entity, ideology, source,
    note, extra``, ``base`` added to ``line``, then ``tail`` (already in that format, e.g.
    ``"\\t7\\t2026-..."`` for more columns of the same value on every line)."""
    end = tail + "\n"
    plain_rest = "\t\\N\t\\N\t\\N\t\\N\t" + PLAIN_EXTRA + end
    parts: list[str] = []
    for line, signal_type, value, entity, ideology, source, note, extra in rows:
        plain = entity is None and ideology is None and source is None and note is None
        if plain and extra == PLAIN_EXTRA and value.isalnum():
            parts.append(f"{base + line}\t{signal_type}\t{value}{plain_rest}")
            continue
        fields = (signal_type, value, entity, ideology, source, note, extra)
        parts.append(f"{base + line}\t" + "\t".join(_copy_field(f) for f in fields) + end)
    return "".join(parts)


def first_occurrences(rows: Sequence[Row]) -> list[Row]:
    """``rows`` sorted by (signal type, value), each (signal type, value) once: its first
    row in ``rows`` (the sorts are stable)."""
    ordered = sorted(rows, key=_BY_VALUE)
    if len(set(map(_BY_TYPE, ordered))) > 1:
        ordered.sort(key=_BY_TYPE)
    if len(set(map(_BY_VALUE, ordered))) == len(ordered):
        return ordered
    kept: list[Row] = []
    last: tuple[str, str] | None = None
    for row in ordered:
        key = (row[1], row[2])
        if key != last:
            kept.append(row)
            last = key
    return kept


class BulkEntries:
    """Bulk writer of the entries of bank ``bank_id`` in ``session``'s transaction.

    Args:
        session: the open session (its connection is used directly).
        bank_id: the bank the rows go into.
        now: ``created_at`` of every row.
    """

    def __init__(self, session: Session, bank_id: int, now: datetime) -> None:
        self.session = session
        self.bank_id = int(bank_id)
        self.connection = session.connection()
        self.dialect = self.connection.dialect
        self.postgres = self.dialect.name == "postgresql"
        if self.postgres:
            # Writers of bank_entry wait until this transaction ends (readers do not), so
            # nothing but this load adds entries, the anti-join in finish() sees every
            # entry there will be, and the insert needs no ON CONFLICT (PostgreSQL's
            # speculative insertion costs about 40% more server CPU per row,
            # docs/benchmarks.md).
            self.session.execute(text("LOCK TABLE bank_entry IN SHARE ROW EXCLUSIVE MODE"))
        self._newest = int(self.session.scalar(select(func.max(_TABLE.c.id))) or 0)
        self._base = self._id_base()
        self._next = 1
        self._added = 0
        raw: Any = self.connection.connection.dbapi_connection
        self._cursor = raw.cursor()
        self._now: Any = now
        if self.postgres:
            self._cursor.execute(f"SET LOCAL work_mem = '{POSTGRES_WORK_MEM}'")
            self._replica_from = self._skip_foreign_key_checks()
            in_bank = exists().where(_TABLE.c.bank_id == self.bank_id)
            #: COPY straight into bank_entry (until a chunk meets a stored value).
            self._direct = not self.session.scalar(select(in_bank))
            self._staging = False
            self._tail = f"\t{self.bank_id}\t{_checked_literal(self._stamp().isoformat())}"
            #: Sends each chunk's ``COPY`` while the next chunk is read and made into text.
            self._sender = WriteBehind("tvec-bank-copy")
            return
        # Inserting into the value index touches pages all over it: give SQLite a page
        # cache that holds it (for this connection, returned after the load).
        self._cursor.execute("PRAGMA cache_size")
        self._cache_pages = self._cursor.fetchone()[0]
        self._cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        stamp = _checked_literal(str(self._stamp()))
        # The rows go to the driver as they are; the id is the base plus the row's place (?1).
        insert = (
            f"INSERT INTO bank_entry (id, {_COLUMNS}) "  # noqa: S608 (ints and a checked time)
            f"VALUES ({self._base} + ?1, {self.bank_id}, ?2, ?3, "
        )
        self._insert = f"{insert}?4, ?5, ?6, ?7, ?8, '{stamp}') ON CONFLICT DO NOTHING"
        self._insert_json = (
            f"INSERT INTO bank_entry (id, {_COLUMNS}) "  # noqa: S608 (ints and a checked time)
            f"SELECT {self._base} + ?3 + key, {self.bank_id}, ?2, value, NULL, NULL, NULL, "
            f"NULL, '{PLAIN_EXTRA}', '{stamp}' FROM json_each(?1) WHERE value IS NOT NULL "
            "ORDER BY value, key ON CONFLICT DO NOTHING"
        )

    def _skip_foreign_key_checks(self) -> str | None:
        """Where the role may (a superuser, or on PostgreSQL 15 and later a role granted
        ``SET`` on it), set ``session_replication_role`` to ``replica`` for the load, so
        that the foreign key of ``bank_entry.bank_id`` is not checked row by row (a query
        per row, about a third of the server's CPU of a load into a new bank): the load
        checks it once, locking the bank's row ``FOR KEY SHARE`` as each of those queries
        would, so the bank cannot go before the load commits. The setting also skips the
        table's other triggers; ``bank_entry`` has none but its foreign keys' (the referencing
        tables' triggers fire on delete and update only). Returns the setting to restore
        after the load, or ``None`` when it was left alone."""
        self._cursor.execute("SELECT 1 FROM bank WHERE id = %s FOR KEY SHARE", (self.bank_id,))
        if self._cursor.fetchone() is None:  # pragma: no cover - the caller's own bank
            raise ValueError(f"no bank with id {self.bank_id}")
        version = self.dialect.server_version_info or (0,)
        may = (
            "has_parameter_privilege('session_replication_role', 'SET')"
            if version >= (15,)
            else "current_setting('is_superuser') = 'on'"
        )
        self._cursor.execute(f"SELECT {may}, current_setting('session_replication_role')")
        allowed, current = self._cursor.fetchone()
        if not allowed or current != "origin":
            return None
        self._cursor.execute("SET LOCAL session_replication_role = replica")
        return str(current)

    def _stamp(self) -> Any:
        """``created_at`` as the column's type binds it (UTC)."""
        created = _TABLE.c.created_at.type._cached_bind_processor(self.dialect)
        return created(self._now) if created else self._now

    def _id_base(self) -> int:
        """The id before the first row's: a row gets this plus its place among the load's
        rows (1, 2, ...), so ids follow the file's order whatever order the rows are
        inserted in. Above every id in the table and, on PostgreSQL, every id its sequence
        has handed out (other writers are held off by the table lock; :meth:`finish` moves
        the sequence past the new ids)."""
        if not self.postgres:
            return self._newest
        handed_out = self.session.scalar(
            text("SELECT pg_sequence_last_value(pg_get_serial_sequence('bank_entry', 'id'))")
        )
        return max(self._newest, int(handed_out or 0))

    def write(self, rows: Sequence[Row]) -> None:
        """Write one chunk of rows (in file order)."""
        if not rows:
            return
        # Number the rows by their place among the load's rows (their line no longer
        # matters: problems are reported apart), so ids only skip the duplicates.
        _, types, values, *labels = zip(*rows, strict=True)
        first = self._next
        self._next += len(rows)
        plain = _plain(values, labels)
        if self.postgres:
            # _direct only ever turns False, in the sender: then the text is not needed
            data = self._direct_text(rows, first, types, values, plain) if self._direct else None
            self._sender.submit(functools.partial(self._write_postgres, rows, first, data))
        elif plain:
            self._write_plain(first, types, values)
        else:
            self._cursor.executemany(self._insert, first_occurrences(_ranked(rows, first)))
            self._added += self._cursor.rowcount

    def _write_plain(self, first: int, types: tuple[str, ...], values: tuple[str, ...]) -> None:
        """Insert a plain chunk (:func:`_plain`; its columns, ``first`` the first row's
        place) with one statement per signal type, the values bound as one JSON array
        (SQLite's ``json_each`` gives each its position: the row's place is ``first`` plus
        it) and sorted by SQLite (first occurrences first). One statement runs without
        Python's GIL, so the next chunk can be read meanwhile, and costs less than binding
        each row."""
        kinds = sorted(set(types))
        for kind in kinds:
            array: Sequence[str | None] = values
            if len(kinds) > 1:
                array = tuple(v if t == kind else None for t, v in zip(types, values, strict=True))
            self._cursor.execute(self._insert_json, (json.dumps(array), kind, first))
            self._added += self._cursor.rowcount

    def _plain_copy_text(self, first: int, kind: str, values: tuple[str, ...]) -> str:
        """The ``COPY`` text for ``bank_entry`` of a plain chunk of one signal type: what
        :func:`copy_text` of :func:`first_occurrences` gives, built column-wise."""
        start = self._base + first
        pairs = sorted(zip(values, range(start, start + len(values)), strict=True))
        if len(set(values)) < len(values):
            pairs = [p for n, p in enumerate(pairs) if n == 0 or p[0] != pairs[n - 1][0]]
        rest = f"\t\\N\t\\N\t\\N\t\\N\t{PLAIN_EXTRA}{self._tail}\n"
        return "".join([f"{i}\t{kind}\t{v}{rest}" for v, i in pairs])

    def _direct_text(
        self,
        rows: Sequence[Row],
        first: int,
        types: tuple[str, ...],
        values: tuple[str, ...],
        plain: bool,
    ) -> str:
        """The ``COPY`` text of a chunk for ``bank_entry`` (sorted, repeats dropped)."""
        if plain and len(set(types)) == 1:
            return self._plain_copy_text(first, types[0], values)
        return copy_text(first_occurrences(_ranked(rows, first)), self._tail, self._base)

    def _write_postgres(self, rows: Sequence[Row], first: int, data: str | None) -> None:
        """``COPY`` a chunk (``data``: its :meth:`_direct_text`, made while nothing had
        collided) straight into ``bank_entry`` while nothing can collide, else into the
        temporary table. Runs in the sender thread (:class:`WriteBehind`), in chunk order."""
        if self._direct and data is not None:
            self._cursor.execute("SAVEPOINT tvec_bank_chunk")
            try:
                with self._cursor.copy(
                    "COPY bank_entry (id, signal_type, value, entity, ideology, source, "
                    "note, extra, bank_id, created_at) FROM STDIN"
                ) as copy:
                    copy.write(data)
            except Exception as exc:
                if getattr(exc, "sqlstate", None) != _UNIQUE_VIOLATION:
                    raise
                # A value of an earlier chunk: undo this chunk, load the rest the general way.
                self._cursor.execute("ROLLBACK TO SAVEPOINT tvec_bank_chunk")
                self._direct = False
            else:
                self._added += self._cursor.rowcount
                self._cursor.execute("RELEASE SAVEPOINT tvec_bank_chunk")
                return
        if not self._staging:
            self._cursor.execute(
                "CREATE TEMPORARY TABLE tvec_bank_load (line bigint, signal_type text, "
                "value text, entity text, ideology text, source text, note text, extra text) "
                "ON COMMIT DROP"
            )
            self._staging = True
        with self._cursor.copy(
            "COPY tvec_bank_load (line, signal_type, value, entity, ideology, source, "
            "note, extra) FROM STDIN"
        ) as copy:
            copy.write(copy_text(_ranked(rows, first)))

    def finish(self) -> tuple[int, tuple[int, int] | None]:
        """Move the staged rows in place (PostgreSQL); return how many rows were added and
        the range of ids they got (``None`` when none were)."""
        if self.postgres:
            self._sender.close()
            if self._staging:
                self._cursor.execute(
                    f"INSERT INTO bank_entry (id, {_COLUMNS}) SELECT %s + line, %s, "  # noqa: S608
                    "signal_type, value, entity, ideology, source, note, extra::json, %s FROM ("
                    "SELECT DISTINCT ON (signal_type, value) * FROM tvec_bank_load "
                    "ORDER BY signal_type, value, line) AS first "
                    "WHERE NOT EXISTS (SELECT 1 FROM bank_entry AS b WHERE b.bank_id = %s "
                    "AND b.signal_type = first.signal_type AND b.value = first.value) "
                    "ORDER BY signal_type, value",
                    (self._base, self.bank_id, self._now, self.bank_id),
                )
                self._added += self._cursor.rowcount
                self._cursor.execute("DROP TABLE tvec_bank_load")
            if self._replica_from is not None:  # the rest of the transaction checks again
                self._cursor.execute(
                    "SELECT set_config('session_replication_role', %s, true)",
                    (self._replica_from,),
                )
            if self._added:
                self._cursor.execute(
                    "SELECT setval(pg_get_serial_sequence('bank_entry', 'id'), "
                    "(SELECT max(id) FROM bank_entry)) "
                    "WHERE (SELECT max(id) FROM bank_entry) > %s",
                    (self._base,),
                )
        else:
            self._cursor.execute(f"PRAGMA cache_size={int(self._cache_pages)}")
        self._cursor.close()
        if not self._added:
            return 0, None
        newest = int(self.session.scalar(select(func.max(_TABLE.c.id))) or 0)
        return self._added, (self._newest + 1, newest)

    def close(self) -> None:
        """Stop sending (PostgreSQL): what is queued is dropped, the chunk being sent
        finishes. For a load that fails before :meth:`finish`; raises nothing."""
        if self.postgres:
            self._sender.abandon()


def _ranked(rows: Sequence[Row], first: int) -> list[Row]:
    """``rows`` with their places (``first``, ``first`` + 1, ...) instead of their lines."""
    _, *columns = zip(*rows, strict=True)
    return list(zip(range(first, first + len(rows)), *columns, strict=True))


def _plain(values: tuple[str, ...], labels: Sequence[tuple[str | None, ...]]) -> bool:
    """Whether a chunk's rows (their values and label columns, then extra) have no labels
    and no extra fields and their values are ASCII letters and digits (hex hashes): no
    quoting in JSON or in ``COPY`` text."""
    *names, extras = labels
    if any(set(column) != {None} for column in names) or set(extras) != {PLAIN_EXTRA}:
        return False
    joined = "".join(values)
    # bytes.isalnum: ASCII only, and some twenty times faster than str.isalnum
    return joined.isascii() and joined.encode("ascii").isalnum()


def _checked_literal(stamp: str) -> str:
    """``stamp`` (a time's text) once it is known to need no quoting in SQL or ``COPY``."""
    if not _SAFE_LITERAL.fullmatch(stamp):  # pragma: no cover - a DateTime's own text
        raise ValueError(f"unexpected time text {stamp!r}")
    return stamp

"""Writing many bank entries fast: chunks of rows into ``bank_entry``, duplicates skipped.

:class:`BulkEntries` takes rows in chunks (:data:`~tvec.banks.bulkread.Row`, extra already
JSON text) and writes them in the caller's transaction:

* SQLite: each chunk sorted by value, then one ``executemany`` of ``INSERT ... ON
  CONFLICT DO NOTHING`` on the driver's cursor, the rows bound as they are (numbered
  parameters ``?1``-``?8``; the bank id, the id base and ``created_at`` are constants of
  the statement). Sorted rows make the inserts into the two value indexes (``uq_bank_entry_value``
  and ``ix_bank_entry_type_value``) walk them in order instead of touching pages all over
  them: about half the CPU of file order at 1 million PDQ hashes (``docs/benchmarks.md``).
  The stable sort keeps a value's first occurrence first, so it is the one kept.
* PostgreSQL: ``COPY`` (text format, written by :func:`copy_text`) of every chunk into a
  temporary table, then, with other writers of ``bank_entry`` held off by a ``SHARE ROW
  EXCLUSIVE`` table lock until the transaction ends, one ``INSERT ... SELECT`` of the
  first occurrence of each value (``DISTINCT ON ... ORDER BY signal_type, value, line``)
  not already in the bank, in value order for the same reason.

Either way a row whose (bank, signal type, value) is already in the bank, or came earlier
in the same load, is skipped (on SQLite by the unique constraint ``uq_bank_entry_value``).
A new entry's id is a base (above every id there is) plus its place among the valid rows
of the load, so ids follow the file's order (an export lists entries as the file did)
although the rows go in by value; only duplicates leave gaps. Memory stays at one chunk
(plus, on SQLite, the page cache set for the load, :data:`SQLITE_CACHE_KIB`).
:meth:`BulkEntries.finish` returns how many rows were added and the range of ids they may
have.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tvec.banks.bulkread import Row
from tvec.store.models import BankEntry

__all__ = ["SQLITE_CACHE_KIB", "BulkEntries", "Row", "copy_text"]

_COLUMNS = "bank_id, signal_type, value, entity, ideology, source, note, extra, created_at"
_TABLE = BankEntry.__table__
#: SQLite page cache during a load, in KiB (the default 2 MiB makes index inserts read and
#: write the same pages over and over once the bank outgrows it). It is part of the import's
#: peak memory.
SQLITE_CACHE_KIB = 192 * 1024
#: PostgreSQL ``work_mem`` of the load's transaction (the sort of the loaded rows by value).
POSTGRES_WORK_MEM = "128MB"
_BY_VALUE = itemgetter(2)
_SAFE_LITERAL = re.compile(r"[0-9 :.T+-]+")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(text: str | None) -> str:
    """One field of PostgreSQL's ``COPY`` text format (``\\N`` for NULL)."""
    return "\\N" if text is None else text.translate(_COPY_ESCAPES)


def copy_text(rows: Sequence[Row]) -> str:
    """``rows`` in PostgreSQL's ``COPY ... FROM STDIN`` text format (tab-separated, ``\\N``
    for NULL, backslash, tab, newline and carriage return escaped; PostgreSQL manual,
    "COPY", "Text Format"), columns ``line, signal_type, value, entity, ideology, source,
    note, extra``."""
    parts: list[str] = []
    for line, signal_type, value, entity, ideology, source, note, extra in rows:
        plain = entity is None and ideology is None and source is None and note is None
        if plain and extra == "{}" and value.isalnum():
            parts.append(f"{line}\t{signal_type}\t{value}\t\\N\t\\N\t\\N\t\\N\t{{}}\n")
            continue
        fields = (signal_type, value, entity, ideology, source, note, extra)
        parts.append(f"{line}\t" + "\t".join(_copy_field(f) for f in fields) + "\n")
    return "".join(parts)


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
            # the counts below and the anti-join in finish() see every entry there will be,
            # and the insert needs no ON CONFLICT (PostgreSQL's speculative insertion costs
            # about 40% more server CPU per row, docs/benchmarks.md).
            self.session.execute(text("LOCK TABLE bank_entry IN SHARE ROW EXCLUSIVE MODE"))
        self._before = self._stats()
        self._base = self._id_base()
        self._next = 1
        raw: Any = self.connection.connection.dbapi_connection
        self._cursor = raw.cursor()
        self._now: Any = now
        if self.postgres:
            self._cursor.execute(f"SET LOCAL work_mem = '{POSTGRES_WORK_MEM}'")
            self._cursor.execute(
                "CREATE TEMPORARY TABLE tvec_bank_load (line bigint, signal_type text, "
                "value text, entity text, ideology text, source text, note text, extra text) "
                "ON COMMIT DROP"
            )
            return
        # Inserting into the value indexes touches pages all over them: give SQLite a
        # page cache that holds them (for this connection, returned after the load).
        self._cursor.execute("PRAGMA cache_size")
        self._cache_pages = self._cursor.fetchone()[0]
        self._cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        created = _TABLE.c.created_at.type._cached_bind_processor(self.dialect)
        stamp = str(created(now) if created else now)
        if not _SAFE_LITERAL.fullmatch(stamp):  # pragma: no cover - a DateTime's own text
            raise ValueError(f"unexpected SQLite time text {stamp!r}")
        # The rows go to the driver as they are; the id is the base plus the row's place (?1).
        self._insert = (
            f"INSERT INTO bank_entry (id, {_COLUMNS}) VALUES ({self._base} + ?1, "  # noqa: S608 (ints and a checked time)
            f"{self.bank_id}, ?2, ?3, ?4, ?5, ?6, ?7, ?8, '{stamp}') ON CONFLICT DO NOTHING"
        )

    def _id_base(self) -> int:
        """The id before the first row's: a row gets this plus its place among the load's
        rows (1, 2, ...), so ids follow
        the file's order whatever order the rows are inserted in. Above every id in the
        table and, on PostgreSQL, every id its sequence has handed out (other writers are
        held off by the table lock; :meth:`finish` moves the sequence past the new ids)."""
        if not self.postgres:
            return self._before[1]
        handed_out = self.session.scalar(
            text("SELECT pg_sequence_last_value(pg_get_serial_sequence('bank_entry', 'id'))")
        )
        return max(self._before[1], int(handed_out or 0))

    def _stats(self) -> tuple[int, int]:
        """(entries in the bank, largest entry id in the table)."""
        count = self.session.scalar(
            select(func.count()).select_from(_TABLE).where(_TABLE.c.bank_id == self.bank_id)
        )
        newest = self.session.scalar(select(func.max(_TABLE.c.id)))
        return int(count or 0), int(newest or 0)

    def write(self, rows: Sequence[Row]) -> None:
        """Write one chunk of rows (in file order)."""
        if not rows:
            return
        # Number the rows by their place among the load's rows (their line no longer
        # matters: problems are reported apart), so ids only skip the duplicates.
        _, *columns = zip(*rows, strict=True)
        first = self._next
        self._next += len(rows)
        ranked: list[Row] = list(zip(range(first, self._next), *columns, strict=True))
        if self.postgres:
            with self._cursor.copy(
                "COPY tvec_bank_load (line, signal_type, value, entity, ideology, source, "
                "note, extra) FROM STDIN"
            ) as copy:
                copy.write(copy_text(ranked))
            return
        self._cursor.executemany(self._insert, sorted(ranked, key=_BY_VALUE))

    def finish(self) -> tuple[int, tuple[int, int] | None]:
        """Move the rows in place (PostgreSQL); return how many were added and the range
        of ids they got (``None`` when none were)."""
        if self.postgres:
            self._cursor.execute(
                f"INSERT INTO bank_entry (id, {_COLUMNS}) SELECT %s + line, %s, signal_type, "  # noqa: S608
                "value, entity, ideology, source, note, extra::json, %s FROM ("
                "SELECT DISTINCT ON (signal_type, value) * FROM tvec_bank_load "
                "ORDER BY signal_type, value, line) AS first "
                "WHERE NOT EXISTS (SELECT 1 FROM bank_entry AS b WHERE b.bank_id = %s "
                "AND b.signal_type = first.signal_type AND b.value = first.value) "
                "ORDER BY signal_type, value",
                (self._base, self.bank_id, self._now, self.bank_id),
            )
            self._cursor.execute(
                "SELECT setval(pg_get_serial_sequence('bank_entry', 'id'), "
                "(SELECT max(id) FROM bank_entry)) "
                "WHERE (SELECT max(id) FROM bank_entry) > %s",
                (self._base,),
            )
            self._cursor.execute("DROP TABLE tvec_bank_load")
        else:
            self._cursor.execute(f"PRAGMA cache_size={int(self._cache_pages)}")
        self._cursor.close()
        count, newest = self._stats()
        added = count - self._before[0]
        if added <= 0:
            return 0, None
        return added, (self._before[1] + 1, newest)

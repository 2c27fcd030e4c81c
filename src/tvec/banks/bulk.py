"""Writing many bank entries fast: batches of rows into ``bank_entry``, duplicates skipped.

:class:`BulkEntries` takes rows in chunks and writes them in the caller's transaction:

* SQLite: ``INSERT ... ON CONFLICT DO NOTHING`` by ``executemany`` on the driver's cursor,
  one chunk at a time (values converted by the columns' own SQLAlchemy bind processors, so
  they are stored exactly as the ORM stores them);
* PostgreSQL: ``COPY`` (psycopg's ``cursor.copy``) into a temporary table, then one
  ``INSERT ... SELECT ... ORDER BY line ON CONFLICT DO NOTHING``.

Either way a row whose (bank, signal type, value) is already in the bank, or came earlier
in the same load, is skipped by the unique constraint ``uq_bank_entry_value``: the first
occurrence wins, as in :func:`tvec.banks.service.import_bank`. Memory stays at one chunk.
:meth:`BulkEntries.finish` returns how many rows were added and the range of their ids.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tvec.store.models import BankEntry

#: One row to write: (line, signal_type, value, entity, ideology, source, note, extra).
Row = tuple[int, str, str, str | None, str | None, str | None, str | None, dict[str, Any]]

_COLUMNS = "bank_id, signal_type, value, entity, ideology, source, note, extra, created_at"
_TABLE = BankEntry.__table__
#: SQLite page cache during a load, in KiB (the default 2 MiB makes index inserts read and
#: write the same pages over and over once the bank outgrows it).
SQLITE_CACHE_KIB = 256 * 1024


class BulkEntries:
    """Bulk writer of the entries of bank ``bank_id`` in ``session``'s transaction.

    Args:
        session: the open session (its connection is used directly).
        bank_id: the bank the rows go into.
        now: ``created_at`` of every row.
    """

    def __init__(self, session: Session, bank_id: int, now: datetime) -> None:
        self.session = session
        self.bank_id = bank_id
        self.connection = session.connection()
        self.dialect = self.connection.dialect
        self.postgres = self.dialect.name == "postgresql"
        self._before = self._stats()
        raw: Any = self.connection.connection.dbapi_connection
        self._cursor = raw.cursor()
        if self.postgres:
            self._now: Any = now
            self._cursor.execute(
                "CREATE TEMPORARY TABLE tvec_bank_load (line bigint, signal_type text, "
                "value text, entity text, ideology text, source text, note text, extra text) "
                "ON COMMIT DROP"
            )
        else:
            # Inserting into the value indexes touches pages all over them: give SQLite a
            # page cache that holds them (for this connection, returned after the load).
            self._cursor.execute("PRAGMA cache_size")
            self._cache_pages = self._cursor.fetchone()[0]
            self._cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            created = _TABLE.c.created_at.type._cached_bind_processor(self.dialect)
            self._now = created(now) if created else now
            self._extra = _TABLE.c.extra.type._cached_bind_processor(self.dialect)

    def _stats(self) -> tuple[int, int]:
        """(entries in the bank, largest entry id in the table)."""
        count = self.session.scalar(
            select(func.count()).select_from(_TABLE).where(_TABLE.c.bank_id == self.bank_id)
        )
        newest = self.session.scalar(select(func.max(_TABLE.c.id)))
        return int(count or 0), int(newest or 0)

    def write(self, rows: Sequence[Row]) -> None:
        """Write one chunk of rows."""
        if not rows:
            return
        if self.postgres:
            with self._cursor.copy(
                "COPY tvec_bank_load (line, signal_type, value, entity, ideology, source, "
                "note, extra) FROM STDIN"
            ) as copy:
                for line, signal_type, value, entity, ideology, source, note, extra in rows:
                    extra_text = json.dumps(extra) if extra else "{}"
                    copy.write_row(
                        (line, signal_type, value, entity, ideology, source, note, extra_text)
                    )
            return
        bank_id, now, extra_of = self.bank_id, self._now, self._extra
        empty = extra_of({}) if extra_of else {}
        self._cursor.executemany(
            f"INSERT INTO bank_entry ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "  # noqa: S608 (constant column names)
            "ON CONFLICT DO NOTHING",
            [
                (bank_id, t, v, e, i, s, n, (extra_of(x) if x else empty) if extra_of else x, now)
                for _, t, v, e, i, s, n, x in rows
            ],
        )

    def finish(self) -> tuple[int, tuple[int, int] | None]:
        """Move the rows in place (PostgreSQL); return how many were added and the range
        of ids they got (``None`` when none were)."""
        if self.postgres:
            self._cursor.execute(
                f"INSERT INTO bank_entry ({_COLUMNS}) SELECT %s, signal_type, value, entity, "  # noqa: S608
                "ideology, source, note, extra::json, %s FROM tvec_bank_load ORDER BY line "
                "ON CONFLICT DO NOTHING",
                (self.bank_id, self._now),
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

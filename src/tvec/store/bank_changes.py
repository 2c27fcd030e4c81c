"""The bank change counter and its log (tables ``bank_version`` and ``bank_change``).

Every change to bank entries calls :func:`record_change` in its own transaction: the counter
goes up by one (an ``UPDATE ... RETURNING`` of its single row, which PostgreSQL locks until
the transaction ends, so versions are committed in the order they are numbered) and the entry
ids touched are logged as ranges. The persisted match index (:mod:`tvec.matching.shared`)
records the version it reflects and replays the changes after it (:func:`changes_since`).

Replaying is idempotent: an "add" range means "whatever entries now exist with these ids",
a "remove" range "none of these ids", so replays in version order always end at the
database's state.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

# SQLAlchemy and the table clauses are imported in the functions: this module is imported by
# the matcher, which on a current index reads the counter through tvec.store.reads.

ADD = "add"
REMOVE = "remove"


class Change(NamedTuple):
    """One logged range: entries ``first_id..last_id`` added or removed by ``version``."""

    version: int
    op: str
    first_id: int
    last_id: int


def id_ranges(ids: Iterable[int] | npt.NDArray[np.int64]) -> list[tuple[int, int]]:
    """Inclusive ``(first, last)`` runs of consecutive ids covering ``ids`` (any order)."""
    arr = np.unique(np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids, np.int64))
    if arr.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(arr) != 1)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [arr.size - 1]])
    return [(int(arr[s]), int(arr[e])) for s, e in zip(starts, ends, strict=True)]


def current_version(db: Session | Connection) -> int:
    """The bank change counter (0 when no bank has ever changed)."""
    from sqlalchemy import select

    from tvec.store.tables import BANK_VERSION as _VERSION

    found = db.execute(select(_VERSION.c.version).where(_VERSION.c.id == 1)).scalar()
    return int(found or 0)


def record_change(
    session: Session,
    op: str,
    ids: Iterable[int] | npt.NDArray[np.int64] = (),
    ranges: Iterable[tuple[int, int]] = (),
) -> int:
    """Raise the counter and log ``ids`` (and ``ranges``) as ``op`` ("add" or "remove");
    return the new version. Call it in the transaction that makes the change, after the
    entries are written (the counter's row stays locked until it commits).

    Raises:
        ValueError: unknown ``op``.
    """
    from sqlalchemy import insert, update

    from tvec.store.tables import BANK_CHANGE as _CHANGE
    from tvec.store.tables import BANK_VERSION as _VERSION

    if op not in (ADD, REMOVE):
        raise ValueError(f"unknown bank change {op!r}")
    bump = (
        update(_VERSION)
        .where(_VERSION.c.id == 1)
        .values(version=_VERSION.c.version + 1)
        .returning(_VERSION.c.version)
    )
    version = session.execute(bump).scalar()
    if version is None:  # a database made without the migration's first row
        from sqlalchemy.dialects import postgresql, sqlite  # rare: not on every start-up

        dialect = session.get_bind().dialect.name
        maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(maker(_VERSION).values(id=1, version=0).on_conflict_do_nothing())
        version = session.execute(bump).scalar_one()
    rows = [
        {"version": version, "op": op, "first_id": first, "last_id": last}
        for first, last in [*id_ranges(ids), *ranges]
    ]
    if rows:
        session.execute(insert(_CHANGE), rows)
    return int(version)


def changes_since(db: Session | Connection, version: int) -> list[Change]:
    """The logged ranges of every change after ``version``, in version order."""
    from sqlalchemy import select

    from tvec.store.tables import BANK_CHANGE as _CHANGE

    query = (
        select(_CHANGE.c.version, _CHANGE.c.op, _CHANGE.c.first_id, _CHANGE.c.last_id)
        .where(_CHANGE.c.version > version)
        .order_by(_CHANGE.c.version, _CHANGE.c.id)
    )
    return [Change(int(v), str(o), int(f), int(t)) for v, o, f, t in db.execute(query)]

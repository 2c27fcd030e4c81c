"""Keeping the persisted match index (:mod:`tvec.matching.shared`) in step with the banks.

* :func:`up_to_date` is what a matching process calls: it compares the database's bank
  change counter with the version it holds, and if the database is ahead loads the newer
  files, or (under the folder's lock) replays the changes logged since the files' version
  (:func:`tvec.store.bank_changes.changes_since`: tombstones and appends, never a full
  rebuild) and saves them. With no index yet it builds one.
* :func:`rebuild` reads ``(id, signal_type, value)`` rows with Core selects in chunks (no ORM
  objects) and writes a fresh index; :func:`compact` drops tombstones; :func:`verify` checks
  the files against themselves and against the database.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from tvec.errors import InvalidSignalError, StoreError
from tvec.matching.shared import IndexFiles, IndexSnapshot, compacted, exact_keys
from tvec.matching.vpdq_index import usable_range, video_rows
from tvec.signals import registry
from tvec.signals.vpdq import VPDQFrame, parse_vpdq
from tvec.store.reads import BankReads, CoreReads
from tvec.store.vpdq import is_ref, load_values

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from sqlalchemy import Connection

    from tvec.matching.pdq_index import PDQIndex

# numpy, the change log and the index classes are imported in the functions that build,
# replay or verify: checking that a current index is current (what a look-up does) needs none.

#: Rows read per chunk by a rebuild or a catch-up (a quarter of
#: :data:`~tvec.matching.shared.SEGMENT_ROWS`: a bounded build adds the rows of four chunks at
#: a time, one segment's worth).
CHUNK_ROWS = 1 << 16
#: Id ranges per query when a catch-up reads the entries it must add.
RANGES_PER_QUERY = 200

PDQ = "pdq"
VIDEO = "video"
LINEAR = "linear"
EXACT = "exact"


@functools.cache
def kind_of(signal_type: str) -> str:
    """How entries of ``signal_type`` are matched: "pdq", "video" (vpdq), "linear" (types
    with a default threshold above 0: text_tlsh, raw_text) or "exact" (everything else)."""
    if signal_type == "pdq":
        return PDQ
    if signal_type == "vpdq":
        return VIDEO
    known = registry().get(signal_type)
    if known is not None and known.default_threshold > 0:
        return LINEAR
    return EXACT


@dataclass
class _Rows:
    """``pdq``, exact and video frame rows collected from the database, as arrays."""

    pdq_ids: list[npt.NDArray[np.int64]] = field(default_factory=list)
    pdq_hashes: list[npt.NDArray[np.uint8]] = field(default_factory=list)
    exact_ids: list[npt.NDArray[np.int64]] = field(default_factory=list)
    exact_keys: list[npt.NDArray[np.uint8]] = field(default_factory=list)
    frame_ids: list[npt.NDArray[np.int64]] = field(default_factory=list)
    frame_hashes: list[npt.NDArray[np.uint8]] = field(default_factory=list)

    def __len__(self) -> int:
        """Rows collected (hashes, exact keys and frames)."""
        return sum(int(a.size) for a in (*self.pdq_ids, *self.exact_ids, *self.frame_ids))

    def take(self, rows: list[tuple[int, str, str]], db: Connection) -> None:
        import numpy as np

        pdq_ids: list[int] = []
        pdq_hex: list[str] = []
        exact_ids: list[int] = []
        exact_pairs: list[tuple[str, str]] = []
        videos: list[tuple[int, str]] = []
        for entry_id, signal_type, value in rows:
            kind = kind_of(signal_type)
            if kind == PDQ:
                if len(value) == 64:
                    pdq_ids.append(entry_id)
                    pdq_hex.append(value)
            elif kind == EXACT:
                exact_ids.append(entry_id)
                exact_pairs.append((signal_type, value))
            elif kind == VIDEO:
                videos.append((entry_id, value))
        if videos:
            self._take_videos(videos, db)
        if pdq_ids:
            try:
                raw = bytes.fromhex("".join(pdq_hex))
                hashes = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 32)
                ids = np.asarray(pdq_ids, dtype=np.int64)
            except ValueError:  # a malformed stored value: keep the good ones
                good = [(i, h) for i, h in zip(pdq_ids, pdq_hex, strict=True) if _is_hex(h)]
                ids = np.asarray([i for i, _ in good], dtype=np.int64)
                joined = bytes.fromhex("".join(h for _, h in good))
                hashes = np.frombuffer(joined, dtype=np.uint8).reshape(-1, 32)
            self.pdq_ids.append(ids)
            self.pdq_hashes.append(hashes)
        if exact_ids:
            self.exact_ids.append(np.asarray(exact_ids, dtype=np.int64))
            self.exact_keys.append(exact_keys(exact_pairs))

    def _take_videos(self, videos: list[tuple[int, str]], db: Connection) -> None:
        """The distinct frames of ``(entry id, value)`` vpdq entries (a value is a frame
        list or a stored reference); a malformed or missing frame list is left out."""
        values = frame_lists(db, [value for _, value in videos])
        parsed: list[tuple[int, tuple[VPDQFrame, ...]]] = []
        for entry_id, value in videos:
            text = values.get(value, value)
            if is_ref(text):
                continue  # its frames are missing from vpdq_features
            try:
                parsed.append((entry_id, parse_vpdq(text)))
            except InvalidSignalError:
                continue
        ids, hashes = video_rows(parsed)
        if ids.size:
            self.frame_ids.append(ids)
            self.frame_hashes.append(hashes)

    def into(self, snapshot: IndexSnapshot) -> None:
        import numpy as np

        # Each kind's chunks are joined and dropped before its rows are added (a bounded
        # build holds one copy of the rows less).
        for index, ids, values in (
            (snapshot.pdq, self.pdq_ids, self.pdq_hashes),
            (snapshot.exact, self.exact_ids, self.exact_keys),
            (snapshot.vpdq, self.frame_ids, self.frame_hashes),
        ):
            if ids:
                joined_ids, joined_values = np.concatenate(ids), np.concatenate(values)
                ids.clear()
                values.clear()
                index.add(joined_ids, joined_values)
                del joined_ids, joined_values


def frame_lists(db: Connection, values: list[str]) -> dict[str, str]:
    """Stored reference -> frame list (canonical JSON) for the ``values`` that are
    references found in ``vpdq_features`` (Core selects, 500 digests each)."""
    return load_values(db, values)


def _is_hex(value: str) -> bool:
    try:
        return len(bytes.fromhex(value)) == 32
    except ValueError:
        return False


def _row_columns() -> tuple[object, ...]:
    """``(id, signal_type, value)`` of ``bank_entry`` (SQLAlchemy is imported here: a
    look-up on a current index never reads rows)."""
    from tvec.store.tables import BANK_ENTRY

    return (BANK_ENTRY.c.id, BANK_ENTRY.c.signal_type, BANK_ENTRY.c.value)


def _chunks(db: Connection, query: Any) -> Iterator[list[tuple[int, str, str]]]:
    """The ``(id, signal_type, value)`` rows of ``query`` in lists of :data:`CHUNK_ROWS`,
    fetched with the driver's cursor in ``db``'s transaction (SQLAlchemy's result rows cost
    about as much again as the fetch: 1 s per million rows); on PostgreSQL a server-side
    cursor, so the rows stream. The query's parameters (ids) are inlined as literals."""
    import uuid

    sql = str(query.compile(dialect=db.dialect, compile_kwargs={"literal_binds": True}))
    raw: Any = db.connection.dbapi_connection
    if db.dialect.name == "postgresql":
        cursor = raw.cursor(name=f"tvec_index_rows_{uuid.uuid4().hex}")
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            yield rows
    finally:
        cursor.close()


def _add_rows(db: Connection, queries: Iterable[object], snapshot: IndexSnapshot) -> None:
    """Add the rows of ``queries`` (selects of :func:`_row_columns`) to ``snapshot``. When its
    parts build bounded segments (:meth:`~tvec.matching.shared.IndexFiles.bounded`), the rows
    go in a segment's worth at a time, so memory holds that many rows, not all of them."""
    batch = snapshot.pdq.max_segment_rows
    rows = _Rows()
    for query in queries:
        for chunk in _chunks(db, query):
            rows.take(chunk, db)
            if batch is not None and len(rows) >= batch:
                rows.into(snapshot)
                rows = _Rows()
    rows.into(snapshot)


def build_snapshot(db: Connection, files: IndexFiles | None = None) -> IndexSnapshot:
    """A fresh index of every bank entry, at the database's version (read first, so changes
    made while the rows are read are replayed later: replays are idempotent). In memory, or
    with ``files`` (hold its lock) built into its folder one segment per part, a table at a
    time (:meth:`~tvec.matching.shared.IndexFiles.bounded`), for :meth:`IndexFiles.save`.
    """
    from tvec.store.bank_changes import current_version

    version = current_version(db)
    snapshot = IndexSnapshot.empty(version)
    if files is not None:
        snapshot = files.bounded(snapshot, whole=True)
    from sqlalchemy import select

    _add_rows(db, [select(*_row_columns())], snapshot)  # type: ignore[call-overload]
    return snapshot


def merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping, non-adjacent inclusive ranges covering ``ranges``."""
    out: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if out and first <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


def apply_changes(db: Connection, snapshot: IndexSnapshot) -> IndexSnapshot:
    """``snapshot`` brought to the database's version by replaying the logged changes after
    its version: every entry id they touched is tombstoned, then those that exist now are
    appended (so the result holds exactly the database's entries, in any replay order).
    Modifies ``snapshot``'s indexes in place and returns them at the new version."""
    import numpy as np
    from sqlalchemy import and_, or_, select

    from tvec.store.bank_changes import changes_since, current_version
    from tvec.store.tables import BANK_ENTRY

    target = current_version(db)
    changes = changes_since(db, snapshot.version)
    if not changes:
        return replace(snapshot, version=max(target, snapshot.version))
    ranges = merge_ranges([(c.first_id, c.last_id) for c in changes])
    touched = np.concatenate([np.arange(a, b + 1, dtype=np.int64) for a, b in ranges])
    snapshot.pdq.remove(touched)
    snapshot.exact.remove(touched)
    for first, last in ranges:  # a video's frames are one range of frame ids
        low, _ = usable_range(first, 0)
        _, high = usable_range(last, 0)
        snapshot.vpdq.remove(snapshot.vpdq.ids_between(low, high))
    del touched
    entry_id = BANK_ENTRY.c.id
    queries = (
        select(*_row_columns()).where(  # type: ignore[call-overload]
            or_(
                *(
                    and_(entry_id >= a, entry_id <= b)
                    for a, b in ranges[start : start + RANGES_PER_QUERY]
                )
            )
        )
        for start in range(0, len(ranges), RANGES_PER_QUERY)
    )
    _add_rows(db, queries, snapshot)
    version = max(target, max(c.version for c in changes))
    return replace(snapshot, version=version)


def up_to_date(
    db: Connection | BankReads,
    files: IndexFiles,
    known: IndexSnapshot | None,
    *,
    light: bool = False,
) -> IndexSnapshot:
    """The index at the database's bank version: ``known`` if it is current, else the files
    (memory-mapped), updated first under the folder's lock if they are behind (built if
    missing).

    ``db`` is a Core connection or the reads port (:class:`tvec.store.reads.BankReads`):
    checking a current index reads only the bank change counter; a catch-up or a build reads
    rows through a Core connection (:meth:`~tvec.store.reads.BankReads.core`). With
    ``light``, current files are loaded as :class:`~tvec.matching.light_index.LightIndex` es
    (plain Python for the first look-ups, no numpy).

    Raises:
        StoreError: the folder cannot be read or written.
    """
    reads = db if isinstance(db, BankReads) else CoreReads(db)
    wanted = reads.bank_version()
    if known is not None and known.version >= wanted:
        return known
    on_disk = files.version()
    if on_disk is not None and on_disk >= wanted:
        try:
            loaded = files.load(light=light)
        except StoreError:  # damaged, or a writer died half-way: see below
            loaded = None
        if loaded is not None and loaded.version >= wanted:
            return loaded
    with files.locked():
        try:
            loaded = files.load()
        except StoreError:  # no writer is at work: damage, so build afresh
            loaded = None
        if loaded is None or loaded.version < wanted:
            with reads.core() as connection:
                if loaded is None:
                    files.save(build_snapshot(connection, files))
                else:
                    files.save(apply_changes(connection, files.bounded(loaded)))
    fresh = files.load()
    if fresh is None:  # pragma: no cover - just saved
        raise StoreError(f"{files.folder}: the match index vanished while it was written")
    return fresh


def rebuild(db: Connection, files: IndexFiles) -> IndexSnapshot:
    """Write a fresh index of every bank entry (under the folder's lock); return it mapped.

    Raises:
        StoreError: the folder cannot be written.
    """
    with files.locked():
        files.save(build_snapshot(db, files))
    fresh = files.load()
    assert fresh is not None
    return fresh


def compact(files: IndexFiles) -> tuple[int, int]:
    """Rewrite the parts with their live rows only (tombstones dropped), each in one
    segment however many rows it has (merging the bounded segments of rebuilds and
    catch-ups; built straight into the files, :mod:`tvec.matching.pdq_build`), at the same
    version; return the folder's size in bytes before and after.

    Raises:
        StoreError: there is no index, or the folder cannot be written.
    """
    with files.locked():
        loaded = files.load(mmap=True)
        if loaded is None:
            raise StoreError(f"{files.folder}: no match index to compact (tvec index rebuild)")
        before = files.nbytes()
        files.save(
            IndexSnapshot(
                loaded.version,
                compacted(loaded.pdq, files.builder("pdq")),
                compacted(loaded.exact, files.builder("exact")),
                compacted(loaded.vpdq, files.builder("vpdq")),
            )
        )
    return before, files.nbytes()


def tombstones(index: PDQIndex) -> int:
    """Rows of ``index`` that are removed but still in its files."""
    return sum(int(seg.ids.size) - seg.live for seg in index.segments())


def verify(db: Connection, files: IndexFiles) -> list[str]:
    """What is wrong with the saved index (empty when nothing is): files that do not load,
    segments whose ids are unsorted or whose multi-index tables differ from a fresh build,
    and, when the files are at the database's version, entries missing or extra against
    the database.

    Raises:
        StoreError: there is no index.
    """
    import numpy as np

    from tvec.matching.mih import MultiIndex
    from tvec.store.bank_changes import current_version

    try:
        snapshot = files.load()
    except StoreError as exc:
        return [str(exc)]
    if snapshot is None:
        outdated = files.outdated()
        if outdated is not None:
            return [outdated]
        raise StoreError(f"{files.folder}: no match index (tvec index rebuild)")
    problems: list[str] = []
    for part, index in snapshot.parts():
        for seg in index.segments():
            if seg.ids.size > 1 and not bool(np.all(np.diff(seg.ids) > 0)):
                problems.append(f"{part} segment {seg.name}: ids are not strictly increasing")
            if seg.index is not None:
                fresh = MultiIndex.build(
                    np.asarray(seg.words),
                    len(seg.index.layout),
                    fragment_count=seg.index.fragment_count,
                )
                if not (
                    np.array_equal(fresh.entries, seg.index.entries)
                    and np.array_equal(fresh.offsets, seg.index.offsets)
                ):
                    problems.append(f"{part} segment {seg.name}: multi-index tables are damaged")
    wanted = current_version(db)
    if snapshot.version != wanted:
        problems.append(
            f"index at bank version {snapshot.version}, database at {wanted} "
            "(the next match catches up; or run 'tvec index rebuild')"
        )
        return problems
    truth = build_snapshot(db)
    for (part, have), (_, want) in zip(snapshot.parts(), truth.parts(), strict=True):
        have_ids, have_hashes = have.live_rows()
        want_ids, want_hashes = want.live_rows()
        missing = np.setdiff1d(want_ids, have_ids).size
        extra = np.setdiff1d(have_ids, want_ids).size
        if missing or extra:
            problems.append(f"{part}: {missing} entries missing and {extra} extra")
        elif not np.array_equal(have_hashes, want_hashes):
            changed = int(np.count_nonzero(np.any(have_hashes != want_hashes, axis=1)))
            problems.append(f"{part}: {changed} entries with the wrong value")
    return problems

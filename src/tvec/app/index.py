"""Use cases of the persisted match index, for ``tvec index``: status, rebuild, verify,
compact (:mod:`tvec.matching.shared`, :mod:`tvec.matching.index_sync`).

Errors: ``StoreError`` (no index where one is needed, a folder that cannot be written, the
database failing).
"""

from __future__ import annotations

from tvec.app.context import AppContext
from tvec.matching import index_sync
from tvec.matching.shared import IndexFiles, IndexSnapshot
from tvec.store.bank_changes import current_version
from tvec.views.index import IndexCompactView, IndexStatusView, IndexVerifyView


def _files(ctx: AppContext) -> IndexFiles:
    return IndexFiles(ctx.settings.index_folder)


def _status(ctx: AppContext, files: IndexFiles, snapshot: IndexSnapshot | None) -> IndexStatusView:
    with ctx.store.engine.connect() as db:
        database_version = current_version(db)
    if snapshot is None:
        return IndexStatusView(
            folder=str(files.folder),
            exists=False,
            version=None,
            database_version=database_version,
            pdq_entries=0,
            exact_entries=0,
            vpdq_frames=0,
            tombstones=0,
            segments=0,
            bytes=0,
        )
    return IndexStatusView(
        folder=str(files.folder),
        exists=True,
        version=snapshot.version,
        database_version=database_version,
        pdq_entries=len(snapshot.pdq),
        exact_entries=len(snapshot.exact),
        vpdq_frames=len(snapshot.vpdq),
        tombstones=sum(index_sync.tombstones(part) for _, part in snapshot.parts()),
        segments=sum(1 for _, part in snapshot.parts() for seg in part.segments() if seg.ids.size),
        bytes=files.nbytes(),
    )


def status(ctx: AppContext) -> IndexStatusView:
    """The index folder, its version against the database's, entries and video frames,
    tombstones, size.

    Raises:
        StoreError: the files are damaged.
    """
    files = _files(ctx)
    return _status(ctx, files, files.load())


def rebuild(ctx: AppContext) -> IndexStatusView:
    """Write a fresh index from the bank entries (Core selects of ``(id, type, value)``).

    Raises:
        StoreError: the folder cannot be written.
    """
    files = _files(ctx)
    with ctx.store.engine.connect() as db:
        snapshot = index_sync.rebuild(db, files)
    return _status(ctx, files, snapshot)


def verify(ctx: AppContext) -> IndexVerifyView:
    """Check the files (load, id order, multi-index tables) and their entries against the
    database.

    Raises:
        StoreError: there is no index.
    """
    files = _files(ctx)
    with ctx.store.engine.connect() as db:
        problems = index_sync.verify(db, files)
    return IndexVerifyView(folder=str(files.folder), ok=not problems, problems=problems)


def compact(ctx: AppContext) -> IndexCompactView:
    """Rewrite the index without its tombstones (removed rows).

    Raises:
        StoreError: there is no index, or the folder cannot be written.
    """
    files = _files(ctx)
    before, after = index_sync.compact(files)
    return IndexCompactView(folder=str(files.folder), bytes_before=before, bytes_after=after)

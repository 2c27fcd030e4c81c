"""Running a scan: read the inputs, prepare files and posts in workers, store batch by batch.

Each batch of :data:`BATCH` top-level items is stored in one transaction (evidence files
made durable by one :func:`tvec.store.evidence.sync_evidence` just before its commit), so
a killed scan leaves whole batches; the next run sees their items as unchanged and goes on
from there, storing nothing twice (items are keyed by locator).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from itertools import chain
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tvec.cases import open_cases_for_scan
from tvec.cases.indicators import open_cases_for_indicator_hits
from tvec.errors import StoreError
from tvec.matching.matcher import Matcher
from tvec.scan.bulk import BulkWriter
from tvec.scan.hasher import Hasher, PreparedBatch, process_alive
from tvec.scan.matches import MatchSpec
from tvec.scan.result import ScanCounts, ScanResult, collect_result
from tvec.scan.writer import ItemWriter
from tvec.sources import RawItem, read_path
from tvec.store.db import Store
from tvec.store.evidence import sync_evidence
from tvec.store.models import Scan, utcnow

#: Called after each top-level item with (items done so far, locator just finished).
Progress = Callable[[int, str], None]


def mark_interrupted_scans(session: Session) -> int:
    """Mark scans still ``running`` whose process on this host is gone as ``interrupted``."""
    host = socket.gethostname()
    changed = 0
    for scan in session.scalars(select(Scan).where(Scan.status == "running")):
        if scan.host == host and scan.pid is not None and not process_alive(scan.pid):
            scan.status = "interrupted"
            changed += 1
    return changed


#: How many times an item is written again after losing a race with another writer (a unique
#: constraint, e.g. ``item.locator``, broken by a scan of the same input committed meanwhile).
CONFLICT_RETRIES = 3


def _write_item(
    store: Store,
    worker: ItemWriter,
    raw: RawItem,
    counts: ScanCounts,
    prepared: PreparedBatch,
) -> None:
    """Store one top-level item in its own transaction; ``counts`` change only if it commits.

    When another writer (a second scan of the same folder) stored the same item, signal or
    out-link first, the transaction breaks a unique constraint; it is rolled back and written
    again, and the second attempt finds the other writer's rows and updates them.

    Raises:
        StoreError: the database failed, or the item still conflicts after
            :data:`CONFLICT_RETRIES` attempts.
    """
    for attempt in range(CONFLICT_RETRIES + 1):
        trial = replace(counts)
        try:
            with store.session() as session:
                worker.write(session, raw, None, trial, prepared)
        except StoreError as exc:
            if not isinstance(exc.__cause__, IntegrityError) or attempt == CONFLICT_RETRIES:
                raise
            continue
        vars(counts).update(vars(trial))
        return


def _write_batch(
    store: Store,
    worker: ItemWriter,
    batch: list[RawItem],
    counts: ScanCounts,
    prepared: PreparedBatch,
) -> None:
    """Store the top-level items of ``batch`` in one transaction (new items with bulk
    inserts, :class:`tvec.scan.bulk.BulkWriter`); ``counts`` change only if it commits.

    The evidence kept for the batch is synced once before the commit. When the batch breaks
    a unique constraint (another scan of the same input committed some of its items
    meanwhile) it is rolled back and stored item by item (:func:`_write_item`).

    Raises:
        StoreError: the database failed.
    """
    trial = replace(counts)
    settings = store.settings
    try:
        with store.session() as session:
            BulkWriter(worker).write(session, batch, trial, prepared)
            session.flush()
            if settings.keep_evidence:
                sync_evidence(settings.evidence_location)
    except StoreError as exc:
        if not isinstance(exc.__cause__, IntegrityError):
            raise
        for raw in batch:
            _write_item(store, worker, raw, counts, prepared)
        return
    vars(counts).update(vars(trial))


def _close_scan(store: Store, scan_id: int, counts: ScanCounts, status: str) -> None:
    """Mark a scan that is still ``running`` as ``status`` (the run is ending on an exception).

    A database that fails here too leaves the row for :func:`mark_interrupted_scans`; the
    exception that ended the scan is the one reported.
    """
    try:
        with store.session() as session:
            scan = session.get_one(Scan, scan_id)
            if scan.status == "running":
                scan.status = status
                scan.finished_at = utcnow()
                scan.counts = counts.as_dict()
    except StoreError:
        pass


#: Top-level items whose files and posts are prepared together (in parallel), then stored
#: in one transaction.
BATCH = 64


def _batches(items: Iterable[RawItem], size: int) -> Iterator[list[RawItem]]:
    batch: list[RawItem] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_scan(
    store: Store,
    paths: Iterable[Path],
    *,
    banks: list[str] | None = None,
    progress: Progress | None = None,
    items: Iterable[RawItem] = (),
    source_id: int | None = None,
    matcher: Matcher | None = None,
    scheduler: str | None = None,
) -> ScanResult:
    """Scan ``paths`` into ``store`` and match against ``banks`` (all banks when None).

    ``matcher`` is the matcher over ``banks`` (the application context's,
    :meth:`tvec.app.context.AppContext.matcher`); default: built from the store's settings.

    ``scheduler`` is a Dask scheduler's address (default: ``TVEC_DASK_SCHEDULER``); with one,
    files and posts are prepared on that cluster (:mod:`tvec.scan.cluster`), else in local
    worker processes.

    ``items`` are read after ``paths`` (``tvec source poll`` passes a source's items here);
    with ``source_id``, new items and out-link sightings are attributed to that source.

    Two scans of the same input may run at once (two processes, one store): an item the other
    scan stored first is written again over it (see :func:`_write_item`), and both finish.

    Raises:
        NotFoundError: a named bank does not exist (before anything is read).
        StoreError: the database fails.
    Input problems never raise: they are recorded per item and listed in the result. Whatever
    exception ends the scan, its row is closed first: ``interrupted`` after Ctrl-C
    (``KeyboardInterrupt``), ``failed`` after any other; only a killed process leaves it
    ``running`` (until :func:`mark_interrupted_scans`).
    """
    settings = store.settings
    path_list = [p if isinstance(p, Path) else Path(p) for p in paths]  # keeps RemoteFile
    address = scheduler or settings.dask_scheduler
    executor = None
    if address:
        from tvec.scan.cluster import DaskExecutor

        executor = DaskExecutor(address)
    try:
        with store.session() as session:
            if matcher is None:
                matcher = Matcher.for_settings(session, settings, banks)
    except BaseException:
        # an unknown bank or a store fault before the scan starts: the client goes too
        if executor is not None:
            executor.close()
        raise
    with store.session() as session:
        mark_interrupted_scans(session)
        scan = Scan(
            paths={
                "paths": [str(p) for p in path_list],
                "banks": banks or [],
                **({"source_id": source_id} if source_id is not None else {}),
            },
            pid=os.getpid(),
            host=socket.gethostname(),
        )
        session.add(scan)
        session.flush()
        scan_id = scan.id
    try:
        worker = ItemWriter(settings, matcher, scan_id, source_id=source_id)
        if executor is not None:
            executor.match_on_workers(matcher, settings)
        # Local workers match too when they can map the same persisted index as this matcher.
        spec = MatchSpec(settings, tuple(banks) if banks else None) if matcher.persisted else None
        hasher = Hasher(settings, executor, None if executor is not None else spec)
    except BaseException as exc:
        # nothing was read yet: the scan row says it failed, and no client is left open
        if executor is not None:
            executor.close()
        interrupted = isinstance(exc, KeyboardInterrupt)
        _close_scan(store, scan_id, ScanCounts(), "interrupted" if interrupted else "failed")
        raise
    counts = ScanCounts()
    done = 0
    try:
        try:
            inputs = chain((raw for path in path_list for raw in read_path(path)), items)
            pending: tuple[list[RawItem], PreparedBatch] | None = None
            for batch in chain(_batches(inputs, BATCH), [None]):
                ahead = None
                if batch is not None:
                    with store.session() as session:
                        ahead = (batch, hasher.submit(session, batch))
                if pending is not None:
                    _write_batch(store, worker, pending[0], counts, pending[1])
                    for raw in pending[0]:
                        done += 1
                        if progress is not None:
                            progress(done, raw.name)
                pending = ahead
        except BaseException:
            hasher.terminate()
            raise
        finally:
            hasher.close()
            if executor is not None:
                executor.close()
        result = collect_result(store, scan_id)
        status = "finished_with_errors" if result.errors else "finished"
        with store.session() as session:
            scan = session.get_one(Scan, scan_id)
            counts.errors = len(result.errors)
            counts.matches = len(result.matches)
            scan.status = status
            scan.finished_at = utcnow()
            scan.counts = counts.as_dict()
            open_cases_for_scan(session, scan_id, settings)
            if settings.analysis_indicators:
                open_cases_for_indicator_hits(session, scan_id, settings)
    except BaseException as exc:
        # Ctrl-C: what is stored is whole (one transaction per item); say so in the scan row.
        # Any other exception: the row says the scan failed; it is never left ``running``.
        interrupted = isinstance(exc, KeyboardInterrupt)
        _close_scan(store, scan_id, counts, "interrupted" if interrupted else "failed")
        raise
    result.status = status
    result.counts = counts.view()
    return result

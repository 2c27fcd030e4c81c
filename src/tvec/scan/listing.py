"""Listing scans and their errors (the web app's ``/scans`` pages).

A scan's counts are written when it ends (:func:`tvec.scan.run.run_scan`); while it runs,
its progress is read from what it has stored so far: the items it saw (``scan_item``) and
the problems it recorded (``item_error``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from tvec.errors import NotFoundError, UsageError
from tvec.store.models import ItemError, Scan, ScanItem, Source
from tvec.views.operations import ErrorRowView, ScanPageView, ScanRowView

#: Errors shown on one page of a scan's page.
ERRORS_PER_PAGE = 50
#: Scans listed on the scans page.
SCANS_LISTED = 200


def _counts(
    session: Session,
    column: InstrumentedAttribute[int] | InstrumentedAttribute[int | None],
    scan_ids: Sequence[int],
) -> dict[int, int]:
    """How many rows of ``column``'s table each scan of ``scan_ids`` has."""
    if not scan_ids:
        return {}
    rows = session.execute(
        select(column, func.count()).where(column.in_(scan_ids)).group_by(column)
    )
    return {int(scan_id): int(count) for scan_id, count in rows if scan_id is not None}


def _row(
    scan: Scan, sources: dict[int, str], seen: dict[int, int], errors: dict[int, int], now: datetime
) -> ScanRowView:
    counts = scan.counts or {}
    paths = scan.paths or {}
    source_id = paths.get("source_id")
    running = scan.status == "running"
    end = scan.finished_at if scan.finished_at is not None else now
    return ScanRowView(
        id=scan.id,
        started_at=scan.started_at,
        finished_at=scan.finished_at,
        status=scan.status,
        source=sources.get(source_id) if isinstance(source_id, int) else None,
        paths=[str(p) for p in paths.get("paths") or []],
        items=seen.get(scan.id, 0) if running else int(counts.get("items", seen.get(scan.id, 0))),
        new=int(counts.get("new", 0)),
        matches=int(counts.get("matches", 0)),
        errors=errors.get(scan.id, 0),
        seconds=max(0.0, (end - scan.started_at).total_seconds()),
    )


def _rows(session: Session, scans: Sequence[Scan], now: datetime) -> list[ScanRowView]:
    ids = [s.id for s in scans]
    sources = dict(((i, n) for i, n in session.execute(select(Source.id, Source.name))))
    seen = _counts(session, ScanItem.scan_id, ids)
    errors = _counts(session, ItemError.scan_id, ids)
    return [_row(s, sources, seen, errors, now) for s in scans]


def list_scans(session: Session, now: datetime, *, limit: int = SCANS_LISTED) -> list[ScanRowView]:
    """The latest ``limit`` scans, newest first, with their progress at ``now``."""
    scans = list(session.scalars(select(Scan).order_by(Scan.id.desc()).limit(limit)))
    return _rows(session, scans, now)


def scan_page(session: Session, scan_id: int, now: datetime, *, page: int = 1) -> ScanPageView:
    """Scan ``scan_id`` with page ``page`` (1-based) of its errors, by locator.

    Raises:
        NotFoundError: no such scan.
        UsageError: ``page`` below 1 or past the last page.
    """
    scan = session.get(Scan, scan_id)
    if scan is None:
        raise NotFoundError(f"no scan {scan_id}")
    total = (
        session.scalar(select(func.count(ItemError.id)).where(ItemError.scan_id == scan_id)) or 0
    )
    pages = max(1, -(-total // ERRORS_PER_PAGE))
    if page < 1 or page > pages:
        raise UsageError(f"page {page} of scan {scan_id}: there are pages 1 to {pages}")
    errors = session.scalars(
        select(ItemError)
        .where(ItemError.scan_id == scan_id)
        .order_by(ItemError.locator, ItemError.kind, ItemError.id)
        .offset((page - 1) * ERRORS_PER_PAGE)
        .limit(ERRORS_PER_PAGE)
    )
    return ScanPageView(
        scan=_rows(session, [scan], now)[0],
        errors=[error_row(e) for e in errors],
        page=page,
        pages=pages,
        total=total,
    )


def error_row(error: ItemError) -> ErrorRowView:
    """An ``item_error`` row as shown: locator, kind, message."""
    return ErrorRowView(locator=error.locator, kind=error.kind, message=error.message)


def first_errors(
    session: Session, scan_ids: Sequence[int], per_scan: int
) -> dict[int, list[ErrorRowView]]:
    """The first ``per_scan`` errors of each scan of ``scan_ids``, by locator."""
    out: dict[int, list[ErrorRowView]] = {}
    if not scan_ids:
        return out
    rows = session.scalars(
        select(ItemError)
        .where(ItemError.scan_id.in_(scan_ids))
        .order_by(ItemError.scan_id, ItemError.locator, ItemError.id)
    )
    for error in rows:
        if error.scan_id is None:
            continue
        bucket = out.setdefault(error.scan_id, [])
        if len(bucket) < per_scan:
            bucket.append(error_row(error))
    return out

"""The review queue: cases by priority (highest first), then age (oldest first), keyset-paged.

A page is read with one index range scan (``ix_review_case_queue``) from a cursor that names
the last case shown, so the hundredth page costs what the first does, even with 100,000
cases. Cursors are opaque strings (``priority|opened_at|id``, URL-safe base64).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from tvec.errors import UsageError
from tvec.store.models import Item
from tvec.store.models.analysis import ItemAnalysis
from tvec.store.models.cases import CASE_STATUSES, ReviewCase

#: Most cases a queue page counts: past it the total reads "more than" (a page never counts
#: every open case; the count is an index range scan of at most this many rows).
TOTAL_CAP = 10_000
#: Filters the queue understands (each an exact match on the case's column).
FILTERS = ("entity", "signal_type", "source", "platform", "language")


@dataclass(frozen=True)
class QueueFilter:
    """Which cases the queue shows: one status and optional exact-match filters."""

    status: str = "open"
    entity: str | None = None
    signal_type: str | None = None
    source: str | None = None
    platform: str | None = None
    language: str | None = None

    def check(self) -> QueueFilter:
        """Self, when the status is known.

        Raises:
            UsageError: unknown status.
        """
        if self.status not in CASE_STATUSES:
            raise UsageError(f"unknown status {self.status!r} (known: {', '.join(CASE_STATUSES)})")
        return self


@dataclass
class QueueRow:
    """One case as the queue lists it."""

    id: int
    priority: float
    status: str
    opened_at: datetime
    entity: str | None
    signal_type: str | None
    source: str | None
    platform: str | None
    language: str | None
    item_id: int
    locator: str
    media_type: str


@dataclass
class QueuePage:
    """A page of the queue, the cursor of the next page (None at the end), and the total."""

    rows: list[QueueRow] = field(default_factory=list)
    next_cursor: str | None = None
    total: int = 0
    #: True when more than :data:`TOTAL_CAP` cases match: ``total`` is then the cap.
    total_capped: bool = False


def encode_cursor(priority: float, opened_at: datetime, case_id: int) -> str:
    """The opaque cursor that continues after the case ``(priority, opened_at, id)``."""
    raw = f"{priority!r}|{opened_at.isoformat()}|{case_id}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, datetime, int]:
    """``(priority, opened_at, id)`` from a cursor.

    Raises:
        UsageError: the cursor is not one :func:`encode_cursor` made.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        priority, opened, case_id = raw.split("|")
        return float(priority), datetime.fromisoformat(opened), int(case_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise UsageError(f"invalid queue cursor {cursor!r}") from exc


def queue_page(
    session: Session,
    filters: QueueFilter | None = None,
    *,
    after: str | None = None,
    limit: int = 50,
    with_total: bool = True,
) -> QueuePage:
    """One page of the queue.

    Args:
        filters: status and exact-match filters (default: open cases).
        after: the cursor of the previous page's ``next_cursor``.
        limit: cases per page (1-500).
        with_total: also count the cases that match the filters, up to :data:`TOTAL_CAP`
            (``total_capped`` says there are more).

    Raises:
        UsageError: bad status, cursor or limit.
    """
    chosen = (filters or QueueFilter()).check()
    if not 1 <= limit <= 500:
        raise UsageError("limit must be between 1 and 500")
    conditions = [ReviewCase.status == chosen.status]
    for name in FILTERS:
        value = getattr(chosen, name)
        if value:
            conditions.append(getattr(ReviewCase, name) == value)
    query = (
        select(ReviewCase, Item.locator, Item.media_type)
        .join(Item, ReviewCase.item_id == Item.id)
        .where(*conditions)
    )
    if after:
        priority, opened_at, case_id = decode_cursor(after)
        query = query.where(
            or_(
                ReviewCase.priority < priority,
                and_(
                    ReviewCase.priority == priority,
                    or_(
                        ReviewCase.opened_at > opened_at,
                        and_(ReviewCase.opened_at == opened_at, ReviewCase.id > case_id),
                    ),
                ),
            )
        )
    query = query.order_by(
        ReviewCase.priority.desc(), ReviewCase.opened_at.asc(), ReviewCase.id.asc()
    ).limit(limit + 1)
    found = session.execute(query).all()
    page = QueuePage()
    for case, locator, media_type in found[:limit]:
        page.rows.append(
            QueueRow(
                case.id,
                case.priority,
                case.status,
                case.opened_at,
                case.entity,
                case.signal_type,
                case.source,
                case.platform,
                case.language,
                case.item_id,
                locator,
                media_type,
            )
        )
    _fill_display(session, page.rows)
    if len(found) > limit:
        last = page.rows[-1]
        page.next_cursor = encode_cursor(last.priority, last.opened_at, last.id)
    if with_total:
        capped = select(ReviewCase.id).where(*conditions).limit(TOTAL_CAP + 1).subquery()
        count = int(session.scalar(select(func.count()).select_from(capped)) or 0)
        page.total = min(count, TOTAL_CAP)
        page.total_capped = count > TOTAL_CAP
    return page


def source_of_locator(locator: str) -> str | None:
    """A source name for an item that came from no configured source: the folder a file
    was scanned in (``file:///srv/drop/a.png`` → ``files: drop``), or the file of a
    JSON-lines/feed/WARC locator (``jsonl:/d/x.jsonl#3`` → ``jsonl: x.jsonl``)."""
    scheme, sep, rest = locator.partition(":")
    if not sep:
        return None
    if scheme == "file":
        folder = rest.removeprefix("//").rsplit("/", 1)[0]
        name = folder.rsplit("/", 1)[-1]
        return f"files: {name}"[:200] if name else None
    if rest.startswith("/"):
        name = rest.partition("#")[0].rstrip("/").rsplit("/", 1)[-1]
        return f"{scheme}: {name}"[:200] if name else None
    return None


def _fill_display(session: Session, rows: list[QueueRow]) -> None:
    """Fill what a row lacks for display: the language from the item's analysis (its
    own, or its media's), the source from the locator (:func:`source_of_locator`)."""
    missing = [r for r in rows if not r.language]
    if missing:
        ids = [r.item_id for r in missing]
        found: dict[int, str] = {}
        for item_id, parent_id, language in session.execute(
            select(Item.id, Item.parent_id, ItemAnalysis.primary_language)
            .join(ItemAnalysis, ItemAnalysis.item_id == Item.id)
            .where(
                or_(Item.id.in_(ids), Item.parent_id.in_(ids)),
                ItemAnalysis.primary_language.is_not(None),
            )
            .order_by(Item.id)
        ):
            key = item_id if item_id in ids else parent_id
            if key is not None and language and language != "und":
                found.setdefault(key, language)
        for row in missing:
            row.language = found.get(row.item_id)
    for row in rows:
        if not row.source:
            row.source = source_of_locator(row.locator)


def filter_values(session: Session, status: str = "open") -> dict[str, list[str]]:
    """The distinct values of each filter among cases of ``status`` (for the filter menus)."""
    out: dict[str, list[str]] = {}
    for name in FILTERS:
        column = getattr(ReviewCase, name)
        out[name] = [
            v
            for v in session.scalars(
                select(column)
                .where(ReviewCase.status == status, column.is_not(None))
                .distinct()
                .order_by(column)
                .limit(200)
            )
            if v
        ]
    return out

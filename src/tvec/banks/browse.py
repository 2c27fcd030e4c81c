"""Reading banks for the bank pages: each bank's counts, curation state and source, and one
page of a bank's entries filtered by signal type and label. Read-only.

The curation state is HMA's ``matching_enabled_ratio`` (:mod:`tvec.banks.hma`); the source
is the exchange that feeds the bank (:mod:`tvec.store.models.exchanges`), if any, and the
distinct ``source`` labels of its entries.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from tvec.banks.service import entry_counts
from tvec.errors import NotFoundError, UsageError
from tvec.store.models import Bank, BankEntry
from tvec.store.models.exchanges import Exchange
from tvec.views.banks import (
    BankEntriesView,
    BankFeedView,
    BankPageEntryView,
    BankSummaryView,
)

#: Entries per page of the bank page (at most :data:`MAX_PER_PAGE`).
PER_PAGE = 50
MAX_PER_PAGE = 500
#: Most distinct source labels listed per bank.
MAX_SOURCES = 10
#: Longest label filter, in characters.
MAX_LABEL_FILTER = 200


def _sources(session: Session, bank_id: int | None = None) -> dict[int, list[str]]:
    query = (
        select(BankEntry.bank_id, BankEntry.source)
        .where(BankEntry.source.is_not(None), BankEntry.source != "")
        .group_by(BankEntry.bank_id, BankEntry.source)
        .order_by(BankEntry.bank_id, BankEntry.source)
    )
    if bank_id is not None:
        query = query.where(BankEntry.bank_id == bank_id)
    out: dict[int, list[str]] = {}
    for found_id, source in session.execute(query):
        names = out.setdefault(found_id, [])
        if source and len(names) < MAX_SOURCES:
            names.append(source)
    return out


def _feeds(session: Session, bank_id: int | None = None) -> dict[int, BankFeedView]:
    query = select(Exchange).order_by(Exchange.id)
    if bank_id is not None:
        query = query.where(Exchange.bank_id == bank_id)
    return {
        e.bank_id: BankFeedView(
            name=e.name,
            kind=e.kind,
            enabled=e.enabled,
            state=e.state,
            last_success_at=e.last_success_at,
        )
        for e in session.scalars(query)
    }


def _summary(
    bank: Bank, counts: Counter[str], feed: BankFeedView | None, sources: list[str]
) -> BankSummaryView:
    return BankSummaryView(
        name=bank.name,
        description=bank.description,
        counts=dict(sorted(counts.items())),
        total=sum(counts.values()),
        created_at=bank.created_at,
        matching_enabled_ratio=bank.matching_enabled_ratio,
        feed=feed,
        sources=sources,
    )


def bank_summaries(session: Session) -> list[BankSummaryView]:
    """Every bank by name with its entry counts, curation state and source."""
    counts = entry_counts(session)
    sources = _sources(session)
    feeds = _feeds(session)
    return [
        _summary(b, counts.get(b.id, Counter()), feeds.get(b.id), sources.get(b.id, []))
        for b in session.scalars(select(Bank).order_by(Bank.name))
    ]


def _like(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere (``%``, ``_``, ``\\`` escaped)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def _label_filter(label: str) -> ColumnElement[bool]:
    pattern = _like(label)
    return or_(
        *(
            func.lower(column).like(pattern, escape="\\")
            for column in (BankEntry.entity, BankEntry.ideology, BankEntry.source, BankEntry.note)
        )
    )


def bank_entries(
    session: Session,
    name: str,
    *,
    signal_type: str | None = None,
    label: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> BankEntriesView:
    """Page ``page`` (from 1) of bank ``name``'s entries, newest first.

    Args:
        session: an open session.
        name: the bank's name.
        signal_type: only entries of this signal type (None or empty: all).
        label: only entries whose entity, ideology, source or note holds this text, case
            insensitive (None or empty: all); at most :data:`MAX_LABEL_FILTER` characters.
        page: the page, from 1; past the last page gives the last page.
        per_page: entries per page, 1 to :data:`MAX_PER_PAGE`.

    Raises:
        NotFoundError: no such bank.
        UsageError: ``page`` below 1, ``per_page`` out of range, or a label filter too long.
    """
    if page < 1:
        raise UsageError(f"page {page} is not a page number (pages start at 1)")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise UsageError(f"per_page {per_page} is not between 1 and {MAX_PER_PAGE}")
    if label is not None and len(label) > MAX_LABEL_FILTER:
        raise UsageError(f"label filter of {len(label)} characters is over {MAX_LABEL_FILTER}")
    bank = session.scalars(select(Bank).where(Bank.name == name)).one_or_none()
    if bank is None:
        raise NotFoundError(f"no bank named {name!r}")
    where: list[ColumnElement[bool]] = [BankEntry.bank_id == bank.id]
    if signal_type:
        where.append(BankEntry.signal_type == signal_type)
    if label:
        where.append(_label_filter(label))
    matching = session.scalar(select(func.count()).select_from(BankEntry).where(*where)) or 0
    pages = max(1, -(-matching // per_page))
    page = min(page, pages)
    rows = session.scalars(
        select(BankEntry)
        .where(*where)
        .order_by(BankEntry.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    entries = [
        BankPageEntryView(
            id=e.id,
            signal_type=e.signal_type,
            value=e.value,
            labels={k: v for k, v in e.labels().items() if k != "thumbnail"},
            created_at=e.created_at,
            thumbnail=bool((e.extra or {}).get("thumbnail")),
        )
        for e in rows
    ]
    feed = _feeds(session, bank.id).get(bank.id)
    summary = _summary(
        bank,
        entry_counts(session, bank.id).get(bank.id, Counter()),
        feed,
        _sources(session, bank.id).get(bank.id, []),
    )
    return BankEntriesView(
        bank=summary,
        entries=entries,
        matching=matching,
        page=page,
        pages=pages,
        per_page=per_page,
        signal_type=signal_type or None,
        label=label or None,
    )

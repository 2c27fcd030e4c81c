"""What tvec already holds for a signal, for the lookup box: items that have it (exactly),
their review cases, and the out-links equivalent to a URL. Read-only.

Items are found by their stored signals (``signal`` table, ``(signal_type, value)`` index)
and, for byte hashes, by ``item.sha256``. Out-links are equivalent when
:func:`tvec.urls.equivalence.url_match_key` gives the same key: candidates are narrowed in
SQL to canonical URLs ending with the query's path and query string (with or without one
trailing ``/``) and then compared by key.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import Session

from tvec.signals import SignalValue
from tvec.store.models import Item, Outlink, OutlinkSighting, Signal, Source
from tvec.store.models.cases import ReviewCase
from tvec.urls.equivalence import url_match_key
from tvec.views.lookup import LookupCaseView, LookupItemView, LookupOutlinkView

#: Most items and out-links a look-up lists (it says when there are more).
MAX_FOUND = 100
#: Most items listed per out-link.
MAX_OUTLINK_ITEMS = 10
#: Most candidate out-links compared by key for one URL.
MAX_CANDIDATES = 5000


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def items_with_signals(
    session: Session, signals: Sequence[SignalValue], *, limit: int = MAX_FOUND
) -> tuple[list[LookupItemView], bool]:
    """Items holding one of ``signals`` exactly (a ``sha256`` also by the item's own
    SHA-256), by item id, each with its review cases; and whether there were more than
    ``limit``."""
    found: dict[int, tuple[str, str]] = {}
    pairs = [(s.signal_type, s.value) for s in signals]
    if pairs:
        query = (
            select(Signal.item_id, Signal.signal_type, Signal.value)
            .where(tuple_(Signal.signal_type, Signal.value).in_(pairs))
            .order_by(Signal.item_id)
            .limit(limit + 1)
        )
        for item_id, signal_type, value in session.execute(query):
            found.setdefault(item_id, (signal_type, value))
    for signal in signals:
        if signal.signal_type == "sha256":
            by_bytes = select(Item.id).where(Item.sha256 == signal.value).limit(limit + 1)
            for item_id in session.scalars(by_bytes):
                found.setdefault(item_id, ("sha256", signal.value))
    ids = sorted(found)
    return _items(session, ids[:limit], found), len(ids) > limit


def _items(
    session: Session, ids: Sequence[int], shared: dict[int, tuple[str, str]]
) -> list[LookupItemView]:
    if not ids:
        return []
    cases: dict[int, list[LookupCaseView]] = {}
    for case in session.scalars(
        select(ReviewCase).where(ReviewCase.item_id.in_(ids)).order_by(ReviewCase.id)
    ):
        cases.setdefault(case.item_id, []).append(LookupCaseView(id=case.id, status=case.status))
    rows = session.execute(
        select(Item, Source.name)
        .outerjoin(Source, Source.id == Item.source_id)
        .where(Item.id.in_(ids))
        .order_by(Item.id)
    )
    out = []
    for item, source in rows:
        signal_type, value = shared.get(item.id, ("url", ""))
        out.append(
            LookupItemView(
                id=item.id,
                locator=item.locator,
                content_type=item.content_type,
                source=source,
                signal_type=signal_type,
                value=value,
                cases=cases.get(item.id, []),
            )
        )
    return out


def equivalent_outlinks(
    session: Session, canonical: str, *, limit: int = MAX_FOUND
) -> tuple[list[LookupOutlinkView], bool]:
    """Out-links whose URL is equivalent to ``canonical`` (a canonical URL), by id, with
    their sighting counts and first items; and whether there were more than ``limit``."""
    key = url_match_key(canonical)
    parts = urlsplit(canonical)
    rest = (f"?{parts.query}" if parts.query else "") + (
        f"#{parts.fragment}" if parts.fragment else ""
    )
    path = parts.path.rstrip("/")
    tails = {path + rest, path + "/" + rest} if not rest else {parts.path + rest}
    host = parts.hostname or ""
    domain = ".".join(host.split(".")[-2:])  # only narrows: every equivalent host ends so
    query = (
        select(Outlink)
        .where(
            Outlink.url.like(f"%{_escape_like(domain)}%", escape="\\"),
            or_(*(Outlink.url.like(f"%{_escape_like(t)}", escape="\\") for t in sorted(tails))),
        )
        .order_by(Outlink.id)
        .limit(MAX_CANDIDATES)
    )
    same = [o for o in session.scalars(query) if url_match_key(o.url) == key]
    listed = same[:limit]
    counts = dict(
        session.execute(
            select(OutlinkSighting.outlink_id, func.count())
            .where(OutlinkSighting.outlink_id.in_([o.id for o in listed]))
            .group_by(OutlinkSighting.outlink_id)
        ).all()
    )
    out = []
    for outlink in listed:
        items = list(
            session.scalars(
                select(OutlinkSighting.item_id)
                .where(OutlinkSighting.outlink_id == outlink.id)
                .order_by(OutlinkSighting.item_id)
                .limit(MAX_OUTLINK_ITEMS)
            )
        )
        out.append(
            LookupOutlinkView(
                id=outlink.id,
                url=outlink.url,
                platform=outlink.platform,
                first_seen_at=outlink.first_seen_at,
                last_seen_at=outlink.last_seen_at,
                sightings=int(counts.get(outlink.id, 0)),
                item_ids=items,
            )
        )
    return out, len(same) > limit


def items_of_outlinks(
    session: Session, outlinks: Sequence[LookupOutlinkView], *, limit: int = MAX_FOUND
) -> tuple[list[LookupItemView], bool]:
    """The items the ``outlinks`` were seen in (each with the out-link's URL as the shared
    ``url`` signal), by id, with their cases; and whether there were more than ``limit``."""
    if not outlinks:
        return [], False
    urls = {o.id: o.url for o in outlinks}
    shared: dict[int, tuple[str, str]] = {}
    for outlink_id, item_id in session.execute(
        select(OutlinkSighting.outlink_id, OutlinkSighting.item_id)
        .where(OutlinkSighting.outlink_id.in_(list(urls)))
        .order_by(OutlinkSighting.item_id)
        .limit(limit + 1)
    ):
        shared.setdefault(item_id, ("url", urls[outlink_id]))
    ids = sorted(shared)
    return _items(session, ids[:limit], shared), len(ids) > limit

"""The transparency report of a period: what tvec saw, reviewed, alerted and removed.

Every figure is read from the store; nothing here writes. The period is ``[since, until)``
(``since`` inclusive, ``until`` exclusive, UTC); records after the report's ``now`` are
ignored as well, so a report can be recomputed for a past moment. The plain-words
definitions are :data:`DEFINITIONS` (printed in every report and in ``docs/reports.md``).

**Unknown is not zero.** A figure is ``None`` when the store holds no record of its kind at
all (no case was ever opened, no item was ever analysed, no removal order was ever
recorded): tvec cannot tell "nothing happened" from "this part of tvec is not in use", so
the report says "no data" and lists why under ``unknown``. A figure is 0 when records of
its kind exist but none fall in the period.

**Bank source** (TCAP, GIFCT or own) is not a column of its own: it is derived from the
matched bank entry's ``source`` label (set to ``TCAP`` by the ``tcap`` import format, and
to whatever the ``source`` column of a CSV import says) and, failing that, from the bank's
name: a label or name containing ``tcap`` gives ``TCAP``, one containing ``gifct`` gives
``GIFCT``, anything else ``own`` (see :func:`bank_source`).

The public report holds no personal data (no reviewer, user, recipient or source name) and
no URL; the internal variant adds the alerted URLs of the period (``urls``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from tvec.entities import EntityRegistry
from tvec.errors import UsageError
from tvec.reports.metrics import (
    DIMENSIONS,
    group_figures,
    percentile,
    removal_figures,
    url_timelines,
)
from tvec.store.models import Bank, BankEntry, Item, Match, Source, utcnow
from tvec.store.models.analysis import ItemAnalysis, ItemIndicatorHit
from tvec.store.models.cases import Appeal, Decision, ReviewCase
from tvec.store.models.orders import LegalHold, RemovalOrder, RemovalOrderUrl
from tvec.views.reports import (
    AlertsSectionView,
    ChangeView,
    ContentSeenView,
    CountView,
    DefinitionView,
    InternalUrlView,
    OrdersSectionView,
    PeriodView,
    RemovalFiguresView,
    ReviewSectionView,
    TransparencyReportView,
    UrlTimelineView,
)

#: Version of the shape of :class:`TransparencyReportView`.
REPORT_VERSION = 1
#: Decision outcomes that close a review (``escalate`` hands the case on instead).
CLOSING_OUTCOMES = ("remove", "no_violation", "duplicate")
#: Buckets of time to removal (label, upper limit in seconds, inclusive).
REMOVAL_BUCKETS = (
    ("within 1 h", 3600.0),
    ("1 h to 6 h", 21600.0),
    ("6 h to 24 h", 86400.0),
    ("1 d to 7 d", 604800.0),
    ("over 7 d", float("inf")),
)
#: The bucket of alerted URLs whose removal is not confirmed.
NOT_REMOVED = "not removed"
#: Group key of items without a source, matches without a label, etc.
NONE_KEY = "none"

#: Every definition of the report, in plain words (also in docs/reports.md).
DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "Period",
        "From the start of the first day to the end of the last day, in UTC. Each "
        "figure counts the records whose own time falls in the period (named below).",
    ),
    (
        "Previous period",
        "The period of the same length that ends where this one starts; "
        "changes compare this period with it.",
    ),
    (
        "Items scanned",
        "Pieces of content tvec collected or scanned in the period (files, "
        "messages, posts and media inside them), by the kind of source they came from.",
    ),
    (
        "Matches",
        "Items whose hash or signal matched an entry of a hash bank in the period, "
        "counted once per matching bank entry, by signal type, by bank and by bank source.",
    ),
    (
        "Bank source",
        "Who supplied the matched hash: TCAP (Tech Against Terrorism's "
        "Terrorist Content Analytics Platform), GIFCT (the Global Internet Forum to Counter "
        "Terrorism's hash-sharing database) or own (hashes the operator added). Taken from the "
        "bank entry's source label, else from the bank's name.",
    ),
    (
        "Indicator hits",
        "Names of terrorist or violent extremist entities and their media "
        "outlets found in the text of items, or in text read from their images, by entity.",
    ),
    (
        "Language mix",
        "Items of the period whose language was identified, by the language "
        "of most of their text (ISO 639-3); 'und' when the language could not be determined.",
    ),
    ("Cases opened", "Items put in front of a human reviewer in the period."),
    (
        "Cases decided",
        "Cases that received a closing decision (remove, no violation or duplicate) in the period.",
    ),
    ("Decisions by outcome", "Every decision made in the period, escalations included."),
    (
        "Removals by policy ground",
        "Remove decisions of the period by the ground given: a "
        "terms-of-service clause (tos) or the designation of an entity (designated_entity).",
    ),
    (
        "Time to decision",
        "From the moment tvec first collected an item to the first "
        "closing decision on its case; median and 90th percentile of the cases decided in "
        "the period.",
    ),
    (
        "Backlog",
        "Cases waiting for a closing decision at the end of the period (or now, "
        "if the period has not ended), and how long they had been waiting.",
    ),
    (
        "Appeals",
        "Appeals filed in the period, and appeals resolved in the period by a "
        "second reviewer: upheld (the decision stands) or overturned.",
    ),
    ("Reinstatements", "Overturned appeals of remove decisions: content restored."),
    (
        "Alert",
        "A notice sent to another platform about one URL on it that carries "
        "terrorist content; counted in the period in which it was sent. One URL, one alert.",
    ),
    (
        "Removed",
        "A status check found the URL gone twice in a row. The time of removal is "
        "the first of those checks, so time to removal is an upper bound.",
    ),
    (
        "Removal rate",
        "Removed URLs divided by alerts sent, of the alerts sent in the "
        "period (removals confirmed up to the time of the report).",
    ),
    (
        "Time to removal",
        "From sending the alert to the first check that found the URL "
        "gone; median and 90th percentile of removed URLs.",
    ),
    (
        "Removed within 1 h / 24 h",
        "Alerts whose URL was removed within one hour or one "
        "day of the alert, as a share of all alerts sent (not only of removed ones).",
    ),
    (
        "Removal orders",
        "Orders of a competent authority under Regulation (EU) 2021/784 "
        "received in the period. Actioned within one hour: every URL removed or disabled by "
        "the deadline (one hour after receipt, or after the grounds of a rejection ceased). "
        "Late: acted on after the deadline, or still open past it. Pending: open, deadline "
        "not reached. Not executed: rejected at the time of the report.",
    ),
    (
        "Rejected by Article 3(7) / 3(8)",
        "Orders of the period that could not be executed "
        "at least once: force majeure or de facto impossibility (3(7)), or manifest errors "
        "or insufficient information (3(8)).",
    ),
    (
        "Legal holds",
        "Removed content and its data kept for six months (Article 6): holds "
        "opened, extensions granted and holds whose content was purged, in the period.",
    ),
)

#: What the data cannot show (printed in every report).
LIMITS = (
    "Figures count what tvec recorded. Content that other tools or people found is not included.",
    "Removals are confirmed by periodic status checks: a removal falls between the last "
    "check that found the URL online and the first that found it gone, so times to removal "
    "are upper bounds and depend on how often URLs are checked.",
    "Alerts sent near the end of the period have had less time to be acted on; their "
    "removal rate rises as later checks confirm removals.",
    "A figure shown as 'no data' means tvec holds no record of that kind at all (that part "
    "of tvec is not in use), not that the count is zero.",
    "The report holds no personal data and no URL of content; counts and platforms only.",
)


def _period_filter(
    column: InstrumentedAttribute[Any] | Any, start: datetime, end: datetime
) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _any(session: Session, model: Any) -> bool:
    """Whether the table of ``model`` holds any row at all."""
    return session.execute(select(model.id).limit(1)).first() is not None


def _counts(rows: Iterable[tuple[Any, int]]) -> list[CountView]:
    """Breakdown rows from ``(key, count)`` pairs: keys as text (None -> ``none``), summed
    per key, sorted by count descending then key."""
    total: Counter[str] = Counter()
    for key, count in rows:
        total[NONE_KEY if key is None or key == "" else str(key)] += int(count)
    return [
        CountView(key=k, count=c) for k, c in sorted(total.items(), key=lambda kc: (-kc[1], kc[0]))
    ]


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def bank_source(entry_source: str | None, bank_name: str) -> str:
    """``TCAP``, ``GIFCT`` or ``own``: from a bank entry's ``source`` label, else the bank's
    name (case-insensitive substring ``tcap``/``gifct``)."""
    for text in (entry_source or "", bank_name):
        lowered = text.lower()
        if "tcap" in lowered:
            return "TCAP"
        if "gifct" in lowered:
            return "GIFCT"
    return "own"


def content_section(session: Session, start: datetime, end: datetime) -> ContentSeenView:
    """Items, matches, indicator hits and languages of ``[start, end)``."""
    have_items = _any(session, Item)
    have_matches = have_items and _any(session, BankEntry)
    have_analysis = _any(session, ItemAnalysis)
    in_period = _period_filter(Item.collected_at, start, end)
    items_by_kind = _counts(
        session.execute(
            select(Source.kind, func.count(Item.id))
            .select_from(Item)
            .outerjoin(Source, Source.id == Item.source_id)
            .where(in_period)
            .group_by(Source.kind)
        )
    )
    match_rows = session.execute(
        select(Match.signal_type, Bank.name, BankEntry.source, func.count(Match.id))
        .join(BankEntry, BankEntry.id == Match.bank_entry_id)
        .join(Bank, Bank.id == BankEntry.bank_id)
        .where(_period_filter(Match.created_at, start, end))
        .group_by(Match.signal_type, Bank.name, BankEntry.source)
    ).all()
    hits = _counts(
        session.execute(
            select(ItemIndicatorHit.entity_id, func.count(ItemIndicatorHit.id))
            .where(_period_filter(ItemIndicatorHit.created_at, start, end))
            .group_by(ItemIndicatorHit.entity_id)
        )
    )
    languages = _counts(
        session.execute(
            select(ItemAnalysis.primary_language, func.count(Item.id))
            .join(ItemAnalysis, ItemAnalysis.item_id == Item.id)
            .where(in_period, ItemAnalysis.primary_language.is_not(None))
            .group_by(ItemAnalysis.primary_language)
        )
    )
    return ContentSeenView(
        items_scanned=sum(c.count for c in items_by_kind) if have_items else None,
        items_by_source_kind=items_by_kind if have_items else None,
        matches=sum(r[3] for r in match_rows) if have_matches else None,
        matches_by_signal_type=_counts((r[0], r[3]) for r in match_rows) if have_matches else None,
        matches_by_bank=_counts((r[1], r[3]) for r in match_rows) if have_matches else None,
        matches_by_bank_source=(
            _counts((bank_source(r[2], r[1]), r[3]) for r in match_rows) if have_matches else None
        ),
        indicator_hits=sum(c.count for c in hits) if have_analysis else None,
        indicator_hits_by_entity=hits if have_analysis else None,
        items_analysed=sum(c.count for c in languages) if have_analysis else None,
        languages=languages if have_analysis else None,
    )


def review_section(session: Session, start: datetime, end: datetime) -> ReviewSectionView:
    """Cases, decisions, backlog and appeals of ``[start, end)``; the backlog at ``end``."""
    if not _any(session, ReviewCase):
        return ReviewSectionView(**dict.fromkeys(ReviewSectionView.model_fields))
    opened = session.execute(
        select(func.count(ReviewCase.id)).where(_period_filter(ReviewCase.opened_at, start, end))
    ).scalar_one()
    decisions = session.execute(
        select(Decision.outcome, Decision.ground_kind, Decision.ground).where(
            _period_filter(Decision.decided_at, start, end)
        )
    ).all()
    closing = Decision.outcome.in_(CLOSING_OUTCOMES)
    first_closing = (
        select(Decision.case_id, func.min(Decision.decided_at).label("decided_at"))
        .where(closing)
        .group_by(Decision.case_id)
        .subquery()
    )
    decided = session.execute(
        select(first_closing.c.decided_at, Item.collected_at)
        .join(ReviewCase, ReviewCase.id == first_closing.c.case_id)
        .join(Item, Item.id == ReviewCase.item_id)
        .where(_period_filter(first_closing.c.decided_at, start, end))
    ).all()
    waits = [max(0.0, round((d - seen).total_seconds(), 1)) for d, seen in decided]
    closed_by_end = exists().where(
        Decision.case_id == ReviewCase.id, closing, Decision.decided_at < end
    )
    backlog = (
        session.execute(
            select(ReviewCase.opened_at).where(ReviewCase.opened_at < end, ~closed_by_end)
        )
        .scalars()
        .all()
    )
    ages = [max(0.0, round((end - opened_at).total_seconds(), 1)) for opened_at in backlog]
    filed = session.execute(
        select(func.count(Appeal.id)).where(_period_filter(Appeal.filed_at, start, end))
    ).scalar_one()
    resolved = session.execute(
        select(Appeal.status, Decision.outcome)
        .join(Decision, Decision.id == Appeal.decision_id)
        .where(Appeal.resolved_at.is_not(None), _period_filter(Appeal.resolved_at, start, end))
    ).all()
    removes = [(kind, ground) for outcome, kind, ground in decisions if outcome == "remove"]
    return ReviewSectionView(
        cases_opened=opened,
        cases_decided=len(decided),
        decisions_by_outcome=_counts((outcome, 1) for outcome, _, _ in decisions),
        removals_by_ground=_counts(
            (f"{kind}: {ground}" if kind and ground else (kind or ground), 1)
            for kind, ground in removes
        ),
        median_seconds_to_decision=_seconds(percentile(waits, 0.5)),
        p90_seconds_to_decision=_seconds(percentile(waits, 0.9)),
        backlog_at_end=len(ages),
        backlog_median_age_seconds=_seconds(percentile(ages, 0.5)),
        backlog_max_age_seconds=_seconds(max(ages)) if ages else None,
        appeals_filed=filed,
        appeals_upheld=sum(1 for status, _ in resolved if status == "upheld"),
        appeals_overturned=sum(1 for status, _ in resolved if status == "overturned"),
        reinstatements=sum(
            1 for status, outcome in resolved if status == "overturned" and outcome == "remove"
        ),
    )


def _change(
    key: str, now: RemovalFiguresView | None, before: RemovalFiguresView | None
) -> ChangeView:
    sent, removed = (now.alerts_sent, now.removed) if now else (0, 0)
    p_sent, p_removed = (before.alerts_sent, before.removed) if before else (0, 0)
    rate = now.removal_rate if now else None
    p_rate = before.removal_rate if before else None
    return ChangeView(
        key=key,
        alerts_sent=sent,
        previous_alerts_sent=p_sent,
        alerts_sent_change=sent - p_sent,
        removed=removed,
        previous_removed=p_removed,
        removed_change=removed - p_removed,
        removal_rate=rate,
        previous_removal_rate=p_rate,
        removal_rate_change_points=(
            round((rate - p_rate) * 100, 2) if rate is not None and p_rate is not None else None
        ),
    )


def removal_buckets(timelines: Iterable[UrlTimelineView]) -> list[CountView]:
    """Alerted URLs per bucket of :data:`REMOVAL_BUCKETS` (in that order, then
    :data:`NOT_REMOVED`); every bucket is listed, empty ones with 0."""
    counts = dict.fromkeys([label for label, _ in REMOVAL_BUCKETS] + [NOT_REMOVED], 0)
    for t in timelines:
        if t.seconds_to_removal is None:
            counts[NOT_REMOVED] += 1
            continue
        label = next(lb for lb, limit in REMOVAL_BUCKETS if t.seconds_to_removal <= limit)
        counts[label] += 1
    return [CountView(key=k, count=c) for k, c in counts.items()]


def alerts_section(
    current: list[UrlTimelineView], previous: list[UrlTimelineView]
) -> AlertsSectionView:
    """Removal figures of the period's timelines and their change against ``previous``."""
    by = {dim: group_figures(current, dim) for dim in DIMENSIONS}
    before = {dim: group_figures(previous, dim) for dim in DIMENSIONS}
    overall, previous_overall = removal_figures(current), removal_figures(previous)
    change: dict[str, list[ChangeView]] = {"all": [_change("all", overall, previous_overall)]}
    for dim in DIMENSIONS:
        if dim == "month":
            continue  # months of two periods never coincide
        now_rows = {r.key: r for r in by[dim]}
        old_rows = {r.key: r for r in before[dim]}
        change[dim] = [
            _change(key, now_rows.get(key), old_rows.get(key))
            for key in sorted(set(now_rows) | set(old_rows))
        ]
    return AlertsSectionView(
        overall=overall,
        previous_overall=previous_overall,
        by=by,
        change=change,
        time_to_removal=removal_buckets(current),
    )


def _iso(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def orders_section(
    session: Session, start: datetime, end: datetime, now: datetime
) -> OrdersSectionView:
    """Removal orders received in ``[start, end)`` (their state at ``now``) and legal holds
    opened, extended and purged in the period."""
    have_orders = _any(session, RemovalOrder)
    have_holds = have_orders or _any(session, LegalHold)
    orders = (
        session.execute(
            select(RemovalOrder).where(_period_filter(RemovalOrder.received_at, start, end))
        )
        .scalars()
        .all()
    )
    urls = session.execute(
        select(func.count(RemovalOrderUrl.id))
        .join(RemovalOrder, RemovalOrder.id == RemovalOrderUrl.order_id)
        .where(_period_filter(RemovalOrder.received_at, start, end))
    ).scalar_one()
    within = late = pending = rejected = r37 = r38 = 0
    for order in orders:
        done = order.completed_at is not None and order.completed_at <= now
        if order.status == "rejected":
            rejected += 1
        elif done and order.completed_at is not None and order.completed_at <= order.deadline_at:
            within += 1
        elif done or order.deadline_at < now:
            late += 1
        else:
            pending += 1
        articles = {
            entry.get("article")
            for entry in (order.reply or {}).get("impossibility", [])
            if isinstance(entry, dict)
        }
        r37 += "3(7)" in articles
        r38 += "3(8)" in articles
    opened = extended = purged = 0
    for hold in session.execute(select(LegalHold)).scalars():
        opened += start <= hold.held_from < end
        for extension in hold.extensions or []:
            at = _iso(extension.get("at")) if isinstance(extension, dict) else None
            extended += at is not None and start <= at < end
        purge = (hold.data or {}).get("purged")
        at = _iso(purge.get("at")) if isinstance(purge, dict) else None
        purged += at is not None and start <= at < end

    def known(value: int, flag: bool) -> int | None:
        return value if flag else None

    return OrdersSectionView(
        orders_received=known(len(orders), have_orders),
        urls_named=known(urls, have_orders),
        actioned_within_1h=known(within, have_orders),
        late=known(late, have_orders),
        pending=known(pending, have_orders),
        not_executed=known(rejected, have_orders),
        rejected_3_7=known(r37, have_orders),
        rejected_3_8=known(r38, have_orders),
        holds_opened=known(opened, have_holds),
        holds_extended=known(extended, have_holds),
        holds_purged=known(purged, have_holds),
    )


def previous_period(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The period of the same length that ends at ``start``."""
    return start - (end - start), start


def _unknown(report: dict[str, Any]) -> list[str]:
    notes = []
    if report["content"].items_scanned is None:
        notes.append("Items scanned: tvec holds no item (nothing was ever collected or scanned).")
    if report["content"].matches is None:
        notes.append("Matches: tvec holds no hash bank entry.")
    if report["content"].items_analysed is None:
        notes.append("Indicator hits and language mix: no item was ever analysed (tvec analyze).")
    if report["review"].cases_opened is None:
        notes.append("Review: no review case was ever opened.")
    if report["orders"].orders_received is None:
        notes.append("Removal orders: no removal order was ever recorded.")
    if report["orders"].holds_opened is None:
        notes.append("Legal holds: no legal hold was ever recorded.")
    return notes


def transparency_report(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    now: datetime | None = None,
    registry: EntityRegistry | None = None,
    internal: bool = False,
) -> TransparencyReportView:
    """The transparency report of ``[since, until)`` (see the module docstring).

    ``now`` (default: the current time) caps every record: one after it is ignored, and
    the backlog is taken at ``min(until, now)``. ``registry`` gives entities' ideologies.
    ``internal`` adds the alerted URLs of the period.

    Raises:
        UsageError: ``since`` is not before ``until``.
    """
    if since >= until:
        raise UsageError(f"from {since.isoformat()} is not before to {until.isoformat()}")
    now = now or utcnow()
    end = min(until, now)
    before_start, before_end = previous_period(since, until)
    current = url_timelines(session, now=now, since=since, until=until, registry=registry)
    previous = url_timelines(
        session, now=now, since=before_start, until=before_end, registry=registry
    )
    parts: dict[str, Any] = {
        "content": content_section(session, since, end),
        "review": review_section(session, since, end),
        "alerts": alerts_section(current, previous),
        "orders": orders_section(session, since, end, now),
    }
    last_day = (until - timedelta(microseconds=1)).date()
    return TransparencyReportView(
        version=REPORT_VERSION,
        title=f"Transparency report {since.date().isoformat()} to {last_day.isoformat()}",
        internal=internal,
        period=PeriodView(since=since, until=until),
        previous_period=PeriodView(since=before_start, until=before_end),
        methodology=[DefinitionView(term=t, definition=d) for t, d in DEFINITIONS],
        limits=list(LIMITS),
        unknown=_unknown(parts),
        urls=(
            [
                InternalUrlView(
                    url=t.url,
                    reference=t.reference,
                    platform=t.platform,
                    entity=t.entity,
                    sent_at=t.sent_at,
                    removed_at=t.removed_at,
                    seconds_to_removal=t.seconds_to_removal,
                )
                for t in current
            ]
            if internal
            else None
        ),
        **parts,
    )

"""Removal metrics: how fast platforms take alerted URLs down (``tvec stats removals``).

Everything is read from the tables; nothing here writes. Definitions (also in
``docs/removal-metrics.md``):

* An **alert sent** is an ``alert`` row with status ``sent`` and a ``sent_at`` at or before
  ``now``, in the period ``since <= sent_at < until`` when given. Each alerted URL has one
  alert (idempotency keys), so "alerts sent" counts URLs.
* A URL is **removed** when its ``takedown`` has a confirmed removal (``removed_at`` and
  ``confirmed_at`` set, ``confirmed_at <= now``): two consecutive "removed" status checks.
  ``removed_at`` is the first check of that run, ``last_online_at`` the last "online" check
  before it, so the removal happened in ``(last_online_at, removed_at]``.
* **Time to removal** (``seconds_to_removal``) is ``removed_at - sent_at``: the upper bound,
  used for every figure of a group. The lower bound ``seconds_to_removal_min`` is
  ``last_online_at - sent_at`` (0 when no check found the URL online after the alert was
  sent). Both are clamped at 0 (content gone before the alert was sent counts as 0 s).
* **Time to alert** (``seconds_to_alert``) is ``sent_at - outlink.first_seen_at`` (the first
  sighting of the URL in any item).
* **Still online** counts alerted URLs that are not removed and whose latest status check
  (at or before ``now``) found them online.
* **Median and 90th percentile** use linear interpolation between closest ranks (numpy's
  default ``percentile`` method, Excel ``PERCENTILE.INC``): for sorted values
  ``x[0..n-1]`` and ``q`` in 0..1, ``h = (n - 1) * q`` and the result is
  ``x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)])``. ``None`` when the
  group has no removed URL.
* **Shares removed within 1 hour, 24 hours and 7 days** count removed URLs with
  ``seconds_to_removal <= 3600 / 86400 / 604800`` and divide by the group's alerts sent (not
  by its removals), like ``removal_rate = removed / alerts_sent``.
* **Dimensions**: ``platform`` (the alert's platform), ``entity`` (the alert's entity id of
  :mod:`tvec.entities`), ``ideology`` (that entity's ideology, ``unknown`` when the registry
  has no such entity), ``language`` (of the item where the URL was first sighted; see
  :func:`url_timelines`) and ``month`` (``YYYY-MM`` of ``sent_at`` in UTC).

Rounding, the same everywhere: seconds to one decimal (per URL first; group figures are
computed from the rounded per-URL values and rounded again), ratios to four decimals. The
document holds no generation time or other volatile field, so the CLI's JSON and the web API
can be compared byte for byte.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from tvec.analysis.language import _ISO639_1_TO_3
from tvec.entities import EntityRegistry, load_entities
from tvec.errors import UsageError
from tvec.store.models import Item, Outlink, OutlinkSighting, Source, utcnow
from tvec.store.models.alerts import Alert, StatusCheck, Takedown
from tvec.store.models.analysis import ItemAnalysis
from tvec.views.reports import (
    PeriodView,
    RemovalFiguresView,
    RemovalMetricsView,
    UrlTimelineView,
)

#: Dimensions a group of figures can be taken over, in the order the document lists them.
DIMENSIONS = ("platform", "entity", "ideology", "language", "month")
#: Removal windows (name, seconds) of the "share removed within" figures.
WINDOWS = (("1h", 3600), ("24h", 86400), ("7d", 604800))
#: Group key for a value that is not known (ideology, language).
UNKNOWN = "unknown"
#: Version of the shape of :func:`metrics_document`.
DOCUMENT_VERSION = 1


#: One alerted URL from first sighting to (confirmed) removal (a result model).
UrlTimeline = UrlTimelineView
#: The figures of one group of alerted URLs (a result model).
RemovalFigures = RemovalFiguresView

#: Field names of :class:`RemovalFigures`, in order (the CSV header after the dimension).
FIGURE_FIELDS = tuple(name for name in RemovalFiguresView.model_fields if name != "key")


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-quantile (``q`` in 0..1) of ``values`` by linear interpolation between
    closest ranks (numpy ``percentile`` default, Excel ``PERCENTILE.INC``); ``None`` if empty.

    Raises:
        ValueError: ``q`` outside 0..1.
    """
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q!r} is not between 0 and 1")
    if not values:
        return None
    ordered = sorted(values)
    h = (len(ordered) - 1) * q
    low = math.floor(h)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def removal_figures(timelines: Iterable[UrlTimeline], key: str = "all") -> RemovalFigures:
    """The figures of one group of URL timelines (pure; see the module docstring)."""
    group = list(timelines)
    sent = len(group)
    removal = [t.seconds_to_removal for t in group if t.seconds_to_removal is not None]
    lower = [t.seconds_to_removal_min for t in group if t.seconds_to_removal_min is not None]
    to_alert = [t.seconds_to_alert for t in group]
    within = {name: sum(1 for s in removal if s <= limit) for name, limit in WINDOWS}
    return RemovalFigures(
        key=key,
        alerts_sent=sent,
        removed=len(removal),
        removal_rate=_ratio(len(removal), sent),
        median_seconds_to_removal=_seconds(percentile(removal, 0.5)),
        p90_seconds_to_removal=_seconds(percentile(removal, 0.9)),
        median_seconds_to_removal_min=_seconds(percentile(lower, 0.5)),
        p90_seconds_to_removal_min=_seconds(percentile(lower, 0.9)),
        removed_within_1h=within["1h"],
        removed_within_24h=within["24h"],
        removed_within_7d=within["7d"],
        share_within_1h=_ratio(within["1h"], sent),
        share_within_24h=_ratio(within["24h"], sent),
        share_within_7d=_ratio(within["7d"], sent),
        still_online=sum(1 for t in group if t.still_online),
        median_seconds_to_alert=_seconds(percentile(to_alert, 0.5)),
    )


def group_figures(timelines: Iterable[UrlTimeline], by: str) -> list[RemovalFigures]:
    """The figures per value of dimension ``by`` (one of :data:`DIMENSIONS`), by key.

    Raises:
        UsageError: ``by`` is not a dimension.
    """
    if by not in DIMENSIONS:
        raise UsageError(f"cannot group removals by {by!r}: use one of {', '.join(DIMENSIONS)}")
    groups: dict[str, list[UrlTimeline]] = defaultdict(list)
    for timeline in timelines:
        groups[str(getattr(timeline, by))].append(timeline)
    return [removal_figures(groups[key], key) for key in sorted(groups)]


def parse_period(
    since: str | None, until: str | None, names: tuple[str, str] = ("since", "until")
) -> tuple[datetime | None, datetime | None]:
    """Parse the ``--since``/``--until`` of a report: ``YYYY-MM-DD`` or an ISO 8601 time.

    A bare date for ``since`` means the start of that day (UTC); for ``until`` the end of that
    day, so ``--since 2024-01-01 --until 2024-01-31`` covers all of January. Times without a
    zone are UTC. The result is ``(since, until)``: ``since`` inclusive, ``until`` exclusive.

    Raises:
        UsageError: a value is not a date or time, is out of range (its UTC time falls
            outside years 1 to 9999: ``0001-01-01T00:00:00+01:00``), or ``since`` is not
            before ``until``; the message starts with the parameter's name (``names``:
            ``since``/``until``, or ``from``/``to`` for ``tvec report``). ``until``
            ``9999-12-31`` means no upper bound.
    """
    start = _parse_bound(names[0], since, end_of_day=False)
    end = _parse_bound(names[1], until, end_of_day=True)
    if start is not None and end is not None and start >= end:
        raise UsageError(f"{names[0]} {since!r} is not before {names[1]} {until!r}")
    return start, end


def _parse_bound(name: str, value: str | None, *, end_of_day: bool) -> datetime | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if end_of_day and day == date.max:
                return None  # the end of the calendar: no upper bound
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1) if end_of_day else moment
        moment = datetime.fromisoformat(text)
        # An offset can push a time at the edge of the calendar (0001-01-01T00:00+01:00)
        # outside it once converted to UTC: OverflowError, reported as out of range.
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except ValueError:
        raise UsageError(f"{name} {value!r} is not a date (YYYY-MM-DD) or ISO 8601 time") from None
    except OverflowError:
        raise UsageError(
            f"{name} {value!r} is out of range (its UTC time falls outside years 1 to 9999)"
        ) from None


def _language_code(code: object) -> str | None:
    """A language code as ISO 639-3 (``ar`` and ``ar-SA`` -> ``ara``), ``None`` if empty or
    undetermined (``und``)."""
    if not isinstance(code, str) or not code.strip():
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    if base in ("", "und"):
        return None
    return _ISO639_1_TO_3.get(base, base)


def _alerts_query(now: datetime, since: datetime | None, until: datetime | None) -> Select[Any]:
    query = select(Alert.outlink_id).where(
        Alert.status == "sent", Alert.sent_at.is_not(None), Alert.sent_at <= now
    )
    if since is not None:
        query = query.where(Alert.sent_at >= since)
    if until is not None:
        query = query.where(Alert.sent_at < until)
    return query


def _latest_results(session: Session, alerted: Select[Any], now: datetime) -> dict[int, str]:
    ranked = (
        select(
            StatusCheck.outlink_id,
            StatusCheck.result,
            func.row_number()
            .over(
                partition_by=StatusCheck.outlink_id,
                order_by=(StatusCheck.checked_at.desc(), StatusCheck.id.desc()),
            )
            .label("rank"),
        )
        .where(StatusCheck.outlink_id.in_(alerted), StatusCheck.checked_at <= now)
        .subquery()
    )
    rows = session.execute(select(ranked.c.outlink_id, ranked.c.result).where(ranked.c.rank == 1))
    return {outlink_id: result for outlink_id, result in rows}


def _first_languages(session: Session, alerted: Select[Any]) -> dict[int, str]:
    ranked = (
        select(
            OutlinkSighting.outlink_id,
            OutlinkSighting.item_id,
            OutlinkSighting.source_id,
            func.row_number()
            .over(
                partition_by=OutlinkSighting.outlink_id,
                order_by=(OutlinkSighting.seen_at, OutlinkSighting.id),
            )
            .label("rank"),
        )
        .where(OutlinkSighting.outlink_id.in_(alerted))
        .subquery()
    )
    sighting_source = Source.__table__.alias("sighting_source")
    item_source = Source.__table__.alias("item_source")
    rows = session.execute(
        select(
            ranked.c.outlink_id,
            ItemAnalysis.primary_language,
            Item.meta,
            sighting_source.c.language,
            item_source.c.language,
        )
        .join(Item, Item.id == ranked.c.item_id)
        .outerjoin(ItemAnalysis, ItemAnalysis.item_id == Item.id)
        .outerjoin(sighting_source, sighting_source.c.id == ranked.c.source_id)
        .outerjoin(item_source, item_source.c.id == Item.source_id)
        .where(ranked.c.rank == 1)
    )
    found: dict[int, str] = {}
    for outlink_id, analysed, meta, sighting_language, item_language in rows:
        candidates = (
            analysed,
            (meta or {}).get("language") if isinstance(meta, dict) else None,
            sighting_language,
            item_language,
        )
        found[outlink_id] = next(
            (code for code in map(_language_code, candidates) if code), UNKNOWN
        )
    return found


def url_timelines(
    session: Session,
    *,
    now: datetime | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    registry: EntityRegistry | None = None,
) -> list[UrlTimeline]:
    """One :class:`UrlTimeline` per alert sent (see the module docstring), ordered by
    ``sent_at`` then URL.

    ``now`` is the moment the figures describe (default: the current time): alerts sent,
    removals confirmed and status checks after it are ignored, so a past report can be
    recomputed. ``since`` (inclusive) and ``until`` (exclusive) select alerts by ``sent_at``.
    ``registry`` gives each entity's ideology (default: the packaged entities).

    The **language** of a URL is that of the item where it was first sighted (the
    ``outlink_sighting`` with the earliest ``seen_at``, then lowest id): the item analysis'
    ``primary_language`` (ISO 639-3) unless missing or ``und``, else the item's
    ``metadata["language"]``, else the language of the sighting's source, else of the item's
    source; two-letter codes are mapped to ISO 639-3 (``ar`` -> ``ara``); ``unknown`` when
    none is known.
    """
    now = now or utcnow()
    registry = registry or load_entities(None)
    alerted = _alerts_query(now, since, until)
    rows = session.execute(
        select(Alert, Outlink.url, Outlink.first_seen_at, Takedown)
        .join(Outlink, Outlink.id == Alert.outlink_id)
        .outerjoin(Takedown, Takedown.outlink_id == Alert.outlink_id)
        .where(Alert.outlink_id.in_(alerted))
        .order_by(Alert.sent_at, Outlink.url)
    ).all()
    results = _latest_results(session, alerted, now)
    languages = _first_languages(session, alerted)
    return [
        _timeline(
            alert,
            url,
            first_seen_at,
            takedown,
            now=now,
            ideology=_ideology(registry, alert.entity),
            language=languages.get(alert.outlink_id, UNKNOWN),
            last_result=results.get(alert.outlink_id),
        )
        for alert, url, first_seen_at, takedown in rows
    ]


def _ideology(registry: EntityRegistry, entity_id: str) -> str:
    return registry.get(entity_id).ideology if entity_id in registry else UNKNOWN


def _timeline(
    alert: Alert,
    url: str,
    first_seen_at: datetime,
    takedown: Takedown | None,
    *,
    now: datetime,
    ideology: str,
    language: str,
    last_result: str | None,
) -> UrlTimeline:
    sent_at = alert.sent_at
    assert sent_at is not None  # the query selects sent alerts only
    removed_at = confirmed_at = last_online_at = None
    state = takedown.state if takedown is not None else None
    if takedown is not None and takedown.last_online_at is not None:
        last_online_at = takedown.last_online_at if takedown.last_online_at <= now else None
    if (
        takedown is not None
        and takedown.removed_at is not None
        and takedown.confirmed_at is not None
        and takedown.confirmed_at <= now
    ):
        removed_at, confirmed_at = takedown.removed_at, takedown.confirmed_at
    elif state == "removed":
        state = "tracking"  # confirmed after ``now``: still being checked at that time
    upper = lower = None
    if removed_at is not None:
        upper = max(0.0, (removed_at - sent_at).total_seconds())
        lower = (
            max(0.0, (last_online_at - sent_at).total_seconds())
            if last_online_at is not None
            else 0.0
        )
    return UrlTimeline(
        url=url,
        reference=alert.reference,
        platform=alert.platform,
        entity=alert.entity,
        ideology=ideology,
        language=language,
        month=sent_at.astimezone(UTC).strftime("%Y-%m"),
        first_seen_at=first_seen_at,
        sent_at=sent_at,
        last_online_at=last_online_at,
        removed_at=removed_at,
        confirmed_at=confirmed_at,
        state=state,
        last_result=last_result,
        seconds_to_alert=round((sent_at - first_seen_at).total_seconds(), 1),
        seconds_to_removal=_seconds(upper),
        seconds_to_removal_min=_seconds(lower),
    )


def metrics_document(
    session: Session,
    *,
    now: datetime | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    registry: EntityRegistry | None = None,
) -> RemovalMetricsView:
    """All removal metrics as one result model (what ``tvec stats removals --format json``
    prints and ``GET /api/takedowns/metrics`` returns).

    Shape::

        {"version": 1,
         "period": {"since": RFC 3339 or null, "until": RFC 3339 or null},
         "overall": {figures, "key": "all"},
         "by": {"platform": [figures...], "entity": [...], "ideology": [...],
                "language": [...], "month": [...]},
         "urls": [timeline...]}

    Figures are :class:`RemovalFigures` (groups sorted by key), timelines
    :class:`UrlTimeline` (by ``sent_at`` then URL). Arguments as in :func:`url_timelines`.
    The document does not depend on ``now`` beyond the records it selects, and holds no
    generation time.
    """
    timelines = url_timelines(session, now=now, since=since, until=until, registry=registry)
    return RemovalMetricsView(
        version=DOCUMENT_VERSION,
        period=PeriodView(since=since, until=until),
        overall=removal_figures(timelines),
        by={dim: group_figures(timelines, dim) for dim in DIMENSIONS},
        urls=timelines,
    )


#: Short labels of the figures, for tables (CLI and web page) and CSV readers.
FIGURE_LABELS = {
    "alerts_sent": "alerts sent",
    "removed": "removed",
    "removal_rate": "removal rate",
    "median_seconds_to_removal": "median to removal",
    "p90_seconds_to_removal": "p90 to removal",
    "median_seconds_to_removal_min": "median to removal (lower bound)",
    "p90_seconds_to_removal_min": "p90 to removal (lower bound)",
    "removed_within_1h": "removed ≤ 1 h",
    "removed_within_24h": "removed ≤ 24 h",
    "removed_within_7d": "removed ≤ 7 d",
    "share_within_1h": "share ≤ 1 h",
    "share_within_24h": "share ≤ 24 h",
    "share_within_7d": "share ≤ 7 d",
    "still_online": "still online",
    "median_seconds_to_alert": "median to alert",
}


def format_seconds(value: float | None) -> str:
    """A duration for people: ``45s``, ``12m 30s``, ``3h 05m``, ``2d 04h``; ``-`` for None.

    Whole seconds (rounded half to even); the exact value is in the JSON and CSV output.
    """
    if value is None:
        return "-"
    total = round(value)
    sign, total = ("-", -total) if total < 0 else ("", total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours:02d}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m {seconds:02d}s"
    return f"{sign}{seconds}s"


def display_value(field: str, value: object) -> str:
    """A figure as shown in the CLI table and on the web page: ratios as percentages with
    one decimal (``0.6667`` -> ``66.7%``), seconds via :func:`format_seconds`, counts as
    they are; ``-`` for None."""
    if value is None:
        return "-"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if field == "removal_rate" or field.startswith("share_"):
            return f"{value * 100:.1f}%"
        if "seconds" in field:
            return format_seconds(value)
    return str(value)

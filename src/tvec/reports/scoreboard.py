"""The platform accountability scoreboard: platforms ranked by how well they act on alerts.

Built on the removal figures of :mod:`tvec.reports.metrics` (one alert per URL; removal
confirmed by two status checks; time to removal is the upper bound). For each platform that
received alerts sent in the period ``[since, until)``:

* **score** (0 to 100, one decimal) =
  ``100 * (0.4 * removal_rate + 0.2 * share_within_1h + 0.2 * share_within_24h
  + 0.2 * speed)`` where ``speed = max(0, 1 - ln(1 + h) / ln(1 + 168))`` and ``h`` is the
  median time to removal in hours (168 h = 7 days scores 0; no removal at all scores 0).
  The logarithm rewards the difference between 1 h and 10 h more than between 100 h and
  110 h. All inputs are the rounded figures of the removal metrics (rates to four
  decimals, seconds to one decimal), so the score can be recomputed from the CSV.
* **ranked** only with at least ``min_alerts`` alerts sent in the period (default
  :data:`MIN_ALERTS`); ranks go by score (highest first); equal scores share a rank (1, 2,
  2, 4). Platforms below the minimum are listed as ``unranked`` by name.
* **tier**: ``recognised`` when ranked and ``removal_rate >= 0.9``, ``share_within_24h >=
  0.75`` and ``share_within_1h >= 0.5``; ``not_responding`` when ranked and
  ``removal_rate < 0.1`` (fewer than one in ten alerted URLs removed); else ``ranked``.
* **trend**: the score against the previous period of the same length: ``up``/``down``
  (change of at least 0.1 point), ``same``, ``new`` (not ranked in the previous period) or
  ``none`` (not ranked now).
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy.orm import Session

from tvec.entities import EntityRegistry
from tvec.errors import UsageError
from tvec.reports.metrics import group_figures, url_timelines
from tvec.reports.transparency import previous_period
from tvec.store.models import utcnow
from tvec.views.reports import (
    DefinitionView,
    PeriodView,
    RemovalFiguresView,
    ScoreboardView,
    ScoreRowView,
)

#: Version of the shape of :class:`ScoreboardView`.
SCOREBOARD_VERSION = 1
#: Alerts a platform needs in the period before it is ranked.
MIN_ALERTS = 5
#: Weights of the score's parts (they sum to 1).
WEIGHTS = {"removal_rate": 0.4, "share_within_1h": 0.2, "share_within_24h": 0.2, "speed": 0.2}
#: Median time to removal (hours) at which ``speed`` reaches 0.
SPEED_HORIZON_HOURS = 168.0
#: Thresholds of the tiers.
THRESHOLDS = {
    "recognised_removal_rate": 0.9,
    "recognised_share_within_24h": 0.75,
    "recognised_share_within_1h": 0.5,
    "not_responding_removal_rate": 0.1,
}

#: The scoreboard's definitions, in plain words (also in docs/reports.md).
SCORE_DEFINITIONS = (
    ("Alerts sent", "Notices tvec sent to the platform in the period, one per URL."),
    (
        "Removal rate",
        "Share of those URLs that status checks later found removed (twice in a row).",
    ),
    (
        "Median time to removal",
        "Half of the removed URLs were gone within this time of the "
        "alert (upper bound: the first check that found the URL gone).",
    ),
    (
        "Removed within 1 h / 24 h",
        "Share of all alerted URLs removed within one hour / one day of the alert.",
    ),
    (
        "Score",
        "0 to 100: 40% removal rate, 20% share within 1 h, 20% share within 24 h and "
        "20% speed, where speed is 1 for an instant median removal, falls with the logarithm "
        "of the median hours and is 0 at seven days or more (or with no removal).",
    ),
    (
        "Minimum",
        "A platform is ranked only with at least the minimum number of alerts in "
        "the period; below it the figures are shown but not ranked.",
    ),
    (
        "Recognised",
        "Ranked platforms that removed at least 90% of alerted URLs, 75% within "
        "a day and 50% within an hour.",
    ),
    ("Not responding", "Ranked platforms that removed fewer than 10% of alerted URLs."),
    (
        "Trend",
        "The score against the previous period of the same length: up, down, same, "
        "or new when the platform was not ranked then.",
    ),
)


def speed(median_seconds: float | None) -> float:
    """``max(0, 1 - ln(1 + hours) / ln(1 + 168))`` of a median time to removal in seconds;
    0 for None (no removal)."""
    if median_seconds is None:
        return 0.0
    hours = median_seconds / 3600.0
    return max(0.0, 1.0 - math.log1p(hours) / math.log1p(SPEED_HORIZON_HOURS))


def score(figures: RemovalFiguresView) -> float:
    """The score (0-100, one decimal) of a platform's removal figures (module docstring)."""
    parts = {
        "removal_rate": figures.removal_rate or 0.0,
        "share_within_1h": figures.share_within_1h or 0.0,
        "share_within_24h": figures.share_within_24h or 0.0,
        "speed": speed(figures.median_seconds_to_removal),
    }
    return round(100.0 * sum(WEIGHTS[name] * value for name, value in parts.items()), 1)


def tier(figures: RemovalFiguresView) -> str:
    """``recognised``, ``not_responding`` or ``ranked`` of a ranked platform's figures."""
    rate = figures.removal_rate or 0.0
    if (
        rate >= THRESHOLDS["recognised_removal_rate"]
        and (figures.share_within_24h or 0.0) >= THRESHOLDS["recognised_share_within_24h"]
        and (figures.share_within_1h or 0.0) >= THRESHOLDS["recognised_share_within_1h"]
    ):
        return "recognised"
    if rate < THRESHOLDS["not_responding_removal_rate"]:
        return "not_responding"
    return "ranked"


def _ranks(scores: list[float]) -> list[int]:
    """Competition ranks of scores sorted highest first (1, 2, 2, 4)."""
    ranks: list[int] = []
    for i, value in enumerate(scores):
        ranks.append(ranks[-1] if i and value == scores[i - 1] else i + 1)
    return ranks


def _trend(now: float | None, before: float | None) -> tuple[float | None, str]:
    if now is None:
        return None, "none"
    if before is None:
        return None, "new"
    change = round(now - before, 1)
    return change, "up" if change >= 0.1 else "down" if change <= -0.1 else "same"


def scoreboard(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    now: datetime | None = None,
    registry: EntityRegistry | None = None,
    min_alerts: int = MIN_ALERTS,
) -> ScoreboardView:
    """The scoreboard of alerts sent in ``[since, until)`` (module docstring); removals are
    those confirmed by ``now`` (default: the current time).

    Raises:
        UsageError: ``since`` is not before ``until``, or ``min_alerts`` is below 1.
    """
    if since >= until:
        raise UsageError(f"from {since.isoformat()} is not before to {until.isoformat()}")
    if min_alerts < 1:
        raise UsageError(f"min-alerts {min_alerts} is below 1")
    now = now or utcnow()
    before_start, before_end = previous_period(since, until)
    current = group_figures(
        url_timelines(session, now=now, since=since, until=until, registry=registry), "platform"
    )
    previous = {
        f.key: f
        for f in group_figures(
            url_timelines(
                session, now=now, since=before_start, until=before_end, registry=registry
            ),
            "platform",
        )
    }
    ranked = sorted(
        (f for f in current if f.alerts_sent >= min_alerts),
        key=lambda f: (-score(f), -f.alerts_sent, f.key),
    )
    rows: list[ScoreRowView] = []
    for rank, figures in zip(_ranks([score(f) for f in ranked]), ranked, strict=True):
        rows.append(_row(figures, rank, previous.get(figures.key), min_alerts))
    for figures in sorted((f for f in current if f.alerts_sent < min_alerts), key=lambda f: f.key):
        rows.append(_row(figures, None, previous.get(figures.key), min_alerts))
    return ScoreboardView(
        version=SCOREBOARD_VERSION,
        period=PeriodView(since=since, until=until),
        previous_period=PeriodView(since=before_start, until=before_end),
        min_alerts=min_alerts,
        weights=dict(WEIGHTS),
        thresholds=dict(THRESHOLDS),
        rows=rows,
        methodology=[DefinitionView(term=t, definition=d) for t, d in SCORE_DEFINITIONS],
    )


def _row(
    figures: RemovalFiguresView,
    rank: int | None,
    before: RemovalFiguresView | None,
    min_alerts: int,
) -> ScoreRowView:
    value = score(figures) if rank is not None else None
    previous_score = (
        score(before) if before is not None and before.alerts_sent >= min_alerts else None
    )
    change, trend = _trend(value, previous_score)
    return ScoreRowView(
        rank=rank,
        platform=figures.key,
        tier=tier(figures) if rank is not None else "unranked",
        score=value,
        alerts_sent=figures.alerts_sent,
        removed=figures.removed,
        removal_rate=figures.removal_rate,
        median_seconds_to_removal=figures.median_seconds_to_removal,
        share_within_1h=figures.share_within_1h,
        share_within_24h=figures.share_within_24h,
        previous_alerts_sent=before.alerts_sent if before is not None else 0,
        previous_score=previous_score,
        score_change=change,
        trend=trend,
    )

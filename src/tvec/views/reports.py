"""Result models of removal metrics (how fast platforms take alerted URLs down).

``tvec stats removals --format json`` and ``GET /api/takedowns/metrics`` answer with
:class:`RemovalMetricsView`, built by :func:`tvec.reports.metrics.metrics_document`;
definitions of every figure are in ``docs/removal-metrics.md``.
"""

from __future__ import annotations

from pydantic import Field

from tvec.views.base import Timestamp, View


class UrlTimelineView(View):
    """One alerted URL from first sighting to (confirmed) removal.

    Seconds are rounded to one decimal; ``null`` where a time is not (yet) known.
    """

    url: str
    reference: str = Field(description="The alert's reference.")
    platform: str
    entity: str = Field(description="The alert's entity id.")
    ideology: str = Field(description="The entity's ideology, 'unknown' if not in the registry.")
    language: str = Field(description="ISO 639-3 code of the first sighting's item, or 'unknown'.")
    month: str = Field(description="YYYY-MM of sent_at (UTC).")
    first_seen_at: Timestamp
    sent_at: Timestamp
    last_online_at: Timestamp | None
    removed_at: Timestamp | None
    confirmed_at: Timestamp | None
    state: str | None = Field(description="tracking, removed or stopped; null: not tracked.")
    last_result: str | None = Field(description="Result of the latest status check.")
    seconds_to_alert: float
    seconds_to_removal: float | None = Field(description="Upper bound: removed_at - sent_at.")
    seconds_to_removal_min: float | None = Field(
        description="Lower bound: last_online_at - sent_at (0 if never seen online after it)."
    )

    @property
    def removed(self) -> bool:
        """Whether the removal is confirmed (as of the document's ``now``)."""
        return self.removed_at is not None

    @property
    def still_online(self) -> bool:
        """Not removed, and the latest status check found the URL online."""
        return not self.removed and self.last_result == "online"


class RemovalFiguresView(View):
    """The figures of one group of alerted URLs (``key``: the group's value, or ``all``).

    Counts are URLs; ``*_seconds_*`` are seconds (one decimal), null when the group has no
    removed URL; ``removal_rate`` and ``share_within_*`` are ratios (0..1, four decimals) of
    ``alerts_sent``.
    """

    key: str
    alerts_sent: int
    removed: int
    removal_rate: float | None
    median_seconds_to_removal: float | None
    p90_seconds_to_removal: float | None
    median_seconds_to_removal_min: float | None
    p90_seconds_to_removal_min: float | None
    removed_within_1h: int
    removed_within_24h: int
    removed_within_7d: int
    share_within_1h: float | None
    share_within_24h: float | None
    share_within_7d: float | None
    still_online: int
    median_seconds_to_alert: float | None


class PeriodView(View):
    """The period of a report: alerts sent ``since <= sent_at < until`` (null: open)."""

    since: Timestamp | None
    until: Timestamp | None


class RemovalMetricsView(View):
    """Every removal figure: overall, per dimension (groups sorted by key) and per URL (by
    ``sent_at`` then URL). Holds no generation time, so two renderings compare byte for
    byte."""

    version: int = Field(description="Version of this shape (1).")
    period: PeriodView
    overall: RemovalFiguresView
    by: dict[str, list[RemovalFiguresView]] = Field(
        description="platform, entity, ideology, language and month, in that order."
    )
    urls: list[UrlTimelineView]


# --- Transparency report and scoreboard (``tvec report``; docs/reports.md) ----------------


class CountView(View):
    """One group of a breakdown: its key and how many records it holds."""

    key: str
    count: int


class ContentSeenView(View):
    """What tvec saw in the period (items by ``collected_at``, matches and indicator hits by
    ``created_at``). A breakdown is null when the store holds no record of its kind at all."""

    items_scanned: int | None
    items_by_source_kind: list[CountView] | None
    matches: int | None
    matches_by_signal_type: list[CountView] | None
    matches_by_bank: list[CountView] | None
    matches_by_bank_source: list[CountView] | None
    indicator_hits: int | None
    indicator_hits_by_entity: list[CountView] | None
    items_analysed: int | None
    languages: list[CountView] | None


class ReviewSectionView(View):
    """The review queue's work in the period; seconds have one decimal, null when unknown."""

    cases_opened: int | None
    cases_decided: int | None
    decisions_by_outcome: list[CountView] | None
    removals_by_ground: list[CountView] | None
    median_seconds_to_decision: float | None
    p90_seconds_to_decision: float | None
    backlog_at_end: int | None
    backlog_median_age_seconds: float | None
    backlog_max_age_seconds: float | None
    appeals_filed: int | None
    appeals_upheld: int | None
    appeals_overturned: int | None
    reinstatements: int | None


class ChangeView(View):
    """One group's figures against the previous period of the same length.

    ``*_change`` is this period minus the previous one (counts; the removal rate in
    percentage points, two decimals); null when either side is unknown."""

    key: str
    alerts_sent: int
    previous_alerts_sent: int
    alerts_sent_change: int
    removed: int
    previous_removed: int
    removed_change: int
    removal_rate: float | None
    previous_removal_rate: float | None
    removal_rate_change_points: float | None


class AlertsSectionView(View):
    """Alerts sent to other platforms and their takedowns (figures as ``tvec stats
    removals``), with the change against the previous period."""

    overall: RemovalFiguresView
    previous_overall: RemovalFiguresView
    by: dict[str, list[RemovalFiguresView]]
    change: dict[str, list[ChangeView]] = Field(
        description="Per dimension, every key of either period; 'all' for the whole."
    )
    time_to_removal: list[CountView] = Field(
        description="Alerts of the period by time to removal (upper bound) bucket."
    )


class OrdersSectionView(View):
    """Removal orders received in the period (hosting side) and legal holds."""

    orders_received: int | None
    urls_named: int | None
    actioned_within_1h: int | None
    late: int | None
    pending: int | None
    not_executed: int | None
    rejected_3_7: int | None
    rejected_3_8: int | None
    holds_opened: int | None
    holds_extended: int | None
    holds_purged: int | None


class DefinitionView(View):
    """One term of the methodology and what it means, in plain words."""

    term: str
    definition: str


class InternalUrlView(View):
    """An alerted URL of the period (internal reports only)."""

    url: str
    reference: str
    platform: str
    entity: str
    sent_at: Timestamp
    removed_at: Timestamp | None
    seconds_to_removal: float | None


class TransparencyReportView(View):
    """The transparency report of a period ``[since, until)`` (``tvec report transparency``).

    Holds no generation time and, unless ``internal``, no URL and no personal data.
    """

    version: int = Field(description="Version of this shape (1).")
    title: str
    internal: bool
    period: PeriodView
    previous_period: PeriodView
    content: ContentSeenView
    review: ReviewSectionView
    alerts: AlertsSectionView
    orders: OrdersSectionView
    methodology: list[DefinitionView]
    limits: list[str]
    unknown: list[str] = Field(description="Figures the store holds no data for, and why.")
    urls: list[InternalUrlView] | None = Field(description="Internal variant only; else null.")


class ScoreRowView(View):
    """One platform on the scoreboard (figures as :class:`RemovalFiguresView`)."""

    rank: int | None = Field(description="1 = best; null when below the minimum of alerts.")
    platform: str
    tier: str = Field(description="recognised, ranked, not_responding or unranked.")
    score: float | None = Field(description="0-100, one decimal; null when unranked.")
    alerts_sent: int
    removed: int
    removal_rate: float | None
    median_seconds_to_removal: float | None
    share_within_1h: float | None
    share_within_24h: float | None
    previous_alerts_sent: int
    previous_score: float | None
    score_change: float | None
    trend: str = Field(description="up, down, same, new (not ranked before) or none.")


class ScoreboardView(View):
    """The platform accountability scoreboard of a period (``tvec report scoreboard``)."""

    version: int
    period: PeriodView
    previous_period: PeriodView
    min_alerts: int
    weights: dict[str, float]
    thresholds: dict[str, float]
    rows: list[ScoreRowView] = Field(description="Ranked rows by rank, then unranked by name.")
    methodology: list[DefinitionView]

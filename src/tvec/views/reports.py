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

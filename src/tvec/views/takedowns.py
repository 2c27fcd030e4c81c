"""Result models of takedowns (alerted or named URLs tracked by status checks).

``tvec check list --json`` answers with a list of :class:`TakedownView`;
``tvec check list --url URL --json`` with :class:`CheckHistoryView`.
"""

from __future__ import annotations

from pydantic import Field

from tvec.views.base import Timestamp, View


class TakedownView(View):
    """A takedown with its URL (times UTC, null when not yet known)."""

    url: str
    platform: str | None
    state: str = Field(description="tracking, removed or stopped.")
    requested_by: str = Field(description="alert, or user (named to 'tvec check run').")
    checks: int = Field(description="Status checks made so far.")
    last_result: str | None
    last_checked_at: Timestamp | None
    last_online_at: Timestamp | None
    removed_at: Timestamp | None = Field(description="First check of the confirmed run.")
    confirmed_at: Timestamp | None = Field(description="The check that confirmed it.")
    next_check_at: Timestamp | None
    created_at: Timestamp


class StatusCheckView(View):
    """One status check: what a visit found."""

    checked_at: Timestamp
    result: str = Field(description="online, removed, unreachable or unknown.")
    http_status: int | None
    final_url: str | None = Field(description="The URL after redirects.")
    route: str | None = Field(description="How a removal was recognised.")
    reason: str


class CheckHistoryView(View):
    """One URL's takedown (null if it is not tracked) and every status check, oldest first."""

    url: str = Field(description="The canonical URL.")
    takedown: TakedownView | None
    checks: list[StatusCheckView]


class UrlCheckView(View):
    """One URL of a status-check run: the check made (or why none was) and the takedown
    afterwards. A skipped URL (confirmed removed, or checked by another run meanwhile) has
    ``skipped`` true, no result, and the reason in ``reason``."""

    url: str
    platform: str | None
    takedown_id: int
    requested_by: str
    checked_at: Timestamp | None
    result: str | None = Field(description="online, removed, unreachable or unknown.")
    http_status: int | None
    final_url: str | None
    route: str | None = Field(description="How a removal was recognised.")
    reason: str | None
    skipped: bool
    confirmed: bool = Field(description="This check confirmed the removal.")
    state: str
    consecutive_removed: int
    last_online_at: Timestamp | None
    removed_at: Timestamp | None
    confirmed_at: Timestamp | None
    next_check_at: Timestamp | None


class CheckReportView(View):
    """What one run did: checks per result (plus ``skipped`` and ``confirmed``), and one
    :class:`UrlCheckView` per URL in the order checked."""

    counts: dict[str, int]
    checks: list[UrlCheckView]

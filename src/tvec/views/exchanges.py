"""Result models of exchanges: ``tvec exchange list|show|fetch --json``, the Exchanges page."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tvec.views.base import Timestamp, View


class ExchangeView(View):
    """An exchange: its configuration (no credential), state, last fetch and next run."""

    name: str
    kind: str
    bank: str
    enabled: bool
    feedback: bool = Field(description="Whether reviewers' decisions are sent back.")
    interval_seconds: int
    config: dict[str, Any] = Field(
        description="The kind's settings; credential_env/credential_file name where the "
        "credential is read from, never the credential."
    )
    state: str = Field(description="new, ok, partial (problems on entries), error, disabled.")
    entries: int = Field(description="Entries in the exchange's bank.")
    checkpoint: dict[str, Any] | None
    last_fetch_at: Timestamp | None
    last_success_at: Timestamp | None
    next_fetch_at: Timestamp | None
    last_counts: dict[str, Any]
    last_errors: list[str] = Field(description="Problems of the last fetch (at most 100).")
    feedback_pending: int = 0
    feedback_sent: int = 0


class ExchangeFetchView(View):
    """What one fetch of an exchange did."""

    name: str
    pages: int
    added: int
    updated: int
    deleted: int
    unchanged: int
    errors: list[str]
    complete: bool = Field(description="False when a page could not be used (fetch stopped).")
    entries: int


class FeedbackView(View):
    """One opinion in the feedback outbox."""

    id: int
    exchange: str
    case_id: int | None
    source_id: str
    opinion: str
    state: str
    attempts: int
    last_error: str | None
    sent_at: Timestamp | None


class FeedbackRunView(View):
    """What one pass over the feedback outbox did."""

    sent: int
    failed: int
    waiting: int

"""Result models of collection: sources and what polling them did.

``tvec source list|show --json`` answer with :class:`SourceView`; ``tvec source poll
--json`` with a list of :class:`PollOutcomeView`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tvec.views.base import Timestamp, View


class SourceView(View):
    """A source with its options, polling state and counts."""

    name: str
    kind: str = Field(description="One of the kinds of 'tvec source add'.")
    locator: str = Field(description="http(s) URL or absolute local path.")
    platform: str | None
    entity: str | None
    language: str | None
    notes: str | None
    enabled: bool
    options: dict[str, Any] = Field(description="Kind options (a csv/jsonl column mapping).")
    state: dict[str, Any] = Field(
        description="Polling state: last_status, last_polled_at, etag, last_error..."
    )
    items: int = Field(description="Items stored from it.")
    sightings: int = Field(description="Out-link sightings made in it.")
    created_at: Timestamp


class PollOutcomeView(View):
    """What polling one source did.

    ``status`` is ``fetched`` (items were read), ``not_modified`` (nothing new: 304, or the
    local file is unchanged), ``stopped`` (interrupted before the end), ``skipped``
    (disabled) or ``error`` (``problem`` says why).
    """

    source: str
    status: str
    scan_id: int | None = Field(default=None, description="The scan that stored the items.")
    counts: dict[str, int] = Field(
        default_factory=dict, description="That scan's counts (new, changed, unchanged...)."
    )
    errors: list[dict[str, str]] = Field(
        default_factory=list, description="Item errors of that scan (item, kind, error)."
    )
    problem: str | None = Field(default=None, description="Why the source itself failed.")

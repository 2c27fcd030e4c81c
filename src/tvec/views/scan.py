"""The result of a scan: ``tvec scan --json`` (the document of ``docs/scan-json.md``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tvec.views.base import View


class ScanCountsView(View):
    """What a scan did (see docs/scan-json.md)."""

    items: int = Field(description="Top-level items and their media seen by the scan.")
    new: int
    changed: int
    unchanged: int
    signals: int
    outlinks: int = Field(description="url signals (canonical out-links) of the items seen.")
    matches: int
    new_matches: int
    errors: int


class ScanMatchView(View):
    """One match of an item the scan saw (found by this scan or an earlier one)."""

    item: str = Field(description="The item's locator.")
    signal_type: str
    value: str = Field(description="The item's signal value (a variant's, with found_by).")
    bank: str
    entry_id: int
    entry_value: str
    distance: int
    labels: dict[str, Any] = Field(
        description="The entry's labels, plus found_by for a variant's or a video frame's match."
    )


class ScanErrorView(View):
    """An input problem the scan met."""

    item: str
    kind: str
    error: str


class ScanOutlinkView(View):
    """An out-link of an item the scan saw."""

    item: str
    url: str = Field(description="Canonical URL.")
    seen: str = Field(description="As written in the source.")
    platform: str = Field(description="The platform's name in the registry, or unknown.")
    registrable_domain: str


class ScanView(View):
    """The ``--json`` document of ``tvec scan`` (every key always present)."""

    scan_id: int
    status: str = Field(description="finished, finished_with_errors (or interrupted).")
    counts: ScanCountsView
    matches: list[ScanMatchView]
    errors: list[ScanErrorView]
    outlinks: list[ScanOutlinkView]

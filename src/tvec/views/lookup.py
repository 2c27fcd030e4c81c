"""Result models of the lookup box: what a pasted hash or URL, or an uploaded file, matches
in the banks and what tvec already holds with the same signal (items, their cases, and
out-links equivalent to a URL)."""

from __future__ import annotations

from pydantic import Field

from tvec.views.base import Timestamp, View
from tvec.views.matching import LookupMatchView, SignalView


class LookupCaseView(View):
    """A review case of an item found by a look-up."""

    id: int
    status: str


class LookupItemView(View):
    """An item that has one of the looked-up signals (exactly), with its cases."""

    id: int
    locator: str
    content_type: str
    source: str | None = Field(description="The source's name; null for items without one.")
    signal_type: str = Field(description="The signal the item shares with the query.")
    value: str
    cases: list[LookupCaseView]


class LookupOutlinkView(View):
    """An out-link equivalent to the looked-up URL (:mod:`tvec.urls.equivalence`)."""

    id: int
    url: str = Field(description="Its canonical URL.")
    platform: str | None
    first_seen_at: Timestamp
    last_seen_at: Timestamp
    sightings: int = Field(description="Items it was seen in.")
    item_ids: list[int] = Field(description="The first items it was seen in.")


class LookupResultView(View):
    """What a look-up found: bank matches (nearest first per signal), items with a signal
    of the query, equivalent out-links, and why some signals could not be computed."""

    query: str = Field(description="The value as given, or the uploaded file's name.")
    kind: str = Field(description="hash, url or file.")
    signals: list[SignalView] = Field(description="The signals looked up.")
    matches: list[LookupMatchView]
    items: list[LookupItemView]
    outlinks: list[LookupOutlinkView]
    errors: list[str]
    truncated: bool = Field(description="More items or out-links exist than are listed.")

"""Result models of out-links: canonical URLs found in items, with their sightings.

``tvec outlinks --json`` answers with a list of :class:`OutlinkView`.
"""

from __future__ import annotations

from pydantic import Field

from tvec.views.base import Timestamp, View


class SightingView(View):
    """One sighting of an out-link: where and how it was seen."""

    item: str = Field(description="The item's locator.")
    source: str | None = Field(description="The source's name (null: none, or removed).")
    seen: str = Field(description="The text as it was seen (before canonicalisation).")
    seen_at: Timestamp
    posted_at: Timestamp | None


class OutlinkView(View):
    """One canonical URL with its platform and sightings (oldest first)."""

    url: str
    platform: str = Field(description="The platform hosting it, or 'unknown'.")
    registrable_domain: str
    first_seen_at: Timestamp
    last_seen_at: Timestamp
    seen_as: list[str] = Field(default_factory=list, description="Spellings seen, in order.")
    sightings: list[SightingView] = Field(default_factory=list)


class ShortLinkView(View):
    """One short link expanded (``tvec outlinks-expand``)."""

    url: str = Field(description="The short link (canonical).")
    final: str = Field(description="Where it leads (canonical); the short link on an error.")
    platform: str = Field(description="The final URL's platform, or unknown.")
    hops: list[str] = Field(description="URLs redirected to, in order.")
    sightings: int = Field(description="Sightings added to the final URL (one per item).")
    cached: bool
    error: str | None = None

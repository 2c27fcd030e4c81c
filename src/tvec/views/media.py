"""Result model of the media routes (``POST /api/media/{item}/reveal``)."""

from __future__ import annotations

from pydantic import Field

from tvec.views.base import View


class RevealView(View):
    """A reveal was logged; the full preview may now be loaded for this session."""

    item_id: int
    preview_url: str
    revealed_today: int = Field(description="Media this reviewer revealed today (UTC).")
    break_after: int
    suggest_break: bool

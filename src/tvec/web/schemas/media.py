"""Response models of the media routes (reveal)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RevealOut(BaseModel):
    """A reveal was logged; the full preview may now be loaded for this session."""

    item_id: int
    preview_url: str
    revealed_today: int = Field(description="Media this reviewer revealed today (UTC).")
    break_after: int
    suggest_break: bool

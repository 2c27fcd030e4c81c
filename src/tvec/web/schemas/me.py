"""Models of the reviewer's own page: wellbeing counters and media defaults."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PrefsIn(BaseModel):
    """A reviewer's own media defaults (kept within the organisation's limits)."""

    blur_px: int = Field(ge=0, le=100)
    greyscale: bool


class MeOut(BaseModel):
    """Who is logged in, their reveals today, and their media defaults."""

    username: str
    role: str
    revealed_today: int
    break_after: int
    suggest_break: bool
    blur_px: int
    greyscale: bool
    min_blur_px: int
    greyscale_required: bool

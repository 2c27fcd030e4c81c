"""Result and request models of accounts: users (``tvec user list --json``) and the
reviewer's own page (``/api/me``: wellbeing counters and media defaults)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tvec.views.base import Timestamp, View


class UserView(View):
    """A user account as listed: role, state and last login."""

    username: str
    role: str
    disabled: bool
    last_login_at: Timestamp | None
    must_change_password: bool = Field(
        default=False, description="Still a one-time password: changed at the next login."
    )


class TokenView(View):
    """An API token as listed (never the token itself: its first characters only)."""

    id: int
    username: str
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it.")
    revoked: bool
    created_at: Timestamp
    last_used_at: Timestamp | None


class MeView(View):
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


class PrefsIn(BaseModel):
    """A reviewer's own media defaults (kept within the organisation's limits)."""

    blur_px: int = Field(ge=0, le=100)
    greyscale: bool

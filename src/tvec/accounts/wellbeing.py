"""Moderator wellbeing: media revealed per reviewer per UTC day, break suggestions, and each
reviewer's own blur/greyscale defaults kept within the organisation's limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from tvec.audit.events import SettingChanged, record_event
from tvec.errors import NotFoundError, UsageError
from tvec.settings import Settings
from tvec.store.models.accounts import Account, ReviewerDay


@dataclass(frozen=True)
class MediaPrefs:
    """How media first appear to a reviewer: blur radius (CSS pixels) and greyscale."""

    blur_px: int
    greyscale: bool


@dataclass(frozen=True)
class RevealCount:
    """Media a reviewer revealed today (UTC), and whether a break is suggested."""

    day: str
    reveals: int
    break_after: int

    @property
    def suggest_break(self) -> bool:
        """True once ``reveals`` reaches the configured ``break_after``."""
        return self.reveals >= self.break_after


def _today(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%d")


def count_reveal(
    session: Session, account_id: int, settings: Settings, now: datetime | None = None
) -> RevealCount:
    """Add one reveal to the reviewer's count for today (UTC) and return the new count."""
    day = _today(now)
    row = session.get(ReviewerDay, (account_id, day))
    if row is None:
        row = ReviewerDay(account_id=account_id, day=day, reveals=0)
        session.add(row)
    row.reveals += 1
    session.flush()
    return RevealCount(day, row.reveals, settings.reveal_break_after)


def reveals_today(
    session: Session, account_id: int, settings: Settings, now: datetime | None = None
) -> RevealCount:
    """The reviewer's reveal count for today (UTC)."""
    day = _today(now)
    row = session.get(ReviewerDay, (account_id, day))
    return RevealCount(day, row.reveals if row else 0, settings.reveal_break_after)


def media_prefs(account: Account, settings: Settings) -> MediaPrefs:
    """The reviewer's media defaults, clamped to the organisation's limits."""
    prefs = account.prefs or {}
    blur = int(prefs.get("blur_px", settings.blur_px))
    grey = bool(prefs.get("greyscale", True))
    return MediaPrefs(
        blur_px=max(settings.min_blur_px, min(blur, 100)),
        greyscale=grey or settings.greyscale_required,
    )


def account_media_prefs(session: Session, account_id: int, settings: Settings) -> MediaPrefs:
    """:func:`media_prefs` of the account ``account_id``.

    Raises:
        NotFoundError: no such account.
    """
    account = session.get(Account, account_id)
    if account is None:
        raise NotFoundError(f"no account {account_id}")
    return media_prefs(account, settings)


def set_media_prefs(
    session: Session, account_id: int, settings: Settings, blur_px: int, greyscale: bool
) -> MediaPrefs:
    """Set a reviewer's own defaults; record the change in the audit log.

    Raises:
        NotFoundError: no such account.
        UsageError: ``blur_px`` is below ``TVEC_MIN_BLUR_PX`` or above 100, or greyscale
            is turned off while ``TVEC_GREYSCALE_REQUIRED`` is on.
    """
    account = session.get(Account, account_id)
    if account is None:
        raise NotFoundError(f"no account {account_id}")
    if not settings.min_blur_px <= blur_px <= 100:
        raise UsageError(f"blur must be between {settings.min_blur_px} and 100 pixels")
    if settings.greyscale_required and not greyscale:
        raise UsageError("greyscale is required by the organisation (TVEC_GREYSCALE_REQUIRED)")
    account.prefs = {**(account.prefs or {}), "blur_px": blur_px, "greyscale": greyscale}
    record_event(
        session,
        account.username,
        SettingChanged(username=account.username, blur_px=blur_px, greyscale=greyscale),
    )
    return MediaPrefs(blur_px, greyscale)

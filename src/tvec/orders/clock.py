"""The one-hour clock of a removal order (Regulation (EU) 2021/784, Article 3(3)).

The hosting service provider removes the content, or disables access to it in all Member
States, "as soon as possible and in any event within one hour of receipt of the removal
order". So the clock starts at ``received_at`` and the deadline is ``received_at`` plus
:data:`ORDER_DEADLINE`. An order is ``open`` while ``now < deadline_at`` and ``overdue``
from ``deadline_at`` itself (zero seconds left is too late), until every URL is acted on.

An order that cannot be executed is ``rejected`` (Article 3(7), 3(8)); its deadline then
starts to run again when the grounds cease or the clarification arrives, so resuming it
sets ``deadline_at`` to the time of resumption plus one hour
(:func:`tvec.orders.impossibility.resume_order`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from tvec.errors import UsageError
from tvec.store.models.orders import RemovalOrder
from tvec.views.durations import time_left

#: Time allowed between receipt and removal (Article 3(3): one hour).
ORDER_DEADLINE = timedelta(hours=1)
#: How far in the future a time of receipt may lie (the clocks of the authority, the mail
#: server and this machine may differ a little); later times are refused as mistakes.
RECEIPT_CLOCK_SKEW = timedelta(minutes=5)
#: When the Regulation began to apply (Article 24: "It shall apply from 7 June 2022"):
#: midnight at the start of that day in the easternmost time zone of a Member State
#: (Réunion, UTC+4), so no order received on 7 June 2022 anywhere in the Union is refused.
#: A time of receipt before it is refused as a mistake.
REGULATION_APPLIES_FROM = datetime(2022, 6, 7, tzinfo=timezone(timedelta(hours=4)))


def deadline_for(received_at: datetime) -> datetime:
    """The deadline of an order received (or resumed) at ``received_at`` (plus one hour)."""
    return received_at + ORDER_DEADLINE


def order_state(order: RemovalOrder, now: datetime) -> tuple[str, float]:
    """The order's status at ``now`` and its seconds left (negative once past the deadline).

    Returns:
        ``(status, seconds_left)``: ``status`` is ``open`` while ``now < deadline_at``,
        ``overdue`` from ``deadline_at`` exactly (``seconds_left <= 0``), ``done`` once
        every URL is acted on, or ``rejected`` (the clock stopped: the order cannot be
        executed, Article 3(7), 3(8); ``seconds_left`` still counts to the deadline that
        was running). For a ``done`` order ``seconds_left`` is the
        margin it was completed with (``deadline_at - completed_at``; negative when late),
        so it no longer changes with ``now``. Computed from the times, so an order past its
        deadline is ``overdue`` here even before a sweep has stored that status.
    """
    if order.status == "rejected":
        return "rejected", (order.deadline_at - now).total_seconds()
    if order.status == "done" or (order.urls and all(u.acted_at for u in order.urls)):
        completed = order.completed_at or max(u.acted_at for u in order.urls if u.acted_at)
        return "done", (order.deadline_at - completed).total_seconds()
    left = (order.deadline_at - now).total_seconds()
    return ("open" if now < order.deadline_at else "overdue"), left


def format_time_left(seconds: float) -> str:
    """``seconds`` left for people: ``59 min 12 s left``, or ``1 h 12 min late`` at or past
    zero (:func:`tvec.views.durations.time_left`; 0.4 s left shows ``0 s left``).
    """
    return time_left(seconds)


def parse_time(value: str | datetime, what: str) -> datetime:
    """An ISO 8601 time with a UTC offset (``2024-05-01T10:00:00Z``), as aware UTC.

    ``what`` names the value in messages (``--received-at``, ``removal order file o.json:
    received_at``).

    Raises:
        UsageError: not ISO 8601, no time zone given (a time of receipt without one is
            ambiguous by up to a day), or a time that cannot be expressed in UTC (an offset
            pushing it before year 1 or after year 9999, e.g. ``0001-01-01T00:00:00+01:00``).
    """
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise UsageError(
                f"{what} {value!r} is not an ISO 8601 time (e.g. 2024-05-01T10:00:00Z)"
            ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise UsageError(f"{what} {str(value)!r} has no time zone; add Z or an offset (+02:00)")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise UsageError(
            f"{what} {str(value)!r} is out of range (in UTC it falls before year 1 or after "
            "year 9999)"
        ) from None


def check_receipt(received_at: datetime, now: datetime) -> None:
    """Refuse a time of receipt the Regulation cannot have applied to, or one in the future.

    Raises:
        UsageError: ``received_at`` is before :data:`REGULATION_APPLIES_FROM` (7 June 2022,
            Article 24), or more than :data:`RECEIPT_CLOCK_SKEW` (five minutes) after ``now``.
    """
    if received_at < REGULATION_APPLIES_FROM:
        raise UsageError(
            f"time of receipt {format_time(received_at)} is before 7 June 2022, when "
            "Regulation (EU) 2021/784 began to apply (Article 24); check the date"
        )
    if received_at > now + RECEIPT_CLOCK_SKEW:
        raise UsageError(
            f"time of receipt {received_at.isoformat()} is in the future (now {now.isoformat()})"
        )


def format_time(value: datetime | str | None) -> str:
    """A time for people, the same whatever its source: UTC, whole seconds
    (``2024-05-01 10:00:00 UTC``; fractions of a second are cut, not rounded); ``""`` for
    None. A string is read as ISO 8601 (as stored in documents); naive times are taken as
    UTC.
    """
    if value is None:
        return ""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        when = when.astimezone(UTC)
    except OverflowError:  # only reachable for a time never stored (out of UTC's range)
        return when.isoformat()
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")

"""Time: the current time and the one timestamp format tvec writes.

Every time tvec stores is timezone-aware UTC (:func:`utcnow`). Every time it writes out (the
CLI's ``--json``, the web API, stored JSON documents, logs) is RFC 3339 in UTC with a ``Z``
(:func:`rfc3339`): ``2026-11-03T10:00:00Z``, with microseconds only when they are not zero
(``2026-11-03T10:00:00.250000Z``), the spelling pydantic uses for UTC datetimes.

A :data:`Clock` is a function that returns the current time; the application context holds
one, so that tests and replays can freeze or move time without patching.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

#: A source of the current time (timezone-aware UTC).
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    """``moment`` as RFC 3339 in UTC with ``Z``: ``2026-11-03T10:00:00Z`` (a time that has
    no UTC equivalent in Python's range, such as 9999-12-31T23:00-05:00, keeps its offset).

    Raises:
        ValueError: ``moment`` has no time zone (tvec never writes a naive time).
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: tvec writes only timezone-aware times")
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:  # a time near year 1 or 9999 given with an offset (user input)
        return moment.isoformat()
    return utc.isoformat().replace("+00:00", "Z")


def rfc3339_or_none(moment: datetime | None) -> str | None:
    """:func:`rfc3339` of ``moment``, or ``None``."""
    return None if moment is None else rfc3339(moment)

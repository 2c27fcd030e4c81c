"""One duration formatter for people, shared by the CLI and the web pages.

``1 h 12 min``, ``59 min 12 s``, ``45 s``, ``2 d 3 h``: the two largest non-zero units,
whole seconds (rounded half to even). Never raw seconds (``2876012 s``) nor clock digits
(``798:52:48``); the exact value stays in the JSON output (``seconds_left``,
``late_by_seconds``).
"""

from __future__ import annotations

_UNITS = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))


def readable_duration(seconds: float) -> str:
    """``seconds`` (its absolute value) for people: ``1 h 12 min``, ``3 d 4 h``, ``0 s``.

    At most the two largest units are shown, the second only when it is not zero
    (``2 h``, not ``2 h 0 min``); smaller units are cut, not rounded.
    """
    total = abs(round(seconds))
    parts: list[str] = []
    for name, size in _UNITS:
        count, total = divmod(total, size)
        if count and len(parts) < 2:
            parts.append(f"{count} {name}")
        elif parts:
            break
    return " ".join(parts) if parts else "0 s"


def time_left(seconds: float) -> str:
    """Time left until a deadline: ``59 min 12 s left``, or ``1 h 12 min late`` at or past
    it (0.4 s left shows ``0 s left``, still open; 0.4 s past ``0 s late``)."""
    if seconds > 0:
        return f"{readable_duration(seconds)} left"
    return f"{readable_duration(seconds)} late"


def lateness(seconds_late: float) -> str:
    """How late something was done: ``1 h 12 min late``, or ``on time`` at zero or less."""
    return "on time" if seconds_late <= 0 else f"{readable_duration(seconds_late)} late"

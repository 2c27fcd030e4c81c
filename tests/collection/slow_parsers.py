"""Stand-in parsers for the parse worker tests, importable by name in a worker process (this
module imports nothing heavy, so a worker starts quickly)."""

from __future__ import annotations

import time


def nap(seconds: float) -> str:
    """A parser that hangs for ``seconds``."""
    time.sleep(seconds)
    return "woke"


def twice(text: str) -> str:
    """A parser that answers at once."""
    return text * 2

"""Helper-process jobs for the isolation tests: they crash, hang or eat memory on cue.

They run in :mod:`tvec.isolation`'s child process (imported there by name).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from tvec.analysis.media_text import media_text as real_media_text
from tvec.errors import CorruptMediaError
from tvec.signals import SignalValue
from tvec.signals.hashing import hash_video_job


def segfault() -> None:
    """Die as a native crash would."""
    os.kill(os.getpid(), signal.SIGSEGV)


def echo(value: Any) -> Any:
    return value


def pid() -> int:
    return os.getpid()


def hang(seconds: float) -> None:
    time.sleep(seconds)


def corrupt(name: str) -> None:
    raise CorruptMediaError(name, "bad frame")


def allocate(size: int) -> int:
    return len(bytearray(size))


def _cue(name: str) -> None:
    base = Path(name).name
    if "crash" in base:
        segfault()
    if "hang" in base:
        hang(3600)


def hash_video(signal_type: str, data: bytes, name: str) -> SignalValue:
    """:func:`tvec.signals.hashing.hash_video_job`, crashing or hanging on cue (file name)."""
    _cue(name)
    return hash_video_job(signal_type, data, name)


def media_text(data: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """:func:`tvec.analysis.media_text.media_text`, crashing or hanging on cue (file name)."""
    _cue(name)
    return real_media_text(data, name, *args, **kwargs)


def helper_pid_in_worker(_: int) -> int:
    """Run a job in this (pool worker) process's helper; the helper's process id."""
    from tvec.isolation import MediaLimits, helper_for

    value: int = helper_for(MediaLimits(60, 0)).call("x", "tests.scan.jobs:pid")
    return value

"""What every benchmark writes: a line of machine facts and its own section of a Markdown file.

Benchmarks run as scripts (``python bench/NAME.py``), so this module is imported as
``report`` from the ``bench/`` folder.
"""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (or what ``platform`` knows)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ram_gib() -> float:
    """Total memory in GiB (0 when /proc/meminfo cannot be read)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return 0.0


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, e.g. ``1.5, 1.6, 2.1``."""
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def machine_line() -> str:
    """CPU model, cores, memory and Python version in one line."""
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, {ram_gib():.0f} GiB RAM, "
        f"Python {platform.python_version()}"
    )


def utc_now() -> str:
    """The current time as ``YYYY-MM-DD HH:MM UTC``."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def replace_section(path: Path, heading: str, body: str) -> None:
    """Put ``body`` (starting with ``heading``) in place of that section of ``path``.

    The section runs from the line equal to ``heading`` to the next ``## `` heading; it is
    appended when absent, and nothing else in the file changes. Written atomically.
    """
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == heading), None)
    if start is None:
        new = text.rstrip("\n") + "\n\n" + body.rstrip("\n") + "\n"
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), None)
        tail = lines[end:] if end is not None else []
        new = "\n".join([*lines[:start], *body.rstrip("\n").splitlines(), "", *tail])
        new = new.rstrip("\n") + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, path)

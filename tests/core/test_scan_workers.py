"""`tvec scan` worker processes: no worker outlives its scan; SIGTERM stops cleanly (issue 17,
part 3)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from tests.core.test_scan import counts, make_images
from tvec.settings import load_settings
from tvec.store import open_store
from tvec.store.models import Scan


def _children(pid: int) -> set[int]:
    """Every live (not zombie) descendant of ``pid``, from the process table (/proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _start_scan(
    tmp_path: Path, images: int, *, stderr: int = subprocess.PIPE
) -> tuple[subprocess.Popen[str], Path]:
    folder = tmp_path / "in"
    make_images(folder, images)
    home = tmp_path / "home"
    env = {
        **os.environ,
        "TVEC_HOME": str(home),
        "TVEC_PROGRESS": "false",
        "TVEC_WORKERS": "2",
        "TVEC_ANALYSIS_OCR": "false",
    }
    env.pop("TVEC_DATABASE_URL", None)
    open_store(load_settings(home=home, progress=False)).close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tvec", "scan", str(folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,  # an orphan worker would hold a pipe open
        text=True,
    )
    return proc, home


def _workers_of(proc: subprocess.Popen[str]) -> set[int]:
    deadline = time.monotonic() + 600  # generous: the machine may be busy
    while time.monotonic() < deadline:
        workers = _children(proc.pid)
        if len(workers) >= 2:  # the pool's workers have started
            return workers
        time.sleep(0.05)
    raise AssertionError("the scan started no worker processes")


def _gone(pids: set[int]) -> bool:
    deadline = time.monotonic() + 60
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pids)


def test_sigkill_of_the_scan_leaves_no_worker_behind(tmp_path: Path) -> None:
    proc, _ = _start_scan(tmp_path, 600, stderr=subprocess.DEVNULL)
    workers = _workers_of(proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert _gone(workers), f"left behind: {sorted(_alive(workers))}"


def test_sigkill_while_the_workers_hash_leaves_no_process_behind(tmp_path: Path) -> None:
    # Killed once a batch is stored: the fork server and every worker it forked are running.
    proc, home = _start_scan(tmp_path, 600, stderr=subprocess.DEVNULL)
    store = open_store(load_settings(home=home, progress=False))
    deadline = time.monotonic() + 600
    while counts(store)[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    store.close()
    processes = _children(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert len(processes) >= 3  # two workers and multiprocessing's resource tracker at least
    assert _gone(processes), f"left behind: {sorted(_alive(processes))}"


def test_sigterm_stops_the_scan_cleanly_and_says_so(tmp_path: Path) -> None:
    proc, home = _start_scan(tmp_path, 600)
    workers = _workers_of(proc)
    store = open_store(load_settings(home=home, progress=False))
    deadline = time.monotonic() + 600
    while counts(store)[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert "stopped by SIGTERM" in stderr
    assert "Traceback" not in stderr
    assert _gone(workers), f"left behind: {sorted(_alive(workers))}"
    items = counts(store)[0]
    assert 0 < items < 600 and items % 64 == 0  # whole batches only
    with store.session() as session:
        assert [s.status for s in session.scalars(select(Scan))] == ["interrupted"]
    store.close()

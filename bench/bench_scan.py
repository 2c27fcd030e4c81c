"""`tvec scan` throughput: N generated 1024x768 JPEGs + N posts (OCR off), in one run:

- main before issue 17 part 3 (a git worktree of BASE, default f311d57) vs this tree,
  TVEC_WORKERS=1 and 2, interleaved, each ``--repeat`` times (the best wall time is kept);
- with ``--dask``: this tree on a local Dask cluster (scheduler + 1 or 2 workers, --nthreads 1).

Each run is a fresh `python -m tvec scan` subprocess into a fresh SQLite store (TVEC_HOME);
items/s = 2N / wall seconds. Besides wall time it reports CPU seconds per 1,000 items of the
scan's own process (``getrusage(RUSAGE_SELF)`` at its exit) and of the whole scan (its
``wait4`` rusage: the process and its workers): load-independent figures. It ends with the
acceptance ratios of issue 17 (this tree's items/s over BASE's at TVEC_WORKERS=2, and this
tree's two workers over one) and the load average before and after. Usage:

    python bench/bench_scan.py [N] [BASE_COMMIT] [--repeat R] [--dask] [--base-two-only]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parents[1]
DASK = Path(sys.executable).parent / "dask"

#: Runs tvec's CLI and writes the CPU seconds of this process (not its workers) to a file;
#: ``-c`` code, so spawned workers do not run it again.
LAUNCH = """
import atexit, resource, runpy, sys
def _cpu(path):
    r = resource.getrusage(resource.RUSAGE_SELF)
    with open(path, "w") as f:
        f.write(str(r.ru_utime + r.ru_stime))
atexit.register(_cpu, sys.argv[1])
sys.argv = ["tvec", *sys.argv[2:]]
runpy.run_module("tvec", run_name="__main__")
"""


def make_input(folder: Path, n: int) -> None:
    folder.mkdir(parents=True)
    rng = random.Random(7)
    base = Image.effect_noise((1024, 768), 40).convert("RGB")
    for i in range(n):
        img = base.rotate(rng.uniform(-20, 20)).point(lambda v, s=i: (v + s * 7) % 256)
        img.save(folder / f"img-{i:05d}.jpg", quality=85)
    with (folder / "posts.jsonl").open("w", encoding="utf-8") as out:
        for i in range(n):
            text = f"post {i}: news of the day, see https://example.org/{i} and more words here"
            out.write(json.dumps({"id": str(i), "text": text}) + "\n")


@dataclass
class Run:
    """One scan: wall seconds, CPU seconds of the scan's process and of the whole scan."""

    wall: float
    main_cpu: float
    total_cpu: float


def run(tree: Path, folder: Path, workers: int, scheduler: str | None = None) -> Run:
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "PYTHONPATH": str(tree / "src"),
            "TVEC_HOME": home,
            "TVEC_WORKERS": str(workers),
            "TVEC_ANALYSIS_OCR": "false",
            "TVEC_PROGRESS": "false",
        }
        env.pop("TVEC_DATABASE_URL", None)
        cpu_file = Path(home) / "main-cpu"
        args = [sys.executable, "-c", LAUNCH, str(cpu_file), "scan", str(folder), "--json", "-"]
        if scheduler:
            args += ["--scheduler", scheduler]
        start = time.perf_counter()
        proc = subprocess.Popen(
            args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        assert proc.stderr is not None
        stderr = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):
            raise SystemExit(stderr[-2000:])
        main_cpu = float(cpu_file.read_text())
        return Run(wall, main_cpu, usage.ru_utime + usage.ru_stime)


def cluster(workers: int) -> tuple[str, list[subprocess.Popen[bytes]]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(HERE / "src")}
    quiet = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    address = f"tcp://127.0.0.1:{port}"
    procs = [
        subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            **quiet,
        )
    ]  # type: ignore[call-overload]
    procs += [
        subprocess.Popen(
            [str(DASK), "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard"],
            **quiet,
        )
        for _ in range(workers)
    ]  # type: ignore[call-overload]
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(workers, timeout=60)
        client.run(lambda: __import__("tvec.scan.prepare"))  # import once, as a long-lived cluster
    return address, procs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=5000, help="JPEGs (and posts)")
    parser.add_argument("base", nargs="?", default="f311d57", help="commit to compare with")
    parser.add_argument("--repeat", type=int, default=1, help="runs per configuration")
    parser.add_argument("--dask", action="store_true", help="also scan on a local Dask cluster")
    parser.add_argument("--input", type=Path, help="reuse this input folder (made by a run)")
    parser.add_argument("--skip-base", action="store_true", help="only this tree's runs")
    parser.add_argument(
        "--base-two-only",
        action="store_true",
        help="run BASE with TVEC_WORKERS=2 only (the acceptance's peer; its 1-worker run is slow)",
    )
    options = parser.parse_args()
    n = options.n
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = options.input or Path(tmp) / "in"
        if not folder.exists():
            make_input(folder, n)
        base_tree = Path(tmp) / "base"
        subprocess.run(
            ["git", "-C", str(HERE), "worktree", "add", "--detach", str(base_tree), options.base],
            check=True,
            capture_output=True,
        )
        configs = [
            ("main (base)", base_tree, 1),
            ("main (base)", base_tree, 2),
            ("this branch", HERE, 1),
            ("this branch", HERE, 2),
        ][2 if options.skip_base else 1 if options.base_two_only else 0 :]
        best: dict[tuple[str, int], Run] = {}
        try:
            for _ in range(options.repeat):
                for label, tree, workers in configs:
                    result = run(tree, folder, workers)
                    print(label, workers, result, flush=True)
                    key = (label, workers)
                    if key not in best or result.wall < best[key].wall:
                        best[key] = result
            rows = [(f"{label}, TVEC_WORKERS={w}", best[(label, w)]) for label, _, w in configs]
            if options.dask:
                for workers in (1, 2):
                    address, procs = cluster(workers)
                    try:
                        result = run(HERE, folder, 1, address)
                    finally:
                        for proc in procs:
                            proc.kill()
                            proc.wait()
                    rows.append((f"this branch, Dask, {workers} worker(s)", result))
                    print(rows[-1], flush=True)
        finally:
            subprocess.run(
                ["git", "-C", str(HERE), "worktree", "remove", "--force", str(base_tree)],
                check=False,
            )
    load_after = os.getloadavg()
    items = 2 * n
    print(
        f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; N={n} JPEGs + {n} posts; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    print("| run | wall s | items/s | CPU s per 1,000 items: scan's process | all processes |")
    print("|---|---:|---:|---:|---:|")
    for label, r in rows:
        print(
            f"| {label} | {r.wall:.1f} | {items / r.wall:.1f} | "
            f"{1000 * r.main_cpu / items:.2f} | {1000 * r.total_cpu / items:.2f} |"
        )
    this1, this2 = best[("this branch", 1)], best[("this branch", 2)]
    if not options.skip_base:
        base2 = best[("main (base)", 2)]
        print(
            f"\nthis branch / {options.base} items/s, TVEC_WORKERS=2: "
            f"{base2.wall / this2.wall:.2f}x (acceptance: at least 3x)"
        )
    print(
        f"this branch, two workers / one worker items/s: {this1.wall / this2.wall:.2f}x "
        "(acceptance: at least 1.6x)"
    )


if __name__ == "__main__":
    main()

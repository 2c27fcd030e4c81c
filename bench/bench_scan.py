"""`tvec scan` throughput: N generated 1024x768 JPEGs + N posts (OCR off), in one run:

- main before issue 17 part 3 (a git worktree of BASE) vs this tree, TVEC_WORKERS=1 and 2;
- this tree on a local Dask cluster (scheduler + 1 or 2 workers, --nthreads 1), with its
  inputs grouped into tasks of ``tvec.scan.cluster.TASK_INPUTS`` and, as the peer, one task
  per input (``TASK_INPUTS = 1``, the Dask path before tasks were grouped).

Each run is a fresh `python -m tvec scan` subprocess into a fresh SQLite store (TVEC_HOME);
items/s = 2N / wall seconds. CPU s is user+sys of every process the run waited for
(``RUSAGE_CHILDREN``): the scan and its pool; for Dask runs also the scheduler and the
workers (started for the run, their start-up included). Usage:

    python bench/bench_scan.py [N] [BASE_COMMIT]     (BASE_COMMIT "-": no base runs)
"""

from __future__ import annotations

import json
import os
import platform
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parents[1]
DASK = Path(sys.executable).parent / "dask"


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


def cpu_children() -> float:
    """User+sys CPU seconds of the children waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(
    tree: Path, folder: Path, workers: int, scheduler: str | None = None, task_inputs: int = 0
) -> float:
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
        args = [sys.executable, "-m", "tvec", "scan", str(folder), "--json", "-"]
        if task_inputs:
            code = (
                f"import sys, tvec.scan.cluster as c; c.TASK_INPUTS = {task_inputs}; "
                "from tvec.cli.app import main; sys.argv = ['tvec', *sys.argv[1:]]; main()"
            )
            args = [sys.executable, "-c", code, *args[3:]]
        if scheduler:
            args += ["--scheduler", scheduler]
        start = time.perf_counter()
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        if done.returncode not in (0, 1):
            raise SystemExit(done.stderr[-2000:])
        return wall


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
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    base = sys.argv[2] if len(sys.argv) > 2 else "f7aa9e0"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        make_input(folder, n)
        base_tree = Path(tmp) / "base"
        peers = [("this branch", HERE, 1), ("this branch", HERE, 2)]
        if base != "-":
            subprocess.run(
                ["git", "-C", str(HERE), "worktree", "add", "--detach", str(base_tree), base],
                check=True,
                capture_output=True,
            )
            peers = [("main (base)", base_tree, 1), ("main (base)", base_tree, 2), *peers]
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        try:
            rows = []
            for label, tree, workers in peers:
                cpu = cpu_children()
                wall = run(tree, folder, workers)
                rows.append((f"{label}, TVEC_WORKERS={workers}", wall, cpu_children() - cpu))
                print(rows[-1], flush=True)
            from tvec.scan.cluster import TASK_INPUTS

            for task_inputs in (1, TASK_INPUTS):
                for workers in (1, 2):
                    cpu = cpu_children()
                    address, procs = cluster(workers)
                    try:
                        wall = run(HERE, folder, 1, address, task_inputs)
                    finally:
                        for proc in procs:
                            proc.kill()
                            proc.wait()
                    label = f"this branch, Dask, {workers} worker(s), {task_inputs} input(s)/task"
                    rows.append((label, wall, cpu_children() - cpu))
                    print(rows[-1], flush=True)
        finally:
            if base != "-":
                subprocess.run(
                    ["git", "-C", str(HERE), "worktree", "remove", "--force", str(base_tree)],
                    check=False,
                )
    print(
        f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; N={n} JPEGs + {n} posts; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average at the start "
        f"{load}, at the end "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print("| run | wall s | items/s | CPU s |")
    print("|---|---:|---:|---:|")
    for label, wall, cpu in rows:
        print(f"| {label} | {wall:.1f} | {2 * n / wall:.1f} | {cpu:.1f} |")


if __name__ == "__main__":
    main()

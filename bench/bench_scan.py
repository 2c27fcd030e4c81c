"""`tvec scan` throughput: N generated 1024x768 JPEGs + N posts (OCR off), in one run:

- main before issue 17 part 3 (a git worktree of BASE) vs this tree, TVEC_WORKERS=1 and 2;
- this tree on a local Dask cluster (scheduler + 1 or 2 workers, --nthreads 1).

Each run is a fresh `python -m tvec scan` subprocess into a fresh SQLite store (TVEC_HOME);
items/s = 2N / wall seconds. Usage:

    python bench/bench_scan.py [N] [BASE_COMMIT]
"""

from __future__ import annotations

import json
import os
import platform
import random
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


def run(tree: Path, folder: Path, workers: int, scheduler: str | None = None) -> float:
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
        subprocess.run(
            ["git", "-C", str(HERE), "worktree", "add", "--detach", str(base_tree), base],
            check=True,
            capture_output=True,
        )
        try:
            rows = []
            for label, tree, workers in [
                ("main (base)", base_tree, 1),
                ("main (base)", base_tree, 2),
                ("this branch", HERE, 1),
                ("this branch", HERE, 2),
            ]:
                wall = run(tree, folder, workers)
                rows.append((f"{label}, TVEC_WORKERS={workers}", wall))
                print(rows[-1], flush=True)
            for workers in (1, 2):
                address, procs = cluster(workers)
                try:
                    wall = run(HERE, folder, 1, address)
                finally:
                    for proc in procs:
                        proc.kill()
                        proc.wait()
                rows.append((f"this branch, Dask, {workers} worker(s)", wall))
                print(rows[-1], flush=True)
        finally:
            subprocess.run(
                ["git", "-C", str(HERE), "worktree", "remove", "--force", str(base_tree)],
                check=False,
            )
    print(
        f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; N={n} JPEGs + {n} posts"
    )
    print("| run | wall s | items/s |")
    print("|---|---:|---:|")
    for label, wall in rows:
        print(f"| {label} | {wall:.1f} | {2 * n / wall:.1f} |")


if __name__ == "__main__":
    main()

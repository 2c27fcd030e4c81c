"""CPU start-up of common ``tvec`` commands: this tree against an older commit, in one run.

Each command runs as a fresh process (``python -m tvec ...``) with ``PYTHONPATH`` pointing at the
source tree under test, in a home prepared for it (a bank of 100 PDQ hashes, a scanned picture),
``--repeat`` times; the CPU time (user + system, seconds) of each run is read from
``resource.getrusage(RUSAGE_CHILDREN)``. The older tree is taken with ``git archive`` (default
``f311d57``, main before the reshaping of issue 11), so both run on the same machine, in the
same minute, with the same Python and packages. Bytecode is cached as in an installed tvec
(``PYTHONDONTWRITEBYTECODE`` dropped, ``PYTHONPYCACHEPREFIX`` in the run's folder) and one
unmeasured run per command and tree compiles it. Medians and the ratio after/before go to stdout
as a Markdown table (pasted into ``docs/benchmarks.md``).

Usage: python bench/bench_startup.py [--before COMMIT] [--repeat N]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
#: (label, arguments after ``tvec``); ``{hash}`` and ``{picture}`` are filled in.
COMMANDS = (
    ("tvec --help", ["--help"]),
    ("tvec version", ["version"]),
    ("tvec match (one PDQ hash)", ["match", "--signal-type", "pdq", "{hash}"]),
    ("tvec match (one PDQ hash, matched)", ["match", "--signal-type", "pdq", "{banked}"]),
    ("tvec match --json (one PDQ hash)", ["match", "--signal-type", "pdq", "{hash}", "--json"]),
    ("tvec hash (one file)", ["hash", "{picture}"]),
    ("tvec stats removals", ["stats", "removals"]),
    ("tvec scan (one file)", ["scan", "{picture}"]),
)


def _tree(commit: str, into: Path) -> Path:
    """The ``src`` folder of ``commit``, extracted with ``git archive``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, "src"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def _cpu(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one ``python -m tvec ARGS`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tvec", *args], env=env, capture_output=True, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"tvec {' '.join(args)} failed ({done.returncode}): {done.stderr!r}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def _prepare(src: Path, home: Path, work: Path) -> dict[str, str]:
    """A home with a bank of 100 PDQ hashes; returns the environment to run tvec in."""
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith("TVEC_") and k != "PYTHONDONTWRITEBYTECODE"
        },
        "PYTHONPYCACHEPREFIX": str(work / "pyc"),
        "PYTHONPATH": str(src),
        "TVEC_HOME": str(home),
        "TVEC_PROGRESS": "false",
        "TVEC_ANALYSIS_OCR": "false",
    }
    rng = random.Random(7)
    bank = work / "bank.txt"
    bank.write_text(
        "".join(f"pdq,{rng.getrandbits(256):064x}\n" for _ in range(100)), encoding="utf-8"
    )
    for args in (["bank", "create", "startup"], ["bank", "import", "startup", str(bank)]):
        done = subprocess.run([sys.executable, "-m", "tvec", *args], env=env, capture_output=True)
        if done.returncode != 0:
            raise SystemExit(f"cannot prepare {home}: {done.stderr.decode()}")
    return env


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="f311d57", help="the older commit (default f311d57)")
    parser.add_argument("--repeat", type=int, default=7, help="runs per command (default 7)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        picture = work / "poster.jpg"
        noise = Image.effect_noise((640, 480), 60).convert("RGB")
        noise.save(picture, quality=90)
        trees = {"before": _tree(options.before, work / "before"), "after": ROOT / "src"}
        envs = {name: _prepare(src, work / f"home-{name}", work) for name, src in trees.items()}
        values = {
            "hash": f"{random.Random(1).getrandbits(256):064x}",
            "banked": f"{random.Random(7).getrandbits(256):064x}",  # the bank's first hash
            "picture": str(picture),
        }
        rows = []
        for label, template in COMMANDS:
            args = [a.format(**values) for a in template]
            runs: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
            for name in ("before", "after"):
                _cpu(args, envs[name])  # unmeasured: compiles the bytecode
            for _ in range(options.repeat):  # interleaved, so load hits both alike
                for name in ("before", "after"):
                    runs[name].append(_cpu(args, envs[name]))
            cpu = {n: statistics.median(c for c, _ in r) for n, r in runs.items()}
            wall = {n: statistics.median(w for _, w in r) for n, r in runs.items()}
            rows.append((label, cpu, wall))
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"Machine: {machine}; load average {os.getloadavg()[0]:.1f} at the end;")
    print(f"before = {options.before}, after = this tree; median of {options.repeat} runs each.\n")
    print("| command | CPU before (s) | CPU after (s) | after/before | wall after (s) |")
    print("|---|---:|---:|---:|---:|")
    for label, cpu, wall in rows:
        ratio = cpu["after"] / cpu["before"] if cpu["before"] else float("nan")
        print(
            f"| {label} | {cpu['before']:.2f} | {cpu['after']:.2f} | {ratio:.2f} "
            f"| {wall['after']:.2f} |"
        )


if __name__ == "__main__":
    main()

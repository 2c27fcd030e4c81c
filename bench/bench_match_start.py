"""``tvec match`` of one PDQ hash from process start, against a bank of N hashes (issue 17).

Usage::

    PYTHONPATH=src python bench/bench_match_start.py [--rows 10000000] [--main SRC]
        [--repeat 5] [--keep] [--postgres URL] [--check-outputs]

Builds, in a temporary home, what ``tvec bank import`` and ``tvec index rebuild`` would leave
behind, without waiting for them at 10 million rows:

1. ``tvec bank create b`` (so the database is made and migrated by tvec itself);
2. N random PDQ hashes (numpy random bits, seed 1), sorted, written straight into
   ``bank_entry`` with the ``sqlite3`` module (ids 1..N, so both value indexes grow at
   their right edge), the bank change counter set to 1 and one change logged (``add``
   1..N), as an import would; with ``--postgres URL`` (a ``postgresql+psycopg://`` URL of
   an empty database) the same rows go into that database with ``COPY``;
3. the persisted index of the same hashes at version 1 (``IndexFiles.save``, as
   ``tvec index rebuild`` writes it).

Then ``tvec match --signal-type pdq PROBE`` (PROBE: a bank hash with 4 bits flipped) runs
``--repeat`` times per source tree, interleaved, each in a fresh process after one unmeasured
run (which compiles the bytecode into a folder of this run: an installed tvec has its
bytecode). CPU (user + system) comes from ``wait4``; wall time from process start to exit.
(No peak RSS: a child's ``ru_maxrss`` counts this process's pages at the fork, gigabytes
here, so it would say nothing about tvec; memory at 10M is measured as PSS by
``bench_index_files.py``.) The load average is printed before and after: wall time on a
loaded machine is not the idle figure.

With ``--check-outputs`` (and ``--main``) it first runs the invocations whose output must
not change (a match as a table and as ``--json``, no match, an invalid value, an unknown
signal type, an unknown bank, a ``url``, an ``md5`` as JSON, a picture, a missing file,
``tvec --help`` and ``tvec match --help``) with both trees and fails unless stdout, stderr
and the exit code are byte for byte the same.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from tvec.matching.pdq_index import PDQIndex
from tvec.matching.shared import IndexFiles, IndexSnapshot

HERE = Path(__file__).resolve().parent.parent / "src"
#: Rows generated and written per chunk.
CHUNK = 1_000_000


def child_env(home: Path, pyc: Path, src: Path) -> dict[str, str]:
    """The environment of a tvec child: its home, bytecode cached under ``pyc``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TVEC_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        PYTHONPATH=str(src),
        PYTHONPYCACHEPREFIX=str(pyc),
        TVEC_HOME=str(home),
        TVEC_PROGRESS="false",
    )
    return env


def tvec(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``python -m tvec ARGS``: (wall s, CPU s, stdout)."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "tvec", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    assert child.stdout is not None and child.stderr is not None
    out, err = child.stdout.read(), child.stderr.read()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"tvec {' '.join(args)} failed ({code}): {err.decode()}")
    return wall, usage.ru_utime + usage.ru_stime, out.decode()


def sorted_hashes(n: int) -> np.ndarray:
    """N random 32-byte hashes, in byte order (= hex order)."""
    rows = np.random.default_rng(1).integers(0, 256, size=(n, 32), dtype=np.uint8)
    order = np.argsort(rows.view("S32").ravel(), kind="stable")
    return rows[order]


def fill_database(db_file: Path, hashes: np.ndarray) -> None:
    """Write the hashes as bank 1's entries (ids 1..N) and log one bank change."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    db = sqlite3.connect(db_file)
    try:
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA cache_size=-262144")
        for start in range(0, len(hashes), CHUNK):
            part = hashes[start : start + CHUNK]
            text = part.tobytes().hex()
            rows = (
                (start + i + 1, 1, "pdq", text[64 * i : 64 * i + 64], "{}", now)
                for i in range(len(part))
            )
            db.executemany(
                "INSERT INTO bank_entry (id, bank_id, signal_type, value, extra, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            db.commit()
        db.execute("UPDATE bank_version SET version = 1 WHERE id = 1")
        db.execute(
            "INSERT INTO bank_change (version, op, first_id, last_id) VALUES (1, 'add', 1, ?)",
            (len(hashes),),
        )
        db.commit()
    finally:
        db.close()


def fill_postgres(url: str, hashes: np.ndarray) -> None:
    """:func:`fill_database` for PostgreSQL (``COPY`` into ``bank_entry``)."""
    import psycopg

    now = datetime.now(UTC).isoformat()
    target = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(target) as db, db.cursor() as cur:
        copy_sql = "COPY bank_entry (id, bank_id, signal_type, value, extra, created_at) FROM STDIN"
        with cur.copy(copy_sql) as copy:
            for start in range(0, len(hashes), CHUNK):
                part = hashes[start : start + CHUNK]
                text = part.tobytes().hex()
                lines = "".join(
                    f"{start + i + 1}\t1\tpdq\t{text[64 * i : 64 * i + 64]}\t{{}}\t{now}\n"
                    for i in range(len(part))
                )
                copy.write(lines)
        cur.execute("SELECT setval(pg_get_serial_sequence('bank_entry', 'id'), %s)", (len(hashes),))
        cur.execute("UPDATE bank_version SET version = 1 WHERE id = 1")
        cur.execute(
            "INSERT INTO bank_change (version, op, first_id, last_id) VALUES (1, 'add', 1, %s)",
            (len(hashes),),
        )
        cur.execute("ANALYZE bank_entry")


def run_output(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, bytes, bytes]:
    """Exit code, stdout and stderr of ``python -m tvec ARGS``."""
    done = subprocess.run(
        [sys.executable, "-m", "tvec", *args], env=env, capture_output=True, check=False, cwd=cwd
    )
    return done.returncode, done.stdout, done.stderr


def check_outputs(envs: dict[str, dict[str, str]], work: Path, probe: str) -> None:
    """Run the invocations of the module docstring with each tree; exit unless all agree."""
    from PIL import Image

    picture = work / "picture.png"
    Image.effect_noise((64, 48), 60).convert("RGB").save(picture)
    far = "0" * 64
    cases = [
        ["match", "--signal-type", "pdq", probe],
        ["match", "--signal-type", "pdq", probe, "--json"],
        ["match", "--signal-type", "pdq", far],
        ["match", "--signal-type", "pdq", "zz"],
        ["match", "--signal-type", "nope", probe],
        ["match", "--signal-type", "pdq", probe, "--bank", "nope"],
        ["match", "--signal-type", "url", "https://example.com/a?b=1"],
        ["match", "--signal-type", "md5", "0" * 32, "--json"],
        ["match", str(picture)],
        ["match", str(work / "missing.png")],
        ["--help"],
        ["match", "--help"],
    ]
    failed = 0
    for args in cases:
        found = {name: run_output(args, env, work) for name, env in envs.items()}
        first = next(iter(found.values()))
        same = all(result == first for result in found.values())
        failed += not same
        print(f"{'same' if same else 'DIFFERENT'} (exit {first[0]}): tvec {' '.join(args)}")
    if failed:
        raise SystemExit(f"{failed} invocations differ between the trees")
    print(f"all {len(cases)} invocations give the same stdout, stderr and exit code\n")


def main() -> None:
    """Build the home, run the matches, print Markdown for docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--main", type=Path, default=None, help="another src tree to compare")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the home (print its path)")
    parser.add_argument("--postgres", help="an empty PostgreSQL database's URL (default: SQLite)")
    parser.add_argument(
        "--check-outputs", action="store_true", help="compare the outputs of the trees first"
    )
    options = parser.parse_args()
    n = options.rows
    work = Path(tempfile.mkdtemp(prefix="tvec-bench-match-"))
    home = work / "home"
    pyc = work / "pyc"
    trees = {"this": HERE, **({"main": options.main} if options.main else {})}
    envs = {name: child_env(home, pyc, src) for name, src in trees.items()}
    if options.postgres:
        for env in envs.values():
            env["TVEC_DATABASE_URL"] = options.postgres
    try:
        tvec(["bank", "create", "b"], envs["this"])
        t = time.perf_counter()
        hashes = sorted_hashes(n)
        if options.postgres:
            fill_postgres(options.postgres, hashes)
        else:
            fill_database(home / "tvec.db", hashes)
        fill = time.perf_counter() - t
        t = time.perf_counter()
        snapshot = IndexSnapshot(1, PDQIndex(), PDQIndex(threshold=0))
        snapshot.pdq.add(np.arange(1, n + 1, dtype=np.int64), hashes)
        IndexFiles(home / "index").save(snapshot)
        build = time.perf_counter() - t
        probe_row = hashes[n // 2].copy()
        probe_row[0] ^= 0x0F
        probe = probe_row.tobytes().hex()
        del snapshot, hashes
        database = "PostgreSQL" if options.postgres else "SQLite"
        size = sum(p.stat().st_size for p in (home / "index").rglob("*") if p.is_file())
        print(
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; {n:,} hashes ({database}); database written in "
            f"{fill:.0f} s, "
            f"index built and saved in {build:.0f} s ({size / 2**20:,.0f} MiB of files)."
        )
        args = ["match", "--signal-type", "pdq", probe]
        for env in envs.values():
            _, _, out = tvec(args, env)  # compiles the bytecode; checks the answer
            assert "1 match(es)" in out, out
        if options.check_outputs:
            check_outputs(envs, work, probe)
        load_before = os.getloadavg()
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
        for _ in range(options.repeat):
            for name, env in envs.items():
                wall, cpu, _ = tvec(args, env)
                runs[name].append((wall, cpu))
        load_after = os.getloadavg()
        print(
            f"load average (1, 5, 15 min) before: {', '.join(f'{x:.1f}' for x in load_before)}; "
            f"after: {', '.join(f'{x:.1f}' for x in load_after)}\n"
        )
        print("| code | CPU min (s) | CPU median (s) | wall min (s) | wall median (s) |")
        print("|---|---:|---:|---:|---:|")
        for name, found in runs.items():
            cpus = [c for _, c in found]
            walls = [w for w, _ in found]
            print(
                f"| {name} | {min(cpus):.2f} | {statistics.median(cpus):.2f} | {min(walls):.2f} "
                f"| {statistics.median(walls):.2f} |"
            )
        if "main" in runs:
            ratio = statistics.median(c for _, c in runs["this"]) / statistics.median(
                c for _, c in runs["main"]
            )
            print(f"\nCPU this/main (medians): {ratio:.2f}")
    finally:
        if options.keep:
            print(f"home kept: {home}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

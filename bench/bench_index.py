"""The persisted index, fast import and shared memory (issue 17, parts 1, 2 and 5).

Usage::

    PYTHONPATH=src python bench/bench_index.py [--rows N] [--main /work/main/src]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/tvec_bench] [--pss N]
        [--main-rows N]

Every step runs ``python -m tvec`` in a child process and reads its CPU time (user + system)
and peak resident memory from ``getrusage(RUSAGE_CHILDREN)``, so the numbers include Python's
start-up and imports, as a user sees them:

1. N random PDQ hashes (numpy random bits) are written to a CSV file.
2. ``tvec bank import --create`` of the file, into SQLite and into PostgreSQL: rows/s by wall
   and by CPU, peak RSS.
3. ``tvec match --signal-type pdq HASH`` once the index exists (built by the first match):
   CPU and wall from process start to answer, against N hashes; and the same against an
   empty bank (the start-up floor).
4. A bank change of 1,000 entries: seconds until a running matcher (web worker path:
   ``AppContext.matcher`` with TVEC_INDEX_CHECK_SECONDS=1) sees it.
5. PSS: ``--pss K`` processes map the index and answer 2,000 lookups each; their
   ``/proc/PID/smaps_rollup`` Pss while all are alive.
6. With ``--main SRC`` the same import and match with the code at SRC (today's main) at
   ``--main-rows`` hashes, in the same run, for the ratios; and ``tvec match`` with the code
   at SRC against the N-hash homes of step 3 (the schema is the same), runs interleaved.

Children run with compiled bytecode, as an installed tvec does: ``PYTHONDONTWRITEBYTECODE``
is dropped and ``PYTHONPYCACHEPREFIX`` points at a folder of this run (so neither source
tree is written to); a first, unmeasured run of each command compiles.

``--imports-only`` runs just step 2 for this code and ``--main`` (interleaved, ``--repeat``
rounds, same file; with ``--with-index`` each then ``tvec index rebuild``, an import of N
other rows into a new bank of the home with that index, which the import brings up to date,
and ``tvec index compact``), reporting for PostgreSQL also the CPU of the server backends serving
the database (sampled from ``/proc`` every 50 ms, see :class:`Watch`) and for every step the
mean load average while it ran.

Prints Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import numpy as np

PYTHON = sys.executable
HERE = Path(__file__).resolve().parent.parent / "src"
#: The environment of every child: bytecode cached (in a folder of this run), as installed.
BASE_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
BASE_ENV["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="tvec-bench-pyc-")


def write_hashes(path: Path, n: int, seed: int = 1) -> list[str]:
    """Write ``pdq,HEX`` lines for n random hashes; return the first 100 hashes."""
    rng = np.random.default_rng(seed)
    first: list[str] = []
    with path.open("w", encoding="ascii") as handle:
        for start in range(0, n, 1_000_000):
            rows = rng.integers(0, 256, size=(min(1_000_000, n - start), 32), dtype=np.uint8)
            text = rows.tobytes().hex()
            lines = [text[i : i + 64] for i in range(0, len(text), 64)]
            if not first:
                first = lines[:100]
            handle.write("".join(f"pdq,{h}\n" for h in lines))
    return first


_last_usage: dict[int, tuple[float, int]] = {}
_original_wait = subprocess.Popen._try_wait  # type: ignore[attr-defined]


def _try_wait(self: subprocess.Popen[str], wait_flags: int) -> tuple[int, int]:
    """Popen's wait through ``os.wait4``, keeping the child's own CPU time and peak RSS."""
    pid, status, usage = os.wait4(self.pid, wait_flags)
    if pid:
        _last_usage[pid] = (usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024)
    return pid, status


subprocess.Popen._try_wait = _try_wait  # type: ignore[attr-defined,method-assign]


class Watch(threading.Thread):
    """Samples, every 50 ms while a step runs, the load average and the CPU time (user +
    system, from ``/proc/PID/stat``) of every PostgreSQL backend serving database
    ``database`` (process title ``postgres: [CLUSTER:] USER DATABASE HOST ...``), keeping
    each backend's last reading: the server's share of the step. A backend's last 50 ms before
    it exits can be missed (the step's own work is over by then)."""

    def __init__(self, database: str | None) -> None:
        super().__init__(daemon=True)
        self.database = database
        self.cpu: dict[int, float] = {}
        self.loads: list[float] = []
        self.done = threading.Event()
        self.tick = os.sysconf("SC_CLK_TCK")
        self.child: int | None = None
        self.peak_kib = 0

    def _peak(self) -> None:
        try:
            status = Path(f"/proc/{self.child}/status").read_text()
        except OSError:
            return
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self.peak_kib = max(self.peak_kib, int(line.split()[1]))

    def _backends(self) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                title = (entry / "cmdline").read_bytes().split(b"\0")[0].decode()
                words = title.split()
                # "postgres: [CLUSTER: ]USER DATABASE HOST(PORT) STATE"; not autovacuum
                if words[:1] != ["postgres:"] or self.database not in words[2:4]:
                    continue
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, UnicodeDecodeError, IndexError):
                continue
            self.cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / self.tick

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.loads.append(os.getloadavg()[0])
            if self.child is not None:
                self._peak()
            if self.database:
                self._backends()

    def stop(self) -> tuple[float, float]:
        """(server CPU s, mean load average) of the step."""
        self.done.set()
        self.join()
        load = sum(self.loads) / len(self.loads) if self.loads else os.getloadavg()[0]
        return sum(self.cpu.values()), load


def run(
    args: list[str], env: dict[str, str], src: Path, watch: Watch | None = None
) -> tuple[float, float, int, str]:
    """Run ``python -m tvec ARGS``: (wall s, CPU s, peak RSS MiB, stdout). The peak is
    ``ru_maxrss``, which Linux carries over ``exec`` from the forked copy of this process;
    with ``watch`` its sampled ``VmHWM`` (the child's own high-water mark) is used."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [PYTHON, "-m", "tvec", *args],
        env={**BASE_ENV, **env, "PYTHONPATH": str(src)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if watch is not None:
        watch.child = child.pid
    out, err = child.communicate()
    wall = time.perf_counter() - start
    # communicate() reaped the child; its own usage comes from wait4 only before that, so
    # read it from /proc-free accounting: the RUSAGE_CHILDREN delta of this one child.
    usage = _last_usage.pop(child.pid, None)
    if child.returncode not in (0, 1):
        raise RuntimeError(f"tvec {' '.join(args)}: {err}")
    assert usage is not None
    if watch is not None and watch.peak_kib:
        return wall, usage[0], watch.peak_kib // 1024, out
    return wall, usage[0], usage[1], out


def fresh_env(home: Path, url: str | None) -> dict[str, str]:
    env = {"TVEC_HOME": str(home), "TVEC_PROGRESS": "false"}
    if url:
        import psycopg

        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0].replace("postgresql+psycopg", "postgresql") + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["TVEC_DATABASE_URL"] = url
    else:
        env["TVEC_DATABASE_URL"] = f"sqlite:///{home / 'tvec.db'}"
    home.mkdir(parents=True, exist_ok=True)
    return env


def best_match(env: dict[str, str], src: Path, value: str, times: int = 3) -> tuple[float, float]:
    """Least (wall, CPU) of ``times`` runs of ``tvec match`` of one PDQ hash (after one
    unmeasured run, which compiles the bytecode)."""
    run(["match", "--signal-type", "pdq", value], env, src)
    runs = [run(["match", "--signal-type", "pdq", value], env, src)[:2] for _ in range(times)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def paired_match(
    env: dict[str, str], trees: dict[str, Path], value: str, times: int = 5
) -> dict[str, tuple[float, float, float]]:
    """Per tree: (least wall, least CPU, median CPU) of ``times`` runs of ``tvec match`` of
    one PDQ hash, the trees' runs interleaved so that load hits them alike."""
    for src in trees.values():
        run(["match", "--signal-type", "pdq", value], env, src)  # compiles the bytecode
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
    for _ in range(times):
        for name, src in trees.items():
            runs[name].append(run(["match", "--signal-type", "pdq", value], env, src)[:2])
    return {
        name: (
            min(w for w, _ in r),
            min(c for _, c in r),
            sorted(c for _, c in r)[len(r) // 2],
        )
        for name, r in runs.items()
    }


PSS_CHILD = textwrap.dedent(
    """
    import sys, numpy as np
    from tvec.matching.shared import IndexFiles
    snap = IndexFiles(sys.argv[1]).load()
    rng = np.random.default_rng(int(sys.argv[2]))
    for q in rng.integers(0, 256, size=(2000, 32), dtype=np.uint8):
        snap.pdq.query(q.tobytes(), 31)
    print("ready", flush=True)
    sys.stdin.readline()
    """
)


def pss(folder: Path, k: int, src: Path) -> list[float]:
    """Pss in MiB of ``k`` processes that mapped the index and answered 2,000 lookups."""
    children = [
        subprocess.Popen(
            [PYTHON, "-c", PSS_CHILD, str(folder), str(i)],
            env={**BASE_ENV, "PYTHONPATH": str(src)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(k)
    ]
    out = []
    try:
        for child in children:
            assert child.stdout is not None
            child.stdout.readline()
        for child in children:
            rollup = Path(f"/proc/{child.pid}/smaps_rollup").read_text()
            kib = next(
                int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")
            )
            out.append(kib / 1024)
    finally:
        for child in children:
            assert child.stdin is not None
            child.stdin.write("\n")
            child.stdin.flush()
            child.wait()
    return out


def change_delay(
    env: dict[str, str], src: Path, csv_path: Path, seed: int = 99
) -> tuple[float, float]:
    """Seconds from the start of a 1,000-entry ``tvec bank import`` process, and from its
    transaction (the time of its audit event, written just before the commit), until a
    running matcher sees the change."""
    script = textwrap.dedent(
        """
        import sys, time
        from tvec.app.context import open_context
        from tvec.settings import load_settings
        from tvec.signals import SignalValue
        ctx = open_context(load_settings(index_check_seconds=1))
        with ctx.read() as session:
            matcher = ctx.matcher(session)
        probe = SignalValue("pdq", sys.argv[1])
        print("ready", flush=True)
        while not matcher.match(probe):
            time.sleep(0.05)
        print(time.time(), flush=True)
        """
    )
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, 256, size=(1000, 32), dtype=np.uint8).tobytes().hex()
    hashes = [rows[i : i + 64] for i in range(0, len(rows), 64)]
    csv_path.write_text("".join(f"pdq,{h}\n" for h in hashes), encoding="ascii")
    watcher = subprocess.Popen(
        [PYTHON, "-c", script, hashes[-1]],
        env={**BASE_ENV, **env, "PYTHONPATH": str(src)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert watcher.stdout is not None
    watcher.stdout.readline()
    start = time.time()
    run(["bank", "import", "b", str(csv_path)], env, src)
    seen = float(watcher.stdout.readline())
    watcher.wait()
    probe = textwrap.dedent(
        """
        from sqlalchemy import func, select
        from tvec.settings import load_settings
        from tvec.store import open_store
        from tvec.store.models import AuditEvent
        store = open_store(load_settings())
        with store.session() as s:
            print(s.scalar(select(func.max(AuditEvent.at))).timestamp())
        """
    )
    done = subprocess.run(
        [PYTHON, "-c", probe],
        env={**BASE_ENV, **env, "PYTHONPATH": str(src)},
        capture_output=True,
        text=True,
        check=True,
    )
    return seen - start, seen - float(done.stdout)


def import_step(
    label: str, code: str, src: Path, data: Path, n: int, work: Path, url: str | None
) -> dict[str, str]:
    """``tvec bank import --create`` of ``data`` (n rows) into a fresh database with the
    code at ``src``: prints one table row (rows/s by wall, by client CPU and by client +
    server backend CPU, peak RSS, mean load average) and returns the environment."""
    env = fresh_env(work / f"home-{label}-{code}", url)
    watch = Watch(url.rsplit("/", 1)[1] if url else None)
    watch.start()
    wall, cpu, peak, out = run(["bank", "import", "--create", "b", str(data)], env, src, watch)
    server, load = watch.stop()
    if f"{n} added" not in out:
        raise RuntimeError(f"import ({label}, {code}) did not add {n} rows: {out}")
    total = cpu + server
    server_text = f"{server:.1f}" if url else "-"
    print(
        f"| import | {label} | {code} | {n:,} | {wall:.1f} | {cpu:.1f} | {server_text} | "
        f"{n / wall:,.0f} | {n / cpu:,.0f} | {n / total:,.0f} | {peak} | {load:.1f} |"
    )
    sys.stdout.flush()
    return env


def index_steps(
    label: str, code: str, src: Path, env: dict[str, str], extra: Path, n: int, url: str | None
) -> None:
    """In the home of :func:`import_step` (n rows, no index yet): ``tvec index rebuild``
    alone, then ``tvec bank import --create`` of ``extra`` (n other rows, a new bank) into
    the home with that index, which brings it up to date in the same process, then
    ``tvec index compact``: one table row each (wall, CPU, peak RSS, load)."""
    database = url.rsplit("/", 1)[1] if url else None
    steps = [
        ("index rebuild", ["index", "rebuild"]),
        ("import, index exists", ["bank", "import", "--create", "c", str(extra)]),
        ("index compact", ["index", "compact"]),
    ]
    for step, args in steps:
        watch = Watch(database)
        watch.start()
        wall, cpu, peak, out = run(args, env, src, watch)
        server, load = watch.stop()
        if step.startswith("import") and f"{n} added" not in out:
            raise RuntimeError(f"import ({label}, {code}) did not add {n} rows: {out}")
        server_text = f"{server:.1f}" if url else "-"
        rate = f"{n / wall:,.0f} | {n / cpu:,.0f} | {n / (cpu + server):,.0f}"
        print(
            f"| {step} | {label} | {code} | {n:,} | {wall:.1f} | {cpu:.1f} | {server_text} | "
            f"{rate if step.startswith('import') else '| |'} | {peak} | {load:.1f} |"
        )
        sys.stdout.flush()


def warm_up(codes: list[tuple[str, Path]], work: Path) -> None:
    """Run each tree's commands once on 1,000 rows (SQLite), unmeasured but printed: it
    compiles their bytecode into this run's cache, as installing tvec does. Without it the
    first round pays the compilation (about 2 s of CPU)."""
    small = work / "warm-up.csv"
    write_hashes(small, 1000, seed=3)
    for code, src in codes:
        env = fresh_env(work / f"warm-up-{code}", None)
        steps = [
            ["bank", "import", "--create", "b", str(small)],
            ["index", "rebuild"],
            ["bank", "import", "--create", "c", str(small)],
            ["index", "compact"],
        ]
        cpu = [run(args, env, src)[1] for args in steps]
        again = run(["bank", "import", "--create", "d", str(small)], env, src)[1]
        print(
            f"warm-up ({code}): import of 1,000 rows {cpu[0]:.2f} s CPU while compiling, "
            f"{again:.2f} s once compiled\n"
        )


def imports_only(options: argparse.Namespace) -> None:
    """This code and ``--main`` side by side, each database, ``--repeat`` times."""
    work = Path(tempfile.mkdtemp(prefix="tvec-bench-import-"))
    n = options.rows
    data = work / "bank.csv"
    write_hashes(data, n)
    extra = work / "extra.csv"
    if options.with_index:
        write_hashes(extra, n, seed=2)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; rows: {n:,}\n")
    codes = [("this", HERE)] + ([("main", options.main)] if options.main else [])
    warm_up(codes, work)
    print(
        "| step | database | code | rows | wall s | client CPU s | server CPU s | rows/s (wall) "
        "| rows/s (client CPU) | rows/s (client + server CPU) | peak RSS MiB | load avg |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    targets = ([] if options.skip_sqlite else [("SQLite", None)]) + (
        [("PostgreSQL", options.postgres)] if options.postgres else []
    )
    for round_ in range(options.repeat):
        for label, url in targets:
            for code, src in codes:
                # a fresh home each round (a SQLite home would still hold the bank)
                home = work / f"round-{round_}"
                env = import_step(label, code, src, data, n, home, url)
                if options.with_index:
                    index_steps(label, code, src, env, extra, n, url)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--main", type=Path, default=None)
    parser.add_argument("--main-rows", type=int, default=100_000)
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--pss", type=int, default=3)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--imports-only", action="store_true", help="only the import, this and --main"
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds of --imports-only")
    parser.add_argument(
        "--with-index",
        action="store_true",
        help="--imports-only: then index rebuild, an import into the home with the index "
        "(a new bank of other rows) and index compact, with their peak RSS",
    )
    options = parser.parse_args()
    if options.imports_only:
        imports_only(options)
        return
    work = Path(tempfile.mkdtemp(prefix="tvec-bench-index-"))
    n = options.rows
    data = work / "bank.csv"
    first = write_hashes(data, n)
    probe = first[0][:-1] + ("0" if first[0][-1] != "0" else "1")  # 1 to 4 bits away
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"rows: {n:,}; files in {work}\n")
    print(
        "| step | database | code | rows | wall s | CPU s | rows/s (wall) | rows/s (CPU) | peak MiB |"  # noqa: E501
    )
    print("|---|---|---|---|---|---|---|---|---|")
    targets = ([] if options.skip_sqlite else [("SQLite", None)]) + (
        [("PostgreSQL", options.postgres)] if options.postgres else []
    )
    homes: dict[str, dict[str, str]] = {}
    for label, url in targets:
        env = fresh_env(work / f"home-{label}", url)
        homes[label] = env
        wall, cpu, peak, _ = run(["bank", "import", "--create", "b", str(data)], env, HERE)
        print(
            f"| import | {label} | this | {n:,} | {wall:.1f} | {cpu:.1f} | {n / wall:,.0f} | {n / cpu:,.0f} | {peak} |"  # noqa: E501
        )
        sys.stdout.flush()
        build_wall, build_cpu, build_peak, _ = run(["index", "rebuild"], env, HERE)
        print(
            f"| index rebuild | {label} | this | {n:,} | {build_wall:.1f} | {build_cpu:.1f} | | | {build_peak} |"  # noqa: E501
        )
        mw, mc = best_match(env, HERE, probe)
        print(f"| match 1 hash | {label} | this | {n:,} | {mw:.2f} | {mc:.2f} | | | |")
        sys.stdout.flush()
        if options.main is not None:
            trees = {"this": HERE, "main": options.main}
            paired = paired_match(env, trees, probe)
            for code, (pw, pc, pm) in paired.items():
                print(
                    f"| match 1 hash, interleaved (median CPU {pm:.2f}) | {label} | {code} | "
                    f"{n:,} | {pw:.2f} | {pc:.2f} | | | |"
                )
            ratio = paired["this"][2] / paired["main"][2]
            print(f"| CPU this/main (medians) | {label} | | {n:,} | | {ratio:.2f} | | | |")
            print(f"load average now: {os.getloadavg()[0]:.1f}")
            sys.stdout.flush()
    if options.main is not None:
        small = work / "small.csv"
        write_hashes(small, options.main_rows)
        for label, url in targets:
            for code, src in (("this", HERE), ("main", options.main)):
                env = fresh_env(work / f"home-{label}-{code}-small", url and url + "_small")
                wall, cpu, peak, _ = run(["bank", "import", "--create", "b", str(small)], env, src)
                m = options.main_rows
                print(
                    f"| import | {label} | {code} | {m:,} | {wall:.1f} | {cpu:.1f} | {m / wall:,.0f} | {m / cpu:,.0f} | {peak} |"  # noqa: E501
                )
                best_match(env, src, probe, 1)  # builds the index (this) / nothing (main)
                mw, mc = best_match(env, src, probe)
                print(f"| match 1 hash | {label} | {code} | {m:,} | {mw:.2f} | {mc:.2f} | | | |")
                sys.stdout.flush()
    empty = fresh_env(work / "home-empty", None)
    run(["bank", "create", "b"], empty, HERE)
    ew, ec = best_match(empty, HERE, probe)
    print(
        f"| match 1 hash, empty bank (start-up floor) | SQLite | this | 0 | {ew:.2f} | {ec:.2f} | | | |"  # noqa: E501
    )
    label = next(iter(homes))
    since_start, since_end = change_delay(homes[label], HERE, work / "change.csv")
    print(
        f"\nbank change of 1,000 entries seen by a running matcher ({label}): {since_start:.2f} s "
        f"after the import process started, {since_end:.2f} s after its transaction"
    )
    if options.pss:
        folder = Path(homes[label]["TVEC_HOME"]) / "index"
        values = pss(folder, options.pss, HERE)
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20
        print(
            f"PSS of {options.pss} processes mapping the index ({size:,.0f} MiB of files) after "
            f"2,000 lookups each: " + ", ".join(f"{v:,.0f} MiB" for v in values)
        )


if __name__ == "__main__":
    main()

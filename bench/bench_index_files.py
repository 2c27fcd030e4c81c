"""The persisted PDQ index at 10 million hashes, without a database (issue 17).

Usage: ``PYTHONPATH=src python bench/bench_index_files.py [--rows 1000000,10000000] [--pss 3]
[--main-commit 2d4174a] [--rounds 4] [--compare-only] [--before-commit COMMIT]``

Builds an index of N random PDQ hashes (numpy random bits) and saves it as ``tvec index``
does (``IndexFiles``: pdq part plus an empty exact part), then, in fresh child processes:

* load (memory-mapped) and answer one lookup: wall and CPU from process start, and the
  same child with the import of tvec alone (the start-up floor);
* per-lookup CPU over 2,000 random queries (after 200 warm-up ones), memory-mapped, against
  the same index held in memory (``PDQIndex`` built in the process); answers compared;
* PSS of ``--pss`` processes that mapped the index and answered the 2,000 queries;
* per-lookup CPU of this code against main's (the ``--main-commit`` of ``--main-repo``,
  extracted with ``git archive`` and run from its own ``src``) on the same hashes, each on
  its own saved index (main's code builds and saves its own, in a child process, since index
  format version 2 added a fragment to each table entry and main reads only version 1), in
  fresh child processes that alternate (main, this, this with numpy only) for ``--rounds``
  rounds: each child answers 200 warm-up lookups (so this code's automatic choice has moved
  to the compiled loop), then 2,000 timed ones, half near-duplicates of stored hashes (0-31
  bits flipped) and half random; CPU is the child's ``process_time``. Answers are compared
  by digest. The medians of the rounds give the ratio. With ``--before-commit``, the code of
  that commit joins each round as "before" (on an index it saves itself, like main), to show
  what a change of this code gained in the same minutes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

from tvec.matching.shared import IndexFiles, IndexSnapshot

CHILD = textwrap.dedent(
    """
    import os, sys, time
    t0 = time.process_time()
    from tvec.matching.shared import IndexFiles
    import numpy as np
    mode = sys.argv[2]
    if mode == "floor":
        print(time.process_time() - t0, flush=True); sys.exit()
    snap = IndexFiles(sys.argv[1]).load()
    q = np.frombuffer(bytes.fromhex(sys.argv[3]), dtype=np.uint8)
    found = snap.pdq.query(q.tobytes(), 31)
    if mode == "one":
        print(time.process_time() - t0, len(found), flush=True); sys.exit()
    rng = np.random.default_rng(5)
    for row in rng.integers(0, 256, size=(200, 32), dtype=np.uint8):  # warm-up
        snap.pdq.query(row.tobytes(), 31)
    queries = rng.integers(0, 256, size=(2000, 32), dtype=np.uint8)
    t1 = time.process_time()
    for row in queries:
        snap.pdq.query(row.tobytes(), 31)
    print((time.process_time() - t1) / 2000 * 1e6, flush=True)
    sys.stdin.readline()
    """
)


COMPARE = textwrap.dedent(
    """
    import hashlib, json, sys, time
    import numpy as np
    from tvec.matching.shared import IndexFiles
    snap = IndexFiles(sys.argv[1]).load()
    index = snap.pdq
    if sys.argv[2] == "numpy":
        index.accelerate = False
    hashes = np.load(sys.argv[3], mmap_mode="r")
    rng = np.random.default_rng(int(sys.argv[4]))
    queries = rng.integers(0, 256, size=(2200, 32), dtype=np.uint8)
    for i in range(0, 2200, 2):
        row = np.unpackbits(hashes[int(rng.integers(0, hashes.shape[0]))])
        row[rng.choice(256, size=int(rng.integers(0, 32)), replace=False)] ^= 1
        queries[i] = np.packbits(row)
    for q in queries[:200]:
        index.query(q.tobytes(), 31)
    t = time.process_time()
    answers = [index.query(q.tobytes(), 31) for q in queries[200:]]
    cpu = (time.process_time() - t) / 2000 * 1e6
    digest = hashlib.sha256(json.dumps(answers).encode()).hexdigest()[:10]
    print(cpu, digest, sum(len(a) for a in answers))
    """
)


MAIN_BUILD = textwrap.dedent(
    """
    import sys
    import numpy as np
    from tvec.matching.shared import IndexFiles, IndexSnapshot
    hashes = np.load(sys.argv[2])
    snapshot = IndexSnapshot.empty(1)
    snapshot.pdq.add(np.arange(1, hashes.shape[0] + 1, dtype=np.int64), hashes)
    IndexFiles(sys.argv[1]).save(snapshot)
    """
)


def peer_build(src: Path, folder: Path, hashes: Path) -> None:
    """Save an index of ``hashes`` into ``folder`` with the code in ``src`` (a child)."""
    subprocess.run(
        [sys.executable, "-c", MAIN_BUILD, str(folder), str(hashes)],
        env={**os.environ, "PYTHONPATH": str(src)},
        check=True,
    )


def main_source(repo: Path, commit: str) -> Path:
    """``src`` of ``commit`` in ``repo``, extracted to a temporary folder."""
    out = Path(tempfile.mkdtemp(prefix=f"tvec-main-{commit}-"))
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", commit, "src"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    return out / "src"


def compare(
    folder: Path,
    main_folder: Path,
    hashes: Path,
    main_src: Path,
    rounds: int,
    before: tuple[Path, Path] | None = None,
) -> dict[str, list[tuple[float, str, int]]]:
    """Per-lookup CPU (µs), answer digest and hits of main (on ``main_folder``, saved by
    main's code), this and this with numpy only (on ``folder``), and, if ``before`` is
    (source, index folder saved by that source), before."""
    here = str(Path(__file__).resolve().parent.parent / "src")
    peers = [
        ("main", str(main_src), "auto", main_folder),
        ("this", here, "auto", folder),
        ("this numpy", here, "numpy", folder),
    ]
    if before is not None:
        peers.append(("before", str(before[0]), "auto", before[1]))
    runs: dict[str, list[tuple[float, str, int]]] = {name: [] for name, *_ in peers}
    for r in range(rounds):
        for name, src, mode, index_folder in peers:
            env = {**os.environ, "PYTHONPATH": src}
            done = subprocess.run(
                [sys.executable, "-c", COMPARE, str(index_folder), mode, str(hashes), str(100 + r)],
                env=env,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise RuntimeError(f"{name} ({src}) failed:\n{done.stderr}")
            out = done.stdout.split()
            runs[name].append((float(out[0]), out[1], int(out[2])))
    return runs


def child(folder: Path, mode: str, query: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder), mode, query],
        env={**os.environ},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="1000000,10000000", help="comma-separated sizes")
    parser.add_argument("--pss", type=int, default=3)
    parser.add_argument("--main-repo", type=Path, default=Path("/work/main"))
    parser.add_argument("--main-commit", default="2d4174a")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--compare-only", action="store_true")
    parser.add_argument("--before-commit", default=None, help="also run this commit's code")
    options = parser.parse_args()
    main_src = main_source(options.main_repo, options.main_commit)
    print(f"main: {options.main_commit} from {options.main_repo} ({main_src})")
    options.before_src = None
    if options.before_commit:
        options.before_src = main_source(
            Path(__file__).resolve().parent.parent, options.before_commit
        )
        print(f"before: {options.before_commit} ({options.before_src})")
    try:
        for n in (int(x) for x in options.rows.split(",")):
            measure(n, options, main_src)
    finally:
        shutil.rmtree(main_src.parent, ignore_errors=True)
        if options.before_src is not None:
            shutil.rmtree(options.before_src.parent, ignore_errors=True)


def measure(n: int, options: argparse.Namespace, main_src: Path) -> None:
    """Every figure of the module docstring for an index of ``n`` random hashes."""
    work = Path(tempfile.mkdtemp(prefix="tvec-index-files-"))
    try:
        measure_in(n, options, main_src, work / "index")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure_in(n: int, options: argparse.Namespace, main_src: Path, folder: Path) -> None:
    """:func:`measure` with the index in ``folder``."""
    rng = np.random.default_rng(1)
    hashes = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    ids = np.arange(1, n + 1, dtype=np.int64)
    t = time.process_time()
    snapshot = IndexSnapshot.empty(1)
    snapshot.pdq.add(ids, hashes)
    build = time.process_time() - t
    files = IndexFiles(folder)
    t = time.perf_counter()
    files.save(snapshot)
    save = time.perf_counter() - t
    size = files.nbytes() / 2**20
    hashes_file = folder.parent / "hashes.npy"
    np.save(hashes_file, hashes)
    query = hashes[12345].copy()
    query[0] ^= 0x0F
    print(f"rows {n:,}: build {build:.1f} s CPU, save {save:.1f} s wall, {size:,.0f} MiB of files")
    main_folder = folder.parent / "main-index"
    peer_build(main_src, main_folder, hashes_file)
    main_size = IndexFiles(main_folder).nbytes() / 2**20
    print(f"  main's index of the same hashes: {main_size:,.0f} MiB of files")
    before = None
    if options.before_src is not None:
        before = (options.before_src, folder.parent / "before-index")
        peer_build(*before, hashes_file)
    runs = compare(folder, main_folder, hashes_file, main_src, options.rounds, before)
    shutil.rmtree(main_folder, ignore_errors=True)
    if before is not None:
        shutil.rmtree(before[1], ignore_errors=True)
    medians = {name: statistics.median(r[0] for r in rs) for name, rs in runs.items()}
    same_answers = all(len({rs[i][1] for rs in runs.values()}) == 1 for i in range(options.rounds))
    for name, rs in runs.items():
        print(
            f"  {name:10s} CPU per lookup: median {medians[name]:.0f} us, rounds "
            + ", ".join(f"{r[0]:.0f}" for r in rs)
            + f"; answers {rs[0][1]} ({rs[0][2]} hits)"
        )
    same = "same answers in every round" if same_answers else "DIFFERENT answers"
    before = (
        f", this / before: {medians['this'] / medians['before']:.2f}" if "before" in medians else ""
    )
    print(
        f"  this / main: {medians['this'] / medians['main']:.2f} "
        f"(numpy only: {medians['this numpy'] / medians['main']:.2f}){before}, {same}; "
        f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    if options.compare_only:
        return
    floors, ones, walls = [], [], []
    for _ in range(3):
        p = child(folder, "floor", query.tobytes().hex())
        floors.append(float(p.communicate("\n")[0]))
        start = time.perf_counter()
        p = child(folder, "one", query.tobytes().hex())
        cpu, found = p.communicate("\n")[0].split()
        walls.append(time.perf_counter() - start)
        ones.append(float(cpu))
    print(
        f"one lookup from process start (import tvec.matching.shared, map, query; found {found}): "
        f"CPU {min(ones):.2f} s, wall {min(walls):.2f} s; import floor CPU {min(floors):.2f} s"
    )
    # per-lookup CPU: in memory (today's path) vs mapped
    qs = np.random.default_rng(5).integers(0, 256, size=(2000, 32), dtype=np.uint8)
    for q in qs[:200]:  # warm-up: the automatic choice moves to the compiled loop
        snapshot.pdq.query(q.tobytes(), 31)
    t = time.process_time()
    memory_answers = [snapshot.pdq.query(q.tobytes(), 31) for q in qs]
    in_memory = (time.process_time() - t) / 2000 * 1e6
    mapped_index = files.load()
    assert mapped_index is not None
    for q in qs[:200]:
        mapped_index.pdq.query(q.tobytes(), 31)
    t = time.process_time()
    mapped_answers = [mapped_index.pdq.query(q.tobytes(), 31) for q in qs]
    mapped = (time.process_time() - t) / 2000 * 1e6
    assert mapped_answers == memory_answers
    print(f"per lookup CPU: in memory {in_memory:.0f} us, mapped {mapped:.0f} us (same answers)")
    del snapshot, mapped_index
    kids = [child(folder, "many", query.tobytes().hex()) for _ in range(options.pss)]
    per = []
    for k in kids:
        assert k.stdout is not None
        per.append(float(k.stdout.readline()))
    values = []
    for k in kids:
        rollup = Path(f"/proc/{k.pid}/smaps_rollup").read_text()
        kib = next(int(x.split()[1]) for x in rollup.splitlines() if x.startswith("Pss:"))
        rss = next(int(x.split()[1]) for x in rollup.splitlines() if x.startswith("Rss:"))
        values.append((kib / 1024, rss / 1024))
    for k in kids:
        k.communicate("\n")
    print(
        f"{options.pss} processes mapping the index, after 2,000 lookups each "
        f"({', '.join(f'{p:.0f}' for p in per)} us per lookup): PSS "
        + ", ".join(f"{p:,.0f} MiB (RSS {r:,.0f})" for p, r in values)
    )


if __name__ == "__main__":
    main()

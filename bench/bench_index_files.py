"""The persisted PDQ index at 10 million hashes, without a database (issue 17).

Usage: ``PYTHONPATH=src python bench/bench_index_files.py [--rows 10000000] [--pss 3]``

Builds an index of N random PDQ hashes (numpy random bits) and saves it as ``tvec index``
does (``IndexFiles``: pdq part plus an empty exact part), then, in fresh child processes:

* load (memory-mapped) and answer one lookup: wall and CPU from process start, and the
  same child with the import of tvec alone (the start-up floor);
* per-lookup CPU over 2,000 random queries, memory-mapped, against the same index held in
  memory (``PDQIndex`` built in the process: today's path); answers compared;
* PSS of ``--pss`` processes that mapped the index and answered the 2,000 queries.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

from tvec.matching.pdq_index import PDQIndex
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
    queries = rng.integers(0, 256, size=(2000, 32), dtype=np.uint8)
    t1 = time.process_time()
    for row in queries:
        snap.pdq.query(row.tobytes(), 31)
    print((time.process_time() - t1) / 2000 * 1e6, flush=True)
    sys.stdin.readline()
    """
)


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
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--pss", type=int, default=3)
    options = parser.parse_args()
    n = options.rows
    folder = Path(tempfile.mkdtemp(prefix="tvec-index-files-")) / "index"
    rng = np.random.default_rng(1)
    hashes = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    ids = np.arange(1, n + 1, dtype=np.int64)
    t = time.process_time()
    snapshot = IndexSnapshot(1, PDQIndex(), PDQIndex(threshold=0))
    snapshot.pdq.add(ids, hashes)
    build = time.process_time() - t
    files = IndexFiles(folder)
    t = time.perf_counter()
    files.save(snapshot)
    save = time.perf_counter() - t
    size = files.nbytes() / 2**20
    query = hashes[12345].copy()
    query[0] ^= 0x0F
    print(f"rows {n:,}: build {build:.1f} s CPU, save {save:.1f} s wall, {size:,.0f} MiB of files")
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
    t = time.process_time()
    memory_answers = [snapshot.pdq.query(q.tobytes(), 31) for q in qs]
    in_memory = (time.process_time() - t) / 2000 * 1e6
    mapped_index = files.load()
    assert mapped_index is not None
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

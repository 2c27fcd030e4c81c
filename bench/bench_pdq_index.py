"""Benchmark tvec's exact PDQ index against numpy brute force and python-threatexchange's.

Usage::

    .venv/bin/python bench/bench_pdq_index.py [--sizes 1000000,10000000] [--data uniform,clustered]

Each (data, size, index) runs in its own child process so that memory figures do not mix:

* build peak = the child's peak resident set (``VmHWM``, reset just before the build) minus
  its resident set before the build; index = resident set after the build minus before. Both
  are RSS deltas in MiB; the generated bank (and pytx's hex strings) exist before and are
  not counted.
* single lookups/s: ``query()`` called one hash at a time from a pool of 2 threads (and, for
  tvec, from 1 thread); batch lookups/s: batches of 1,000 (tvec: ``query_batch``, which
  uses 2 threads; brute force: 2 threads of 500; pytx: its ``PDQMultiHashIndex`` range
  search over 1,000 hashes, faiss OpenMP on 2 threads). "CPU µs/lookup" is the process CPU
  time of the 1-thread run per lookup: less sensitive than wall time to other jobs on the
  machine (2 idle cores would do about 2e6 / that many lookups per second).
* tvec runs twice on the same built index: with its compiled probe loop (numba) and with
  the numpy-only path; brute force at 10M times fewer queries (it is slow).
* queries: half near-duplicates of stored hashes (exactly d bits flipped, d uniform in
  0..31), half uniform random misses; every index gets the same queries. "check" is a digest
  of the answers (id, distance) to the first 40 queries: equal digests = equal answers.

Data: "uniform" = uniformly random 256-bit hashes; "clustered" = clusters of 20
near-duplicates, each member a random centre with every bit flipped with probability 1/16
(about 16 bits from the centre, about 30 from each other).

The markdown table replaces the ``## PDQ index`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from report import load_average, machine_line, replace_section, utc_now

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

SEED = 20261129
THRESHOLD = 31
CHECK_QUERIES = 40
QUERY_POOL = 5000  # every index gets the same queries, from this pool
CLUSTER = 20
SECTION = "## PDQ index"


# data


def make_bank(n: int, kind: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    """Ids (shape (n,)) and hashes (shape (n, 32) bytes) of a generated bank."""
    rng = np.random.default_rng(SEED)
    words = np.empty((n, 4), dtype=np.uint64)
    if kind == "uniform":
        words[:] = rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)
    else:
        centres = rng.integers(0, 2**64, size=((n + CLUSTER - 1) // CLUSTER, 4), dtype=np.uint64)
        for start in range(0, n, 1 << 20):
            stop = min(n, start + (1 << 20))
            noise = rng.integers(0, 2**64, size=(stop - start, 4), dtype=np.uint64)
            for _ in range(3):
                noise &= rng.integers(0, 2**64, size=(stop - start, 4), dtype=np.uint64)
            words[start:stop] = centres[np.arange(start, stop) // CLUSTER] ^ noise
    hashes = np.ascontiguousarray(words.astype(">u8")).view(np.uint8).reshape(n, 32)
    ids = np.arange(n, dtype=np.int64) * 7 + 3
    return ids, hashes


def make_queries(hashes: npt.NDArray[np.uint8], count: int) -> npt.NDArray[np.uint8]:
    """Half near-duplicates of stored hashes (0..31 bits flipped), half random misses."""
    rng = np.random.default_rng(SEED + 1)
    out = rng.integers(0, 256, size=(count, 32), dtype=np.uint8)
    near = rng.integers(0, hashes.shape[0], size=count // 2)
    for i, row in enumerate(near):
        bits = np.unpackbits(hashes[row])
        bits[rng.choice(256, size=int(rng.integers(0, 32)), replace=False)] ^= 1
        out[2 * i] = np.packbits(bits)  # even positions: near-duplicates
    return out


# measurement helpers


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def rate(fn: Callable[[Any], object], items: list[Any], threads: int) -> float:
    """Items per second when ``fn`` is applied to every item on ``threads`` threads."""
    return timed(fn, items, threads)[0]


def timed(fn: Callable[[Any], object], items: list[Any], threads: int) -> tuple[float, float]:
    """(items per second, CPU microseconds per item of the process) on ``threads`` threads."""
    start, cpu = time.perf_counter(), time.process_time()
    if threads == 1:
        for item in items:
            fn(item)
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(fn, items))
    wall, used = time.perf_counter() - start, time.process_time() - cpu
    return len(items) / wall, used / len(items) * 1e6


def digest(answers: list[list[tuple[int, int]]]) -> str:
    canon = [sorted((int(i), int(d)) for i, d in a) for a in answers]
    return hashlib.sha256(json.dumps(canon).encode()).hexdigest()[:10]


# one child run per (impl, size, data)


def trim_heap() -> None:
    """Give freed heap back to the OS (glibc ``malloc_trim``) so RSS shows live memory only."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def run_child(impl: str, n: int, kind: str, singles: int, in_batches: int) -> dict[str, Any]:
    ids, hashes = make_bank(n, kind)
    queries = make_queries(hashes, QUERY_POOL)
    result: dict[str, Any] = {"impl": impl, "n": n, "data": kind}
    single_rows = [queries[i] for i in range(singles)]
    batch_rows = [queries[i : min(i + 1000, in_batches)] for i in range(0, in_batches, 1000)]
    check_rows = [queries[i] for i in range(CHECK_QUERIES)]

    if impl == "pytx":
        import faiss
        from threatexchange.signal_type.pdq.pdq_index import PDQIndex as PytxIndex

        faiss.omp_set_num_threads(2)
        big = hashes.tobytes().hex()
        hexes = [big[i : i + 64] for i in range(0, len(big), 64)]
        del big
        entries = list(zip(hexes, ids.tolist(), strict=True))
        rss0 = status_kib("VmRSS")
        reset_peak()
        start = time.perf_counter()
        pytx = PytxIndex(entries)
        result["build_s"] = time.perf_counter() - start

        def one(q: npt.NDArray[np.uint8]) -> list[tuple[int, int]]:
            return [(m.metadata, m.similarity_info.distance) for m in pytx.query(q.tobytes().hex())]

        def batch(qs: npt.NDArray[np.uint8]) -> object:
            return pytx.index.search_with_distance_in_result(
                [q.tobytes().hex() for q in qs], THRESHOLD
            )

        single_fn, batch_fn, batch_threads = one, batch, 1
    else:
        from tvec.matching import mih_kernel
        from tvec.matching.pdq_index import BruteForcePDQIndex, PDQIndex

        rss0 = status_kib("VmRSS")
        reset_peak()
        start = time.perf_counter()
        index: PDQIndex | BruteForcePDQIndex = (
            PDQIndex(THRESHOLD) if impl == "tvec" else BruteForcePDQIndex(THRESHOLD)
        )
        index.add(ids, hashes)
        result["build_s"] = time.perf_counter() - start
        single_fn = index.query
        if impl == "tvec":
            batch_fn, batch_threads = index.query_batch, 1
        else:
            batch_fn, batch_threads = index.query_batch, 2
    result["peak_build_mib"] = (status_kib("VmHWM") - rss0) / 1024
    trim_heap()
    result["rss_index_mib"] = (status_kib("VmRSS") - rss0) / 1024
    result["batch_queries"] = in_batches
    engines = ["numba", "numpy"] if impl == "tvec" else [impl]
    result["engines"] = {}
    for engine in engines:
        if impl == "tvec":
            assert isinstance(index, PDQIndex)
            index.accelerate = engine == "numba"
            if engine == "numba" and not mih_kernel.AVAILABLE:
                continue
        timing: dict[str, Any] = {"check": digest([single_fn(q) for q in check_rows])}
        timing["single_2t"] = rate(single_fn, single_rows, 2)
        if impl == "tvec":
            one_thread = timed(single_fn, single_rows[: singles // 2], 1)
            timing["single_1t"], timing["cpu_us"] = one_thread
        if batch_threads == 1:
            timing["batch"] = rate(batch_fn, batch_rows, 1) * in_batches / len(batch_rows)
        else:  # brute force: each batch split in halves over 2 threads
            halves = [b[i : i + len(b) // 2] for b in batch_rows for i in (0, len(b) // 2)]
            timing["batch"] = rate(batch_fn, halves, 2) * in_batches / len(halves)
        result["engines"][engine] = timing
    if impl == "tvec":
        assert isinstance(index, PDQIndex)
        result["nbytes_mib"] = index.nbytes() / 2**20
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            index.save(Path(folder))
            result["save_s"] = time.perf_counter() - start
            del index
            start = time.perf_counter()
            PDQIndex.load(Path(folder))
            result["load_s"] = time.perf_counter() - start
    return result


# parent: run the children, write the table

COUNTS = {  # (timed single lookups, queries timed in batches of up to 1,000) per index;
    # kept small for the slow indexes, at most QUERY_POOL
    "tvec": lambda n: (3000, 5000),
    "brute": lambda n: (max(20, int(2e7 // n)), max(200, min(1000, int(2e9 // n)))),
    "pytx": lambda n: (max(100, min(2000, int(2e9 // n))), 1000),
}


def machine() -> str:
    """Machine facts, numpy version, time and load for the report."""
    return (
        f"{machine_line()}, numpy {np.__version__}; run {utc_now()}; "
        f"load average at the end {load_average()} (the machine was shared with other jobs)"
    )


def fmt(value: Any, spec: str = ",.0f") -> str:
    return "n/a" if value is None else format(value, spec)


def render(results: list[dict[str, Any]], note: str, host: str) -> str:
    lines = [
        SECTION,
        "",
        f"Machine: {host}.",
        "",
        "Generated by `bench/bench_pdq_index.py` (its docstring says how each number is "
        "measured). Threshold 31 bits. Memory: RSS deltas in MiB (build peak from `VmHWM`).",
        "",
        "| data | hashes | index | build s | build peak MiB | index MiB | single/s, 2 threads "
        "| single/s, 1 thread | CPU µs/lookup | batch-1000/s | check |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    rows = []  # one row per (result, engine)
    for r in results:
        if "error" in r:
            lines.append(f"| {r['data']} | {r['n']:,} | {r['impl']} | {r['error']} ||||||||")
            continue
        for engine, t in r["engines"].items():
            name = f"tvec ({engine})" if r["impl"] == "tvec" else r["impl"]
            rows.append((r, name, t))
            lines.append(
                f"| {r['data']} | {r['n']:,} | {name} | {r['build_s']:.1f} "
                f"| {r['peak_build_mib']:,.0f} | {r['rss_index_mib']:,.0f} "
                f"| {fmt(t['single_2t'])} | {fmt(t.get('single_1t'))} | {fmt(t.get('cpu_us'))} "
                f"| {fmt(t['batch'])} "
                f"| {t['check']} |"
            )
    lines += ["", "Ratios from this run (lookups per second, tvec / other):", ""]
    by_key = {(r["data"], r["n"], name): t for r, name, t in rows}
    for (kind, n, name), t in by_key.items():
        if not name.startswith("tvec"):
            continue
        for other in ("brute", "pytx"):
            o = by_key.get((kind, n, other))
            if o:
                same = "same answers" if o["check"] == t["check"] else "DIFFERENT answers"
                single = t["single_2t"] / o["single_2t"]
                batch = t["batch"] / o["batch"]
                lines.append(
                    f"- {kind}, {n:,}: {name} / {other}: single {single:,.1f}x, "
                    f"batch {batch:,.1f}x ({same} on the check queries)"
                )
    tvec = [r for r in results if r["impl"] == "tvec" and "error" not in r]
    if tvec:
        lines += ["", "tvec index arrays, save and load (full read, no mmap):", ""]
        for r in tvec:
            lines.append(
                f"- {r['data']}, {r['n']:,}: arrays {r['nbytes_mib']:,.0f} MiB "
                f"({r['nbytes_mib'] * 2**20 / r['n']:.0f} bytes/hash), save {r['save_s']:.1f} s, "
                f"load {r['load_s']:.1f} s"
            )
    lines += [
        "",
        "Reading these numbers: every index gives the same answers (the check digests), so "
        "the differences are speed and memory only. Wall-clock rates depend on what else runs "
        "on the machine (see the load average above); the CPU time per lookup depends on it "
        "much less. tvec's lookups are bound by memory latency at 10M (about 6,000 random "
        "reads each: directory, bucket, hash), not by arithmetic.",
    ]
    if note:
        lines += ["", note]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Put ``section`` under SECTION in ``path``, replacing an older one."""
    replace_section(path, SECTION, section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--data", default="uniform,clustered")
    parser.add_argument("--impls", default="tvec,brute,pytx")
    parser.add_argument("--pytx-data", default="uniform", help="data kinds to run pytx on")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--note", default="")
    parser.add_argument(
        "--render-only",
        type=Path,
        help="write the table from a file of result JSON lines (from an earlier run's stderr)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.render_only:
        lines = args.render_only.read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.startswith("{")]
        results = [r for r in records if "impl" in r]
        host = next((r["machine"] for r in records if "machine" in r), machine())
        section = render(results, args.note, host)
        print(section)
        if not args.no_write:
            write_section(args.out, section)
        return
    if args.child:
        impl, n, kind, singles, in_batches = args.child.split(",")
        print(json.dumps(run_child(impl, int(n), kind, int(singles), int(in_batches))))
        return
    results = []
    for kind in args.data.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            for impl in args.impls.split(","):
                if impl == "pytx" and kind not in args.pytx_data.split(","):
                    continue
                singles, in_batches = COUNTS[impl](n)
                spec = f"{impl},{n},{kind},{singles},{in_batches}"
                print(f"running {spec}", file=sys.stderr, flush=True)
                try:
                    proc = subprocess.run(
                        [sys.executable, __file__, "--child", spec],
                        capture_output=True,
                        text=True,
                        timeout=900,
                        check=False,
                    )
                    if proc.returncode != 0:
                        tail = proc.stderr.strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
                        result = {"impl": impl, "n": n, "data": kind, "error": tail[0][:120]}
                    else:
                        result = json.loads(proc.stdout.strip().splitlines()[-1])
                except subprocess.TimeoutExpired:
                    result = {"impl": impl, "n": n, "data": kind, "error": "timed out (900 s)"}
                print(json.dumps(result), file=sys.stderr, flush=True)
                results.append(result)
    host = machine()
    print(json.dumps({"machine": host}), file=sys.stderr, flush=True)
    section = render(results, args.note, host)
    print(section)
    if not args.no_write:
        write_section(args.out, section)


if __name__ == "__main__":
    main()

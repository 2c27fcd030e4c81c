"""Benchmark the transparency report against ``tvec stats removals`` on the same data.

Data (inserted in bulk with ``insert()``, so seeding takes seconds): 100,000 items each
with a review case (70% decided, every 50th decision appealed), 20,000 bank matches,
30,000 analysed items with 10,000 indicator hits, 200 removal orders, and 50,000 alerted
URLs (out-link, sighting, alert, takedown, two status checks each: the rows of
``bench/bench_takedowns.py``), all in the first quarter of 2026.

Measured, on SQLite, for the period 2026-01-01 to 2026-03-31:

1. **In process**: :func:`tvec.reports.transparency.transparency_report` (every figure,
   and the previous period) against its peer :func:`tvec.reports.metrics.metrics_document`
   (what ``tvec stats removals`` computes), median of 3 runs each; peak Python memory with
   tracemalloc in a separate run; and the rendering of the report to HTML (charts
   included) and to PDF.
2. **Whole commands**: ``tvec report transparency --format json`` and ``--format html``
   against ``tvec stats removals --format json`` as processes: wall time and peak resident
   memory (``ru_maxrss`` of the child), best of 2.

Usage: ``python bench/bench_reports.py [--cases N] [--alerts N]``. Writes a
``## Reports`` section into docs/benchmarks.md with the machine facts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_takedowns import T0, _fill
from report import load_average, machine_line, replace_section, utc_now
from sqlalchemy import insert

from tvec.reports.metrics import metrics_document, parse_period
from tvec.reports.render import render_transparency
from tvec.reports.transparency import transparency_report
from tvec.settings import load_settings
from tvec.store import Store, open_store
from tvec.store.models import Bank, BankEntry, Item, Match
from tvec.store.models.analysis import ItemAnalysis, ItemIndicatorHit
from tvec.store.models.cases import Appeal, Decision, ReviewCase
from tvec.store.models.orders import RemovalOrder

REPORT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
SECTION = "## Reports"
SINCE, UNTIL = "2026-01-01", "2026-03-31"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
OUTCOMES = ("remove", "no_violation", "duplicate", "escalate", "remove")
CHUNK = 20000


def _bulk(store: Store, model: object, rows: list[dict[str, object]]) -> None:
    with store.session() as session:
        for start in range(0, len(rows), CHUNK):
            session.execute(insert(model), rows[start : start + CHUNK])  # type: ignore[arg-type]


def seed(store: Store, cases: int, alerts: int) -> None:
    """The data of the module docstring (``alerts`` URLs use item ids 1..alerts; cases use
    items 1..cases, adding the items beyond ``alerts``)."""
    _fill(store, alerts)
    _bulk(store, Item, [
        {"id": n, "locator": f"bench:{n}", "media_type": "text/plain", "content_type": "text",
         "collected_at": T0 + timedelta(minutes=n), "metadata": {}}
        for n in range(alerts + 1, cases + 1)
    ])  # fmt: skip
    _bulk(store, ReviewCase, [
        {"id": n, "item_id": n, "status": "decided" if n % 10 < 7 else "open",
         "priority": float(n % 10), "priority_parts": {}, "opened_at": T0 + timedelta(minutes=n),
         "updated_at": T0 + timedelta(minutes=n)}
        for n in range(1, cases + 1)
    ])  # fmt: skip
    decided = [n for n in range(1, cases + 1) if n % 10 < 7]
    _bulk(store, Decision, [
        {"id": n, "case_id": n, "reviewer": "bench", "outcome": OUTCOMES[n % len(OUTCOMES)],
         "ground_kind": "tos" if OUTCOMES[n % len(OUTCOMES)] == "remove" else None,
         "ground": "clause 1" if OUTCOMES[n % len(OUTCOMES)] == "remove" else None,
         "decided_at": T0 + timedelta(minutes=n, hours=n % 48)}
        for n in decided
    ])  # fmt: skip
    _bulk(store, Appeal, [
        {"decision_id": n, "filed_by": "bench", "reason": "r",
         "status": ("upheld", "overturned", "pending")[n % 3],
         "filed_at": T0 + timedelta(minutes=n, hours=50),
         "resolved_at": None if n % 3 == 2 else T0 + timedelta(minutes=n, hours=60)}
        for n in decided if n % 50 == 0
    ])  # fmt: skip
    _bulk(store, Bank, [{"id": b, "name": f"bank-{b}", "description": None} for b in (1, 2, 3)])
    _bulk(store, BankEntry, [
        {"id": e, "bank_id": 1 + e % 3, "signal_type": "pdq", "value": f"{e:064x}",
         "source": "TCAP" if e % 3 == 0 else None, "extra": {}}
        for e in range(1, 1001)
    ])  # fmt: skip
    _bulk(store, Match, [
        {"item_id": n, "bank_entry_id": 1 + n % 1000, "signal_type": "pdq",
         "value": f"{n:064x}", "distance": n % 32, "created_at": T0 + timedelta(minutes=n)}
        for n in range(1, cases + 1, max(1, cases // 20000))
    ])  # fmt: skip
    analysed = list(range(1, cases + 1, max(1, cases // 30000)))
    _bulk(store, ItemAnalysis, [
        {"id": n, "item_id": n, "primary_language": ("ara", "eng", "som", "und")[n % 4],
         "languages": [], "media_text": [], "stages": {}, "errors": [],
         "analyzed_at": T0 + timedelta(minutes=n)}
        for n in analysed
    ])  # fmt: skip
    _bulk(store, ItemIndicatorHit, [
        {"analysis_id": n, "item_id": n, "entity_id": ("islamic-state", "al-shabaab")[n % 2],
         "alias": "x", "field": "text", "span_start": 0, "span_end": 1, "matched_text": "x",
         "steps": [], "created_at": T0 + timedelta(minutes=n)}
        for n in analysed[::3]
    ])  # fmt: skip
    _bulk(store, RemovalOrder, [
        {"reference": f"O-{n}", "authority": "A", "member_state": "FR",
         "received_at": T0 + timedelta(hours=n), "deadline_at": T0 + timedelta(hours=n + 1),
         "reasons": "r", "status": "done", "completed_at": T0 + timedelta(hours=n, minutes=n % 90),
         "reply": {}, "recorded_by": "bench"}
        for n in range(200)
    ])  # fmt: skip


def _timed(fn: object, repeats: int = 3) -> tuple[float, float]:
    """(median seconds of ``repeats`` calls, peak traced MiB of one more call)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    fn()  # type: ignore[operator]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak / 1024**2


def _command(home: Path, args: list[str], repeats: int = 2) -> tuple[float, float]:
    """(best wall seconds, peak RSS MiB of the child) of ``python -m tvec ARGS``."""
    env = {**os.environ, "TVEC_HOME": str(home), "TVEC_PROGRESS": "false"}
    env.pop("TVEC_DATABASE_URL", None)
    # A wrapper process runs the command, so ru_maxrss of its children is that command's.
    wrapper = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    best, rss = float("inf"), 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", wrapper, sys.executable, "-m", "tvec", *args],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        best = min(best, time.perf_counter() - started)
        rss = max(rss, float(done.stdout.strip()))
    return best, rss / 1024


def main() -> int:
    """Seed, measure and write the report section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100000)
    parser.add_argument("--alerts", type=int, default=50000)
    args = parser.parse_args()
    load_before = load_average()
    start, end = parse_period(SINCE, UNTIL)
    assert start is not None and end is not None
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        store = open_store(load_settings(home=home, progress=False))
        started = time.perf_counter()
        seed(store, args.cases, args.alerts)
        seed_seconds = time.perf_counter() - started

        def report() -> object:
            with store.session() as session:
                return transparency_report(session, since=start, until=end, now=NOW)

        def removals() -> object:
            with store.session() as session:
                return metrics_document(session, now=NOW, since=start, until=end)

        built = report()
        assert built.alerts.overall.alerts_sent == args.alerts  # type: ignore[attr-defined]
        assert built.review.cases_opened == args.cases  # type: ignore[attr-defined]
        ours = _timed(report)
        peer = _timed(removals)
        html = _timed(lambda: render_transparency(built, "html"))  # type: ignore[arg-type]
        pdf = _timed(lambda: render_transparency(built, "pdf"), repeats=1)  # type: ignore[arg-type]
        store.close()
        period = ["--from", SINCE, "--to", UNTIL]
        cli_json = _command(home, ["report", "transparency", *period, "--format", "json"])
        cli_html = _command(home, ["report", "transparency", *period, "--format", "html"])
        cli_stats = _command(
            home, ["stats", "removals", "--since", SINCE, "--until", UNTIL, "--format", "json"]
        )
    lines = [
        SECTION,
        "",
        f"Run {utc_now()} on {machine_line()}, SQLite; load average {load_before} at start. "
        f"`python bench/bench_reports.py` (its docstring says what is measured): "
        f"{args.cases:,} review cases (items, decisions, appeals, matches, analyses) and "
        f"{args.alerts:,} alerted URLs, seeded in bulk in {seed_seconds:.1f} s.",
        "",
        "**In process** (median of 3; peak Python memory by tracemalloc, separate run):",
        "",
        "| | seconds | peak Python memory (MiB) | vs peer (time) |",
        "|---|---:|---:|---:|",
        f"| `transparency_report` (every figure, both periods) | {ours[0]:.2f} | {ours[1]:.0f} "
        f"| {ours[0] / peer[0]:.2f}x |",
        f"| peer: `metrics_document` (`tvec stats removals`) | {peer[0]:.2f} | {peer[1]:.0f} "
        "| 1.00x |",
        f"| rendering the report to HTML (3 charts) | {html[0]:.2f} | {html[1]:.0f} | |",
        f"| rendering the report to PDF (WeasyPrint) | {pdf[0]:.2f} | {pdf[1]:.0f} | |",
        "",
        "**Whole commands** (best of 2; peak resident memory of the process):",
        "",
        "| command | seconds | peak RSS (MiB) | vs peer (time) |",
        "|---|---:|---:|---:|",
        f"| `tvec report transparency --format json` | {cli_json[0]:.2f} | {cli_json[1]:.0f} "
        f"| {cli_json[0] / cli_stats[0]:.2f}x |",
        f"| `tvec report transparency --format html` | {cli_html[0]:.2f} | {cli_html[1]:.0f} "
        f"| {cli_html[0] / cli_stats[0]:.2f}x |",
        f"| peer: `tvec stats removals --format json` | {cli_stats[0]:.2f} | {cli_stats[1]:.0f} "
        "| 1.00x |",
        "",
        "The report's alert figures are the removal metrics themselves (computed for the "
        "period and the previous one); the rest are grouped counts in SQL plus the per-case "
        "waits and backlog ages, which are read row by row for the percentiles. `stats "
        "removals --format json` also prints every URL's timeline, which the public report "
        "leaves out.",
        "",
    ]
    replace_section(REPORT, SECTION, "\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the takedown side: status checks and removal metrics.

1. **Status checks** against a local HTTP server on 127.0.0.1 (half the pages answer 200,
   half 404): :func:`tvec.alerts.run_checks` (visit, classify, one transaction per URL with
   its status check and takedown update) against its peer in the same run, the bare visits
   (:meth:`tvec.net.http.HttpClient.try_fetch` over the same URLs, nothing stored).
   The ratio is what the bookkeeping costs per URL.
2. **Removal metrics** over N alerted URLs (rows inserted directly: out-link, sighting, item,
   alert, takedown, two status checks each): :func:`tvec.alerts.metrics_document`, its time
   and peak Python memory (tracemalloc), at two sizes, so the growth per URL shows.

Usage: ``python bench/bench_takedowns.py [--checks N] [--sizes N,N]``. Writes a
``## Takedowns`` section into docs/benchmarks.md with the machine facts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from report import load_average, machine_line, replace_section, utc_now
from sqlalchemy import insert

from tvec.net.http import HttpClient
from tvec.reports.metrics import metrics_document
from tvec.settings import Settings, load_settings
from tvec.store import Store, open_store
from tvec.store.models import Item, Outlink, OutlinkSighting
from tvec.store.models.alerts import Alert, StatusCheck, Takedown
from tvec.takedowns.checks import run_checks

REPORT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
SECTION = "## Takedowns"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
PLATFORMS = ["Files.fm", "Internet Archive", "MediaFire", "Telegram", "Gofile", "Rumble"]
ENTITIES = ["islamic-state", "al-shabaab", "hamas", "national-action"]


class _Pages(BaseHTTPRequestHandler):
    """Even page numbers are online (200), odd ones removed (404)."""

    def do_GET(self) -> None:
        number = int(self.path.rsplit("/", 1)[-1] or 0)
        status = 200 if number % 2 == 0 else 404
        body = f"<html><body><h1>page {number}</h1></body></html>".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


def _settings(home: Path) -> Settings:
    return load_settings(
        home=home,
        progress=False,
        outbound_allow_hosts=["127.0.0.1"],
        http_host_interval_seconds=0.0,
        http_retries=0,
    )


def bench_checks(count: int, repeats: int = 3) -> dict[str, float]:
    """Seconds per URL of run_checks and of the bare visits, best of ``repeats``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/p/"
    urls = [f"{base}{n}" for n in range(count)]
    ours: list[float] = []
    bare: list[float] = []
    try:
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as folder:
                settings = _settings(Path(folder) / "home")
                store = open_store(settings)
                with HttpClient(settings) as client:
                    started = time.perf_counter()
                    report = run_checks(store, settings, client=client, urls=urls, now=T0)
                    ours.append((time.perf_counter() - started) / count)
                    assert len(report.checks) == count
                    started = time.perf_counter()
                    for url in urls:
                        attempt = client.try_fetch(url)
                        assert attempt.result is not None
                    bare.append((time.perf_counter() - started) / count)
                store.close()
    finally:
        server.shutdown()
    return {"ours": min(ours), "bare": min(bare)}


def _fill(store: Store, count: int) -> None:
    """``count`` alerted URLs with a sighting, an alert, a takedown and two checks each."""
    outlinks, items, sightings, alerts, takedowns, checks = [], [], [], [], [], []
    for n in range(1, count + 1):
        seen = T0 + timedelta(minutes=n)
        sent = seen + timedelta(hours=1 + n % 24)
        removed = n % 5 != 0
        platform = PLATFORMS[n % len(PLATFORMS)]
        url = f"https://content.example/{n}"
        outlinks.append(
            {"id": n, "url": url, "registrable_domain": "content.example",
             "host": "content.example", "platform": platform, "first_seen_at": seen,
             "last_seen_at": seen}
        )  # fmt: skip
        items.append(
            {"id": n, "locator": f"bench:{n}", "media_type": "text/plain",
             "content_type": "text", "collected_at": seen, "metadata": {"language": "ar"}}
        )  # fmt: skip
        sightings.append(
            {"outlink_id": n, "item_id": n, "seen": url, "seen_at": seen}
        )  # fmt: skip
        alerts.append(
            {"id": n, "reference": f"TVEC-{n:012x}", "idempotency_key": f"{n:064x}",
             "outlink_id": n, "url": url, "platform": platform, "channel": "csv",
             "recipient": "-", "entity": ENTITIES[n % len(ENTITIES)], "content_kind": "video",
             "graphic": False, "status": "sent", "attempts": 1, "created_at": sent,
             "sent_at": sent}
        )  # fmt: skip
        online = sent + timedelta(hours=1)
        gone = online + timedelta(hours=n % 200)
        takedowns.append(
            {"outlink_id": n, "state": "removed" if removed else "tracking",
             "requested_by": "alert", "last_result": "removed" if removed else "online",
             "checks": 3, "consecutive_removed": 2 if removed else 0,
             "last_online_at": online, "removed_at": gone if removed else None,
             "confirmed_at": gone + timedelta(minutes=15) if removed else None,
             "created_at": sent}
        )  # fmt: skip
        checks.append({"outlink_id": n, "checked_at": online, "result": "online", "reason": ""})
        checks.append(
            {"outlink_id": n, "checked_at": gone, "reason": "",
             "result": "removed" if removed else "online"}
        )  # fmt: skip
    with store.session() as session:
        for model, rows in (
            (Outlink, outlinks),
            (Item, items),
            (OutlinkSighting, sightings),
            (Alert, alerts),
            (Takedown, takedowns),
            (StatusCheck, checks),
        ):
            session.execute(insert(model), rows)


def bench_metrics(count: int) -> dict[str, float]:
    """Seconds and peak MiB (Python allocations) of one metrics_document over ``count`` URLs."""
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(_settings(Path(folder) / "home"))
        _fill(store, count)
        later = T0 + timedelta(days=400)
        times = []
        for _ in range(3):
            started = time.perf_counter()
            with store.session() as session:
                document = metrics_document(session, now=later)
            times.append(time.perf_counter() - started)
            assert document["overall"]["alerts_sent"] == count
        # Memory in a separate run: tracemalloc slows every allocation down.
        tracemalloc.start()
        with store.session() as session:
            metrics_document(session, now=later)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        store.close()
    return {"seconds": statistics.median(times), "peak_mib": peak / 1024**2}


def main() -> int:
    """Run both benchmarks and write the report section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=400)
    parser.add_argument("--sizes", default="10000,50000")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    load_before = load_average()
    checks = bench_checks(args.checks)
    metrics = {size: bench_metrics(size) for size in sizes}
    ratio = checks["ours"] / checks["bare"]
    lines = [
        SECTION,
        "",
        f"Run {utc_now()} on {machine_line()}, SQLite; load average {load_before} at start. "
        "`python bench/bench_takedowns.py` (`bench/bench_takedowns.py` says what is measured).",
        "",
        f"**Status checks** of {args.checks} URLs on a local HTTP server (half 200, half 404), "
        "best of 3:",
        "",
        "| | ms per URL | URLs per second |",
        "|---|---|---|",
        f"| `run_checks` (visit, classify, store check + takedown, one transaction per URL) "
        f"| {checks['ours'] * 1000:.2f} | {1 / checks['ours']:.0f} |",
        f"| peer: bare `HttpClient.try_fetch` visits, nothing stored "
        f"| {checks['bare'] * 1000:.2f} | {1 / checks['bare']:.0f} |",
        "",
        f"`run_checks` takes {ratio:.1f}x the time of the bare visits: the difference is "
        "classification and the SQLite transaction per URL. In real use the per-host interval "
        "(`TVEC_HTTP_HOST_INTERVAL_SECONDS`, 1 s by default, 0 here) and the platforms' "
        "answer times dominate.",
        "",
        "**Removal metrics** (`metrics_document`, every dimension and every URL's timeline), "
        "median of 3:",
        "",
        "| alerted URLs | seconds | µs per URL | peak Python memory (MiB) |",
        "|---|---|---|---|",
    ]
    for size, found in metrics.items():
        lines.append(
            f"| {size:,} | {found['seconds']:.2f} | {found['seconds'] / size * 1e6:.0f} "
            f"| {found['peak_mib']:.0f} |"
        )
    first, last = sizes[0], sizes[-1]
    growth = (metrics[last]["seconds"] / last) / (metrics[first]["seconds"] / first)
    lines += [
        "",
        f"Time per URL at {last:,} is {growth:.2f}x that at {first:,} (1.00 = linear). The "
        "document is built in memory, so memory grows with the number of URLs.",
        "",
    ]
    replace_section(REPORT, SECTION, "\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

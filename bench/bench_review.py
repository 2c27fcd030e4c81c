"""Benchmark the review queue and the decision API with 100,000 open cases.

Usage::

    python bench/bench_review.py [--cases 100000] [--requests 200] [--decisions 1000] [--no-write]

Loads ``--cases`` items with one open case each (priorities 0-10, a few entities, languages
and sources for the filters) into a fresh SQLite store under a temporary folder, then, in
process through the ASGI app (no network):

* times ``GET /queue`` (the HTML page, rendered; the server time a reviewer waits for)
  ``--requests`` times: half first pages, half pages reached by following the keyset cursor
  up to 100 pages deep, and a filtered page; reports median and p95 in milliseconds;
* times ``POST /api/cases/{id}/decision`` with an API token for ``--decisions`` cases in a
  row (each one a transaction with its audit event) and reports decisions per second.

Writes a ``## Review`` section with the results and machine facts into docs/benchmarks.md,
replacing only that section.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from report import load_average, machine_line, replace_section

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from tvec.accounts import add_user, create_token  # noqa: E402
from tvec.app.context import open_context  # noqa: E402
from tvec.settings import load_settings  # noqa: E402
from tvec.store import Store, open_store  # noqa: E402
from tvec.store.models import Item  # noqa: E402
from tvec.store.models.cases import ReviewCase  # noqa: E402
from tvec.web import create_app  # noqa: E402

REPORT = ROOT / "docs" / "benchmarks.md"
SECTION = "## Review"
ENTITIES = ["Islamic State", "al-Shabaab", "The Base", "Atomwaffen Division", None]
LANGUAGES = ["ar", "en", "so", "ru", "fr"]


def machine() -> str:
    """One line of machine facts for the report."""
    return (
        f"{machine_line()}, {platform.system()} {platform.release()}, SQLite; "
        f"load average {load_average()} at the start"
    )


def load_cases(url_home: Path, count: int) -> tuple[Store, str]:
    """A store with ``count`` open cases and an API token of a moderator."""
    settings = load_settings(home=url_home, progress=False, secret_key="bench-secret-key-0123")
    store = open_store(settings)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    batch = 10_000
    with store.engine.begin() as conn:
        for offset in range(0, count, batch):
            n = min(batch, count - offset)
            conn.execute(
                insert(Item),
                [
                    {
                        "locator": f"tg:bench/{offset + i}",
                        "media_type": "text/plain",
                        "content_type": "text",
                        "text": f"post {offset + i}",
                        "collected_at": start,
                        "meta": {},
                    }
                    for i in range(n)
                ],
            )
        ids = [row[0] for row in conn.exec_driver_sql("SELECT id FROM item ORDER BY id")]
        for offset in range(0, len(ids), batch):
            conn.execute(
                insert(ReviewCase),
                [
                    {
                        "item_id": item_id,
                        "status": "open",
                        "priority": round((item_id * 7919 % 1001) / 100, 2),
                        "priority_parts": {},
                        "entity": ENTITIES[item_id % len(ENTITIES)],
                        "signal_type": "pdq" if item_id % 3 else "md5",
                        "source": f"channel-{item_id % 50}",
                        "platform": "telegram",
                        "language": LANGUAGES[item_id % len(LANGUAGES)],
                        "opened_at": start + timedelta(seconds=item_id),
                        "updated_at": start,
                    }
                    for item_id in ids[offset : offset + batch]
                ],
            )
    with store.session() as session:
        add_user(session, "bench", "moderator", "bench password 123")
        token = create_token(session, "bench", "bench")
    return store, token


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def bench(count: int, requests: int, decisions: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        store, token = load_cases(Path(tmp) / "home", count)
        loaded = time.perf_counter() - started
        app = create_app(open_context(store.settings, store=store))
        client = TestClient(app, headers={"Authorization": f"Bearer {token}"})
        client.get("/queue")  # warm up templates and caches
        cursors: list[str | None] = [None]
        while len(cursors) < 100:
            page = client.get("/api/cases", params={"after": cursors[-1]} if cursors[-1] else {})
            cursors.append(page.json()["next_cursor"])
        times: list[float] = []
        filtered: list[float] = []
        for i in range(requests):
            if i % 10 == 9:
                path = "/queue?language=ar&entity=Islamic+State"
            else:
                cursor = cursors[(i * 37) % len(cursors)]
                path = f"/queue?after={cursor}" if cursor else "/queue"
            t0 = time.perf_counter()
            response = client.get(path)
            (filtered if "language=" in path else times).append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.text[:200]
        top: list[dict[str, Any]] = []
        after: str | None = None
        while len(top) < decisions:
            params: dict[str, str | int] = {"limit": min(500, decisions - len(top))}
            if after:
                params["after"] = after
            page = client.get("/api/cases", params=params).json()
            top.extend(page["cases"])
            after = page["next_cursor"]
            if after is None:
                break
        t0 = time.perf_counter()
        for case in top:
            response = client.post(
                f"/api/cases/{case['id']}/decision", json={"outcome": "no_violation"}
            )
            assert response.status_code == 200, response.text
        elapsed = time.perf_counter() - t0
        client.close()
        store.close()
    return {
        "cases": count,
        "load_seconds": loaded,
        "requests": requests,
        "median_ms": statistics.median(times),
        "p95_ms": percentile(times, 0.95),
        "filtered_median_ms": statistics.median(filtered),
        "filtered_p95_ms": percentile(filtered, 0.95),
        "decisions": len(top),
        "decisions_per_second": len(top) / elapsed,
    }


def write_section(body: str) -> None:
    """Add or replace this benchmark's section of docs/benchmarks.md (only that section)."""
    replace_section(REPORT, SECTION, body)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--decisions", type=int, default=1000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    facts = machine()
    r = bench(args.cases, args.requests, args.decisions)
    body = (
        f"{SECTION}\n\n"
        f"`bench/bench_review.py --cases {r['cases']} --requests {r['requests']} "
        f"--decisions {r['decisions']}`: {r['cases']:,} open cases in SQLite (loaded in "
        f"{r['load_seconds']:.1f} s); the queue page (`GET /queue`, rendered HTML, 50 cases) "
        "timed in process through the ASGI app: pages 1 to 100 by keyset cursor (nine requests "
        "in ten) and a filtered page (language + entity, one in ten; its exact total is a "
        "count over all open cases); then `POST /api/cases/{id}/decision` (no violation, with "
        "its audit event) on the top cases one after another.\n\n"
        "| queue page median | queue page p95 | filtered page median / p95 | decision API |\n"
        "|---|---|---|---|\n"
        f"| {r['median_ms']:.1f} ms | {r['p95_ms']:.1f} ms | "
        f"{r['filtered_median_ms']:.0f} / {r['filtered_p95_ms']:.0f} ms | "
        f"{r['decisions_per_second']:.0f} decisions/s |\n\n"
        f"Machine: {facts}; run {time.strftime('%Y-%m-%d', time.gmtime())}.\n"
    )
    print(body)
    if not args.no_write:
        write_section(body)


if __name__ == "__main__":
    main()

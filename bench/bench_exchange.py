"""Benchmark exchange fetches: entries fetched and stored per second from a local server
speaking Tech Against Terrorism's hash list API, against ``tvec bank import`` of the same
entries from a file.

Usage::

    python bench/bench_exchange.py [--entries 100000 1000000] [--page-size 10000] [--no-write]

For each size N, N benign PDQ stand-ins (SHA-256 of a counter, half labelled ``islamist``,
half ``far-right``) are served by a local HTTP server (``http.server`` in a thread on
127.0.0.1, allowed by ``TVEC_OUTBOUND_ALLOW_HOSTS``) in TAT's wire format: ``POST
token-auth/tcap/`` then ``GET api/hash-list/v2/all`` pages of ``--page-size`` records with
``next`` and ``checkpoint``, the JSON of every page built before timing. The exchange
figure is one full first fetch (``tvec.app.exchanges.fetch_exchange``: python-threatexchange's
client through tvec's outbound client, every record validated, bank entry + ``exchange_entry``
link written, one transaction per page with its checkpoint) into an empty SQLite database.
The peer is :func:`tvec.banks.service.import_bank` (``tvec bank import``) of the same N
entries from a CSV file (``signal_type,value,entity,ideology,note``) into another empty
database. Then an incremental fetch with nothing new (one empty page) is timed. Figures are
entries per second of wall time, single process; one run each.

Writes a ``## Exchanges`` section into docs/benchmarks.md (``--no-write``: print only).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from report import load_average, machine_line, replace_section, utc_now

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tvec.app.context import open_context  # noqa: E402
from tvec.app.exchanges import create_exchange, fetch_exchange  # noqa: E402
from tvec.banks.service import create_bank, import_bank  # noqa: E402
from tvec.settings import load_settings  # noqa: E402
from tvec.store import open_store  # noqa: E402

REPORT = ROOT / "docs" / "benchmarks.md"
SECTION = "## Exchanges"


def records(n: int) -> list[dict[str, object]]:
    """N TAT records in (updated_on, id) order."""
    return [
        {
            "id": i,
            "hash_digest": hashlib.sha256(f"bench-{i}".encode()).hexdigest(),
            "algorithm": "PDQ",
            "ideology": "islamist" if i % 2 else "far-right",
            "file_type": "jpg",
            "deleted": False,
            "updated_on": 1_700_000_000 + i,
            "created_on": "2024-01-01T00:00:00Z",
        }
        for i in range(1, n + 1)
    ]


def serve(rows: list[dict[str, object]], page_size: int) -> tuple[ThreadingHTTPServer, int]:
    """A TAT stand-in on 127.0.0.1 (pages pre-rendered); returns the server and its port."""
    pages: list[bytes] = []
    holder: dict[str, int] = {}

    def render(port: int) -> None:
        for start in range(0, max(len(rows), 1), page_size):
            page = rows[start : start + page_size]
            more = start + page_size < len(rows)
            body = {
                "count": len(rows),
                "next": (
                    f"http://127.0.0.1:{port}/api/hash-list/v2/all?offset={start + page_size}"
                    if more
                    else None
                ),
                "previous": None,
                "checkpoint": f"{page[-1]['updated_on']},{page[-1]['id']}" if page else "",
                "results": page,
            }
            pages.append(json.dumps(body).encode())

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self._send(b'{"token": "tok"}')

        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            if query.get("after", [""])[0]:  # incremental: nothing after the last record
                self._send(
                    json.dumps(
                        {
                            "count": 0,
                            "next": None,
                            "previous": None,
                            "checkpoint": "",
                            "results": [],
                        }
                    ).encode()
                )
                return
            offset = int(query.get("offset", ["0"])[0])
            self._send(pages[offset // page_size])

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    holder["port"] = port
    render(port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, port


def run(n: int, page_size: int, work: Path) -> dict[str, float]:
    rows = records(n)
    server, port = serve(rows, page_size)
    os.environ["BENCH_TAT_CREDENTIAL"] = "bench:bench"
    try:
        settings = load_settings(
            home=work / f"x{n}",
            progress=False,
            outbound_allow_hosts=["127.0.0.1"],
            http_host_interval_seconds=0,
            http_max_bytes=200 * 1024**2,
        )
        ctx = open_context(settings)
        create_exchange(
            ctx,
            "tat",
            "tat",
            {"base_url": f"http://127.0.0.1:{port}/", "credential_env": "BENCH_TAT_CREDENTIAL"},
            actor="bench",
        )
        start = time.perf_counter()
        result = fetch_exchange(ctx, "tat", actor="bench")
        fetch_s = time.perf_counter() - start
        assert result.complete and result.entries == n, result
        start = time.perf_counter()
        again = fetch_exchange(ctx, "tat", actor="bench")
        incremental_s = time.perf_counter() - start
        assert again.complete and again.added == 0
        ctx.close()
    finally:
        server.shutdown()

    csv_path = work / f"bank{n}.csv"
    with csv_path.open("w", encoding="utf-8") as out:
        out.write("signal_type,value,entity,ideology,note\n")
        for r in rows:
            out.write(f"pdq,{r['hash_digest']},,{r['ideology']},\n")
    store = open_store(load_settings(home=work / f"i{n}", progress=False))
    create_bank(store, "file", actor="bench")
    start = time.perf_counter()
    report = import_bank(store, "file", csv_path, "csv", actor="bench")
    import_s = time.perf_counter() - start
    assert report.added == n, report
    store.close()
    return {"n": n, "fetch_s": fetch_s, "import_s": import_s, "incremental_s": incremental_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--page-size", type=int, default=10_000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    load = load_average()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.entries:
            figures = run(n, args.page_size, Path(tmp))
            print(json.dumps(figures), flush=True)
            results.append(figures)
    lines = [
        SECTION,
        "",
        f"Run {utc_now()} on {machine_line()}, SQLite; load average {load} at start. "
        f"`python bench/bench_exchange.py --entries {' '.join(map(str, args.entries))}` "
        "(`bench/bench_exchange.py` says what is measured).",
        "",
        f"**First fetch** of a Tech Against Terrorism hash list from a local server "
        f"({args.page_size:,} records a page) against `tvec bank import` of the same entries "
        "from a CSV file, one run each:",
        "",
        "| entries | exchange fetch (s) | entries/s | bank import (s) | entries/s "
        "| fetch / import time |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['n']:,} | {r['fetch_s']:.1f} | {r['n'] / r['fetch_s']:,.0f} | "
            f"{r['import_s']:.1f} | {r['n'] / r['import_s']:,.0f} | "
            f"{r['fetch_s'] / r['import_s']:.2f}x |"
        )
    lines += [
        "",
        "An incremental fetch with nothing new (one empty page after the checkpoint) took "
        + ", ".join(f"{r['incremental_s'] * 1000:.0f} ms at {r['n']:,} entries" for r in results)
        + ".",
        "",
    ]
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        replace_section(REPORT, SECTION, body)


if __name__ == "__main__":
    main()

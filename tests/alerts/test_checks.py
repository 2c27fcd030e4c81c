"""Status checks against a local HTTP server that plays several platforms (issue 6, point 3).

The server listens on 127.0.0.1 and answers by ``Host`` header: made-up platforms
(``platform-a.example`` ...) added with :func:`tvec.platforms.overrides.add_platform`, which
the HTTP client resolves to 127.0.0.1 (allow-listed). Each page follows a script (its answer
to the 1st, 2nd... visit; the last repeats). The clock is frozen and moved by hand; every
expected time below is computed by hand from the schedule settings of :func:`check_settings`:
first check 30 min after the alert, interval x2 after each result that is not "removed" (at
most 2 h), confirming check 10 min after a first "removed".
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select

from tvec.audit import AuditKind
from tvec.clock import rfc3339
from tvec.errors import FetchError, UsageError
from tvec.net.http import FetchAttempt, FetchResult, HttpClient
from tvec.platforms.overrides import add_platform, load_registry
from tvec.reports.metrics import group_figures, url_timelines
from tvec.settings import Settings, load_settings
from tvec.store import Store, open_store
from tvec.store.models import Outlink
from tvec.store.models.alerts import Alert, StatusCheck, Takedown
from tvec.store.models.audit import AuditEvent
from tvec.takedowns.checks import apply_outcome, check_history, list_takedowns, run_checks
from tvec.takedowns.classify import classify, page_text
from tvec.takedowns.markers import packaged_markers

Answer = tuple[int, dict[str, str], bytes]

DAY = datetime(2026, 3, 2, tzinfo=UTC)
SENT = DAY + timedelta(hours=9)  # every alert of the acceptance test was sent at 09:00
FAR = DAY + timedelta(days=1)  # 2026-03-03 00:00


def at(hhmm: str) -> datetime:
    """``HH:MM`` on 2026-03-02 (UTC), or ``FAR``."""
    if hhmm == "FAR":
        return FAR
    hours, minutes = hhmm.split(":")
    return DAY + timedelta(hours=int(hours), minutes=int(minutes))


def page(text: str) -> Answer:
    body = f"<html><head><title>t</title></head><body>{text}</body></html>"
    return 200, {"Content-Type": "text/html; charset=utf-8"}, body.encode()


def status(code: int) -> Answer:
    return code, {"Content-Type": "text/html"}, f"<h1>{code}</h1>".encode()


def redirect(location: str) -> Answer:
    return 302, {"Location": location}, b""


class PlatformsServer:
    """``scripts[(host, path)]``: answers to the 1st, 2nd... visit of a path (last repeats)."""

    def __init__(self) -> None:
        self.scripts: dict[tuple[str, str], list[Answer]] = {}
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                server._answer(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"

    def visits(self, host: str, path: str) -> int:
        return sum(1 for h, p in self.requests if h == host and urlsplit(p).path == path)

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        host = handler.headers.get("Host", "").rsplit(":", 1)[0].lower()
        path = urlsplit(handler.path).path
        with self._lock:
            self.requests.append((host, handler.path))
            count = self.visits(host, path)
        answers = self.scripts.get((host, path)) or [status(404)]
        code, headers, body = answers[min(count, len(answers)) - 1]
        handler.send_response(code)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def platforms_server() -> Iterator[PlatformsServer]:
    server = PlatformsServer()
    yield server
    server.close()


class RecordingTransport(httpx.HTTPTransport):
    """The real transport, recording every URL a connection was made for."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(str(request.url))
        return super().handle_request(request)


def resolver(host: str, port: int) -> list[str]:
    """The made-up platforms live on 127.0.0.1; nothing else resolves."""
    if host.endswith(".example"):
        return ["127.0.0.1"]
    raise OSError(f"{host} does not resolve in the tests")


def check_settings(home: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "home": home,
        "progress": False,
        "outbound_allow_hosts": ["127.0.0.1"],
        "http_host_interval_seconds": 0,
        "http_retries": 0,
        "http_backoff_seconds": 0,
        "http_timeout_seconds": 10,
        "check_interval_seconds": 1800,
        "check_backoff_factor": 2,
        "check_max_interval_seconds": 7200,
        "check_confirm_seconds": 600,
        "check_stop_after_days": 180,
    }
    values.update(overrides)
    return load_settings(**values)


def add_platforms(store: Store, *letters: str) -> None:
    for letter in letters:
        with store.session() as session:
            add_platform(
                session,
                {
                    "name": f"Platform {letter.upper()}",
                    "kind": "video",
                    "domains": [f"platform-{letter}.example"],
                    "abuse_email": f"abuse@platform-{letter}.example",
                    "source": "tests/alerts/test_checks.py",
                },
                actor="test",
            )


def alert_url(store: Store, url: str, settings: Settings, sent_at: datetime = SENT) -> int:
    """Store an out-link, its sent alert and its takedown as the alerts code leaves them."""
    with store.session() as session:
        resolution = load_registry(session).resolve(url)
        assert resolution.platform is not None
        outlink = Outlink(
            url=url,
            host=resolution.host,
            registrable_domain=resolution.registrable_domain,
            platform=resolution.platform.name,
            first_seen_at=sent_at - timedelta(hours=2),
            last_seen_at=sent_at - timedelta(hours=2),
        )
        session.add(outlink)
        session.flush()
        key = hashlib.sha256(f"tvec-alert\0{url}".encode()).hexdigest()
        session.add(
            Alert(
                reference=f"TVEC-{key[:12]}",
                idempotency_key=key,
                outlink_id=outlink.id,
                url=url,
                platform=resolution.platform.name,
                channel="email",
                recipient=resolution.platform.abuse_email or "",
                entity="islamic-state",
                content_kind="video",
                status="sent",
                attempts=1,
                created_at=sent_at,
                sent_at=sent_at,
            )
        )
        session.add(
            Takedown(
                outlink_id=outlink.id,
                state="tracking",
                requested_by="alert",
                checks=0,
                consecutive_removed=0,
                interval_seconds=settings.check_interval_seconds,
                next_check_at=sent_at + timedelta(seconds=settings.check_interval_seconds),
                created_at=sent_at,
            )
        )
        return outlink.id


# --- the acceptance scenario ---------------------------------------------------------------

ON = ("online", 200, None)
NOT_FOUND = ("removed", 404, "http_404")
GONE = ("removed", 410, "http_410")
LOGIN = ("removed", 200, "login_redirect")
MARKER = ("removed", 200, "marker")
HOME = ("removed", 200, "home_redirect")
DOWN = ("unreachable", 503, None)

#: name -> (host, path): the alerted URLs.
URLS = {
    "a1": ("platform-a.example", "/video/a1"),
    "a2": ("platform-a.example", "/video/a2"),
    "a3": ("platform-a.example", "/video/a3"),
    "b": ("platform-b.example", "/post/b"),
    "c": ("platform-c.example", "/watch/c"),
    "d": ("platform-d.example", "/v/d"),
    "e": ("platform-e.example", "/e/1"),
}

#: Every status check, by hand: (time, result, HTTP status, route).
#: a1: online 09:30 (next +1 h), online 10:30 (next +2 h), 404 12:30 (confirm +10 min).
#: a2: a single 404 at 10:30 between onlines is not a takedown; then every 2 h (the cap).
#: a3: 404 from the first check. b: online three times, then 410 at 14:30.
#: c: redirect to /login at 10:30. d: marker page at 12:30.
#: e (flaky): 503 at 09:30 (unreachable: interval still doubles), online 10:30, home 12:30.
EXPECTED: dict[str, list[tuple[str, str, int, str | None]]] = {
    "a1": [("09:30", *ON), ("10:30", *ON), ("12:30", *NOT_FOUND), ("12:40", *NOT_FOUND)],
    "a2": [
        ("09:30", *ON),
        ("10:30", *NOT_FOUND),
        ("10:40", *ON),
        ("12:40", *ON),
        ("14:40", *ON),
        ("16:40", *ON),
        ("FAR", *ON),
    ],
    "a3": [("09:30", *NOT_FOUND), ("09:40", *NOT_FOUND)],
    "b": [("09:30", *ON), ("10:30", *ON), ("12:30", *ON), ("14:30", *GONE), ("14:40", *GONE)],
    "c": [("09:30", *ON), ("10:30", *LOGIN), ("10:40", *LOGIN)],
    "d": [("09:30", *ON), ("10:30", *ON), ("12:30", *MARKER), ("12:40", *MARKER)],
    "e": [("09:30", *DOWN), ("10:30", *ON), ("12:30", *HOME), ("12:40", *HOME)],
}

#: Each takedown at the end: state, last_online_at, removed_at, confirmed_at.
TAKEDOWNS = {
    "a1": ("removed", "10:30", "12:30", "12:40"),
    "a2": ("tracking", "FAR", None, None),
    "a3": ("removed", None, "09:30", "09:40"),
    "b": ("removed", "12:30", "14:30", "14:40"),
    "c": ("removed", "09:30", "10:30", "10:40"),
    "d": ("removed", "10:30", "12:30", "12:40"),
    "e": ("removed", "10:30", "12:30", "12:40"),
}

RUNS = ["09:30", "09:40", "10:00", "10:30", "10:40", "12:30", "12:40", "14:30", "14:40"]
RUNS += ["16:40", "FAR"]


def script(server: PlatformsServer) -> None:
    online = page("<video src='/media/1.mp4'></video> a video")
    a, b, c, d, e = (f"platform-{x}.example" for x in "abcde")
    server.scripts[(a, "/video/a1")] = [online, online, status(404)]
    server.scripts[(a, "/video/a2")] = [online, status(404), online]
    server.scripts[(a, "/video/a3")] = [status(404)]
    server.scripts[(b, "/post/b")] = [online, online, online, status(410)]
    server.scripts[(c, "/watch/c")] = [online, redirect("/login?next=/watch/c")]
    server.scripts[(c, "/login")] = [page("Sign in to continue")]
    server.scripts[(d, "/v/d")] = [
        online,
        online,
        page("<p>Sorry! This video has been   removed by its\nuploader.</p>"),
    ]
    server.scripts[(e, "/e/1")] = [status(503), online, redirect(server.url(e, "/"))]
    server.scripts[(e, "/")] = [page("Welcome to Platform E")]


def hand_metrics() -> dict[str, dict[str, Any]]:
    """Per-platform figures computed by hand (seconds from the 09:00 alert).

    Platform A: removed a1 at 12:30 (12600 s; last online 10:30: 5400 s) and a3 at 09:30
    (1800 s; never online: 0 s); a2 still online. Sorted [1800, 12600]: median 7200, p90
    1800 + 0.9 * 10800 = 11520; lower bounds [0, 5400]: median 2700, p90 4860.
    """

    def one(upper: float, lower: float) -> dict[str, Any]:
        within = (int(upper <= 3600), int(upper <= 86400), int(upper <= 604800))
        return {
            "alerts_sent": 1,
            "removed": 1,
            "removal_rate": 1.0,
            "median_seconds_to_removal": upper,
            "p90_seconds_to_removal": upper,
            "median_seconds_to_removal_min": lower,
            "p90_seconds_to_removal_min": lower,
            "removed_within_1h": within[0],
            "removed_within_24h": within[1],
            "removed_within_7d": within[2],
            "share_within_1h": float(within[0]),
            "share_within_24h": float(within[1]),
            "share_within_7d": float(within[2]),
            "still_online": 0,
            "median_seconds_to_alert": 7200.0,
        }

    return {
        "Platform A": {
            "alerts_sent": 3,
            "removed": 2,
            "removal_rate": 0.6667,
            "median_seconds_to_removal": 7200.0,
            "p90_seconds_to_removal": 11520.0,
            "median_seconds_to_removal_min": 2700.0,
            "p90_seconds_to_removal_min": 4860.0,
            "removed_within_1h": 1,
            "removed_within_24h": 2,
            "removed_within_7d": 2,
            "share_within_1h": 0.3333,
            "share_within_24h": 0.6667,
            "share_within_7d": 0.6667,
            "still_online": 1,
            "median_seconds_to_alert": 7200.0,
        },
        "Platform B": one(19800.0, 12600.0),  # removed 14:30, last online 12:30
        "Platform C": one(5400.0, 1800.0),  # removed 10:30, last online 09:30
        "Platform D": one(12600.0, 5400.0),  # removed 12:30, last online 10:30
        "Platform E": one(12600.0, 5400.0),  # removed 12:30, last online 10:30
    }


def test_pages_go_from_online_to_removed_by_every_route(
    platforms_server: PlatformsServer, tmp_path: Path, db_url: str
) -> None:
    own_markers = tmp_path / "markers.yaml"
    own_markers.write_text(
        "- platform: Platform D\n  markers: [This video has been removed by its uploader]\n",
        encoding="utf-8",
    )
    settings = check_settings(
        tmp_path / "home", database_url=db_url, removal_markers_file=own_markers
    )
    store = open_store(settings)
    transport = RecordingTransport()
    try:
        add_platforms(store, "a", "b", "c", "d", "e")
        script(platforms_server)
        url = {name: platforms_server.url(*where) for name, where in URLS.items()}
        outlink = {name: alert_url(store, u, settings) for name, u in url.items()}
        checked_at_run: dict[str, set[str]] = {}
        with HttpClient(settings, resolver=resolver, transport=transport) as client:
            for run in RUNS:
                report = run_checks(store, settings, client=client, now=at(run))
                checked_at_run[run] = {c.url for c in report.checks}
                assert all(c.result is not None for c in report.checks)

        # Each run checked exactly the URLs due then (a 10:00 run finds nothing due).
        for run in RUNS:
            due = {url[name] for name, rows in EXPECTED.items() if any(r[0] == run for r in rows)}
            assert checked_at_run[run] == due, run
        assert checked_at_run["10:00"] == set()

        port = platforms_server.port
        final_urls = {
            "c": f"http://platform-c.example:{port}/login?next=/watch/c",
            "e": f"http://platform-e.example:{port}/",
        }
        with store.session() as session:
            for name, rows in EXPECTED.items():
                checks = session.scalars(
                    select(StatusCheck)
                    .where(StatusCheck.outlink_id == outlink[name])
                    .order_by(StatusCheck.checked_at, StatusCheck.id)
                ).all()
                got = [(c.checked_at, c.result, c.http_status, c.route) for c in checks]
                assert got == [(at(t), *rest) for t, *rest in rows], name
                last = checks[-1]
                assert last.final_url == final_urls.get(name, url[name])
            takedowns = {
                name: session.scalars(
                    select(Takedown).where(Takedown.outlink_id == outlink[name])
                ).one()
                for name in URLS
            }
            for name, (state, online, removed, confirmed) in TAKEDOWNS.items():
                takedown = takedowns[name]
                assert takedown.state == state, name
                assert takedown.last_online_at == (at(online) if online else None), name
                assert takedown.removed_at == (at(removed) if removed else None), name
                assert takedown.confirmed_at == (at(confirmed) if confirmed else None), name
                assert takedown.checks == len(EXPECTED[name])
                if state == "removed":
                    assert takedown.next_check_at is None
            # a2 is still tracked: checked at FAR, next after the 2-hour cap.
            assert takedowns["a2"].next_check_at == FAR + timedelta(hours=2)
            assert takedowns["a2"].interval_seconds == 7200
            assert takedowns["a2"].consecutive_removed == 0
            assert takedowns["a2"].first_removed_at is None

            reasons = {
                c.outlink_id: c.reason
                for c in session.scalars(select(StatusCheck).where(StatusCheck.route.is_not(None)))
            }
            assert reasons[outlink["d"]] == (
                "removal marker 'This video has been removed by its uploader' in the page"
            )
            assert reasons[outlink["c"]] == "redirected to a login page (/login)"
            assert reasons[outlink["b"]] == "HTTP 410 Gone"

            events = session.scalars(
                select(AuditEvent)
                .where(AuditEvent.kind == str(AuditKind.CHECK_REMOVED))
                .order_by(AuditEvent.id)
            ).all()
            by_target = {e.target: e.data for e in events}
            assert len(events) == 6
            assert by_target[f"outlink:{outlink['b']}"] == {
                "url": url["b"],
                "platform": "Platform B",
                "route": "http_410",
                "last_online_at": rfc3339(at("12:30")),
                "removed_at": rfc3339(at("14:30")),
                "confirmed_at": rfc3339(at("14:40")),
            }

            # The removal metrics of these takedowns, per platform, as computed by hand.
            figures = group_figures(url_timelines(session, now=FAR), "platform")
            got_metrics = {
                f.key: {k: v for k, v in f.model_dump().items() if k != "key"} for f in figures
            }
            assert got_metrics == hand_metrics()

        # Removed URLs are not visited after their confirming check.
        visits = {name: platforms_server.visits(*where) for name, where in URLS.items()}
        assert visits == {name: len(rows) for name, rows in EXPECTED.items()}
        assert platforms_server.visits("platform-c.example", "/login") == 2
        assert platforms_server.visits("platform-e.example", "/") == 2
        # Every connection went to the pinned, allow-listed address, with the platform's Host.
        assert {urlsplit(u).hostname for u in transport.seen} == {"127.0.0.1"}
        assert {h for h, _ in platforms_server.requests} == {
            f"platform-{x}.example" for x in "abcde"
        }
    finally:
        store.close()


# --- refused addresses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "address"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://10.0.0.1/admin", "10.0.0.1"),
    ],
)
def test_a_redirect_to_a_private_address_is_refused_and_recorded(
    platforms_server: PlatformsServer, tmp_path: Path, location: str, address: str
) -> None:
    settings = check_settings(tmp_path / "home")
    store = open_store(settings)
    transport = RecordingTransport()
    try:
        add_platforms(store, "f")
        platforms_server.scripts[("platform-f.example", "/r")] = [redirect(location)]
        url = platforms_server.url("platform-f.example", "/r")
        outlink_id = alert_url(store, url, settings)
        with HttpClient(settings, resolver=resolver, transport=transport) as client:
            report = run_checks(store, settings, client=client, now=at("09:30"))
        (check,) = report.checks
        assert check.result is not None
        assert check.result == "unreachable"
        assert check.http_status is None and check.route is None
        assert check.final_url == location
        with store.session() as session:
            (row,) = session.scalars(
                select(StatusCheck).where(StatusCheck.outlink_id == outlink_id)
            ).all()
            takedown = session.scalars(
                select(Takedown).where(Takedown.outlink_id == outlink_id)
            ).one()
        assert (row.checked_at, row.result, row.final_url) == (at("09:30"), "unreachable", location)
        assert row.reason.startswith(f"redirect to {location} refused: host {address!r}")
        assert address in row.reason and "TVEC_OUTBOUND_ALLOW_HOSTS" in row.reason
        # Not a removal, and checks go on with the backed-off interval (30 min x 2).
        assert takedown.state == "tracking" and takedown.consecutive_removed == 0
        assert takedown.last_online_at is None
        assert takedown.next_check_at == at("10:30")
        # Only the platform was contacted: no connection to the refused address.
        assert transport.seen == [f"http://127.0.0.1:{platforms_server.port}/r"]
        assert platforms_server.requests == [("platform-f.example", "/r")]
    finally:
        store.close()


def test_a_named_private_address_is_refused_without_a_connection(
    tmp_path: Path, store: Store
) -> None:
    settings = check_settings(tmp_path / "home2", outbound_allow_hosts=[])
    transport = RecordingTransport()
    with HttpClient(settings, resolver=resolver, transport=transport) as client:
        report = run_checks(
            store, settings, client=client, now=at("09:00"), urls=["http://10.0.0.1/x"]
        )
    (check,) = report.checks
    assert check.result == "unreachable"
    assert check.reason.startswith("http://10.0.0.1/x refused: host '10.0.0.1'")
    assert transport.seen == []


# --- the schedule, rule by rule (pure) -------------------------------------------------------


def fresh_takedown(settings: Settings) -> Takedown:
    return Takedown(
        outlink_id=1,
        state="tracking",
        requested_by="alert",
        checks=0,
        consecutive_removed=0,
        interval_seconds=settings.check_interval_seconds,
        next_check_at=SENT + timedelta(seconds=settings.check_interval_seconds),
        created_at=SENT,
    )


def test_backoff_doubles_up_to_the_cap(tmp_path: Path) -> None:
    settings = check_settings(tmp_path / "home")
    takedown = fresh_takedown(settings)
    moments = []
    when = takedown.next_check_at
    for result in ("online", "unreachable", "unknown", "online", "online"):
        assert when is not None
        assert apply_outcome(takedown, result, when, settings) is False
        moments.append((takedown.interval_seconds, takedown.next_check_at))
        when = takedown.next_check_at
    # 09:30 +1 h -> 10:30 +2 h -> 12:30 +2 h (cap) -> 14:30 -> 16:30 -> 18:30.
    assert moments == [
        (3600, at("10:30")),
        (7200, at("12:30")),
        (7200, at("14:30")),
        (7200, at("16:30")),
        (7200, at("18:30")),
    ]
    assert takedown.last_online_at == at("16:30")
    assert takedown.checks == 5 and takedown.last_result == "online"


def test_two_consecutive_removed_results_are_needed(tmp_path: Path) -> None:
    settings = check_settings(tmp_path / "home")
    takedown = fresh_takedown(settings)
    steps = [
        ("09:30", "online", False),
        ("10:30", "removed", False),  # run starts; confirming check at 10:40
        ("10:40", "unreachable", False),  # a blip ends the run
        ("12:40", "removed", False),
        ("12:50", "unknown", False),  # so does an unknown result
        ("16:50", "removed", False),
        ("17:00", "removed", True),  # confirmed: removal time is the run's first check
    ]
    for hhmm, result, confirmed in steps:
        assert apply_outcome(takedown, result, at(hhmm), settings) is confirmed, hhmm
        if result == "removed" and not confirmed:
            assert takedown.next_check_at == at(hhmm) + timedelta(minutes=10)
    assert takedown.state == "removed"
    assert (takedown.last_online_at, takedown.removed_at, takedown.confirmed_at) == (
        at("09:30"),
        at("16:50"),
        at("17:00"),
    )
    assert takedown.next_check_at is None and takedown.consecutive_removed == 2


def test_removed_results_confirm_only_when_far_enough_apart(tmp_path: Path) -> None:
    settings = check_settings(tmp_path / "home")  # confirming check 10 min after the first
    takedown = fresh_takedown(settings)
    seconds = timedelta(seconds=1)
    steps = [
        (at("10:30"), False, 1, at("10:40")),  # run starts
        (at("10:30") + 5 * seconds, False, 1, at("10:40")),  # named again: too soon
        (at("10:40") - seconds, False, 1, at("10:40")),  # still too soon, by a second
        (at("10:40"), True, 2, None),  # 600 s after the first: confirmed
    ]
    for when, confirmed, counted, next_check in steps:
        assert apply_outcome(takedown, "removed", when, settings) is confirmed, when
        assert takedown.consecutive_removed == counted, when
        assert takedown.next_check_at == next_check, when
    assert takedown.state == "removed" and takedown.checks == 4
    assert (takedown.removed_at, takedown.confirmed_at) == (at("10:30"), at("10:40"))


def test_an_early_repeat_then_another_result_ends_the_run(tmp_path: Path) -> None:
    settings = check_settings(tmp_path / "home")
    takedown = fresh_takedown(settings)
    apply_outcome(takedown, "removed", at("10:30"), settings)
    apply_outcome(takedown, "removed", at("10:31"), settings)  # too soon: not counted
    assert (takedown.state, takedown.first_removed_at) == ("tracking", at("10:30"))
    apply_outcome(takedown, "unreachable", at("10:40"), settings)  # a blip ends the run
    assert (takedown.consecutive_removed, takedown.first_removed_at) == (0, None)
    assert apply_outcome(takedown, "removed", at("11:40"), settings) is False  # a new run
    assert takedown.first_removed_at == at("11:40")
    assert takedown.next_check_at == at("11:50")
    assert apply_outcome(takedown, "removed", at("11:50"), settings) is True
    assert takedown.removed_at == at("11:40")


def test_checks_stop_after_the_stop_time(tmp_path: Path) -> None:
    settings = check_settings(tmp_path / "home", check_stop_after_days=0.25)  # 6 h: 15:00
    takedown = fresh_takedown(settings)
    apply_outcome(takedown, "online", at("09:30"), settings)  # next 10:30
    apply_outcome(takedown, "online", at("10:30"), settings)  # next 12:30
    apply_outcome(takedown, "online", at("12:30"), settings)  # 14:30
    apply_outcome(takedown, "online", at("14:30"), settings)  # 16:30, capped at 15:00
    assert takedown.next_check_at == at("15:00")
    apply_outcome(takedown, "removed", at("15:00"), settings)  # a run started: confirm it
    assert takedown.state == "tracking" and takedown.next_check_at == at("15:10")
    apply_outcome(takedown, "online", at("15:10"), settings)  # not removed after 15:00
    assert takedown.state == "stopped" and takedown.next_check_at is None
    assert takedown.last_online_at == at("15:10")


# --- classify, case by case (pure) ---------------------------------------------------------

YOUTUBE = packaged_markers().rules_for("YouTube")
FACEBOOK = packaged_markers().rules_for("Facebook")
WATCH = "https://www.youtube.com/watch?v=abc"


def answered(
    url: str,
    code: int,
    body: bytes = b"",
    *,
    redirects: tuple[str, ...] = (),
    content_type: str = "text/html",
    truncated: bool = False,
) -> FetchAttempt:
    headers = {"content-type": content_type}
    result = FetchResult(url, code, body, headers, truncated, list(redirects))
    return FetchAttempt(url, redirects, result, None)


@pytest.mark.parametrize(
    ("attempt", "rules", "expected"),
    [
        (answered(WATCH, 200, b"<p>a video</p>"), YOUTUBE, ("online", None, "HTTP 200")),
        (answered(WATCH, 401), YOUTUBE, ("unknown", None, "HTTP 401: access refused")),
        (answered(WATCH, 403), YOUTUBE, ("unknown", None, "HTTP 403: access refused")),
        (answered(WATCH, 451), YOUTUBE, ("unknown", None, "HTTP 451: withheld")),
        (answered(WATCH, 400), YOUTUBE, ("unknown", None, "HTTP 400")),
        (answered(WATCH, 429), YOUTUBE, ("unreachable", None, "HTTP 429")),
        (answered(WATCH, 502), YOUTUBE, ("unreachable", None, "HTTP 502")),
        (
            answered(WATCH, 200, b"x" * 100, truncated=True),
            YOUTUBE,
            ("unknown", None, "page cut at 100 bytes"),
        ),
        (
            answered(
                WATCH,
                200,
                b"This video has been removed by the uploader" + b"x" * 9,
                truncated=True,
            ),
            YOUTUBE,
            ("removed", "marker", "removal marker 'This video has been removed by the uploader'"),
        ),
        (
            answered(
                WATCH,
                200,
                b'{"playabilityStatus":{"status":"ERROR"}}',
                content_type="application/json",
            ),
            YOUTUBE,
            ("removed", "marker", "removal marker 're:"),
        ),
        (
            # A video file is not searched for markers.
            answered(
                WATCH, 200, b"This video has been removed by the uploader", content_type="video/mp4"
            ),
            YOUTUBE,
            ("online", None, "HTTP 200"),
        ),
        (
            # Facebook sends logged-out visitors to /login also for online content.
            answered(
                "https://www.facebook.com/login/?next=x",
                200,
                b"Log in",
                redirects=("https://www.facebook.com/login/?next=x",),
            ),
            FACEBOOK,
            ("online", None, "HTTP 200"),
        ),
        (
            answered(
                "https://accounts.google.com/ServiceLogin?continue=x",
                200,
                b"Sign in",
                redirects=("https://accounts.google.com/ServiceLogin?continue=x",),
            ),
            YOUTUBE,
            ("removed", "login_redirect", "redirected to a login page (/ServiceLogin)"),
        ),
        (
            # A redirect to another site's home page is not a home redirect.
            answered("https://example.org/", 200, b"hi", redirects=("https://example.org/",)),
            YOUTUBE,
            ("online", None, "HTTP 200"),
        ),
        (
            answered(WATCH, 302, redirects=()),
            YOUTUBE,
            ("unknown", None, "HTTP 302 without a Location"),
        ),
    ],
)
def test_classify(attempt: FetchAttempt, rules: Any, expected: tuple[str, str | None, str]) -> None:
    outcome = classify(WATCH, attempt, rules)
    assert (outcome.result, outcome.route) == expected[:2]
    assert outcome.reason.startswith(expected[2]), outcome.reason


def test_home_redirects() -> None:
    to_home = answered(
        "https://www.youtube.com/", 200, b"home", redirects=("https://www.youtube.com/",)
    )
    assert classify(WATCH, to_home, YOUTUBE).route == "home_redirect"
    # Same registrable domain, another host: still that site's home page.
    assert classify("https://youtube.com/shorts/x", to_home, YOUTUBE).route == "home_redirect"
    # The alerted URL was the home page itself: nothing was taken down.
    assert classify("https://www.youtube.com/", to_home, YOUTUBE).result == "online"
    no_home = replace(YOUTUBE, home_redirect=False)
    assert classify(WATCH, to_home, no_home).result == "online"


def test_errors_without_an_answer() -> None:
    timeout = FetchError(WATCH, "ConnectTimeout fetching x: timed out")
    timeout.__cause__ = httpx.ConnectTimeout("timed out")
    outcome = classify(WATCH, FetchAttempt(WATCH, (), None, timeout), YOUTUBE)
    assert (outcome.result, outcome.http_status, outcome.final_url) == ("unreachable", None, WATCH)
    loop = FetchError(WATCH, "more than 10 redirects")
    outcome = classify(WATCH, FetchAttempt(WATCH + "&x", (WATCH + "&x",), None, loop), YOUTUBE)
    assert (outcome.result, outcome.reason) == ("unknown", "more than 10 redirects")


def test_page_text_decodes_entities_escapes_and_charset() -> None:
    body = '<p>Can&#39;t be <b>displayed</b></p><script>{"t":"isn\\u0027t"}</script>'
    result = FetchResult(
        "u", 200, body.encode("latin-1"), {"content-type": "text/html; charset=latin-1"}
    )
    text = page_text(result)
    assert text is not None
    assert "Can't be displayed" in text and "isn't" in text


def test_a_closed_port_is_unreachable(tmp_path: Path, store: Store) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = check_settings(tmp_path / "home2")
    url = f"http://127.0.0.1:{port}/gone"
    with HttpClient(settings) as client:
        report = run_checks(store, settings, client=client, now=at("09:00"), urls=[url])
    (check,) = report.checks
    assert check.result is not None
    assert check.result == "unreachable" and check.http_status is None
    assert "ConnectError" in check.reason


class HangingServer:
    """Accepts connections on 127.0.0.1 and never answers (counts the connections)."""

    def __init__(self) -> None:
        import socket

        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self._socket.settimeout(0.1)
        self.port = self._socket.getsockname()[1]
        self.connections: list[Any] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except OSError:
                continue
            self.connections.append(connection)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for connection in self.connections:
            connection.close()
        self._socket.close()


def test_a_hanging_server_is_visited_once_whatever_the_retry_setting(
    tmp_path: Path, store: Store
) -> None:
    settings = check_settings(
        tmp_path / "home2", http_retries=3, http_timeout_seconds=0.3, http_backoff_seconds=0
    )
    server = HangingServer()
    try:
        url = f"http://127.0.0.1:{server.port}/slow"
        with HttpClient(settings) as client:
            report = run_checks(store, settings, client=client, now=at("09:00"), urls=[url])
        (check,) = report.checks
        assert check.result == "unreachable"
        assert "ReadTimeout" in check.reason
        assert len(server.connections) == 1  # not 1 + TVEC_HTTP_RETRIES
    finally:
        server.close()


def test_status_checks_do_not_retry_5xx_but_the_client_still_can(
    platforms_server: PlatformsServer, tmp_path: Path, store: Store
) -> None:
    settings = check_settings(tmp_path / "home2", http_retries=2)
    platforms_server.scripts[("127.0.0.1", "/busy")] = [status(503)]
    url = platforms_server.url("127.0.0.1", "/busy")
    with HttpClient(settings, sleep=lambda seconds: None) as client:
        report = run_checks(store, settings, client=client, now=at("09:00"), urls=[url])
        assert platforms_server.visits("127.0.0.1", "/busy") == 1
        (check,) = report.checks
        assert check.result is not None
        assert (check.result, check.http_status) == ("unreachable", 503)
        # try_fetch keeps TVEC_HTTP_RETRIES by default; an override can only lower it.
        attempt = client.try_fetch(url)
        assert attempt.result is not None and attempt.result.status == 503
        assert platforms_server.visits("127.0.0.1", "/busy") == 1 + 3
        client.try_fetch(url, retries=1)
        assert platforms_server.visits("127.0.0.1", "/busy") == 4 + 2
        client.try_fetch(url, retries=10)
        assert platforms_server.visits("127.0.0.1", "/busy") == 6 + 3
        client.try_fetch(url, retries=-1)
        assert platforms_server.visits("127.0.0.1", "/busy") == 9 + 1


# --- URLs the user names, resuming, listing ------------------------------------------------


def test_user_named_urls_are_tracked_and_checked_now(
    platforms_server: PlatformsServer, tmp_path: Path
) -> None:
    settings = check_settings(tmp_path / "home")
    store = open_store(settings)
    try:
        add_platforms(store, "a")
        host = "platform-a.example"
        platforms_server.scripts[(host, "/video/x")] = [page("a video"), status(404)]
        platforms_server.scripts[(host, "/video/due")] = [page("a video")]
        due = platforms_server.url(host, "/video/due")
        alert_url(store, due, settings)  # due at 09:30
        written = f"HTTP://Platform-A.example:{platforms_server.port}/video/x?utm_source=feed#top"
        canonical = platforms_server.url(host, "/video/x")
        with HttpClient(settings, resolver=resolver) as client:
            first = run_checks(store, settings, client=client, now=at("09:00"), urls=[written])
            # Named again at 09:05 (not due: the first check scheduled 10:00): checked anyway.
            second = run_checks(store, settings, client=client, now=at("09:05"), urls=[written])
            # Named again a minute later: recorded, but too soon to confirm (10 min apart).
            third = run_checks(store, settings, client=client, now=at("09:06"), urls=[canonical])
            # The confirming check stays due at 09:15 = 09:05 + 10 min.
            early = run_checks(store, settings, client=client, now=at("09:14"))
            fourth = run_checks(store, settings, client=client, now=at("09:15"))
            after = run_checks(store, settings, client=client, now=at("09:16"), urls=[written])
            run_checks(store, settings, client=client, now=at("09:30"))
        assert [c.url for c in first.checks] == [canonical]
        assert first.checks[0].requested_by == "user" and first.checks[0].platform == "Platform A"
        assert first.checks[0].result == "online"
        assert first.checks[0].next_check_at == at("10:00")  # 30 min x 2
        assert [c.result for c in second.checks if c.result] == ["removed"]
        assert second.checks[0].next_check_at == at("09:15")
        assert [c.result for c in third.checks if c.result] == ["removed"]
        assert not third.checks[0].confirmed and third.counts["confirmed"] == 0
        assert (third.checks[0].state, third.checks[0].consecutive_removed) == ("tracking", 1)
        assert third.checks[0].next_check_at == at("09:15")
        assert third.checks[0].removed_at is None and third.checks[0].confirmed_at is None
        assert early.checks == []
        assert [c.url for c in fourth.checks] == [canonical]
        assert fourth.checks[0].confirmed and fourth.counts["confirmed"] == 1
        # Confirmed removed: named again, it is skipped without a visit.
        (skipped,) = after.checks
        assert skipped.result is None and skipped.skipped and skipped.reason is not None
        assert skipped.reason.startswith("confirmed removed at 2026-03-02T09:15:00Z")
        assert platforms_server.visits(host, "/video/x") == 4
        with store.session() as session:
            outlinks = session.scalars(select(Outlink).where(Outlink.url == canonical)).all()
            assert len(outlinks) == 1 and outlinks[0].platform == "Platform A"
            takedown = session.scalars(
                select(Takedown).where(Takedown.outlink_id == outlinks[0].id)
            ).one()
            assert takedown.requested_by == "user" and takedown.created_at == at("09:00")
            assert (takedown.removed_at, takedown.confirmed_at) == (at("09:05"), at("09:15"))
            history = check_history(session, written)
            assert [c.checked_at for c in history.checks] == [
                at("09:00"),
                at("09:05"),
                at("09:06"),
                at("09:15"),
            ]
            assert [t.url for t in list_takedowns(session, state="removed")] == [canonical]
            assert [t.url for t in list_takedowns(session, state="tracking")] == [due]
        # The due URL was checked once, by the 09:30 run.
        assert platforms_server.visits(host, "/video/due") == 1
    finally:
        store.close()


def test_named_urls_must_be_web_urls(store: Store, tmp_path: Path) -> None:
    settings = check_settings(tmp_path / "home2")
    with pytest.raises(UsageError, match="only http and https"):
        run_checks(store, settings, urls=["ftp://example.org/x"])
    with pytest.raises(UsageError, match="is not a URL"):
        run_checks(store, settings, urls=["not a url"])
    with store.session() as session:
        assert session.scalars(select(Takedown)).all() == []


class Interrupting(HttpClient):
    """Raises KeyboardInterrupt on the ``stop_at``-th visit (a run killed half-way)."""

    def __init__(self, settings: Settings, stop_at: int) -> None:
        super().__init__(settings, resolver=resolver)
        self.visits = 0
        self.stop_at = stop_at

    def try_fetch(self, url: str, *, retries: int | None = None) -> FetchAttempt:
        self.visits += 1
        if self.visits == self.stop_at:
            raise KeyboardInterrupt
        return super().try_fetch(url, retries=retries)


def test_a_killed_run_resumes_without_duplicates(
    platforms_server: PlatformsServer, tmp_path: Path
) -> None:
    settings = check_settings(tmp_path / "home")
    store = open_store(settings)
    try:
        add_platforms(store, "a")
        paths = [f"/video/{n}" for n in range(4)]
        for path in paths:
            platforms_server.scripts[("platform-a.example", path)] = [page("a video")]
            alert_url(store, platforms_server.url("platform-a.example", path), settings)
        with Interrupting(settings, stop_at=3) as client, pytest.raises(KeyboardInterrupt):
            run_checks(store, settings, client=client, now=at("09:30"))
        with HttpClient(settings, resolver=resolver) as client:
            resumed = run_checks(store, settings, client=client, now=at("09:31"))
        assert [urlsplit(c.url).path for c in resumed.checks] == paths[2:]
        with store.session() as session:
            rows = session.scalars(select(StatusCheck).order_by(StatusCheck.id)).all()
        assert [r.checked_at for r in rows] == [at("09:30")] * 2 + [at("09:31")] * 2
        assert len({r.outlink_id for r in rows}) == 4
    finally:
        store.close()


# --- the CLI ------------------------------------------------------------------------------


def test_cli_check_run_and_list(
    cli: Any, platforms_server: PlatformsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TVEC_OUTBOUND_ALLOW_HOSTS", json.dumps(["127.0.0.1"]))
    monkeypatch.setenv("TVEC_HTTP_HOST_INTERVAL_SECONDS", "0")
    monkeypatch.setenv("TVEC_HTTP_RETRIES", "0")
    monkeypatch.setenv("COLUMNS", "80")  # a pipe: tables keep their natural width anyway
    long_path = "/gone/" + "/".join(f"segment-{n:02d}" for n in range(16))  # 170 characters
    platforms_server.scripts[("127.0.0.1", long_path)] = [status(410)]
    platforms_server.scripts[("127.0.0.1", "/up")] = [page("here")]
    gone = f"http://127.0.0.1:{platforms_server.port}{long_path}"
    up = f"http://127.0.0.1:{platforms_server.port}/up"

    def one_line(text: str, url: str) -> bool:
        return any(url in line for line in text.splitlines())

    result = cli("check", "run", gone, up, "--json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert [(c["url"], c["result"], c["http_status"], c["route"]) for c in document["checks"]] == [
        (gone, "removed", 410, "http_410"),
        (up, "online", 200, None),
    ]
    assert document["counts"] == {"removed": 1, "online": 1, "skipped": 0, "confirmed": 0}
    first_removed = datetime.fromisoformat(document["checks"][0]["checked_at"])

    # Named again at once: recorded, but not a confirmation (TVEC_CHECK_CONFIRM_SECONDS,
    # default 900 s, has not passed); the confirming check stays 900 s after the first.
    result = cli("check", "run", gone)
    assert result.code == 0, result.err
    assert "http_410" in result.out and "removed" in result.out and "tracking" in result.out
    assert one_line(result.out, gone)
    (again,) = json.loads(cli("check", "list", "--json").out)[:1]
    assert (again["url"], again["state"], again["checks"]) == (gone, "tracking", 2)
    assert again["removed_at"] is None and again["confirmed_at"] is None
    assert datetime.fromisoformat(again["next_check_at"]) == first_removed + timedelta(seconds=900)

    monkeypatch.setenv("TVEC_CHECK_CONFIRM_SECONDS", "0.001")  # the wait has passed
    result = cli("check", "run", gone, "--json")
    assert json.loads(result.out)["counts"]["confirmed"] == 1

    result = cli("check", "list", "--json")
    rows = {r["url"]: r for r in json.loads(result.out)}
    assert rows[gone]["state"] == "removed" and rows[gone]["checks"] == 3
    assert rows[gone]["removed_at"] == rfc3339(first_removed)
    assert rows[gone]["confirmed_at"] is not None
    assert rows[up]["state"] == "tracking" and rows[up]["requested_by"] == "user"

    result = cli("check", "list", "--url", gone, "--json")
    history = json.loads(result.out)
    assert [c["result"] for c in history["checks"]] == ["removed", "removed", "removed"]
    assert history["takedown"]["state"] == "removed"

    result = cli("check", "list", "--state", "removed")
    assert result.code == 0 and one_line(result.out, gone) and "/up" not in result.out
    assert max(len(line) for line in result.out.splitlines()) > 200
    result = cli("check", "list", "--url", gone)
    assert result.code == 0 and "HTTP 410 Gone" in result.out
    assert one_line(result.out, gone)

    assert cli("check", "run").out.strip() == "no URL is due for a check"
    assert cli("check", "list", "--state", "gone").code == 2
    assert cli("check", "list", "--url", "https://never.example/x").code == 2
    assert cli("check", "run", "mailto:x@example.org").code == 2

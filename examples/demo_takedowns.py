"""Replay two months of takedown tracking on the demo data, against simulated platforms.

Run after ``make_demo.py``, ``tvec bank import`` and ``tvec scan`` (``make demo`` does all
four), with ``TVEC_HOME`` set to the demo's home folder::

    TVEC_HOME=examples/demo-data/.tvec python examples/demo_takedowns.py examples/demo-data

What is real and what is simulated:

* Real tvec code does everything that is recorded: attributions (the verified-bank rule of
  the demo's ``settings.env`` for the posts that match the demo bank, and a demo analyst
  for the mirror posts), alerts (queued, batched per platform and delivered through the
  CSV digest channel into ``DEMO/alerts/``), status checks on the default schedule with the
  two-result rule, and the removal metrics that ``tvec stats removals`` and the web app's
  Takedowns page show.
* Simulated: the clock and the platforms. The replay moves a clock from the first mirror
  post (2026-09-20) to 2026-11-29 21:00 UTC, treating each link as first seen when its post
  was made (as if the channel had been watched live), and answers every status check from
  an in-process stand-in for each hosting platform (``httpx.MockTransport``): nothing goes
  on the network. The stand-ins take content down after delays and by the routes real
  platforms use (HTTP 404 and 410, a redirect to a login page or to the home page, a
  "removed" marker in a normal page); one answers 503 once; Rumble keeps one video up.

The replay runs once per demo database: when alerts exist already it says so and stops.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from tvec.alerts.routes import set_route
from tvec.alerts.send import send_alerts
from tvec.net.http import HttpClient
from tvec.settings import Settings, load_settings
from tvec.store import Store, open_store
from tvec.store.models import Outlink, OutlinkSighting
from tvec.store.models.alerts import Alert, Takedown
from tvec.takedowns.checks import run_checks
from tvec.verification.attribution import attribute_url

ENTITY = "crimson-lantern-front"
END = datetime(2026, 11, 29, 21, 0, tzinfo=UTC)
#: The verified-bank rule starts when the matched channel posts have been made.
RULE_FROM = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)
#: Alert batches go out at these hours (UTC) every day.
SEND_HOURS = (9, 15)
#: The demo analyst attributes a mirror link this long after its post.
ANALYST_DELAY = timedelta(hours=2)
#: Documentation addresses (RFC 5737) the stand-in platforms "resolve" to, allow-listed.
STAND_IN_ADDRESS = "203.0.113.7"

#: How each stand-in platform takes content down: (route, least hours, extra hours spread).
#: ``None`` as route: the content stays up.
BEHAVIOUR: dict[str, tuple[str | None, float, float]] = {
    "Files.fm": ("404", 6, 30),
    "Internet Archive": ("marker", 40, 80),
    "MediaFire": ("error_page", 18, 24),
    "JustPaste.it": ("login", 2, 10),
    "Gofile": ("home", 70, 120),
    "Pixeldrain": ("410", 0.3, 0.5),
    "Telegram": ("marker", 10, 6),
    "Rumble": ("404", 200, 0),
}
#: URLs whose stand-in keeps them online, and the one whose platform answers 503 once.
NEVER_REMOVED = {"https://rumble.com/v-clf-m16.html"}
FLAKY = "https://archive.org/details/clf-m08"

ONLINE_PAGE = "<html><head><title>{path}</title></head><body><h1>{path}</h1><p>Download</p>"


def _spread(url: str) -> float:
    """A fixed number in [0, 1) for ``url`` (so the replay is the same every time)."""
    return int(hashlib.sha256(url.encode()).hexdigest()[:8], 16) / 2**32


class StandInPlatforms:
    """Answers status checks as the demo's hosting platforms would, on the replay's clock."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.alerted: dict[str, tuple[str, datetime]] = {}
        self.flaky_answered = False

    def removal_time(self, url: str) -> datetime | None:
        """When the stand-in takes ``url`` down (None: never, or not alerted yet)."""
        if url not in self.alerted or url in NEVER_REMOVED:
            return None
        platform, sent_at = self.alerted[url]
        route, least, extra = BEHAVIOUR.get(platform, (None, 0, 0))
        if route is None:
            return None
        return sent_at + timedelta(hours=least + extra * _spread(url))

    def handle(self, request: httpx.Request) -> httpx.Response:
        """One HTTP answer (the client pins the address, so the site is the Host header)."""
        host = request.headers["host"]
        path = request.url.raw_path.decode()
        url = f"https://{host}{path}"
        if url == FLAKY and not self.flaky_answered and url in self.alerted:
            self.flaky_answered = True
            return httpx.Response(503, text="Service Unavailable")
        if path.startswith(("/login", "/error.php")) or path == "/":
            return self._special_page(path)
        removed_at = self.removal_time(url)
        if removed_at is None or self.clock() < removed_at:
            return httpx.Response(200, html=ONLINE_PAGE.format(path=path))
        route = BEHAVIOUR[self.alerted[url][0]][0]
        if route == "404":
            return httpx.Response(404, text="Not Found")
        if route == "410":
            return httpx.Response(410, text="Gone")
        if route == "login":
            return httpx.Response(302, headers={"Location": f"/login?next={path}"})
        if route == "home":
            return httpx.Response(302, headers={"Location": "/"})
        if route == "error_page":
            return httpx.Response(302, headers={"Location": "/error.php?errno=320"})
        if "archive.org" in host:
            return httpx.Response(200, html="<p>This item is no longer available.</p>")
        return httpx.Response(
            200, html="<p>This channel can't be displayed because it violated Telegram's ToS</p>"
        )

    @staticmethod
    def _special_page(path: str) -> httpx.Response:
        if path.startswith("/error.php"):
            return httpx.Response(200, html="<h1>File Removed for Violation</h1>")
        if path.startswith("/login"):
            return httpx.Response(200, html="<form><input name=password></form>")
        return httpx.Response(200, html="<h1>Welcome</h1>")


def first_seen_as_posted(store: Store) -> None:
    """Date each out-link's first sighting at its earliest post (the channel watched live)."""
    with store.session() as session:
        earliest = dict(
            session.execute(
                select(OutlinkSighting.outlink_id, func.min(OutlinkSighting.posted_at))
                .where(OutlinkSighting.posted_at.is_not(None))
                .group_by(OutlinkSighting.outlink_id)
            ).all()
        )
        for outlink in session.scalars(select(Outlink)):
            if earliest.get(outlink.id) is not None:
                outlink.first_seen_at = earliest[outlink.id]


def mirror_links(store: Store) -> list[tuple[datetime, str]]:
    """(first seen, URL) of the mirror posts' links (``New upload N:`` posts), in order."""
    with store.session() as session:
        rows = session.execute(
            select(Outlink.first_seen_at, Outlink.url, OutlinkSighting.seen)
            .join(OutlinkSighting, OutlinkSighting.outlink_id == Outlink.id)
            .where(Outlink.url.like("%clf-m%") | Outlink.url.like("%ClfM%"))
        ).all()
    return sorted({(seen_at, url) for seen_at, url, _ in rows})


def kind_of(url: str) -> str:
    """The content kind the demo analyst records for a mirror link."""
    if "rumble.com" in url:
        return "video"
    if "justpaste.it" in url:
        return "text"
    return "archive" if url.endswith(".zip") or "files.fm" in url else "document"


def replay(demo: Path) -> int:
    """Run the replay; returns the process exit code."""
    base = load_settings()
    settings = base.model_copy(
        update={
            "outbound_allow_hosts": [*base.outbound_allow_hosts, "203.0.113.0/24"],
            "http_retries": 0,
            "http_backoff_seconds": 0.0,
            "http_host_interval_seconds": 0.0,
            "alert_csv_dir": demo / "alerts",
        }
    )
    no_rule = settings.model_copy(update={"alert_verified_banks": []})
    store = open_store(settings)
    with store.session() as session:
        if session.scalar(select(func.count()).select_from(Alert)):
            print("the takedown replay has run on this demo database already; nothing to do")
            return 0
        for platform in BEHAVIOUR:
            set_route(
                session,
                platform,
                channel="csv",
                target=str(demo / "alerts"),
                actor="demo",
                settings=settings,
            )
    first_seen_as_posted(store)
    analyst = [(seen + ANALYST_DELAY, url) for seen, url in mirror_links(store)]
    start = min(when for when, _ in analyst).replace(hour=0, minute=0, second=0)
    sends = [
        start + timedelta(days=day, hours=hour)
        for day in range((END - start).days + 1)
        for hour in SEND_HOURS
        if start + timedelta(days=day, hours=hour) <= END
    ]
    events = sorted(
        [(t, "attribute", url) for t, url in analyst] + [(t, "send", "") for t in sends]
    )
    clock = {"now": start}
    platforms = StandInPlatforms(lambda: clock["now"])
    client = HttpClient(
        settings,
        transport=httpx.MockTransport(platforms.handle),
        resolver=lambda host, port: [STAND_IN_ADDRESS],
    )
    checks = 0
    with client:
        for moment, kind, url in events:
            checks += check_until(store, settings, client, clock, moment)
            clock["now"] = moment
            if kind == "attribute":
                with store.session() as session:
                    attribute_url(
                        session,
                        url,
                        ENTITY,
                        actor="demo-analyst",
                        content_kind=kind_of(url),
                        note="mirror post of the demo channel",
                        now=moment,
                        settings=settings,
                    )
            else:
                send_alerts(
                    store, settings if moment >= RULE_FROM else no_rule, now=moment, actor="demo"
                )
                with store.session() as session:
                    for alert in session.scalars(select(Alert).where(Alert.status == "sent")):
                        platforms.alerted[alert.url] = (alert.platform, alert.sent_at or moment)
        checks += check_until(store, settings, client, clock, END)
    with store.session() as session:
        sent = session.scalar(select(func.count()).select_from(Alert).where(Alert.status == "sent"))
        removed = session.scalar(
            select(func.count()).select_from(Takedown).where(Takedown.state == "removed")
        )
    store.close()
    print(
        f"takedown replay to {END:%Y-%m-%d %H:%M} UTC: {sent} alerts sent (CSV digests in "
        f"{demo / 'alerts'}), {checks} status checks, {removed} removals confirmed"
    )
    return 0


def check_until(
    store: Store,
    settings: Settings,
    client: HttpClient,
    clock: dict[str, datetime],
    until: datetime,
) -> int:
    """Run the status checks that fall due before ``until``, each at its due time."""
    done = 0
    while True:
        with store.session() as session:
            due = session.scalar(
                select(func.min(Takedown.next_check_at)).where(Takedown.state == "tracking")
            )
        if due is None or due > until:
            return done
        clock["now"] = due
        report = run_checks(store, settings, client=client, now=due, actor="demo")
        done += sum(1 for check in report.checks if check.result is not None)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: demo_takedowns.py DEMO_DIR (with TVEC_HOME set to DEMO_DIR/.tvec)")
    sys.exit(replay(Path(sys.argv[1])))

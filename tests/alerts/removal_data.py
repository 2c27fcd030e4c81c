"""Alerted URLs with fixed times for the removal-metrics tests (tests/alerts, tests/web).

Nine alerts sent on three platforms, four entities (one not in the registry) and three
months, plus rows that must not count (a queued and a failed alert, a checked URL that was
never alerted). Per URL (times UTC; seconds):

===  ============  ===============  =========  =======  =======  ========  ======  ======  ======
url  platform      entity           ideology   lang     month    to alert  upper   lower   online
===  ============  ===============  =========  =======  =======  ========  ======  ======  ======
u1   Telegram      islamic-state    jihadist   ara      2024-01  7200      3600    1800    no
u2   Telegram      islamic-state    jihadist   eng      2024-01  43200     86400   64800   no
u3   Telegram      islamic-state    jihadist   ara      2024-01  3600      -       -       yes
u4   Archive.org   al-shabaab       jihadist   som      2024-01  21600     172800  0       no
u5   Archive.org   al-shabaab       jihadist   unknown  2024-02  600       777600  345000  no
u6   Archive.org   al-shabaab       jihadist   som      2024-02  86400     -       -       no
u7   JustPaste.it  national-action  far_right  eng      2024-02  3600      1800    1200    no
u8   JustPaste.it  made-up-group    unknown    eng      2024-03  43200     -       -       yes
u9   JustPaste.it  national-action  far_right  fas      2024-03  86400     7200    3600    no
===  ============  ===============  =========  =======  =======  ========  ======  ======  ======

Languages come each from a different place: u1 item analysis; u2 item metadata ``en``; u3
its first sighting's source ``ar`` (a later sighting's item is analysed as English); u4
analysis ``und``, so its source ``so``; u5 nothing; u6 analysis; u7 analysis; u8 metadata
``en-GB``; u9 the sighting's source ``fa`` (the item's own source says ``ar``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tvec.store.models import Item, Outlink, OutlinkSighting, Source
from tvec.store.models.alerts import Alert, StatusCheck, Takedown
from tvec.store.models.analysis import ItemAnalysis


def at(text: str) -> datetime:
    """``YYYY-MM-DD HH:MM`` as an aware UTC datetime."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


@dataclass
class Url:
    """One alerted (or not) URL: its alert, takedown and status checks."""

    name: str
    platform: str
    entity: str
    first_seen: str
    sent: str | None
    status: str = "sent"
    checks: list[tuple[str, str]] = field(default_factory=list)
    removed: str | None = None
    confirmed: str | None = None
    last_online: str | None = None
    state: str = "tracking"
    analysis: str | None = None
    meta_language: str | None = None
    sighting_source: str | None = None
    item_source: str | None = None


URLS = [
    Url("u1", "Telegram", "islamic-state", "2024-01-10 10:00", "2024-01-10 12:00",
        checks=[("2024-01-10 12:30", "online"), ("2024-01-10 13:00", "removed"),
                ("2024-01-10 13:30", "removed")],
        last_online="2024-01-10 12:30", removed="2024-01-10 13:00",
        confirmed="2024-01-10 13:30", state="removed", analysis="ara"),
    Url("u2", "Telegram", "islamic-state", "2024-01-11 00:00", "2024-01-11 12:00",
        checks=[("2024-01-12 06:00", "online"), ("2024-01-12 12:00", "removed"),
                ("2024-01-12 18:00", "removed")],
        last_online="2024-01-12 06:00", removed="2024-01-12 12:00",
        confirmed="2024-01-12 18:00", state="removed", meta_language="en"),
    Url("u3", "Telegram", "islamic-state", "2024-01-20 12:00", "2024-01-20 13:00",
        checks=[("2024-01-20 14:00", "removed"), ("2024-01-21 13:00", "online")],
        last_online="2024-01-21 13:00", sighting_source="ar"),
    Url("u4", "Archive.org", "al-shabaab", "2024-01-15 00:00", "2024-01-15 06:00",
        checks=[("2024-01-17 06:00", "removed"), ("2024-01-17 12:00", "removed")],
        removed="2024-01-17 06:00", confirmed="2024-01-17 12:00", state="removed",
        analysis="und", sighting_source="so"),
    Url("u5", "Archive.org", "al-shabaab", "2024-02-01 00:00", "2024-02-01 00:10",
        checks=[("2024-02-05 00:00", "online"), ("2024-02-10 00:10", "removed"),
                ("2024-02-10 06:10", "removed")],
        last_online="2024-02-05 00:00", removed="2024-02-10 00:10",
        confirmed="2024-02-10 06:10", state="removed"),
    Url("u6", "Archive.org", "al-shabaab", "2024-02-02 00:00", "2024-02-03 00:00",
        checks=[("2024-02-04 00:00", "online"), ("2024-02-05 00:00", "unreachable")],
        last_online="2024-02-04 00:00", state="stopped", analysis="som"),
    Url("u7", "JustPaste.it", "national-action", "2024-02-10 00:00", "2024-02-10 01:00",
        checks=[("2024-02-10 01:20", "online"), ("2024-02-10 01:30", "removed"),
                ("2024-02-10 01:40", "removed")],
        last_online="2024-02-10 01:20", removed="2024-02-10 01:30",
        confirmed="2024-02-10 01:40", state="removed", analysis="eng"),
    Url("u8", "JustPaste.it", "made-up-group", "2024-03-04 12:00", "2024-03-05 00:00",
        checks=[("2024-03-05 01:00", "unknown"), ("2024-03-06 00:00", "online")],
        last_online="2024-03-06 00:00", meta_language="en-GB"),
    Url("u9", "JustPaste.it", "national-action", "2024-03-09 00:00", "2024-03-10 00:00",
        checks=[("2024-03-10 01:00", "online"), ("2024-03-10 02:00", "removed"),
                ("2024-03-10 03:00", "removed")],
        last_online="2024-03-10 01:00", removed="2024-03-10 02:00",
        confirmed="2024-03-10 03:00", state="removed", sighting_source="fa", item_source="ar"),
    # Not counted: a queued alert, a failed one, and a URL checked without an alert.
    Url("q1", "Telegram", "islamic-state", "2024-01-10 00:00", None, status="queued",
        checks=[("2024-01-10 01:00", "online")]),
    Url("f1", "Telegram", "islamic-state", "2024-01-10 00:00", None, status="failed"),
    Url("n1", "Telegram", "islamic-state", "2024-01-10 00:00", None, status="none",
        checks=[("2024-01-10 01:00", "removed"), ("2024-01-10 02:00", "removed")],
        removed="2024-01-10 01:00", confirmed="2024-01-10 02:00", state="removed"),
]  # fmt: skip


def url_of(name: str) -> str:
    """The canonical URL of test URL ``name``."""
    return f"https://content.example/{name}"


def _source(session: Session, sources: dict[str, Source], language: str | None) -> int | None:
    if language is None:
        return None
    if language not in sources:
        sources[language] = Source(
            name=f"source-{language}", kind="jsonl", locator=f"/data/{language}.jsonl",
            language=language,
        )  # fmt: skip
        session.add(sources[language])
        session.flush()
    return sources[language].id


def insert_removals(session: Session) -> dict[str, int]:
    """Insert :data:`URLS` (outlinks, sightings, items, alerts, takedowns, status checks);
    return outlink ids by name."""
    sources: dict[str, Source] = {}
    ids: dict[str, int] = {}
    for n, u in enumerate(URLS):
        first_seen = at(u.first_seen)
        outlink = Outlink(
            url=url_of(u.name), registrable_domain="content.example", host="content.example",
            platform=u.platform, first_seen_at=first_seen, last_seen_at=first_seen,
        )  # fmt: skip
        session.add(outlink)
        meta: dict[str, Any] = {"language": u.meta_language} if u.meta_language else {}
        item = Item(
            locator=f"test:{u.name}", media_type="text/plain", content_type="text",
            text=f"post {u.name}", meta=meta,
            source_id=_source(session, sources, u.item_source),
        )  # fmt: skip
        session.add(item)
        session.flush()
        ids[u.name] = outlink.id
        if u.analysis is not None:
            session.add(ItemAnalysis(item_id=item.id, primary_language=u.analysis))
        session.add(
            OutlinkSighting(
                outlink_id=outlink.id, item_id=item.id, seen=url_of(u.name), seen_at=first_seen,
                source_id=_source(session, sources, u.sighting_source),
            )
        )  # fmt: skip
        if u.name == "u3":  # a later sighting in an English item must not decide the language
            later = Item(locator="test:u3-later", media_type="text/plain", content_type="text")
            session.add(later)
            session.flush()
            session.add(ItemAnalysis(item_id=later.id, primary_language="eng"))
            session.add(
                OutlinkSighting(
                    outlink_id=outlink.id, item_id=later.id, seen=url_of(u.name),
                    seen_at=first_seen + timedelta(hours=1),
                )
            )  # fmt: skip
        if u.status != "none":
            session.add(
                Alert(
                    reference=f"TVEC-{n:012x}", idempotency_key=f"{n:064x}",
                    outlink_id=outlink.id, url=url_of(u.name), platform=u.platform,
                    channel="email", recipient="abuse@content.example", entity=u.entity,
                    content_kind="video", status=u.status, attempts=1,
                    created_at=first_seen, sent_at=at(u.sent) if u.sent else None,
                )
            )  # fmt: skip
        if u.checks:
            session.add(
                Takedown(
                    outlink_id=outlink.id, state=u.state, last_result=u.checks[-1][1],
                    checks=len(u.checks), last_checked_at=at(u.checks[-1][0]),
                    last_online_at=at(u.last_online) if u.last_online else None,
                    removed_at=at(u.removed) if u.removed else None,
                    first_removed_at=at(u.removed) if u.removed else None,
                    confirmed_at=at(u.confirmed) if u.confirmed else None,
                )
            )  # fmt: skip
            for checked, result in u.checks:
                session.add(
                    StatusCheck(
                        outlink_id=outlink.id, checked_at=at(checked), result=result,
                        http_status=200 if result == "online" else 404,
                        route="http_404" if result == "removed" else None,
                    )
                )  # fmt: skip
    session.flush()
    return ids

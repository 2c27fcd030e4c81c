"""Data for the operations pages' tests (route tests and browser tests): a polled source
with a history, scans with many errors and one running, alerted out-links with deliveries
and status checks (:mod:`tests.alerts.removal_data`), and one out-link never alerted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from tests.alerts.removal_data import at, insert_removals
from tvec.app import collection
from tvec.app.context import open_context
from tvec.store import Store
from tvec.store.models import Item, ItemError, Outlink, Scan, ScanItem
from tvec.store.models.alerts import Alert, AlertDelivery, Attribution

#: A source name with a right-to-left override: shown with the control visible.
BIDI_SOURCE = "beacon \u202eoc.elpmaxe"
#: The URL list the polled source reads: two URLs and one line that is not a URL.
URL_LIST = "https://files.example/a.mp4\nhxxps://files[.]example/b.mp4\nnot a url at all\n"
#: Errors of the scan with many (more than one page of 50).
MANY_ERRORS = 60


@dataclass
class OpsData:
    """What :func:`seed_operations` made: names and ids the tests look for."""

    source: str
    list_file: Path
    error_scan: int
    running_scan: int
    u1_reference: str
    open_url: str


def seed_operations(store: Store, folder: Path) -> OpsData:
    """Fill ``store`` with the data of the module docstring (polls run for real)."""
    ctx = open_context(store.settings, store=store)
    list_file = folder / "beacon-urls.txt"
    list_file.write_text(URL_LIST, encoding="utf-8")
    collection.add_source(ctx, BIDI_SOURCE, "url-list", str(list_file), actor="cli")
    collection.poll(ctx, [BIDI_SOURCE])  # fetched: 2 new items, 1 item error
    collection.poll(ctx, [BIDI_SOURCE])  # not_modified
    with store.session() as session:
        ids = insert_removals(session)
        u1 = session.scalars(select(Alert).where(Alert.outlink_id == ids["u1"])).one()
        session.add_all(
            [
                AlertDelivery(
                    platform=u1.platform, channel="email", recipient=u1.recipient,
                    batch_reference="TVEC-B-1", attempted_at=at("2024-01-10 11:00"), ok=False,
                    alert_ids=[u1.id], error="SMTP 451 try again later",
                ),
                AlertDelivery(
                    platform=u1.platform, channel="email", recipient=u1.recipient,
                    batch_reference="TVEC-B-1", attempted_at=at("2024-01-10 12:00"), ok=True,
                    alert_ids=[u1.id], detail="Message-ID <b1@tvec>",
                ),
            ]
        )  # fmt: skip
        session.add(
            Attribution(
                outlink_id=ids["u8"], entity="=HYPERLINK(\"http://x.example\")", method="person",
                attributed_by="analyst",
            )
        )  # fmt: skip
        opened = Outlink(
            url="https://t.me/open_channel", registrable_domain="t.me", host="t.me",
            platform="Telegram",
        )  # fmt: skip
        session.add(opened)
        now = datetime.now(UTC)
        errors = Scan(
            started_at=now - timedelta(minutes=75), finished_at=now - timedelta(minutes=3),
            status="finished_with_errors", paths={"paths": [str(folder / "drop")], "banks": []},
            counts={"items": 80, "new": 80, "matches": 0, "errors": MANY_ERRORS},
        )  # fmt: skip
        running = Scan(
            started_at=now - timedelta(seconds=90), status="running",
            paths={"paths": [str(folder / "incoming")], "banks": []},
        )  # fmt: skip
        session.add_all([errors, running])
        session.flush()
        for n in range(MANY_ERRORS):
            session.add(
                ItemError(
                    scan_id=errors.id, locator=f"file://{folder}/drop/broken-{n:03d}.png",
                    kind="decode", message=f"cannot identify image file (sample {n})",
                )
            )  # fmt: skip
        for n in range(3):
            item = Item(locator=f"test:running-{n}", media_type="text/plain", content_type="text")
            session.add(item)
            session.flush()
            session.add(ScanItem(scan_id=running.id, item_id=item.id))
        return OpsData(
            source=BIDI_SOURCE,
            list_file=list_file,
            error_scan=errors.id,
            running_scan=running.id,
            u1_reference=u1.reference,
            open_url=opened.url,
        )

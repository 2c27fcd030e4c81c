"""Removal orders (Regulation 2021/784): the one-hour clock with a frozen clock, the reply,
legal holds with logged access, bad input, the overdue webhook, and the CLI."""

from __future__ import annotations

import hashlib
import json
import re
import socket
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.audit import AuditKind, verify_chain
from tvec.clock import rfc3339
from tvec.errors import ConflictError, NotFoundError, UsageError
from tvec.net.webhook import verify_signature
from tvec.orders import (
    REGULATION_APPLIES_FROM,
    act_on_order,
    export_hold,
    extend_hold,
    format_time,
    format_time_left,
    get_order,
    hold_record,
    hold_state,
    list_holds,
    list_orders,
    order_state,
    parse_time,
    purge_expired_holds,
    read_hold,
    read_order_file,
    record_order,
    reply_document,
    reply_text,
    reply_warnings,
    sweep_orders,
)
from tvec.orders.reply import FORM
from tvec.settings import Settings, load_settings
from tvec.store import Store, open_store
from tvec.store.evidence import EvidenceStore
from tvec.store.models import Item, Outlink, OutlinkSighting, Signal, Source
from tvec.store.models.audit import AuditEvent
from tvec.store.models.orders import LegalHold, RemovalOrder

T = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
URL = "https://video.example/v/123"
CONTENT = b"benign stand-in for the removed video bytes"
SHA = hashlib.sha256(CONTENT).hexdigest()
SECOND = timedelta(seconds=1)
MICRO = timedelta(microseconds=1)


def _settings(store: Store, **overrides: object) -> Settings:
    """The store's settings with a provider name and contact address for the reply."""
    update: dict[str, object] = {
        "alert_sender_name": "Example Hosting Ltd",
        "alert_reply_to": "tco@hosting.example",
    }
    update.update(overrides)
    return store.settings.model_copy(update=update)


def _item(session: Session, settings: Settings, **fields: Any) -> Item:
    """A stored video item with its bytes in the evidence store, a signal and a source."""
    EvidenceStore(settings.evidence_dir).put(CONTENT)
    source = Source(name="uploads", kind="jsonl", locator="/data/uploads.jsonl", platform="vx")
    session.add(source)
    session.flush()
    values: dict[str, Any] = {
        "locator": URL,
        "source_id": source.id,
        "media_type": "video/mp4",
        "content_type": "video",
        "sha256": SHA,
        "size": len(CONTENT),
        "text": "caption of the upload",
        "meta": {"uploader": "u-42"},
    }
    values.update(fields)
    item = Item(**values)
    session.add(item)
    session.flush()
    session.add(Signal(item_id=item.id, signal_type="sha256", value=SHA))
    session.flush()
    return item


def _order(session: Session, reference: str = "BKA-TCO-2024-0001", **fields: Any) -> RemovalOrder:
    values: dict[str, Any] = {
        "reference": reference,
        "authority": "Bundeskriminalamt",
        "member_state": "DE",
        "received_at": T,
        "urls": [URL],
        "reasons": "Incites the commission of terrorist offences (Article 2(7)(a)).",
        "actor": "alice",
        "now": T,
    }
    values.update(fields)
    return record_order(session, **values)


def _events(session: Session, kind: AuditKind) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.kind == str(kind)).order_by(AuditEvent.id)
        )
    )


def test_order_goes_overdue_at_exactly_one_hour_and_the_reply_is_filled_in(
    any_store: Store,
) -> None:
    settings = _settings(any_store)
    with any_store.session() as session:
        item = _item(session, settings)
        order = _order(session)
        assert order.deadline_at == datetime(2024, 5, 1, 11, 0, tzinfo=UTC)
        assert order.urls[0].item_id == item.id
        assert order_state(order, T) == ("open", 3600.0)
        assert order_state(order, T + timedelta(minutes=59, seconds=59)) == ("open", 1.0)
        # one microsecond before the hour: still open, and a sweep changes nothing
        before = T + timedelta(hours=1) - MICRO
        assert order_state(order, before) == ("open", 0.000001)
    # the sweep commits in its own transactions, so it runs outside any open session
    assert sweep_orders(any_store, settings, now=before) == []
    with any_store.session() as session:
        order = get_order(session, "BKA-TCO-2024-0001")
        assert order.status == "open" and order.overdue_at is None
        # at the hour exactly: overdue
        hour = T + timedelta(hours=1)
        assert order_state(order, hour) == ("overdue", 0.0)
    swept = sweep_orders(any_store, settings, now=hour)
    assert [(o.reference, o.status, o.overdue_at) for o in swept] == [
        ("BKA-TCO-2024-0001", "overdue", hour)
    ]
    assert sweep_orders(any_store, settings, now=hour + timedelta(hours=1)) == []  # once
    with any_store.session() as session:
        order = get_order(session, "BKA-TCO-2024-0001")
        assert order.status == "overdue"
        assert order.overdue_at == datetime(2024, 5, 1, 11, 0, tzinfo=UTC)
        [overdue] = _events(session, AuditKind.ORDER_OVERDUE)
        assert (overdue.actor, overdue.target) == ("tvec", "order:BKA-TCO-2024-0001")
        assert overdue.data["pending_urls"] == [URL]
        assert list_orders(session, now=hour)[0][1:] == ("overdue", 0.0)
        # removed five minutes late
        acted = datetime(2024, 5, 1, 11, 5, tzinfo=UTC)
        act_on_order(session, settings, "BKA-TCO-2024-0001", actor="bob", now=acted)
    with any_store.session() as session:
        order = get_order(session, "BKA-TCO-2024-0001")
        assert order.status == "done"
        assert order.completed_at == acted
        assert order.overdue_at == hour  # the overdue record stays
        assert (order.urls[0].action, order.urls[0].acted_at) == ("removed", acted)
        assert order.reply == {
            "form": FORM,
            "reference": "BKA-TCO-2024-0001",
            "provider_reference": f"tvec-order-{order.id}",
            "authority": "Bundeskriminalamt",
            "member_state": "DE",
            "member_state_name": "Germany",
            "received_at": "2024-05-01T10:00:00Z",
            "action": "removed",
            "acted_at": "2024-05-01T11:05:00Z",
            "urls": [{"url": URL, "action": "removed", "acted_at": "2024-05-01T11:05:00Z"}],
            "provider": "Example Hosting Ltd",
            "contact_email": "tco@hosting.example",
            "date": "2024-05-01",
            "deadline_at": "2024-05-01T11:00:00Z",
            "on_time": False,
            "late_by_seconds": 300.0,
            "overdue_at": "2024-05-01T11:00:00Z",
            "warnings": [],
        }
        assert order_state(order, acted + timedelta(days=1)) == ("done", -300.0)
        text = reply_text(order.reply)
        assert "[x] The terrorist content has been removed" in text
        assert "Time and date of receipt of the removal order: 2024-05-01T10:00:00Z" in text
        assert "(2024-05-01T11:00:00Z): 5 min late." in text
        [reply_event] = _events(session, AuditKind.ORDER_REPLY)
        assert (reply_event.actor, reply_event.data["on_time"]) == ("bob", False)
        [action_event] = _events(session, AuditKind.ORDER_ACTION)
        assert action_event.data["urls"] == [URL] and action_event.data["seconds_left"] == -300.0
        # the removed content is under legal hold, six months from the removal
        [hold] = list_holds(session, order_reference="BKA-TCO-2024-0001")
        assert (hold.sha256, hold.size, hold.url, hold.item_id) == (SHA, len(CONTENT), URL, item.id)
        assert hold.held_from == acted
        assert hold.held_until == datetime(2024, 10, 31, 11, 5, tzinfo=UTC)  # + 183 days
        held = EvidenceStore(settings.holds_dir).path_for(SHA)
        assert hashlib.sha256(held.read_bytes()).hexdigest() == SHA
        assert hold.data["item"]["linked_by"] == "locator"
        assert hold.data["item"]["text"] == "caption of the upload"
        assert hold.data["item"]["metadata"] == {"uploader": "u-42"}
        assert hold.data["item"]["signals"] == [
            {"signal_type": "sha256", "value": SHA, "quality": None}
        ]
        assert hold.data["item"]["source"]["name"] == "uploads"
        assert hold.data["order"]["reference"] == "BKA-TCO-2024-0001"
        assert hold.data["content"] == {
            "from": "evidence store",
            "item": item.id,
            "sha256": SHA,
            "size": len(CONTENT),
        }
        assert verify_chain(session).ok


def test_an_order_acted_on_within_the_hour_replies_on_time(store: Store) -> None:
    settings = _settings(store)
    second = "https://video.example/v/456"
    with store.session() as session:
        _order(session, urls=[URL, second])
        first_at = T + timedelta(minutes=20)
        act_on_order(session, settings, "BKA-TCO-2024-0001", urls=[URL], actor="bob", now=first_at)
        order = get_order(session, "BKA-TCO-2024-0001")
        assert order.status == "open" and order.reply == {}
        with pytest.raises(ConflictError, match=re.escape("not yet: https://video.example/v/456")):
            reply_document(order, settings)
        last = T + timedelta(hours=1) - MICRO
        act_on_order(
            session, settings, "BKA-TCO-2024-0001", action="disabled", actor="bob", now=last
        )
        reply = get_order(session, "BKA-TCO-2024-0001").reply
    assert reply["action"] == "removed and disabled"
    assert reply["urls"] == [
        {"url": URL, "action": "removed", "acted_at": "2024-05-01T10:20:00Z"},
        {"url": second, "action": "disabled", "acted_at": "2024-05-01T10:59:59.999999Z"},
    ]
    assert reply["acted_at"] == "2024-05-01T10:59:59.999999Z"
    assert (reply["on_time"], reply["late_by_seconds"], reply["overdue_at"]) == (True, 0.0, None)
    assert "has been disabled in all Member States" in reply_text(reply)


def test_legal_hold_reads_are_logged_extended_and_purged(store: Store, tmp_path: Path) -> None:
    settings = _settings(store)
    acted = T + timedelta(minutes=30)
    with store.session() as session:
        _item(session, settings)
        _order(session)
        act_on_order(session, settings, "BKA-TCO-2024-0001", actor="bob", now=acted)
        hold_id = list_holds(session)[0].id
    with store.session() as session:
        with pytest.raises(UsageError, match="needs a purpose"):
            read_hold(session, settings, hold_id, actor="carol", purpose="  ")
        assert _events(session, AuditKind.HOLD_ACCESS) == []
        hold, path = read_hold(
            session, settings, hold_id, actor="carol", purpose="request 17 of the prosecutor"
        )
        assert path is not None and hashlib.sha256(path.read_bytes()).hexdigest() == SHA
        written = export_hold(
            session, settings, hold_id, tmp_path, actor="dave", purpose="court case 4 O 12/24"
        )
        assert [p.name for p in written] == [f"hold-{hold_id}.json", f"hold-{hold_id}-{SHA}"]
        assert written[1].read_bytes() == CONTENT
        assert json.loads(written[0].read_text())["data"]["url"] == URL
        with pytest.raises(ConflictError, match="exists"):
            export_hold(session, settings, hold_id, tmp_path, actor="dave", purpose="again")
        accesses = [
            (e.actor, e.target, e.data["access"], e.data["purpose"])
            for e in _events(session, AuditKind.HOLD_ACCESS)
        ]
        assert accesses == [
            ("carol", f"hold:{hold_id}", "read", "request 17 of the prosecutor"),
            ("dave", f"hold:{hold_id}", "export", "court case 4 O 12/24"),
        ]
        with pytest.raises(NotFoundError):
            read_hold(session, settings, 999, actor="carol", purpose="x")
    first_end = acted + timedelta(days=183)
    with store.session() as session:
        with pytest.raises(UsageError, match="not later"):
            extend_hold(session, hold_id, until=first_end - SECOND, reason="r", actor="erin")
        with pytest.raises(UsageError, match="either"):
            extend_hold(session, hold_id, reason="r", actor="erin")
        with pytest.raises(UsageError, match="needs a reason"):
            extend_hold(session, hold_id, days=30, reason=" ", actor="erin")
        at = T + timedelta(days=100)
        hold = extend_hold(
            session,
            hold_id,
            days=30,
            reason="request of the Staatsanwaltschaft",
            actor="erin",
            now=at,
        )
        assert hold.held_until == first_end + timedelta(days=30)
        assert hold.extensions == [
            {
                "at": rfc3339(at),
                "by": "erin",
                "from": rfc3339(first_end),
                "until": rfc3339(first_end + timedelta(days=30)),
                "reason": "request of the Staatsanwaltschaft",
            }
        ]
        [extended] = _events(session, AuditKind.HOLD_EXTEND)
        assert (extended.actor, extended.data["until"]) == ("erin", rfc3339(hold.held_until))
    end = first_end + timedelta(days=30)
    held = EvidenceStore(settings.holds_dir).path_for(SHA)
    with store.session() as session:
        assert purge_expired_holds(session, settings, now=end - MICRO) == []
        assert held.exists()
        [purged] = purge_expired_holds(session, settings, now=end)
        assert purged.id == hold_id
        assert purge_expired_holds(session, settings, now=end + timedelta(days=1)) == []
    assert not held.exists()
    with store.session() as session:
        kept = session.get(LegalHold, hold_id)
        assert kept is not None  # the record stays, with what was held
        assert (kept.sha256, kept.size, kept.url) == (SHA, len(CONTENT), URL)
        assert kept.data["item"]["text"] == "caption of the upload"
        assert kept.data["purged"] == {"at": rfc3339(end), "by": "tvec", "deleted": True}
        purge_event = _events(session, AuditKind.HOLD_PURGE)[-1]
        assert purge_event.data["access"] == "purge" and purge_event.data["deleted"] is True
        hold, path = read_hold(session, settings, hold_id, actor="carol", purpose="audit")
        assert path is None
        with pytest.raises(ConflictError, match="purged"):
            extend_hold(session, hold_id, days=1, reason="late", actor="erin")


def test_purge_keeps_bytes_another_hold_still_needs(store: Store) -> None:
    settings = _settings(store)
    with store.session() as session:
        _item(session, settings)
        _order(session, "A")
        _order(session, "B", received_at=T + timedelta(days=10), now=T + timedelta(days=10))
        act_on_order(session, settings, "A", actor="bob", now=T + SECOND)
        act_on_order(session, settings, "B", actor="bob", now=T + timedelta(days=10))
        a, b = sorted(list_holds(session), key=lambda h: h.id)
        assert a.sha256 == b.sha256 == SHA
        [purged] = purge_expired_holds(session, settings, now=a.held_until)
        assert purged.data["purged"]["deleted"] is False
        assert EvidenceStore(settings.holds_dir).path_for(SHA).exists()
        [purged] = purge_expired_holds(session, settings, now=b.held_until)
        assert purged.id == b.id and purged.data["purged"]["deleted"] is True
    assert not EvidenceStore(settings.holds_dir).path_for(SHA).exists()


def test_urls_link_to_items_by_metadata_and_by_outlink_sighting(
    any_store: Store, tmp_path: Path
) -> None:
    settings = _settings(any_store)
    by_meta = "https://files.example/f/9?dl=1"
    sighted = "https://paste.example/abc"
    with any_store.session() as session:
        meta_item = _item(session, settings, locator="upload:9", meta={"url": by_meta})
        post = Item(
            locator="tg:chan/5",
            media_type="text/plain",
            content_type="text",
            sha256=SHA,
            size=len(CONTENT),
            text=f"see {sighted}",
        )
        session.add(post)
        session.flush()
        outlink = Outlink(url=sighted, host="paste.example", registrable_domain="paste.example")
        session.add(outlink)
        session.flush()
        session.add(OutlinkSighting(outlink_id=outlink.id, item_id=post.id, seen=sighted))
        order = _order(session, urls=[by_meta, sighted, "https://nothing.example/x", by_meta])
        assert [(u.url, u.item_id) for u in order.urls] == [
            (by_meta, meta_item.id),
            (sighted, post.id),
            ("https://nothing.example/x", None),
        ]
        given = tmp_path / "removed.bin"
        given.write_bytes(b"the paste as the provider kept it")
        act_on_order(
            session,
            settings,
            order.reference,
            actor="bob",
            now=T + SECOND,
            content={"https://nothing.example/x": given},
        )
        holds = {h.url: h for h in list_holds(session)}
    assert holds[by_meta].sha256 == SHA
    assert holds[by_meta].data["item"]["linked_by"] == "metadata url"
    # the sighting's item is the post that linked to the content: data kept, bytes not
    assert holds[sighted].sha256 is None
    assert holds[sighted].data["item"]["linked_by"] == "out-link sighting"
    assert holds[sighted].data["content"] == {"from": None}
    assert (
        holds["https://nothing.example/x"].sha256
        == hashlib.sha256(b"the paste as the provider kept it").hexdigest()
    )
    assert holds["https://nothing.example/x"].data["content"]["from"] == "file"


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"member_state": "UK"}, UsageError, "'UK' is not an EU Member State"),
        ({"member_state": "XX"}, UsageError, "'XX' is not an EU Member State"),
        ({"urls": []}, UsageError, "at least one URL"),
        ({"urls": ["  "]}, UsageError, "not an http"),
        ({"urls": [URL, "ftp://files.example/a"]}, UsageError, "'ftp://files.example/a'"),
        ({"urls": ["javascript:alert(1)"]}, UsageError, "not an http"),
        ({"reference": " "}, UsageError, "reference is empty"),
        ({"reasons": ""}, UsageError, "reasons is empty"),
        ({"received_at": T + timedelta(minutes=6)}, UsageError, "in the future"),
        ({"received_at": datetime(2024, 5, 1, 10)}, UsageError, "no time zone"),
    ],
)
def test_bad_orders_are_refused(
    store: Store, fields: dict[str, Any], error: type[Exception], message: str
) -> None:
    with store.session() as session, pytest.raises(error, match=re.escape(message)):
        _order(session, **fields)


def test_member_state_codes_and_clock_skew(store: Store) -> None:
    with store.session() as session:
        assert _order(session, "1", member_state="gr").member_state == "EL"
        assert _order(session, "2", member_state=" de ").member_state == "DE"
        assert _order(session, "3", member_state="EL").member_state == "EL"
        late_clock = _order(session, "4", received_at=T + timedelta(minutes=5))
        assert late_clock.deadline_at == T + timedelta(hours=1, minutes=5)
        with pytest.raises(ConflictError, match="'1' is recorded already"):
            _order(session, "1")


def test_acting_on_orders_refuses_what_does_not_fit(store: Store) -> None:
    settings = _settings(store)
    with store.session() as session:
        _order(session, urls=[URL, "https://video.example/v/2"])
        ref = "BKA-TCO-2024-0001"
        with pytest.raises(NotFoundError):
            act_on_order(session, settings, "nope", actor="bob", now=T)
        with pytest.raises(UsageError, match="unknown action 'deleted'"):
            act_on_order(session, settings, ref, action="deleted", actor="bob", now=T)
        with pytest.raises(UsageError, match="does not name the URL"):
            act_on_order(session, settings, ref, urls=["https://x.example/"], actor="bob", now=T)
        with pytest.raises(UsageError, match="before the order's receipt"):
            act_on_order(session, settings, ref, actor="bob", now=T - SECOND)
        with pytest.raises(UsageError, match="does not act on"):
            act_on_order(
                session,
                settings,
                ref,
                urls=[URL],
                actor="bob",
                now=T,
                content={"https://video.example/v/2": Path("x")},
            )
        act_on_order(session, settings, ref, urls=[URL], actor="bob", now=T)
        with pytest.raises(ConflictError, match="removed already"):
            act_on_order(session, settings, ref, urls=[URL], actor="bob", now=T)
        act_on_order(session, settings, ref, actor="bob", now=T)
        with pytest.raises(ConflictError, match="is done"):
            act_on_order(session, settings, ref, actor="bob", now=T)


def test_list_orders_sorts_by_time_left(store: Store) -> None:
    with store.session() as session:
        _order(session, "late", received_at=T - timedelta(minutes=70))
        _order(session, "soon", received_at=T - timedelta(minutes=50))
        _order(session, "fresh", received_at=T)
        rows = list_orders(session, now=T)
        assert [(o.reference, s, left) for o, s, left in rows] == [
            ("late", "overdue", -600.0),
            ("soon", "open", 600.0),
            ("fresh", "open", 3600.0),
        ]
        assert [o.reference for o, _, _ in list_orders(session, status="open", now=T)] == [
            "soon",
            "fresh",
        ]
        with pytest.raises(UsageError, match="unknown order status"):
            list_orders(session, status="pending", now=T)


def test_time_left_text() -> None:
    assert format_time_left(3600.0) == "1 h left"
    assert format_time_left(1.0) == "1 s left"
    assert format_time_left(0.4) == "0 s left"
    assert format_time_left(0.0) == "0 s late"
    assert format_time_left(-3725.0) == "1 h 2 min late"
    assert format_time_left(-4320.0) == "1 h 12 min late"
    assert format_time_left(-2876012.0) == "33 d 6 h late"


def _write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


GOOD_FILE = {
    "reference": "BKA-TCO-2024-0002",
    "authority": "Bundeskriminalamt",
    "member_state": "DE",
    "received_at": "2024-05-01T12:00:00+02:00",
    "urls": [URL],
    "reasons": "Incites terrorist offences.",
}


def test_order_file(tmp_path: Path) -> None:
    parsed = read_order_file(_write(tmp_path / "o.json", GOOD_FILE))
    assert parsed.received_at == T  # 12:00 at +02:00 is 10:00 UTC
    assert (parsed.reference, parsed.urls) == ("BKA-TCO-2024-0002", [URL])
    bad = {
        "missing": ({k: v for k, v in GOOD_FILE.items() if k != "urls"}, "'urls' is missing"),
        "unknown": (GOOD_FILE | {"url": URL}, "unknown keys \\['url'\\]"),
        "type": (GOOD_FILE | {"urls": URL}, "'urls' must be a list"),
        "list": ([GOOD_FILE], "holds an array; a removal order file holds one JSON object"),
    }
    for name, (document, message) in bad.items():
        with pytest.raises(UsageError, match=message):
            read_order_file(_write(tmp_path / f"{name}.json", document))
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(UsageError, match=r"broken\.json: not JSON"):
        read_order_file(tmp_path / "broken.json")
    with pytest.raises(UsageError, match="no time zone"):
        read_order_file(
            _write(tmp_path / "naive.json", GOOD_FILE | {"received_at": "2024-05-01T12:00"})
        )
    with pytest.raises(NotFoundError):
        read_order_file(tmp_path / "absent.json")


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Hook.received.append((dict(self.headers), self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def hook_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    _Hook.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()
    thread.join()


def _hook_store(tmp_path: Path, url: str, **overrides: Any) -> Store:
    values: dict[str, Any] = {
        "home": tmp_path / "home",
        "progress": False,
        "webhook_url": url,
        "webhook_secret": "hook-secret",
        "webhook_retries": 0,
        "outbound_allow_hosts": ["127.0.0.1"],
    }
    return open_store(load_settings(**(values | overrides)))


def test_overdue_order_sends_a_signed_webhook_event(tmp_path: Path, hook_server: str) -> None:
    store = _hook_store(tmp_path, hook_server)
    try:
        with store.session() as session:
            _order(session)
        sweep_orders(store, store.settings, now=T + timedelta(hours=1))
        with store.session() as session:
            [delivery] = _events(session, AuditKind.WEBHOOK)
            assert delivery.target == "order:BKA-TCO-2024-0001"
            assert (delivery.data["delivered"], delivery.data["status"]) == (True, 204)
    finally:
        store.close()
    [(headers, body)] = _Hook.received
    assert headers["X-Tvec-Event"] == "removal_order.overdue"
    assert verify_signature(body, "hook-secret", headers["X-Tvec-Signature"])
    assert json.loads(body) == {
        "event": "removal_order.overdue",
        "reference": "BKA-TCO-2024-0001",
        "authority": "Bundeskriminalamt",
        "member_state": "DE",
        "received_at": "2024-05-01T10:00:00Z",
        "deadline_at": "2024-05-01T11:00:00Z",
        "overdue_at": "2024-05-01T11:00:00Z",
        "urls": [{"url": URL, "action": None, "acted_at": None}],
    }


def test_a_failing_webhook_is_recorded_and_the_sweep_goes_on(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = _hook_store(tmp_path, f"http://127.0.0.1:{port}/hook")
    try:
        with store.session() as session:
            _order(session, "A")
            _order(session, "B")
        swept = sweep_orders(store, store.settings, now=T + timedelta(hours=1))
        assert [o.reference for o in swept] == ["A", "B"]
        assert all(o.status == "overdue" for o in swept)
        with store.session() as session:
            deliveries = _events(session, AuditKind.WEBHOOK)
            assert [d.data["delivered"] for d in deliveries] == [False, False]
            assert all(d.data["error"] for d in deliveries)
    finally:
        store.close()


class _Watcher(BaseHTTPRequestHandler):
    """A webhook receiver that, on each request, reads the order's status from the
    database with its own SQLite connection and tries to take the write lock at once
    (``BEGIN IMMEDIATE`` with no busy timeout): ``free`` when no transaction holds it,
    else SQLite's message. Answers ``answer`` (204, or 503 to play a dead endpoint)."""

    database: ClassVar[Path]
    answer: ClassVar[int] = 204
    seen: ClassVar[list[tuple[str, str, str]]] = []

    def do_POST(self) -> None:
        reference = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["reference"]
        db = sqlite3.connect(_Watcher.database, timeout=0, isolation_level=None)
        try:
            [status] = db.execute(
                "SELECT status FROM removal_order WHERE reference = ?", (reference,)
            ).fetchone()
            try:
                db.execute("BEGIN IMMEDIATE")
                db.execute("ROLLBACK")
                lock = "free"
            except sqlite3.OperationalError as exc:
                lock = str(exc)
        finally:
            db.close()
        _Watcher.seen.append((reference, status, lock))
        self.send_response(_Watcher.answer)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def watcher() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Watcher)
    _Watcher.seen, _Watcher.answer = [], 204
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()
    thread.join()


def test_the_overdue_webhook_is_sent_after_the_status_is_committed(
    tmp_path: Path, watcher: str
) -> None:
    store = _hook_store(tmp_path, watcher)
    _Watcher.database = store.settings.home / "tvec.db"
    try:
        with store.session() as session:
            _order(session, "A")
            _order(session, "B", received_at=T + SECOND)
        swept = sweep_orders(store, store.settings, now=T + timedelta(hours=2))
        assert [o.reference for o in swept] == ["A", "B"]
        # the receiver already read each order as overdue, and no transaction held the
        # write lock while it was being called
        assert _Watcher.seen == [("A", "overdue", "free"), ("B", "overdue", "free")]
        with store.session() as session:
            kinds = [
                (e.kind, e.target)
                for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
                if e.kind in (str(AuditKind.ORDER_OVERDUE), str(AuditKind.WEBHOOK))
            ]
            # both overdue events (one transaction), then each delivery in its own
            assert kinds == [
                ("order.overdue", "order:A"),
                ("order.overdue", "order:B"),
                ("webhook.delivery", "order:A"),
                ("webhook.delivery", "order:B"),
            ]
            assert verify_chain(session).ok
    finally:
        store.close()


def test_a_dead_webhook_does_not_hold_the_transaction(tmp_path: Path, watcher: str) -> None:
    # the endpoint answers 503 to every attempt: three attempts (two retries, 0.05 s
    # then 0.1 s apart), each made with the database free to write
    store = _hook_store(tmp_path, watcher, webhook_retries=2, webhook_backoff_seconds=0.05)
    _Watcher.database = store.settings.home / "tvec.db"
    _Watcher.answer = 503
    try:
        with store.session() as session:
            _order(session, "A")
        swept = sweep_orders(store, store.settings, now=T + timedelta(hours=1))
        assert [(o.reference, o.status) for o in swept] == [("A", "overdue")]
        assert _Watcher.seen == [("A", "overdue", "free")] * 3
        with store.session() as session:
            [delivery] = _events(session, AuditKind.WEBHOOK)
            assert delivery.data == {
                "event": "removal_order.overdue",
                "delivered": False,
                "attempts": 3,
                "status": 503,
                "error": "HTTP 503",
            }
            assert get_order(session, "A").status == "overdue"
    finally:
        store.close()


def test_cli(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    document = GOOD_FILE | {"received_at": (now - timedelta(minutes=10)).isoformat()}
    added = cli("order", "add", "--file", _write(tmp_path / "order.json", document))
    assert added.code == 0, added.err
    assert "recorded removal order BKA-TCO-2024-0002 (DE): 1 URL(s)" in added.out
    old = cli(
        "order",
        "add",
        "--reference",
        "EL/2024/7",
        "--authority",
        "Hellenic Police",
        "--member-state",
        "GR",
        "--url",
        "https://x.example/a",
        "--reasons",
        "recruitment",
        "--received-at",
        (now - timedelta(hours=2)).isoformat(),
        "--json",
    )
    assert old.code == 0, old.err
    assert json.loads(old.out)["member_state"] == "EL"
    assert json.loads(old.out)["status"] == "overdue"
    listed = cli("order", "list")
    assert listed.code == 0
    assert re.search(r"│ open +│ (49 min 5\d s|50 min) left ", listed.out), listed.out
    assert re.search(r"│ overdue │ (59 min 5\d s|1 h) late", listed.out), listed.out
    rows = json.loads(cli("order", "list", "--json").out)
    assert [r["reference"] for r in rows] == ["EL/2024/7", "BKA-TCO-2024-0002"]
    swept = cli("order", "sweep")
    assert swept.code == 0 and "overdue: EL/2024/7" in swept.out
    assert "1 order(s) became overdue" in swept.out
    assert "0 order(s)" in cli("order", "sweep").out
    early = cli("order", "reply", "BKA-TCO-2024-0002")
    assert early.code == 2 and "no reply until every URL is acted on" in early.err
    content = tmp_path / "removed.mp4"
    content.write_bytes(CONTENT)
    acted = cli("order", "act", "BKA-TCO-2024-0002", "--content", f"{URL}={content}")
    assert acted.code == 0, acted.err
    assert "order BKA-TCO-2024-0002 done" in acted.out
    reply = json.loads(cli("order", "reply", "BKA-TCO-2024-0002", "--json").out)
    assert (reply["reference"], reply["action"], reply["on_time"]) == (
        "BKA-TCO-2024-0002",
        "removed",
        True,
    )
    assert "SECTION B" in cli("order", "reply", "BKA-TCO-2024-0002").out
    shown = json.loads(cli("order", "show", "BKA-TCO-2024-0002", "--json").out)
    assert shown["status"] == "done" and shown["holds"] == [1]
    holds = json.loads(cli("order", "hold", "list", "--json").out)
    assert [(h["id"], h["sha256"], h["purged"]) for h in holds] == [(1, SHA, False)]
    refused = cli("order", "hold", "show", "1")
    assert refused.code == 2 and "--purpose" in refused.err
    opened = cli("order", "hold", "show", "1", "--purpose", "check", "--json")
    assert opened.code == 0 and json.loads(opened.out)["sha256"] == SHA
    export_dir = tmp_path / "export"
    export_dir.mkdir()
    exported = cli("order", "hold", "export", "1", "--purpose", "court", "--to", export_dir)
    assert exported.code == 0 and (export_dir / f"hold-1-{SHA}").read_bytes() == CONTENT
    extended = cli("order", "hold", "extend", "1", "--days", "10", "--reason", "court order")
    assert extended.code == 0 and "held until" in extended.out
    assert cli("order", "hold", "extend", "1", "--reason", "x").code == 2
    assert "0 legal hold(s) purged" in cli("order", "hold", "purge").out
    bad = cli(
        "order",
        "add",
        "--reference",
        "Z",
        "--authority",
        "A",
        "--member-state",
        "CH",
        "--url",
        URL,
        "--reasons",
        "r",
    )
    assert bad.code == 2 and "'CH' is not an EU Member State" in bad.err
    assert cli("order", "add", "--reference", "Z").code == 2
    assert cli("order", "show", "nope").code == 2
    audit = cli("audit", "export")
    kinds = [json.loads(line)["kind"] for line in audit.out.splitlines()]
    assert kinds.count("hold.access") == 2  # show and export
    assert {"order.receive", "order.overdue", "order.action", "order.reply", "hold.extend"} <= set(
        kinds
    )


# --- fixes from the fresh-user trial (B4, B5, B6, C11, C13, C14, C15, C16, D17, E25, E28, E30)


def _add_args(reference: str = "Z-1", **options: str) -> list[str]:
    """``tvec order add`` with options (a valid order unless ``options`` say otherwise)."""
    values = {
        "--reference": reference,
        "--authority": "Bundeskriminalamt",
        "--member-state": "DE",
        "--url": URL,
        "--reasons": "Incites terrorist offences.",
    } | options
    return ["order", "add", *[part for pair in values.items() for part in pair]]


def test_times_out_of_utc_range_are_usage_errors(store: Store, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    # B4: an offset pushing the time past year 1 or 9999 in UTC was an OverflowError
    for value in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
        with pytest.raises(UsageError, match=re.escape(f"--received-at {value!r} is out of range")):
            parse_time(value, "--received-at")
    extreme = datetime.fromisoformat("0001-01-01T00:00:00+01:00")
    with store.session() as session, pytest.raises(UsageError, match="out of range"):
        _order(session, received_at=extreme)
    path = _write(tmp_path / "old.json", GOOD_FILE | {"received_at": "0001-01-01T00:00:00+01:00"})
    with pytest.raises(UsageError, match=re.escape(f"{path}: received_at '0001-01-01")):
        read_order_file(path)
    added = cli(*_add_args(**{"--received-at": "0001-01-01T00:00:00+01:00"}))
    assert added.code == 2 and "out of range" in added.err, added.err
    extended = cli(
        "order", "hold", "extend", "1", "--reason", "x", "--until", "9999-12-31T23:59:59-01:00"
    )
    assert (
        extended.code == 2 and "--until '9999-12-31T23:59:59-01:00' is out of range" in extended.err
    )


def test_a_time_of_receipt_before_the_regulation_applied_is_refused(store: Store, cli) -> None:  # type: ignore[no-untyped-def]
    # C15: Article 24, the Regulation applies from 7 June 2022 (at +04:00, Réunion, the
    # easternmost zone of a Member State, that day starts at 2022-06-06T20:00:00Z)
    assert datetime(2022, 6, 6, 20, 0, tzinfo=UTC) == REGULATION_APPLIES_FROM
    plus14 = timezone(timedelta(hours=14))
    with store.session() as session:
        for received in (
            datetime(1900, 1, 1, tzinfo=plus14),
            datetime(2022, 6, 6, 19, 59, 59, tzinfo=UTC),
        ):
            with pytest.raises(UsageError, match=r"before 7 June 2022, when Regulation \(EU\) "):
                _order(session, received_at=received)
        first = _order(session, "first day", received_at=datetime(2022, 6, 6, 20, 0, tzinfo=UTC))
        assert first.deadline_at == datetime(2022, 6, 6, 21, 0, tzinfo=UTC)
        cest = _order(session, "CEST", received_at=datetime.fromisoformat("2022-06-07T00:00+02:00"))
        assert cest.received_at == datetime(2022, 6, 6, 22, 0, tzinfo=UTC)
    refused = cli(*_add_args(**{"--received-at": "1900-01-01T00:00:00+14:00"}))
    assert refused.code == 2, refused.err
    assert "is before 7 June 2022" in refused.err and "(Article 24)" in refused.err


def _held(session: Session, settings: Settings) -> LegalHold:
    """A legal hold from T (an order acted on at once)."""
    _order(session)
    act_on_order(session, settings, "BKA-TCO-2024-0001", actor="bob", now=T)
    [hold] = list_holds(session)
    return hold


def test_hold_extensions_are_bounded(store: Store, cli) -> None:  # type: ignore[no-untyped-def]
    # B5: --days 99999999999 was an OverflowError; --until had no upper bound
    settings = _settings(store)
    with store.session() as session:
        hold = _held(session, settings)
        end = hold.held_until
        for days in (0, -1, 36_501, 99_999_999_999):
            with pytest.raises(UsageError, match=f"by 1 to 36500 days, not {days}"):
                extend_hold(session, hold.id, days=days, reason="court", actor="bob", now=T)
        far = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-1)))
        for until in (far, T + timedelta(days=36_500, seconds=1)):
            with pytest.raises(UsageError, match="more than 36500 days from now"):
                extend_hold(session, hold.id, until=until, reason="court", actor="bob", now=T)
        assert hold.held_until == end and hold.extensions == []
        extend_hold(session, hold.id, days=36_500, reason="court", actor="bob", now=T)
        assert hold.held_until == end + timedelta(days=36_500)
        # an until in another zone is stored in UTC
        later = datetime.fromisoformat("2125-01-01T12:00:00+02:00")
        extend_hold(
            session, hold.id, until=later, reason="court", actor="bob", now=T + timedelta(days=300)
        )
        assert hold.held_until == later and hold.held_until.utcoffset() == timedelta(0)
    cli(*_add_args(**{"--received-at": datetime.now(UTC).isoformat()}))
    assert cli("order", "act", "Z-1").code == 0
    huge = cli("order", "hold", "extend", "1", "--days", "99999999999", "--reason", "x")
    assert huge.code == 2 and "by 1 to 36500 days, not 99999999999" in huge.err, huge.err


def test_order_file_problems_name_the_file(tmp_path: Path) -> None:
    # B6: deep nesting was a RecursionError
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000, encoding="utf-8")
    with pytest.raises(
        UsageError, match=re.escape(f"removal order file {deep}: ") + ".*nested too deeply"
    ):
        read_order_file(deep)
    # C13: a key given twice was silently the last one
    twice = tmp_path / "twice.json"
    twice.write_text(json.dumps(GOOD_FILE)[:-1] + ', "reference": "OTHER"}', encoding="utf-8")
    with pytest.raises(UsageError, match=re.escape(f"{twice}: the key 'reference' is given twice")):
        read_order_file(twice)
    # E30: a UTF-8 byte order mark at the start is accepted
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD_FILE).encode())
    assert read_order_file(bom).reference == "BKA-TCO-2024-0002"


def test_order_file_problems_are_usage_errors_in_the_cli(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    # D17: every problem with the file is exit 2 (usage), naming the file and the problem
    files = tmp_path / "files"
    files.mkdir()
    cases: dict[str, tuple[bytes, str]] = {
        "text.json": (b"not json at all", "not JSON: Expecting value"),
        "array.json": (json.dumps([GOOD_FILE]).encode(), "holds an array"),
        "missing.json": (
            json.dumps({k: v for k, v in GOOD_FILE.items() if k != "reasons"}).encode(),
            "'reasons' is missing",
        ),
        "extra.json": (json.dumps(GOOD_FILE | {"note": "x"}).encode(), "unknown keys ['note']"),
        "type.json": (
            json.dumps(GOOD_FILE | {"reference": 7}).encode(),
            "'reference' must be text, not 7",
        ),
        "binary.json": (b"\x89PNG\r\n\x1a\n\x00\xff\xfe", "is not UTF-8 text"),
        "deep.json": (b"[" * 50_000, "nested too deeply"),
        "twice.json": (b'{"urls": [], "urls": []}', "the key 'urls' is given twice"),
    }
    for name, (data, problem) in cases.items():
        (files / name).write_bytes(data)
        result = cli("order", "add", "--file", files / name)
        assert result.code == 2, (name, result.err)
        assert f"removal order file {files / name}: " in result.err, result.err
        assert problem in result.err, (name, result.err)
    folder = cli("order", "add", "--file", files)
    assert folder.code == 2 and f"removal order file {files}: is a folder" in folder.err
    absent = cli("order", "add", "--file", files / "absent.json")
    assert absent.code == 2 and "no such file" in absent.err
    document = GOOD_FILE | {"received_at": datetime.now(UTC).isoformat()}
    (files / "bom.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(document).encode())
    added = cli("order", "add", "--file", files / "bom.json")
    assert added.code == 0, added.err


def test_order_urls_are_deduplicated_by_canonical_form(store: Store) -> None:
    # C11: only exact repeats were dropped; the first spelling is kept
    urls = [
        "HTTPS://X.EXAMPLE/a",
        "https://x.example/a",
        "https://x.example:443/a#top",
        " https://x.example/a?utm_source=mail ",
        "https://x.example/A",  # the path keeps its case: another URL
    ]
    with store.session() as session:
        order = _order(session, urls=urls)
        assert [u.url for u in order.urls] == ["HTTPS://X.EXAMPLE/a", "https://x.example/A"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reference": "T\n14"}, "reference 'T\\n14' holds the control character U+000A"),
        ({"reference": "T\t14"}, "holds the control character U+0009"),
        ({"reference": "T\u202814"}, "holds the control character U+2028"),
        ({"reference": " \t\n "}, "reference is empty"),
        (
            {"authority": "BKA\x00"},
            "issuing authority 'BKA\\x00' holds the control character U+0000",
        ),
        ({"reasons": "a\x1bb"}, "reasons 'a\\x1bb' holds the control character U+001B"),
    ],
)
def test_control_characters_are_refused(store: Store, fields: dict[str, Any], message: str) -> None:
    # C16: references with a newline or tab broke 'order list' and 'order show'
    with store.session() as session, pytest.raises(UsageError, match=re.escape(message)):
        _order(session, **fields)


def test_reasons_may_span_lines(store: Store) -> None:
    with store.session() as session:
        assert _order(session, reasons="First.\r\n\tSecond.").reasons == "First.\r\n\tSecond."


def test_reply_warns_of_placeholder_provider_and_no_contact(store: Store, cli) -> None:  # type: ignore[no-untyped-def]
    # C14: the reply named "tvec user" and no e-mail without a word
    assert reply_warnings(_settings(store)) == []
    defaults = store.settings.model_copy(update={"alert_from": None, "alert_reply_to": None})
    assert defaults.alert_sender_name == "tvec user"
    warnings = reply_warnings(defaults)
    assert len(warnings) == 2
    assert "'tvec user'" in warnings[0] and "TVEC_ALERT_SENDER_NAME" in warnings[0]
    assert "TVEC_ALERT_FROM" in warnings[1]
    only_name = reply_warnings(defaults.model_copy(update={"alert_from": "tco@host.example"}))
    assert len(only_name) == 1 and "TVEC_ALERT_SENDER_NAME" in only_name[0]
    with store.session() as session:
        order = _order(session)
        act_on_order(session, defaults, order.reference, actor="bob", now=T)
        assert order.reply["warnings"] == warnings
        assert "Warning" not in reply_text(order.reply) and "TVEC_" not in reply_text(order.reply)
    cli(*_add_args(**{"--received-at": datetime.now(UTC).isoformat()}))
    acted = cli("order", "act", "Z-1")
    assert acted.code == 0 and "warning: " in acted.err and "TVEC_ALERT_FROM" in acted.err
    replied = cli("order", "reply", "Z-1")
    assert replied.code == 0
    assert "TVEC_ALERT_SENDER_NAME" in replied.err and "TVEC_ALERT_FROM" in replied.err
    assert "TVEC_" not in replied.out  # the form itself stays clean
    as_json = cli("order", "reply", "Z-1", "--json")
    assert len(json.loads(as_json.out)["warnings"]) == 2 and "warning: " in as_json.err


def test_hold_states(store: Store, cli) -> None:  # type: ignore[no-untyped-def]
    # E25: the state column was empty for live holds
    settings = _settings(store)
    with store.session() as session:
        hold = _held(session, settings)
        end = hold.held_until
        assert hold_state(hold, T) == "held"
        assert hold_state(hold, end - MICRO) == "held"
        assert hold_state(hold, end) == "expired"
        extend_hold(session, hold.id, days=1, reason="court", actor="bob", now=T)
        assert hold_state(hold, T) == "extended"
        purge_expired_holds(session, settings, now=end + timedelta(days=1))
        assert hold_state(hold, T) == "purged"
        assert hold_record(hold, T).state == "purged"
    # the same database: hold 1 above is purged, hold 2 is the CLI's
    cli(*_add_args(**{"--received-at": datetime.now(UTC).isoformat()}))
    cli("order", "act", "Z-1")
    listed = cli("order", "hold", "list")
    assert re.search(r"│ 2  │ Z-1 .*│ held +│", listed.out), listed.out
    assert re.search(r"│ 1  │ BKA-TCO-2024-0001 .*│ purged +│", listed.out), listed.out
    rows = json.loads(cli("order", "hold", "list", "--json").out)
    assert [(r["id"], r["state"]) for r in rows] == [(2, "held"), (1, "purged")]
    assert cli("order", "hold", "extend", "2", "--days", "3", "--reason", "court").code == 0
    assert re.search(r"│ extended 1x +│", cli("order", "hold", "list", "--order", "Z-1").out)


def test_times_are_printed_in_utc_whole_seconds(cli) -> None:  # type: ignore[no-untyped-def]
    # E28: an order added with options printed its deadline with microseconds
    assert format_time("2024-05-01T12:00:00.999999+02:00") == "2024-05-01 10:00:00 UTC"
    assert format_time(datetime(2024, 5, 1, 10, tzinfo=UTC)) == "2024-05-01 10:00:00 UTC"
    assert format_time(None) == ""
    received = (datetime.now(UTC) - timedelta(minutes=10)).replace(microsecond=123456)
    zoned = received.astimezone(timezone(timedelta(hours=2)))
    whole = received.strftime("%Y-%m-%d %H:%M:%S UTC")
    deadline = (received + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S UTC")
    added = cli(*_add_args(**{"--received-at": zoned.isoformat()}))
    assert added.code == 0 and f"deadline {deadline}," in added.out, added.out
    cli(
        "order",
        "add",
        "--reference",
        "Z-2",
        "--authority",
        "A",
        "--member-state",
        "FR",
        "--url",
        URL,
        "--reasons",
        "r",
    )
    listed = cli("order", "list")
    assert f"│ {deadline} │" in listed.out, listed.out
    shown = cli("order", "show", "Z-1")
    assert f"received_at: {whole}\n" in shown.out and f"deadline_at: {deadline}\n" in shown.out
    cli("order", "act", "Z-1")
    acted = cli("order", "show", "Z-1").out
    assert re.search(rf"{re.escape(URL)}: removed at \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n", acted)
    for result in (added, listed, shown, cli("order", "show", "Z-2"), cli("order", "hold", "list")):
        assert not re.search(r"\d\d:\d\d:\d\d\.\d", result.out), result.out
        assert "+02:00" not in result.out and "+00:00" not in result.out
    # JSON keeps the precise time
    assert json.loads(cli("order", "show", "Z-1", "--json").out)["received_at"] == rfc3339(received)


def test_the_media_of_a_removed_post_are_held_too(store: Store) -> None:
    """A post found by its URL (a text item) with a photo inside: the post's data and the
    photo's bytes are both held, the photo in its own hold naming the post."""
    settings = _settings(store)
    photo_bytes = b"benign stand-in for a photo inside the post"
    photo_sha = EvidenceStore(settings.evidence_dir).put(photo_bytes)
    with store.session() as session:
        post = Item(
            locator="jsonl:posts#p0",
            media_type="text/plain",
            content_type="text",
            text="reposted from the channel",
            meta={"url": "https://forum.example.org/t/100"},
        )
        session.add(post)
        session.flush()
        session.add(
            Item(
                locator="jsonl:posts#p0/media/0",
                parent_id=post.id,
                media_type="image/jpeg",
                content_type="photo",
                sha256=photo_sha,
                size=len(photo_bytes),
            )
        )
        session.flush()
        _order(session, "NL-POST-1", urls=["https://forum.example.org/t/100"])
        act_on_order(session, settings, "NL-POST-1", actor="test", now=T + SECOND)
        holds = list_holds(session, order_reference="NL-POST-1")
        assert sorted((h.item_id == post.id, h.sha256) for h in holds) == [
            (False, photo_sha),
            (True, None),
        ]
        (photo_hold,) = [h for h in holds if h.sha256 is not None]
        assert photo_hold.data["part_of"] == post.id
        assert photo_hold.held_until == T + SECOND + timedelta(days=settings.legal_hold_days)
        assert EvidenceStore(settings.holds_dir).get(photo_sha) == photo_bytes


def test_lone_surrogates_and_invisible_characters_are_refused(store: Store, tmp_path: Path) -> None:
    """A JSON escape of half a surrogate pair is not text (SQLite cannot store it); a
    zero-width space or right-to-left override makes a look-alike reference."""
    lone = tmp_path / "lone.json"
    lone.write_text(
        '{"reference": "U-22\\ud800", "authority": "A", "member_state": "DE", '
        '"received_at": "2024-05-01T10:00:00Z", "urls": ["https://x.example/a"], '
        '"reasons": "r"}',
        encoding="utf-8",
    )
    with pytest.raises(UsageError, match="lone surrogate"):
        read_order_file(lone)
    for look_alike in ("R\u200bT", "RT\u202e1"):
        with store.session() as session, pytest.raises(UsageError, match="invisible"):
            _order(session, look_alike)
    with store.session() as session:  # a zero-width non-joiner is normal in Persian reasons
        order = _order(session, "FA-1", reasons="محتوای تروریستی می\u200cباشد")
        assert "\u200c" in order.reasons


def test_purposes_of_access_are_one_line_of_bounded_text(store: Store) -> None:
    settings = _settings(store)
    with store.session() as session:
        hold = _held(session, settings)
        for purpose, problem in [
            ("court\nrequest", r"control character U\+000A"),
            ("x" * 2001, "longer than 2000 characters"),
        ]:
            with pytest.raises(UsageError, match=problem):
                read_hold(session, settings, hold.id, actor="ana", purpose=purpose)
        read_hold(session, settings, hold.id, actor="ana", purpose="  court request 12  ")
        assert _events(session, AuditKind.HOLD_ACCESS)[-1].data["purpose"] == "court request 12"

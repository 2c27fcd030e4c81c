"""Alerts: composition, delivery over SMTP (a real server), webhook and CSV, batching per
platform, one alert per URL, retries with backoff, dry runs, and the ``tvec alert`` CLI.

References and batch references are computed here from their definitions (SHA-256 of the
canonical URL, ``docs/alerts.md``), not by calling tvec.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.alerts.conftest import PostMaker, SmtpServer, WebhookServer
from tvec.alerts.retry import retry_alerts
from tvec.alerts.routes import set_route
from tvec.alerts.send import preview, send_alerts
from tvec.errors import ConfigError, NotFoundError, UsageError
from tvec.net.webhook import verify_signature
from tvec.settings import Settings, load_settings
from tvec.store import Store
from tvec.store.models import Bank, BankEntry, Match, Outlink
from tvec.store.models.alerts import Alert, AlertDelivery, AlertRoute, Attribution, Takedown
from tvec.store.models.audit import AuditEvent
from tvec.urls.canonical import canonicalize_url
from tvec.verification.attribution import attribute_url

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FROM = "Trust & Safety <ts@example.org>"
SENDER = "Example Trust & Safety"
POLICY = ["UK", "UN", "US"]
GRAPHIC = "WARNING: graphic content (violence or injury). Open with care."

ISKP_VIDEO = "https://t.me/isk_media/101"
IS_POSTER = "https://t.me/isk_media/102"
STATEMENT = "https://telegra.ph/statement-11-02"
OUT_OF_POLICY = "https://t.me/pb_chat/5"  # Proud Boys: listed in Canada only
ONLY_SIGHTED = "https://t.me/just_seen/9"


def key(url: str) -> str:
    """The idempotency key, by its definition."""
    return hashlib.sha256(b"tvec-alert\0" + url.encode()).hexdigest()


def ref(url: str) -> str:
    return "TVEC-" + key(url)[:12]


def batch_ref(platform: str, *urls: str) -> str:
    text = "tvec-alert-batch\0" + platform + "\0" + "\n".join(sorted(key(u) for u in urls))
    return "TVEC-B-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def make_settings(store: Store, **overrides: Any) -> Settings:
    """Settings on ``store``'s database with SMTP on 127.0.0.1 (no STARTTLS), which the
    outbound address rules allow."""
    base: dict[str, Any] = {
        "home": store.settings.home,
        "database_url": store.settings.database_url,
        "progress": False,
        "analysis_ocr": False,
        "alert_from": FROM,
        "alert_sender_name": SENDER,
        "inclusion_policy": POLICY,
        "smtp_host": "127.0.0.1",
        "smtp_starttls": False,
        "smtp_timeout_seconds": 5,
        "outbound_allow_hosts": ["127.0.0.1"],
    }
    base.update(overrides)
    return load_settings(**base)


def verify(
    session: Session, settings: Settings, url: str, entity: str, kind: str, **kw: Any
) -> Attribution:
    kw.setdefault("now", T0)
    return attribute_url(
        session, url, entity, actor="alice", content_kind=kind, settings=settings, **kw
    )


def count(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def deliveries(session: Session) -> list[AlertDelivery]:
    return list(session.scalars(select(AlertDelivery).order_by(AlertDelivery.id)))


def alert_of(session: Session, url: str) -> Alert:
    return session.scalars(select(Alert).where(Alert.url == url)).one()


# --- the acceptance: a real SMTP server ------------------------------------------------------


def test_alert_emails_reach_a_real_smtp_server_once(  # type: ignore[no-untyped-def]
    any_store: Store,
    smtp_server: SmtpServer,
    add_post: PostMaker,
    cli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = make_settings(any_store, smtp_port=smtp_server.port)
    with any_store.session() as session:
        verify(session, settings, ISKP_VIDEO, "ISKP", "video", graphic=True)
        verify(session, settings, IS_POSTER, "Islamic State", "image")
        verify(session, settings, STATEMENT, "islamic-state", "document")
        verify(session, settings, OUT_OF_POLICY, "proud-boys", "video")
        add_post(session, "tg:chan/1", [ONLY_SIGHTED])  # seen, never attributed

    before = preview(any_store, settings, now=T0)
    assert [(b.platform, b.batch_reference) for b in before.batches] == [
        ("Telegram", batch_ref("Telegram", ISKP_VIDEO, IS_POSTER)),
        ("Telegraph", batch_ref("Telegraph", STATEMENT)),
    ]
    assert all(line.new for b in before.batches for line in b.alerts)
    (outside,) = before.not_alertable
    assert outside.url == OUT_OF_POLICY
    assert outside.reason == "entity proud-boys is not in the inclusion policy (UK, UN, US)"
    with any_store.session() as session:
        assert count(session, Alert) == 0  # preview wrote nothing

    report = send_alerts(any_store, settings, now=T0)
    assert (report.queued, report.sent, report.failed) == (3, 3, [])

    assert len(smtp_server.received) == 2
    telegram, telegraph = sorted(smtp_server.received, key=lambda r: str(r.message["Subject"]))
    batch = batch_ref("Telegram", ISKP_VIDEO, IS_POSTER)
    assert telegram.mail_from == "ts@example.org"
    assert telegram.rcpt_tos == ["abuse@telegram.org"]
    message = telegram.message
    assert message["Subject"] == f"[tvec] Terrorist content report {batch}: 2 URLs on Telegram"
    assert message["To"] == "abuse@telegram.org"
    assert message["From"] == FROM
    assert message["Reply-To"] == FROM
    assert message["Message-ID"] == f"<{batch}@example.org>"
    body = telegram.body
    for expected in (
        f"Batch reference: {batch}",
        f"Reporter:        {SENDER}",
        f"Reference:     {ref(ISKP_VIDEO)}",
        f"URL:           {ISKP_VIDEO}",
        "Entity:        Islamic State Khorasan Province (id islamic-state-khorasan)",
        "Designations:  US: Foreign Terrorist Organizations (Department of State) "
        "(since 2016-01-14)",
        "Content kind:  video",
        f"Graphic:       {GRAPHIC}",
        "First seen:    2026-11-02T09:00:00Z",
        f"Reference:     {ref(IS_POSTER)}",
        f"URL:           {IS_POSTER}",
        "Entity:        Islamic State (id islamic-state)",
        "Content kind:  image",
    ):
        assert expected in body, expected
    assert body.count("Graphic:") == 1  # only the video is graphic
    assert f"{SENDER} reports 2 URLs on Telegram that carry content of" in " ".join(body.split())
    assert telegraph.rcpt_tos == ["abuse@telegram.org"]
    assert telegraph.message["Subject"] == (
        f"[tvec] Terrorist content report {batch_ref('Telegraph', STATEMENT)}: 1 URL on Telegraph"
    )
    assert f"URL:           {STATEMENT}" in telegraph.body
    one = " ".join(telegraph.body.split())
    assert f"{SENDER} reports 1 URL on Telegraph that carries content of terrorist" in one
    assert "Content kind:  document" in telegraph.body
    for received in smtp_server.received:
        assert OUT_OF_POLICY not in received.body
        assert ONLY_SIGHTED not in received.body

    with any_store.session() as session:
        for url in (ISKP_VIDEO, IS_POSTER, STATEMENT):
            alert = alert_of(session, url)
            assert (alert.status, alert.sent_at, alert.attempts) == ("sent", T0, 1)
            assert alert.reference == ref(url)
            assert alert.idempotency_key == key(url)
            takedown = session.scalars(
                select(Takedown).where(Takedown.outlink_id == alert.outlink_id)
            ).one()
            assert (takedown.state, takedown.requested_by) == ("tracking", "alert")
            assert takedown.next_check_at == T0 + timedelta(seconds=3600)
            assert takedown.interval_seconds == 3600
        assert count(session, Alert) == 3
        assert [(d.platform, d.ok, d.recipient) for d in deliveries(session)] == [
            ("Telegram", True, "abuse@telegram.org"),
            ("Telegraph", True, "abuse@telegram.org"),
        ]
        assert deliveries(session)[0].detail == f"Message-ID <{batch}@example.org>"
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "alert.delivery")
        ).all()
        assert [(e.target, e.data["ok"]) for e in events] == [
            ("platform:Telegram", True),
            ("platform:Telegraph", True),
        ]
        assert events[0].data["alerts"] == [ref(ISKP_VIDEO), ref(IS_POSTER)]

    # A second 'tvec alert send' (the command line, same database) sends nothing new.
    assert any_store.settings.database_url is not None
    monkeypatch.setenv("TVEC_DATABASE_URL", any_store.settings.database_url)
    monkeypatch.setenv("TVEC_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TVEC_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("TVEC_SMTP_STARTTLS", "false")
    monkeypatch.setenv("TVEC_OUTBOUND_ALLOW_HOSTS", "127.0.0.1")
    monkeypatch.setenv("TVEC_ALERT_FROM", FROM)
    monkeypatch.setenv("TVEC_INCLUSION_POLICY", json.dumps(POLICY))
    again = cli("alert", "send", "--json")
    assert again.code == 0, again.err
    document = json.loads(again.out)
    assert (document["queued"], document["sent"], document["batches"]) == (0, 0, [])
    assert len(smtp_server.received) == 2
    listed = cli("alert", "list", "--json")
    assert sorted((a["url"], a["status"]) for a in json.loads(listed.out)) == [
        (ISKP_VIDEO, "sent"),
        (IS_POSTER, "sent"),
        (STATEMENT, "sent"),
    ]
    with any_store.session() as session:
        assert count(session, AlertDelivery) == 2


def test_nothing_is_sent_without_an_alertable_attribution(
    store: Store, smtp_server: SmtpServer, add_post: PostMaker
) -> None:
    settings = make_settings(store, smtp_port=smtp_server.port)
    youtube = "https://www.youtube.com/watch?v=abc123"
    unknown = "https://files.example-host.net/f/1"
    with store.session() as session:
        add_post(session, "tg:chan/1", [ONLY_SIGHTED, "https://telegra.ph/x"])
        verify(session, settings, OUT_OF_POLICY, "proud-boys", "video")
        verify(session, settings, youtube, "ISIS", "video")
        verify(session, settings, unknown, "ISIS", "archive")
    plan = preview(store, settings, now=T0)
    assert plan.batches == []
    reasons = {n.url: n.reason for n in plan.not_alertable}
    assert reasons[OUT_OF_POLICY].startswith("entity proud-boys is not in the inclusion policy")
    assert reasons[youtube].startswith("no reporting route for YouTube (report by hand: https://")
    assert reasons[unknown] == (
        "no platform: the domain example-host.net is not in the platform registry"
    )
    report = send_alerts(store, settings, now=T0)
    assert (report.queued, report.sent) == (0, 0)
    assert smtp_server.received == []
    with store.session() as session:
        assert count(session, Alert) == 0


# --- webhook and CSV -------------------------------------------------------------------------


def test_webhook_posts_a_signed_batch(store: Store, webhook_server: WebhookServer) -> None:
    settings = make_settings(store, outbound_allow_hosts=["127.0.0.1"])
    with store.session() as session:
        set_route(
            session,
            "telegram",
            channel="webhook",
            target=webhook_server.url("/tvec"),
            secret_env="TG_ALERT_KEY",
            actor="admin",
            settings=settings,
        )
        verify(session, settings, ISKP_VIDEO, "ISKP", "video", graphic=True)
    report = send_alerts(store, settings, now=T0, environ={"TG_ALERT_KEY": "k3y"})
    assert report.sent == 1
    (hook,) = webhook_server.received
    assert hook.path == "/tvec"
    assert hook.headers["Content-Type"] == "application/json"
    assert hook.headers["X-Tvec-Event"] == "alert.batch"
    assert hook.headers["X-Tvec-Batch"] == batch_ref("Telegram", ISKP_VIDEO)
    expected = "sha256=" + hmac.new(b"k3y", hook.body, hashlib.sha256).hexdigest()
    assert hook.headers["X-Tvec-Signature"] == expected
    assert verify_signature(hook.body, "k3y", hook.headers["X-Tvec-Signature"])
    assert (
        hook.body
        == json.dumps(
            hook.json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    )
    assert hook.json() == {
        "event": "alert.batch",
        "batch_reference": batch_ref("Telegram", ISKP_VIDEO),
        "platform": "Telegram",
        "reporter": SENDER,
        "sent_at": "2026-11-02T09:00:00Z",
        "alerts": [
            {
                "reference": ref(ISKP_VIDEO),
                "idempotency_key": key(ISKP_VIDEO),
                "url": ISKP_VIDEO,
                "platform": "Telegram",
                "entity": {
                    "id": "islamic-state-khorasan",
                    "name": "Islamic State Khorasan Province",
                    "designations": [
                        {
                            "jurisdiction": "US",
                            "list": "US-FTO",
                            "list_name": "Foreign Terrorist Organizations (Department of State)",
                            "date": "2016-01-14",
                        },
                        {
                            "jurisdiction": "UN",
                            "list": "UN-1267",
                            "list_name": "ISIL (Da'esh) and Al-Qaida Sanctions List "
                            "(resolutions 1267/1989/2253)",
                            "date": "2019-05-14",
                        },
                        {
                            "jurisdiction": "UK",
                            "list": "UK",
                            "list_name": "Proscribed terrorist groups or organisations "
                            "(Terrorism Act 2000, Schedule 2)",
                            "date": None,
                        },
                    ],
                },
                "content_kind": "video",
                "graphic": True,
                "warning": GRAPHIC,
                "first_seen_at": "2026-11-02T09:00:00Z",
                "reporter": SENDER,
            }
        ],
    }
    with store.session() as session:
        (delivery,) = deliveries(session)
        assert (delivery.channel, delivery.ok, delivery.detail) == ("webhook", True, "HTTP 204")
        assert alert_of(session, ISKP_VIDEO).recipient == webhook_server.url("/tvec")


def test_webhook_failures_and_refusals_are_recorded(
    store: Store, webhook_server: WebhookServer
) -> None:
    settings = make_settings(
        store,
        alert_webhook_secret="s3cret",
        alert_backoff_seconds=60,
        alert_max_attempts=5,
        outbound_allow_hosts=[],
    )
    allowed = make_settings(
        store,
        alert_webhook_secret="s3cret",
        alert_backoff_seconds=60,
        outbound_allow_hosts=["127.0.0.1"],
    )
    with store.session() as session:
        set_route(
            session,
            "Telegram",
            channel="webhook",
            target=webhook_server.url(),
            actor="admin",
            settings=allowed,
        )
        verify(session, settings, IS_POSTER, "ISIS", "image")
    # 127.0.0.1 is no longer allow-listed: refused before any connection, nothing attempted.
    refused = send_alerts(store, settings, now=T0)
    (held,) = refused.waiting
    assert held.kind == "config"
    assert held.reason.startswith("the webhook route of Telegram is refused")
    assert webhook_server.received == []
    with store.session() as session:
        assert deliveries(session) == []
    # Allowed, but the receiver answers 500: a failed attempt, retried after the backoff.
    webhook_server.status = 500
    failed = send_alerts(store, allowed, now=T0)
    (batch,) = failed.failed
    assert batch.error == f"HTTP 500 from {webhook_server.url()}"
    with store.session() as session:
        alert = alert_of(session, IS_POSTER)
        assert (alert.status, alert.attempts) == ("queued", 1)
        assert alert.next_attempt_at == T0 + timedelta(seconds=60)
        (delivery,) = deliveries(session)
        assert (delivery.ok, delivery.error) == (False, f"HTTP 500 from {webhook_server.url()}")
    webhook_server.status = 200
    assert send_alerts(store, allowed, now=T0 + timedelta(seconds=60)).sent == 1
    assert len(webhook_server.received) == 2
    assert (
        webhook_server.received[0].headers["X-Tvec-Batch"]
        == (webhook_server.received[1].headers["X-Tvec-Batch"])
    )


def test_csv_digest_file(store: Store, tmp_path: Path) -> None:
    settings = make_settings(store)
    folder = tmp_path / "digests"
    with store.session() as session:
        set_route(
            session,
            "Telegram",
            channel="csv",
            target=str(folder),
            actor="admin",
            settings=store.settings,
        )
        verify(session, settings, ISKP_VIDEO, "ISKP", "video", graphic=True)
        verify(session, settings, IS_POSTER, "ISIS", "image")
    report = send_alerts(store, settings, now=T0)
    batch = batch_ref("Telegram", ISKP_VIDEO, IS_POSTER)
    path = folder / f"tvec-alerts-telegram-{batch}.csv"
    assert report.batches[0].files == [str(path)]
    assert sorted(p.name for p in folder.iterdir()) == [path.name]
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        [
            "reference",
            "url",
            "platform",
            "entity_id",
            "entity_name",
            "designations",
            "content_kind",
            "graphic",
            "first_seen_at",
            "reporter",
            "batch_reference",
            "idempotency_key",
        ],
        [
            ref(ISKP_VIDEO),
            ISKP_VIDEO,
            "Telegram",
            "islamic-state-khorasan",
            "Islamic State Khorasan Province",
            "US-FTO;UN-1267;UK",
            "video",
            "yes",
            "2026-11-02T09:00:00Z",
            SENDER,
            batch,
            key(ISKP_VIDEO),
        ],
        [
            ref(IS_POSTER),
            IS_POSTER,
            "Telegram",
            "islamic-state",
            "Islamic State",
            "UK;US-FTO;UN-1267",
            "image",
            "no",
            "2026-11-02T09:00:00Z",
            SENDER,
            batch,
            key(IS_POSTER),
        ],
    ]
    with store.session() as session:
        (delivery,) = deliveries(session)
        assert (delivery.channel, delivery.ok, delivery.detail) == ("csv", True, str(path))


# --- retries, batching, configuration ----------------------------------------------------------


def test_retry_with_backoff_while_the_smtp_server_is_down(
    store: Store, smtp_server: SmtpServer
) -> None:
    settings = make_settings(
        store, smtp_port=smtp_server.port, alert_backoff_seconds=300, alert_max_attempts=4
    )
    with store.session() as session:
        verify(session, settings, ISKP_VIDEO, "ISKP", "video")
    smtp_server.stop()

    first = send_alerts(store, settings, now=T0)
    (failed,) = first.failed
    assert failed.error is not None and failed.error.startswith(
        f"SMTP 127.0.0.1:{smtp_server.port}:"
    )
    with store.session() as session:
        alert = alert_of(session, ISKP_VIDEO)
        assert (alert.status, alert.attempts) == ("queued", 1)
        assert alert.next_attempt_at == T0 + timedelta(seconds=300)
        assert alert.last_error == failed.error
        assert [d.ok for d in deliveries(session)] == [False]
        (event,) = session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "alert.delivery")
        ).all()
        assert event.data["ok"] is False and event.data["error"] == failed.error

    smtp_server.start()
    early = send_alerts(store, settings, now=T0 + timedelta(seconds=299))
    assert early.batches == []
    (wait,) = early.waiting
    assert (wait.kind, wait.until) == ("backoff", T0 + timedelta(seconds=300))
    assert smtp_server.received == []

    due = send_alerts(store, settings, now=T0 + timedelta(seconds=300))
    assert due.sent == 1
    (received,) = smtp_server.received
    assert received.message["Message-ID"] == f"<{batch_ref('Telegram', ISKP_VIDEO)}@example.org>"
    with store.session() as session:
        alert = alert_of(session, ISKP_VIDEO)
        assert (alert.status, alert.attempts, alert.next_attempt_at) == ("sent", 2, None)
        assert alert.sent_at == T0 + timedelta(seconds=300)
        assert [d.ok for d in deliveries(session)] == [False, True]


def test_an_alert_fails_after_the_last_attempt(store: Store, smtp_server: SmtpServer) -> None:
    settings = make_settings(
        store, smtp_port=smtp_server.port, alert_backoff_seconds=300, alert_max_attempts=3
    )
    with store.session() as session:
        verify(session, settings, ISKP_VIDEO, "ISKP", "video")
    smtp_server.stop()
    waits = []
    for at in (T0, T0 + timedelta(seconds=300), T0 + timedelta(seconds=900)):
        assert len(send_alerts(store, settings, now=at).failed) == 1
        with store.session() as session:
            waits.append(alert_of(session, ISKP_VIDEO).next_attempt_at)
    # 300 s after the first failure, 600 s after the second, none after the third.
    assert waits == [T0 + timedelta(seconds=300), T0 + timedelta(seconds=900), None]
    later = send_alerts(store, settings, now=T0 + timedelta(days=1))
    assert (later.batches, later.waiting) == ([], [])
    with store.session() as session:
        alert = alert_of(session, ISKP_VIDEO)
        assert (alert.status, alert.attempts) == ("failed", 3)
        assert len(deliveries(session)) == 3
        assert session.scalars(select(Takedown)).all() == []


def test_batching_window_per_platform(store: Store, smtp_server: SmtpServer) -> None:
    settings = make_settings(store, smtp_port=smtp_server.port)  # default window: 0 s
    with store.session() as session:
        set_route(
            session,
            "Telegram",
            channel="email",
            target="abuse@telegram.org",
            batch_seconds=3600,
            actor="admin",
            settings=store.settings,
        )
        verify(session, settings, ISKP_VIDEO, "ISKP", "video")
        verify(session, settings, STATEMENT, "ISIS", "document")
    first = send_alerts(store, settings, now=T0)
    assert [b.platform for b in first.batches] == ["Telegraph"]
    (wait,) = first.waiting
    assert (wait.platform, wait.kind, wait.until) == ("Telegram", "window", T0 + timedelta(hours=1))

    half = T0 + timedelta(minutes=30)
    with store.session() as session:
        verify(session, settings, IS_POSTER, "ISIS", "image", now=half)
    second = send_alerts(store, settings, now=half)
    assert second.batches == []
    assert [(w.alerts, w.until) for w in second.waiting] == [(2, T0 + timedelta(hours=1))]
    assert len(smtp_server.received) == 1

    third = send_alerts(store, settings, now=T0 + timedelta(hours=1))
    (batch,) = third.batches
    assert [a.url for a in batch.alerts] == [ISKP_VIDEO, IS_POSTER]
    assert len(smtp_server.received) == 2
    assert smtp_server.received[1].message["Subject"].endswith(": 2 URLs on Telegram")

    # --force sends a batch whose window is still open.
    late = T0 + timedelta(hours=2)
    with store.session() as session:
        verify(session, settings, "https://t.me/isk_media/103", "ISKP", "video", now=late)
    assert send_alerts(store, settings, now=late).waiting[0].kind == "window"
    forced = send_alerts(store, settings, now=late, force=True, platform="telegram")
    assert forced.sent == 1
    assert len(smtp_server.received) == 3


def test_email_without_smtp_settings_waits_and_says_why(  # type: ignore[no-untyped-def]
    store: Store, cli
) -> None:
    settings = make_settings(store, smtp_host=None)
    with store.session() as session:
        verify(session, settings, ISKP_VIDEO, "ISKP", "video")
    report = send_alerts(store, settings, now=T0)
    (held,) = report.held_by_config
    assert held.reason == "TVEC_SMTP_HOST is not set: e-mail alerts to Telegram wait until it is"
    no_from = send_alerts(store, make_settings(store, alert_from=None), now=T0)
    assert no_from.held_by_config[0].reason.startswith("TVEC_ALERT_FROM is not set")
    with store.session() as session:
        alert = alert_of(session, ISKP_VIDEO)
        assert (alert.status, alert.attempts) == ("queued", 0)
        assert deliveries(session) == []
    # Both missing: one message names both (not one now and the other on the next run).
    neither = send_alerts(store, make_settings(store, smtp_host=None, alert_from=None), now=T0)
    assert [w.reason for w in neither.held_by_config] == [
        "TVEC_SMTP_HOST and TVEC_ALERT_FROM are not set: e-mail alerts to Telegram wait "
        "until they are"
    ]
    result = cli("alert", "send")
    assert result.code == 2
    assert "TVEC_SMTP_HOST and TVEC_ALERT_FROM are not set" in result.out
    shown = cli("alert", "preview")
    assert shown.code == 0
    assert "Telegram: 1 alert(s) wait: TVEC_SMTP_HOST and TVEC_ALERT_FROM are not set" in (
        shown.out
    )
    # Nothing is kept by a preview: it says what it would do, not what it did.
    assert shown.out.splitlines()[0] == (
        "attributions that would be derived: 0; alerts that would be queued: 0"
    )


# --- dry run ---------------------------------------------------------------------------------


def _table_counts(session: Session) -> dict[str, int]:
    models = (Alert, AlertDelivery, Attribution, Takedown, AuditEvent, Outlink)
    return {m.__tablename__: count(session, m) for m in models}


def test_dry_run_writes_every_format_and_changes_nothing(
    store: Store, smtp_server: SmtpServer, add_post: PostMaker, tmp_path: Path
) -> None:
    settings = make_settings(
        store,
        smtp_port=smtp_server.port,
        alert_webhook_secret="s3cret",
        outbound_allow_hosts=["127.0.0.1"],
        alert_verified_banks=["verified"],
    )
    archive = "https://archive.org/details/isk-issue-7"
    digests = tmp_path / "digests"
    with store.session() as session:
        set_route(
            session,
            "Telegraph",
            channel="webhook",
            target="http://127.0.0.1:9/hook",
            actor="admin",
            settings=settings,
        )
        set_route(
            session,
            "Internet Archive",
            channel="csv",
            target=str(digests),
            actor="admin",
            settings=store.settings,
        )
        verify(session, settings, ISKP_VIDEO, "ISKP", "video", graphic=True)
        verify(session, settings, STATEMENT, "ISIS", "document")
        # The verified-bank rule would attribute this post's link during the run.
        _, photo = add_post(session, "tg:chan/9", [archive])
        assert photo is not None
        bank = Bank(name="verified")
        session.add(bank)
        session.flush()
        entry = BankEntry(bank_id=bank.id, signal_type="md5", value="0" * 32, entity="ISIS")
        session.add(entry)
        session.flush()
        session.add(
            Match(
                item_id=photo.id,
                bank_entry_id=entry.id,
                signal_type="md5",
                value="0" * 32,
                distance=0,
            )
        )
    with store.session() as session:
        before = _table_counts(session)

    out = tmp_path / "would-send"
    report = send_alerts(store, settings, now=T0, dry_run=True, out_dir=out)
    assert report.dry_run and report.out_dir == out
    assert (report.attributed, report.queued, report.sent) == (1, 3, 0)
    telegram = batch_ref("Telegram", ISKP_VIDEO)
    telegraph = batch_ref("Telegraph", STATEMENT)
    internet_archive = batch_ref("Internet Archive", canonicalize_url(archive))
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            f"telegram-{telegram}.eml",
            f"telegraph-{telegraph}.webhook.json",
            f"telegraph-{telegraph}.webhook.http",
            f"tvec-alerts-internet-archive-{internet_archive}.csv",
        ]
    )
    eml = message_from_bytes((out / f"telegram-{telegram}.eml").read_bytes(), policy=policy.default)
    assert eml["Subject"] == f"[tvec] Terrorist content report {telegram}: 1 URL on Telegram"
    assert eml["To"] == "abuse@telegram.org"
    body = json.loads((out / f"telegraph-{telegraph}.webhook.json").read_bytes())
    assert body["alerts"][0]["url"] == STATEMENT
    request = (out / f"telegraph-{telegraph}.webhook.http").read_text()
    signature = (
        "sha256="
        + hmac.new(
            b"s3cret", (out / f"telegraph-{telegraph}.webhook.json").read_bytes(), hashlib.sha256
        ).hexdigest()
    )
    assert request.startswith("POST http://127.0.0.1:9/hook\n")
    assert f"X-Tvec-Signature: {signature}\n" in request
    digest = (out / f"tvec-alerts-internet-archive-{internet_archive}.csv").read_text()
    rows = list(csv.reader(digest.splitlines()))
    assert [r[1] for r in rows] == ["url", canonicalize_url(archive)]

    assert smtp_server.received == []
    assert not digests.exists()
    with store.session() as session:
        assert _table_counts(session) == before

    # TVEC_ALERT_DRY_RUN does the same into a new folder under the alerts folder.
    dry = make_settings(store, smtp_port=smtp_server.port, alert_dry_run=True)
    again = send_alerts(store, dry, now=T0)
    assert again.out_dir == dry.alerts_dir / "dry-run-20261102T090000Z"
    assert (again.out_dir / f"telegram-{telegram}.eml").is_file()
    assert smtp_server.received == []
    with store.session() as session:
        assert _table_counts(session) == before


# --- the command line ------------------------------------------------------------------------


def test_route_and_verify_commands(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TVEC_INCLUSION_POLICY", json.dumps(POLICY))
    monkeypatch.setenv("TVEC_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TVEC_OUTBOUND_ALLOW_HOSTS", "127.0.0.1")
    monkeypatch.setenv("TVEC_ALERT_FROM", FROM)
    ok = cli(
        "alert", "route", "set", "telegram", "--email", "a@x.org", "--email", "b@x.org",
        "--batch-seconds", "60",
    )  # fmt: skip
    assert ok.code == 0, ok.err
    assert ok.out.strip() == "route of Telegram: email to a@x.org,b@x.org"
    listed = json.loads(cli("alert", "route", "list", "--json").out)
    assert listed == [
        {
            "platform": "Telegram",
            "channel": "email",
            "target": "a@x.org,b@x.org",
            "secret_env": None,
            "batch_seconds": 60.0,
            "origin": "route",
        }
    ]
    everything = json.loads(cli("alert", "route", "list", "--all", "--json").out)
    assert {"platform": "Internet Archive", "target": "info@archive.org"}.items() <= next(
        r for r in everything if r["platform"] == "Internet Archive"
    ).items()

    for args, message in (
        (("Telegram", "--email", "not-an-address"), "'not-an-address' is not an e-mail address"),
        (("Nowhere", "--csv"), "no platform named 'Nowhere'"),
        (("Telegram", "--csv", "--webhook", "https://x.example/h"), "exactly one of"),
        (("Telegram", "--webhook", "ftp://x.example/h"), "must be http(s) with a host"),
        (("Telegram", "--email", "a@x.org", "--secret-env", "K"), "only for webhook routes"),
    ):
        bad = cli("alert", "route", "set", *args)
        assert bad.code == 2, args
        assert message in bad.err, (args, bad.err)

    verified = cli(
        "alert", "verify", "https://t.me/isk_media/101", "--entity", "ISKP", "--kind", "video",
        "--graphic", "--note", "seen on the channel",
    )  # fmt: skip
    assert verified.code == 0, verified.err
    assert verified.out.splitlines() == [
        "attributed https://t.me/isk_media/101 to Islamic State Khorasan Province "
        "(islamic-state-khorasan), video",
        "alertable: yes, on Telegram ('tvec alert send' sends it)",
    ]
    no_route = cli("alert", "verify", "https://youtu.be/abc", "--entity", "ISIS")
    assert "alertable: no, no reporting route for YouTube" in no_route.out
    unknown = cli("alert", "verify", "https://t.me/x/1", "--entity", "Nobody Group")
    assert unknown.code == 2 and "no entity 'Nobody Group'" in unknown.err

    said = cli("alert", "preview").out.splitlines()
    assert said[0] == "attributions that would be derived: 0; alerts that would be queued: 1"
    assert json.loads(cli("alert", "list", "--json").out) == []  # it queued nothing

    shown = json.loads(cli("alert", "preview", "--json").out)
    assert shown["batches"] == []  # the route's 60 s window has just begun
    (wait,) = shown["waiting"]
    assert (wait["platform"], wait["alerts"], wait["kind"]) == ("Telegram", 1, "window")
    assert wait["reason"].startswith("batching window of 60 s ends at ")
    forced = json.loads(cli("alert", "preview", "--json", "--force").out)
    (batch,) = forced["batches"]
    assert (batch["platform"], batch["recipient"]) == ("Telegram", "a@x.org,b@x.org")
    assert [a["reference"] for a in batch["alerts"]] == [ref("https://t.me/isk_media/101")]
    assert [n["url"] for n in shown["not_alertable"]] == ["https://youtu.be/abc"]

    assert cli("alert", "route", "remove", "TELEGRAM").code == 0
    gone = cli("alert", "route", "remove", "Telegram")
    assert gone.code == 2 and "has no alert route" in gone.err
    assert "0 alert(s)" in cli("alert", "list").out
    assert cli("alert", "list", "--status", "lost").code == 2

    from tvec.cli.context import store as cli_store

    with cli_store().session() as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.kind.in_(["alert.route", "url.attribute"]))
            .order_by(AuditEvent.id)
        ).all()
    assert [(e.actor, e.kind, e.data.get("action")) for e in events] == [
        ("cli", "alert.route", "set"),
        ("cli", "url.attribute", None),
        ("cli", "url.attribute", None),
        ("cli", "alert.route", "remove"),
    ]


# --- limits and configuration problems found by a fresh-user trial ----------------------------

DAYS_30 = 30 * 86400


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (-1.0, "-1.0"),
        (DAYS_30 + 0.5, "2592000.5"),
        (1e308, "1e+308"),
    ],
)
def test_a_batching_window_must_be_finite_and_at_most_30_days(
    store: Store, value: float, shown: str
) -> None:
    with store.session() as session, pytest.raises(UsageError) as refused:
        set_route(
            session,
            "Telegram",
            channel="csv",
            target="",
            batch_seconds=value,
            actor="admin",
            settings=store.settings,
        )
    assert str(refused.value) == (
        f"--batch-seconds must be a number of seconds from 0 to 2592000 (30 days), got {shown}"
    )
    with store.session() as session:
        assert session.scalars(select(AlertRoute)).all() == []
        route = set_route(
            session,
            "Telegram",
            channel="csv",
            target="",
            batch_seconds=DAYS_30,
            actor="admin",
            settings=store.settings,
        )
    assert route.batch_seconds == DAYS_30


def test_windows_and_backoffs_never_overflow(store: Store, smtp_server: SmtpServer) -> None:
    """A window stored before the limits were checked is read as 30 days; the doubling
    backoff stops growing at 30 days (300 s x 2^40 would not fit in a timedelta)."""
    settings = make_settings(
        store, smtp_port=smtp_server.port, alert_backoff_seconds=300, alert_max_attempts=50
    )
    with store.session() as session:
        session.add(
            AlertRoute(
                platform="Telegram",
                channel="email",
                target="abuse@telegram.org",
                batch_seconds=float("inf"),
                enabled=True,
                created_at=T0,
                updated_at=T0,
            )
        )
        verify(session, settings, ISKP_VIDEO, "ISKP", "video")
    shown = preview(store, settings, now=T0)
    (wait,) = shown.waiting
    assert (wait.kind, wait.until) == ("window", T0 + timedelta(days=30))
    assert wait.reason == "batching window of 2.592e+06 s ends at 2026-12-02T09:00:00Z"

    send_alerts(store, settings, now=T0)  # queues it; the window is open
    smtp_server.stop()
    with store.session() as session:
        alert_of(session, ISKP_VIDEO).attempts = 40
    failed = send_alerts(store, settings, now=T0, force=True)
    assert len(failed.failed) == 1
    with store.session() as session:
        alert = alert_of(session, ISKP_VIDEO)
        assert (alert.status, alert.attempts) == ("queued", 41)
        assert alert.next_attempt_at == T0 + timedelta(days=30)


ZZ_MESSAGE = "TVEC_INCLUSION_POLICY has 'ZZ', neither a jurisdiction nor a list key"


def test_the_inclusion_policy_must_name_known_jurisdictions_or_lists(
    store: Store, tmp_path: Path
) -> None:
    with store.session() as session:
        verify(session, make_settings(store), ISKP_VIDEO, "ISKP", "video")
    empty = make_settings(store, inclusion_policy=[])
    for run in (preview, send_alerts):
        with pytest.raises(ConfigError) as refused:
            run(store, empty, now=T0)
        message = str(refused.value)
        assert message.startswith(
            "TVEC_INCLUSION_POLICY is empty: no entity is in scope, so no URL can be alerted; "
            "list jurisdictions and/or list keys (known: AU, CA, EU, "
        )
    unknown = make_settings(store, inclusion_policy=["UK", "ZZ", "us-fto"])
    with pytest.raises(ConfigError) as refused:
        send_alerts(store, unknown, now=T0)
    message = str(refused.value)
    assert message.startswith(
        "TVEC_INCLUSION_POLICY has 'ZZ', 'us-fto', neither a jurisdiction nor a list key of the "
        "entity registry (known: AU, CA, EU, "
    )
    assert ", UN-1267, " in message and ", US-FTO" in message
    with store.session() as session:
        assert count(session, Alert) == 0  # nothing was done

    # A list key is a valid policy: ISKP is on the US-FTO list.
    by_list = preview(store, make_settings(store, inclusion_policy=["US-FTO"]), now=T0)
    assert [b.platform for b in by_list.batches] == ["Telegram"]
    # Keys of the user's entities file count too.
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "lists:\n"
        "  ORG-WATCH: {jurisdiction: ORG, name: Our watch list, source: https://example.org/w}\n"
        "entities:\n"
        "  - id: crimson-lantern-front\n"
        "    name: Crimson Lantern Front\n"
        "    ideology: other\n"
        "    source: https://example.org/clf\n"
        "    designations: [{list: ORG-WATCH, date: null}]\n",
        encoding="utf-8",
    )
    own = make_settings(store, inclusion_policy=["ORG-WATCH"], entities_file=mine)
    with store.session() as session:
        verify(session, own, IS_POSTER, "crimson-lantern-front", "image")
    (batch,) = preview(store, own, now=T0).batches
    assert [a.url for a in batch.alerts] == [IS_POSTER]
    (outside,) = preview(store, own, now=T0).not_alertable
    assert outside.url == ISKP_VIDEO
    assert (
        outside.reason == "entity islamic-state-khorasan is not in the inclusion policy (ORG-WATCH)"
    )


def test_alert_commands_exit_2_on_an_unusable_inclusion_policy(  # type: ignore[no-untyped-def]
    store: Store, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TVEC_INCLUSION_POLICY", '["ZZ"]')
    for args in (
        ("alert", "verify", ISKP_VIDEO, "--entity", "ISKP"),
        ("alert", "preview"),
        ("alert", "send"),
        ("alert", "send", "--dry-run"),
    ):
        result = cli(*args)
        assert result.code == 2, args
        assert ZZ_MESSAGE in result.err, (args, result.err)
    with store.session() as session:
        assert count(session, Attribution) == 0


def test_a_dry_run_with_nothing_to_send_claims_no_folder(  # type: ignore[no-untyped-def]
    store: Store, tmp_path: Path, cli
) -> None:
    folder = tmp_path / "would-send"
    report = send_alerts(store, make_settings(store), now=T0, dry_run=True, out_dir=folder)
    assert report.dry_run and report.out_dir is None and report.batches == []
    assert not folder.exists()
    result = cli("alert", "send", "--dry-run", "--out", folder)
    assert result.code == 0, result.err
    assert result.err.strip() == "dry run: nothing to send, no folder written"
    assert "wrote" not in result.err
    assert not folder.exists()


def test_an_smtp_server_without_starttls_holds_the_alerts(  # type: ignore[no-untyped-def]
    store: Store, smtp_server: SmtpServer, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default TVEC_SMTP_STARTTLS=true against a server that does not offer it: a
    setting to change, not a failed attempt (no backoff, never 'failed')."""
    settings = make_settings(store, smtp_port=smtp_server.port, smtp_starttls=True)
    with store.session() as session:
        verify(session, settings, ISKP_VIDEO, "ISKP", "video")
    expected = (
        f"the SMTP server 127.0.0.1:{smtp_server.port} does not offer STARTTLS, which "
        "TVEC_SMTP_STARTTLS=true requires: e-mail alerts to Telegram wait; "
    )
    for minute in range(3):
        report = send_alerts(store, settings, now=T0 + timedelta(minutes=minute))
        assert (report.sent, report.failed) == (0, [])
        (held,) = report.held_by_config
        assert held.reason.startswith(expected)
        assert "set TVEC_SMTP_STARTTLS=false" in held.reason
    assert smtp_server.received == []
    with store.session() as session:
        alert = alert_of(session, ISKP_VIDEO)
        assert (alert.status, alert.attempts, alert.next_attempt_at) == ("queued", 0, None)
        assert alert.last_error is not None and alert.last_error.startswith(expected)
        assert deliveries(session) == []
    monkeypatch.setenv("TVEC_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TVEC_OUTBOUND_ALLOW_HOSTS", "127.0.0.1")
    monkeypatch.setenv("TVEC_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("TVEC_ALERT_FROM", FROM)
    result = cli("alert", "send")
    assert result.code == 2
    assert "does not offer STARTTLS, which TVEC_SMTP_STARTTLS=true requires" in result.out
    # With the setting changed it goes at once: no backoff was started.
    assert send_alerts(store, make_settings(store, smtp_port=smtp_server.port), now=T0).sent == 1


def test_retry_makes_waiting_alerts_due_and_requeues_failed_ones(  # type: ignore[no-untyped-def]
    store: Store, smtp_server: SmtpServer, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(
        store, smtp_port=smtp_server.port, alert_backoff_seconds=300, alert_max_attempts=2
    )
    with store.session() as session:
        verify(session, settings, ISKP_VIDEO, "ISKP", "video")
        verify(session, settings, STATEMENT, "ISIS", "document")
    smtp_server.stop()
    send_alerts(store, settings, now=T0, platform="Telegram")  # attempt 1 of 2
    send_alerts(store, settings, now=T0 + timedelta(seconds=300), platform="Telegram")
    send_alerts(store, settings, now=T0, platform="Telegraph")  # attempt 1: waits 300 s
    with store.session() as session:
        assert (alert_of(session, ISKP_VIDEO).status, alert_of(session, ISKP_VIDEO).attempts) == (
            "failed",
            2,
        )
        assert alert_of(session, STATEMENT).next_attempt_at == T0 + timedelta(seconds=300)

    at = T0 + timedelta(seconds=60)
    with store.session() as session:
        only_waiting = retry_alerts(session, actor="alice", now=at)
    assert (only_waiting.made_due, only_waiting.requeued) == ([ref(STATEMENT)], [])
    with store.session() as session:
        assert alert_of(session, STATEMENT).next_attempt_at is None
        assert alert_of(session, ISKP_VIDEO).status == "failed"
        with pytest.raises(NotFoundError, match="no platform named 'Nope'"):
            retry_alerts(session, actor="alice", platform="Nope", now=at)

    result = cli("alert", "retry", "--failed", "--platform", "telegram", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == {"made_due": [], "requeued": [ref(ISKP_VIDEO)], "skipped": []}
    with store.session() as session:
        alert = alert_of(session, ISKP_VIDEO)
        assert (alert.status, alert.attempts, alert.next_attempt_at) == ("queued", 0, None)
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.kind == "alert.delivery", AuditEvent.actor.in_(["alice", "cli"]))
            .order_by(AuditEvent.id)
        ).all()
        assert [(e.actor, e.target, e.data) for e in events] == [
            (
                "alice",
                "platform:Telegraph",
                {
                    "action": "retry",
                    "made_due": [
                        {"reference": ref(STATEMENT), "was_due_at": "2026-11-02T09:05:00Z"}
                    ],
                    "requeued": [],
                },
            ),
            (
                "cli",
                "platform:Telegram",
                {
                    "action": "retry",
                    "made_due": [],
                    "requeued": [{"reference": ref(ISKP_VIDEO), "attempts": 2}],
                },
            ),
        ]

    smtp_server.start()
    report = send_alerts(store, settings, now=at)
    assert report.sent == 2 and report.queued == 0
    assert len(smtp_server.received) == 2
    with store.session() as session:
        assert count(session, Alert) == 2  # still one alert per URL
        assert [(a.status, a.attempts) for a in session.scalars(select(Alert))] == [
            ("sent", 1),
            ("sent", 2),
        ]
        assert len(deliveries(session)) == 5
    nothing = cli("alert", "retry", "--failed")
    assert nothing.out.splitlines() == ["made due now: 0; put back in the queue: 0"]


def test_list_limit_and_unknown_platforms_are_refused(cli) -> None:  # type: ignore[no-untyped-def]
    for args in (("list", "--limit", "0"), ("list", "--limit", "-5")):
        bad = cli("alert", *args)
        assert bad.code == 2, args
        assert "--limit" in bad.err
    for command in ("list", "preview", "send", "retry"):
        unknown = cli("alert", command, "--platform", "Nope")
        assert unknown.code == 2, command
        assert "no platform named 'Nope'" in unknown.err, (command, unknown.err)
    assert cli("alert", "list", "--platform", "telegram", "--limit", "1").code == 0


def test_route_set_refuses_private_webhooks_and_stores_absolute_folders(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for url, address in (
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("http://127.0.0.1:8080/hook", "127.0.0.1"),
        ("https://[::1]/hook", "::1"),
    ):
        bad = cli("alert", "route", "set", "Telegram", "--webhook", url)
        assert bad.code == 2, url
        assert f"webhook URL {url!r} is refused: " in bad.err, bad.err
        assert address in bad.err
    monkeypatch.setenv("TVEC_OUTBOUND_ALLOW_HOSTS", '["127.0.0.1"]')
    allowed = cli("alert", "route", "set", "Telegram", "--webhook", "http://127.0.0.1:8080/hook")
    assert allowed.code == 0, allowed.err

    monkeypatch.chdir(tmp_path)
    relative = cli("alert", "route", "set", "Telegraph", "--csv", "--folder", "digests/tg")
    assert relative.code == 0, relative.err
    absolute = os.path.realpath(tmp_path / "digests" / "tg")
    assert relative.out.strip() == f"route of Telegraph: csv to {absolute}"
    listed = json.loads(cli("alert", "route", "list", "--json").out)
    assert [(r["platform"], r["target"]) for r in listed] == [
        ("Telegram", "http://127.0.0.1:8080/hook"),
        ("Telegraph", absolute),
    ]
    assert cli("alert", "list").code == 0

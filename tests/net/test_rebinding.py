"""DNS rebinding, for every outbound path: a host whose first DNS answer is public and whose
next answer is 127.0.0.1 is reached at the public address it was checked at (pinned), or
refused; nothing is ever sent to loopback. Assertions are on where the transport (or the
SMTP client's socket) really connected."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.net.rebinding import (
    LOOPBACK,
    PUBLIC,
    RebindingResolver,
    RecordingSmtp,
    RecordingTransport,
)
from tvec.alerts.channels import deliver
from tvec.alerts.compose import Batch, alert_view, make_batch
from tvec.alerts.routes import Route
from tvec.app.context import open_context
from tvec.collection.poll import poll_sources
from tvec.collection.registry import add_source
from tvec.entities.resolve import entity_registry
from tvec.errors import BlockedAddressError, ConfigError
from tvec.net.client import OutboundClient
from tvec.net.webhook import send_webhook
from tvec.orders.service import webhook_outcome
from tvec.settings import Settings, load_settings
from tvec.store import open_store
from tvec.takedowns.checks import run_checks

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "home": tmp_path / "home",
        "progress": False,
        "analysis_ocr": False,
        "http_host_interval_seconds": 0,
        "http_backoff_seconds": 0,
        "http_retries": 0,
        "webhook_retries": 0,
        "alert_from": "alerts@tvec.example",
        "alert_webhook_secret": "alert-key",
        "inclusion_policy": ["islamic-state-khorasan"],
    }
    return load_settings(**(values | overrides))


def _pinned(transport: RecordingTransport, name: str) -> None:
    """Every request went to the public address, naming ``name`` in Host (and TLS)."""
    assert transport.connected and set(transport.connected) == {PUBLIC}
    assert LOOPBACK not in transport.connected
    for request in transport.requests:
        assert request.url.host == PUBLIC
        assert request.headers["host"] == name
        if request.url.scheme == "https":
            assert request.extensions["sni_hostname"] == name


def _batch(settings: Settings, route: Route) -> Batch:
    view = alert_view(
        url="https://t.me/isk_media/101",
        platform="Telegram",
        entity_id="islamic-state-khorasan",
        content_kind="video",
        graphic=False,
        first_seen_at=T0,
        registry=entity_registry(settings),
        settings=settings,
    )
    return make_batch("Telegram", route, [(1, view)], T0)


def test_collection_fetch_is_pinned_and_a_rebound_redirect_is_refused(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    resolver = RebindingResolver()
    transport = RecordingTransport(resolver)
    store = open_store(settings)
    try:
        with store.session() as session:
            add_source(session, "beacon", "feed", "http://feeds.example/feed.xml", actor="cli")
        with OutboundClient(settings, transport=transport, resolver=resolver) as client:
            poll_sources(store, ["beacon"], client=client)
    finally:
        store.close()
    _pinned(transport, "feeds.example")
    assert [r.url.path for r in transport.requests] == ["/feed.xml"]

    # A redirect to the same name: the next answer is loopback, so the hop is refused.
    redirecting = RecordingTransport(
        resolver, status=302, headers={"location": "http://feeds.example/next"}
    )
    with (
        OutboundClient(settings, transport=redirecting, resolver=resolver) as client,
        pytest.raises(BlockedAddressError, match=LOOPBACK),
    ):
        client.fetch("http://other.example/start")
    assert redirecting.connected == [PUBLIC]


def test_status_check_is_pinned(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    resolver = RebindingResolver()
    transport = RecordingTransport(resolver)
    store = open_store(settings)
    try:
        with OutboundClient(settings, transport=transport, resolver=resolver) as client:
            report = run_checks(
                store, settings, client=client, now=T0, urls=["https://posts.example/p/1"]
            )
    finally:
        store.close()
    assert len(report.checks) == 1
    _pinned(transport, "posts.example")


def test_decision_webhook_from_the_context_is_pinned(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path, webhook_url="https://hooks.example/decisions", webhook_secret="k"
    )
    resolver = RebindingResolver()
    transport = RecordingTransport(resolver, status=204)
    store = open_store(settings)
    ctx = open_context(settings, store=store, transport=transport, resolver=resolver)
    try:
        with ctx.http() as client:
            result = send_webhook(settings, {"event": "decision", "case_id": 1}, client=client)
            assert result is not None and result.delivered
            # The next answer for the name is loopback: refused before anything is sent.
            with pytest.raises(BlockedAddressError):
                send_webhook(settings, {"event": "decision", "case_id": 2}, client=client)
    finally:
        ctx.close()
    _pinned(transport, "hooks.example")
    assert len(transport.requests) == 1


def test_order_overdue_webhook_is_pinned(tmp_path: Path) -> None:
    settings = _settings(tmp_path, webhook_url="http://hooks.example:8080/o", webhook_secret="k")
    resolver = RebindingResolver()
    transport = RecordingTransport(resolver, status=200)
    event = {"event": "removal_order.overdue", "reference": "A"}
    with OutboundClient(settings, transport=transport, resolver=resolver) as client:
        first = webhook_outcome(settings, event, client)
        second = webhook_outcome(settings, event, client)
    assert first["delivered"] is True
    assert second["delivered"] is False and "refused" in second["error"]
    _pinned(transport, "hooks.example:8080")
    assert len(transport.requests) == 1


def test_alert_webhook_is_pinned(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    resolver = RebindingResolver()
    transport = RecordingTransport(resolver, status=204)
    route = Route("Telegram", "webhook", "https://hooks.example/alerts")
    with OutboundClient(settings, transport=transport, resolver=resolver) as client:
        sent = deliver(_batch(settings, route), settings, client=client, environ={})
        again = deliver(_batch(settings, route), settings, client=client, environ={})
    assert sent.ok and sent.detail == "HTTP 204"
    assert not again.ok and again.error is not None and LOOPBACK in again.error
    _pinned(transport, "hooks.example")
    assert len(transport.requests) == 1


def test_smtp_alert_connects_to_the_checked_address(tmp_path: Path) -> None:
    settings = _settings(tmp_path, smtp_host="mail.example", smtp_port=2525)
    resolver = RebindingResolver()
    smtp = RecordingSmtp(resolver)
    route = Route("Telegram", "email", "abuse@telegram.example")
    with OutboundClient(settings, resolver=resolver, smtp_factory=smtp) as client:
        first = deliver(_batch(settings, route), settings, client=client, environ={})
        assert not first.ok
        assert first.error == f"SMTP mail.example:2525: nobody listens on {PUBLIC}:2525"
        with pytest.raises(ConfigError, match=r"TVEC_SMTP_HOST 'mail\.example' is refused"):
            deliver(_batch(settings, route), settings, client=client, environ={})
    assert smtp.connected == [PUBLIC]
    assert smtp.tls_names == ["mail.example"]  # STARTTLS checks the name, not the address


def test_connecting_by_name_would_have_reached_loopback() -> None:
    """The recorders are not blind: a request by name (no pinning) is recorded as what the
    second DNS answer says, loopback."""
    resolver = RebindingResolver()
    transport = RecordingTransport(resolver)
    resolver("hooks.example", 443)  # the check
    with httpx.Client(transport=transport) as raw:
        raw.post("https://hooks.example/x", content=b"{}")
    assert transport.connected == [LOOPBACK]

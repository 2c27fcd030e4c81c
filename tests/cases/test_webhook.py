"""The decision webhook: HMAC-SHA256 signature over the body, retries with backoff,
outbound address checks."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
import pytest

from tvec.errors import BlockedAddressError, ConfigError, UsageError
from tvec.net.client import OutboundClient
from tvec.net.webhook import check_outbound_url, send_webhook, verify_signature
from tvec.settings import load_settings

EVENT = {"event": "decision", "case_id": 7, "outcome": "remove", "ground": "ToS 4.1"}


def _settings(**kw: object):  # type: ignore[no-untyped-def]
    base: dict[str, object] = {
        "webhook_url": "https://takedown.example/hook",
        "webhook_secret": "s3cret",
        "outbound_allow_hosts": ["takedown.example"],
        "webhook_backoff_seconds": 0.5,
    }
    base.update(kw)
    return load_settings(**base)


def test_body_is_signed_with_hmac_sha256() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    settings = _settings()
    with OutboundClient(settings, transport=httpx.MockTransport(handler)) as client:
        result = send_webhook(settings, EVENT, client=client, sleep=lambda s: None)
    assert result is not None and (result.delivered, result.attempts, result.status) == (
        True,
        1,
        204,
    )
    (request,) = seen
    body = request.content
    assert json.loads(body) == EVENT
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert request.headers["X-Tvec-Signature"] == expected
    assert request.headers["X-Tvec-Event"] == "decision"
    assert verify_signature(body, "s3cret", expected)
    assert not verify_signature(body + b" ", "s3cret", expected)


def test_retries_with_doubling_backoff_then_gives_up() -> None:
    statuses = iter([500, 502])
    sleeps: list[float] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        status = next(statuses, None)
        if status is None:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(status)

    settings = _settings(webhook_retries=3)
    with OutboundClient(settings, transport=httpx.MockTransport(flaky)) as client:
        result = send_webhook(settings, EVENT, client=client, sleep=sleeps.append)
    assert result is not None
    assert (result.delivered, result.attempts) == (False, 4)
    assert sleeps == [0.5, 1.0, 2.0]
    assert result.error is not None and result.error.startswith("ConnectError")

    recovering = iter([503, 200])
    with OutboundClient(
        _settings(), transport=httpx.MockTransport(lambda r: httpx.Response(next(recovering)))
    ) as client:
        ok = send_webhook(_settings(), EVENT, client=client, sleep=lambda s: None)
    assert ok is not None and (ok.delivered, ok.attempts, ok.status) == (True, 2, 200)


def test_no_url_sends_nothing_and_a_url_needs_a_secret() -> None:
    assert send_webhook(load_settings(), EVENT) is None
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        send_webhook(load_settings(webhook_url="https://x.example/"), EVENT)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/hook", "http://10.1.2.3/", "http://[::1]/", "http://169.254.169.254/"],
)
def test_private_loopback_and_link_local_are_refused_unless_allow_listed(url: str) -> None:
    with pytest.raises(BlockedAddressError, match="refused"):
        check_outbound_url(url, [])
    host = httpx.URL(url).host
    check_outbound_url(url, [host])
    check_outbound_url(url, ["0.0.0.0/0", "::/0"])  # networks work too


def test_only_http_urls() -> None:
    with pytest.raises(UsageError, match="http"):
        check_outbound_url("file:///etc/passwd", [])

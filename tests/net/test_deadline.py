"""Issue 16, finding 3: every request has an overall deadline (connect, headers and body
together, ``TVEC_HTTP_DEADLINE_SECONDS``). A server that drips one byte every 0.2 s never
trips the per-read timeout; with a 1 s deadline the request fails as a FetchError on its URL
naming the deadline, after a handful of bytes, and is not retried."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.net.drip import DRIP_BYTES, DripServer
from tvec.errors import FetchError
from tvec.net.client import OutboundClient
from tvec.settings import Settings, load_settings


@pytest.fixture
def drip() -> Iterator[DripServer]:
    server = DripServer()
    yield server
    server.close()


def _settings(tmp_path: Path, deadline: float = 1.0, retries: int = 2) -> Settings:
    return load_settings(
        home=tmp_path,
        outbound_allow_hosts=["127.0.0.1"],
        http_deadline_seconds=deadline,
        http_timeout_seconds=10,
        http_retries=retries,
        http_backoff_seconds=0,
        http_host_interval_seconds=0,
    )


def test_the_deadline_setting_defaults_to_two_minutes(tmp_path: Path) -> None:
    assert load_settings(home=tmp_path).http_deadline_seconds == 120.0


@pytest.mark.parametrize("path", ["/drip-body", "/drip-head"])
def test_a_dripping_server_is_cut_off_at_the_deadline(
    tmp_path: Path, drip: DripServer, path: str
) -> None:
    url = drip.url(path)
    with OutboundClient(_settings(tmp_path)) as client:
        with pytest.raises(FetchError) as caught:
            client.fetch(url)
        sent = drip.sent[path]
    message = str(caught.value)
    assert caught.value.source == url
    assert "deadline of 1 s" in message and "TVEC_HTTP_DEADLINE_SECONDS" in message
    assert 1 <= sent < 10  # ~5 bytes at one per 0.2 s, not the 50 on offer
    assert drip.hits[path] == 1  # a passed deadline is not retried


def test_try_fetch_reports_the_deadline_on_the_url(tmp_path: Path, drip: DripServer) -> None:
    url = drip.url("/drip-body")
    with OutboundClient(_settings(tmp_path)) as client:
        visit = client.try_fetch(url)
        ok = client.try_fetch(drip.url("/ok"))
    assert visit.result is None and visit.error is not None
    assert visit.url == url and "deadline of 1 s" in str(visit.error)
    assert ok.error is None and ok.result is not None
    assert ok.result.content == b"x" * DRIP_BYTES


def test_a_post_to_a_dripping_server_ends_at_the_deadline(tmp_path: Path, drip: DripServer) -> None:
    with OutboundClient(_settings(tmp_path)) as client:
        result = client.post(drip.url("/drip-body"), b"{}")
    assert result.status is None and result.attempts == 1
    assert "deadline of 1 s" in (result.error or "")
    assert drip.sent["/drip-body"] < 10

"""The outbound client's own rules: malformed redirects, POST without redirects, pinning
headers, no proxies from the environment."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tvec.errors import BlockedAddressError, FetchError
from tvec.net.client import OutboundClient
from tvec.settings import Settings, load_settings


def _settings(tmp_path: Path) -> Settings:
    return load_settings(
        home=tmp_path, http_host_interval_seconds=0, http_retries=0, http_backoff_seconds=0
    )


def _public(host: str, port: int) -> list[str]:
    return ["93.184.216.34"]


@pytest.mark.parametrize("location", ["https:foo", "http://[::1", "http://exa mple.com/"])
def test_a_malformed_redirect_is_a_fetch_error_on_the_url(tmp_path: Path, location: str) -> None:
    """Issue 16, point 2: no httpx.InvalidURL traceback, a FetchError naming the URL."""
    transport = httpx.MockTransport(
        lambda request: httpx.Response(302, headers={"Location": location})
    )
    url = "http://site.example/start"
    with OutboundClient(_settings(tmp_path), transport=transport, resolver=_public) as client:
        with pytest.raises(FetchError) as caught:
            client.fetch(url)
        visit = client.try_fetch(url)
    assert url in str(caught.value)
    assert visit.result is None and visit.error is not None


def test_post_does_not_follow_redirects_and_is_pinned(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(307, headers={"Location": "http://127.0.0.1/steal"})

    transport = httpx.MockTransport(handler)
    with OutboundClient(_settings(tmp_path), transport=transport, resolver=_public) as client:
        result = client.post(
            "https://hooks.example/in", b'{"a":1}', headers={"Content-Type": "application/json"}
        )
    assert (result.status, result.ok, result.attempts) == (307, False, 1)
    (request,) = seen
    assert str(request.url) == "https://93.184.216.34/in"
    assert request.headers["host"] == "hooks.example"
    assert request.extensions["sni_hostname"] == "hooks.example"
    assert request.content == b'{"a":1}'


def test_post_to_a_private_address_is_refused_before_sending(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200))
    with OutboundClient(_settings(tmp_path), transport=transport) as client:
        with pytest.raises(BlockedAddressError):
            client.post("http://10.0.0.8/hook", b"{}")
        with pytest.raises(FetchError, match="http"):
            client.post("file:///etc/passwd", b"{}")
    assert seen == []


def test_proxy_variables_are_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    client = OutboundClient(_settings(tmp_path), resolver=_public)
    try:
        assert client._client.trust_env is False
        assert not client._client._mounts  # no proxy transport mounted
    finally:
        client.close()

"""Outbound HTTP: conditional requests, SSRF refusals, size cap, retries, rate limit."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import httpx
import pytest

from tvec.errors import BlockedAddressError, FetchError
from tvec.net.http import AddressPolicy, HttpClient, is_public_address

from .conftest import LocalServer, Route, collection_settings
from .feeds import rss


def client(tmp_path: Path, **overrides: object) -> HttpClient:
    return HttpClient(collection_settings(tmp_path / "home", **overrides))


def test_second_fetch_with_validators_gets_nothing_new(
    http_server: LocalServer, tmp_path: Path
) -> None:
    http_server.routes["/feed"] = Route(
        rss(2), etag='"v1"', last_modified="Sun, 01 Nov 2026 10:00:00 GMT"
    )
    with client(tmp_path) as http:
        first = http.fetch(http_server.url("/feed"))
        assert first.status == 200 and first.content == rss(2)
        assert first.etag == '"v1"'
        second = http.fetch(
            http_server.url("/feed"), etag=first.etag, last_modified=first.last_modified
        )
    assert second.not_modified and second.content == b""
    sent = http_server.hits("/feed")[1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Sun, 01 Nov 2026 10:00:00 GMT"


def test_last_modified_alone_is_enough(http_server: LocalServer, tmp_path: Path) -> None:
    http_server.routes["/feed"] = Route(rss(1), last_modified="Mon, 02 Nov 2026 00:00:00 GMT")
    with client(tmp_path) as http:
        first = http.fetch(http_server.url("/feed"))
        assert not first.not_modified
        assert http.fetch(http_server.url("/feed"), last_modified=first.last_modified).status == 304


@pytest.mark.parametrize("target", ["127.0.0.2", "169.254.169.254"])
def test_redirect_to_a_non_public_address_is_refused(
    http_server: LocalServer, tmp_path: Path, target: str
) -> None:
    http_server.routes["/go"] = Route(
        status=302, headers={"Location": f"http://{target}:{http_server.port}/secret"}
    )
    with client(tmp_path) as http, pytest.raises(BlockedAddressError) as caught:
        http.fetch(http_server.url("/go"))
    assert target in str(caught.value)
    assert "TVEC_OUTBOUND_ALLOW_HOSTS" in str(caught.value)
    assert [r.path for r in http_server.requests] == ["/go"]


def test_redirects_are_followed_and_each_hop_checked(
    http_server: LocalServer, tmp_path: Path
) -> None:
    http_server.routes["/a"] = Route(status=301, headers={"Location": "/b"})
    http_server.routes["/b"] = Route(status=302, headers={"Location": http_server.url("/feed")})
    http_server.routes["/feed"] = Route(rss(1))
    with client(tmp_path) as http:
        result = http.fetch(http_server.url("/a"))
    assert result.url == http_server.url("/feed")
    assert result.redirects == [http_server.url("/b"), http_server.url("/feed")]
    assert result.content == rss(1)


def test_too_many_redirects(http_server: LocalServer, tmp_path: Path) -> None:
    http_server.routes["/loop"] = Route(status=302, headers={"Location": "/loop"})
    with client(tmp_path, http_max_redirects=3) as http, pytest.raises(FetchError) as caught:
        http.fetch(http_server.url("/loop"))
    assert "more than 3 redirects" in str(caught.value)
    assert len(http_server.hits("/loop")) == 4


def test_loopback_refused_without_allow_list(http_server: LocalServer, tmp_path: Path) -> None:
    http_server.routes["/feed"] = Route(rss(1))
    with client(tmp_path, outbound_allow_hosts=[]) as http, pytest.raises(BlockedAddressError):
        http.fetch(http_server.url("/feed"))
    assert http_server.requests == []


def test_a_5_gb_response_is_cut_at_the_cap(http_server: LocalServer, tmp_path: Path) -> None:
    chunk = b"<item>" + b"x" * 65530
    produced: list[int] = []

    def endless() -> itertools.repeat[bytes]:
        produced.append(1)
        return itertools.repeat(chunk)  # lazily: nothing near 5 GB is ever allocated

    http_server.routes["/huge"] = Route(
        endless, headers={"Content-Length": str(5 * 1024**3), "Content-Type": "application/xml"}
    )
    cap = 1024**2
    started = time.monotonic()
    with client(tmp_path, http_max_bytes=cap) as http:
        result = http.fetch(http_server.url("/huge"))
    assert result.truncated
    assert len(result.content) == cap
    assert time.monotonic() - started < 10
    assert produced == [1]


def test_a_private_dns_answer_is_refused(tmp_path: Path) -> None:
    settings = collection_settings(tmp_path / "home", outbound_allow_hosts=[])
    answers = {"intranet.example": ["10.1.2.3"], "mixed.example": ["93.184.216.34", "::1"]}
    calls: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: calls.append(r) or httpx.Response(200))
    with HttpClient(
        settings, transport=transport, resolver=lambda host, port: answers[host]
    ) as http:
        for host in answers:
            with pytest.raises(BlockedAddressError):
                http.fetch(f"https://{host}/feed")
    assert calls == []


def test_the_connection_goes_to_the_checked_address(tmp_path: Path) -> None:
    settings = collection_settings(tmp_path / "home", outbound_allow_hosts=[])
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"ok")

    with HttpClient(
        settings,
        transport=httpx.MockTransport(answer),
        resolver=lambda host, port: ["93.184.216.34"],
    ) as http:
        result = http.fetch("https://feeds.example:8443/a?b=1")
    assert result.content == b"ok"
    assert seen[0].url.host == "93.184.216.34" and seen[0].url.port == 8443
    assert seen[0].headers["host"] == "feeds.example:8443"
    assert seen[0].extensions["sni_hostname"] == "feeds.example"
    assert seen[0].headers["user-agent"] == settings.http_user_agent


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("127.0.0.2", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("239.255.255.250", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
    ],
)
def test_public_address_rule(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def test_allow_list_takes_names_addresses_and_networks() -> None:
    policy = AddressPolicy(
        ["intranet.example", "10.0.0.0/8"], resolver=lambda host, port: ["10.9.9.9"]
    )
    assert policy.check("u", "intranet.example", 80) is None
    assert policy.check("u", "other.example", 80) == "10.9.9.9"
    with pytest.raises(BlockedAddressError):
        policy.check("u", "192.168.0.1", 80)


def test_retries_with_backoff_then_succeeds(http_server: LocalServer, tmp_path: Path) -> None:
    answers = iter([Route(status=503), Route(status=429), Route(b"done")])
    http_server.routes["/flaky"] = lambda: next(answers)
    delays: list[float] = []
    settings = collection_settings(tmp_path / "home", http_backoff_seconds=0.5)
    with HttpClient(settings, sleep=delays.append) as http:
        assert http.fetch(http_server.url("/flaky")).content == b"done"
    assert delays == [0.5, 1.0]


def test_gives_up_after_retries(http_server: LocalServer, tmp_path: Path) -> None:
    http_server.routes["/down"] = Route(status=503)
    settings = collection_settings(tmp_path / "home", http_retries=2)
    with HttpClient(settings, sleep=lambda s: None) as http, pytest.raises(FetchError) as caught:
        http.fetch(http_server.url("/down"))
    assert "HTTP 503" in str(caught.value)
    assert len(http_server.hits("/down")) == 3


def test_requests_to_one_host_are_spaced(http_server: LocalServer, tmp_path: Path) -> None:
    http_server.routes["/a"] = Route(b"a")
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    settings = collection_settings(tmp_path / "home", http_host_interval_seconds=2.0)
    with HttpClient(settings, sleep=sleep, clock=lambda: now[0]) as http:
        http.fetch(http_server.url("/a"))
        now[0] += 0.5
        http.fetch(http_server.url("/a"))
    assert waits == [1.5]


def test_only_http_urls(tmp_path: Path) -> None:
    with client(tmp_path) as http:
        for url in ("file:///etc/passwd", "ftp://example.org/x", "gopher://x"):
            with pytest.raises(FetchError, match="only http"):
                http.fetch(url)

"""Short-link expansion (issue 15 part 7): HEAD then GET through the outbound client, never
into private addresses, limited hops, cached; the final URL's platform is the host."""

from __future__ import annotations

from pathlib import Path

import httpx

from tvec.net.client import OutboundClient
from tvec.outlinks.shortlinks import ShortLinkCache, expand_short_link, is_short_link
from tvec.platforms import PlatformRegistry
from tvec.settings import load_settings

REGISTRY = PlatformRegistry.load_default()
PRIVATE = {"evil.example": "10.0.0.7"}


def _resolver(host: str, port: int) -> list[str]:
    return [PRIVATE.get(host, "93.184.216.34")]


def _client(tmp_path: Path, handler: object) -> OutboundClient:
    settings = load_settings(
        home=tmp_path, http_host_interval_seconds=0, http_retries=0, http_backoff_seconds=0
    )
    transport = httpx.MockTransport(handler)  # type: ignore[arg-type]
    return OutboundClient(settings, transport=transport, resolver=_resolver)


def test_bitly_to_tco_to_telegram(tmp_path: Path) -> None:
    seen: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        host = request.headers["host"]  # the client pins the checked address in the URL
        seen.append((request.method, f"{host}{request.url.path}"))
        if host == "bit.ly":
            return httpx.Response(301, headers={"Location": "https://t.co/AbC"})
        if host == "t.co":
            return (
                httpx.Response(405)
                if request.method == "HEAD"
                else httpx.Response(302, headers={"Location": "https://t.me/demo_channel/5"})
            )
        raise AssertionError(f"the final host must not be requested: {request.url}")

    cache = ShortLinkCache(tmp_path / "short.json")
    with _client(tmp_path, handler) as client:
        result = expand_short_link("bit.ly/x1", client=client, registry=REGISTRY, cache=cache)
        assert result.final == "https://t.me/demo_channel/5"
        assert result.hops == ("https://t.co/AbC", "https://t.me/demo_channel/5")
        assert (result.requests, result.error) == (3, None)
        assert seen == [
            ("HEAD", "bit.ly/x1"),
            ("HEAD", "t.co/AbC"),
            ("GET", "t.co/AbC"),
        ]
        assert REGISTRY.resolve(result.final).platform.name == "Telegram"  # type: ignore[union-attr]
        # cached: asked once, also by a new cache reading the same file
        again = expand_short_link(
            "https://bit.ly/x1",
            client=client,
            registry=REGISTRY,
            cache=ShortLinkCache(tmp_path / "short.json"),
        )
        assert (again.final, again.cached, again.requests) == (result.final, True, 0)
        assert len(seen) == 3


def test_private_addresses_are_never_requested(tmp_path: Path) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["host"] + request.url.path)
        return httpx.Response(302, headers={"Location": "https://tinyurl.com/next"})

    with _client(tmp_path, handler) as client:
        # a shortener redirecting to another shortener that resolves to a private address
        PRIVATE["tinyurl.com"] = "127.0.0.1"
        try:
            result = expand_short_link("https://bit.ly/p", client=client, registry=REGISTRY)
        finally:
            del PRIVATE["tinyurl.com"]
    assert seen == ["bit.ly/p"]
    assert result.final == "https://tinyurl.com/next"
    assert result.error is not None and "127.0.0.1" in result.error


def test_hops_are_limited_and_errors_not_cached(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": f"https://is.gd/{request.url.path[1:]}x"})

    cache = ShortLinkCache()
    with _client(tmp_path, handler) as client:
        result = expand_short_link(
            "https://is.gd/a", client=client, registry=REGISTRY, cache=cache, max_hops=3
        )
    assert result.requests == 3 and result.error == "more than 3 hops"
    assert cache.get("https://is.gd/a") is None


def test_not_a_short_link_is_returned_untouched(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request")

    with _client(tmp_path, handler) as client:
        result = expand_short_link("https://t.me/x", client=client, registry=REGISTRY)
    assert (result.final, result.requests) == ("https://t.me/x", 0)
    assert is_short_link("https://bit.ly/x", REGISTRY) and not is_short_link(
        "https://t.me/x", REGISTRY
    )

"""Outbound HTTP for collection: the one module through which tvec fetches URLs.

Built on httpx. Every fetch (:meth:`HttpClient.fetch`) follows these rules:

* Only ``http`` and ``https`` URLs.
* **Address rules (SSRF).** Before each request, and again for every redirect (redirects are
  followed by hand, at most ``TVEC_HTTP_MAX_REDIRECTS``), the host is resolved and every
  address it resolves to must be public: private, loopback, link-local, multicast, reserved,
  unspecified and shared (carrier-grade NAT) addresses are refused with
  :class:`~tvec.errors.BlockedAddressError`, IPv4-mapped IPv6 addresses included. The
  connection then goes to the address that was checked (the host name is kept for the
  ``Host`` header and TLS), so a second DNS answer cannot swap in a private address. A host
  is exempt when ``TVEC_OUTBOUND_ALLOW_HOSTS`` lists its name, or lists an address or
  network (``127.0.0.1``, ``10.0.0.0/8``) holding every address it resolves to.
* **Conditional requests.** ``etag``/``last_modified`` from the previous fetch are sent as
  ``If-None-Match``/``If-Modified-Since``; a ``304 Not Modified`` answer has no content.
* **Limits.** ``TVEC_HTTP_TIMEOUT_SECONDS`` to connect and between bytes; the body is
  streamed and cut after ``TVEC_HTTP_MAX_BYTES`` decoded bytes (so a compressed bomb or a
  server claiming gigabytes costs at most that), and :attr:`FetchResult.truncated` says so.
* **Retries.** Connection errors, timeouts, ``429`` and ``5xx`` answers are retried
  ``TVEC_HTTP_RETRIES`` times after ``TVEC_HTTP_BACKOFF_SECONDS``, doubling each time
  (``Retry-After`` in seconds is honoured up to 60 s). :meth:`HttpClient.try_fetch` takes
  a lower count for one visit (status checks, which repeat on their own schedule).
* **Politeness.** Requests to one host are at least ``TVEC_HTTP_HOST_INTERVAL_SECONDS``
  apart; every request carries ``TVEC_HTTP_USER_AGENT``. Proxies from the environment are
  not used (``trust_env=False``).

Errors: :class:`~tvec.errors.FetchError` (HTTP status >= 400 after retries, connection
failure, too many redirects, bad URL) and :class:`~tvec.errors.BlockedAddressError`.
:meth:`HttpClient.try_fetch` raises neither: it returns a :class:`FetchAttempt` holding the
answer whatever its HTTP status, or the error and the URL it happened at (status checks
record both).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx

from tvec.errors import BlockedAddressError, FetchError
from tvec.settings import Settings

#: host, port -> the IP addresses (as text) the host resolves to. Raises OSError.
Resolver = Callable[[str, int], list[str]]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_SECONDS = 60.0
CHUNK_BYTES = 64 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (``socket.getaddrinfo``), in the resolver's order."""
    found: list[str] = []
    for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = str(info[4][0]).split("%", 1)[0]
        if address not in found:
            found.append(address)
    return found


def is_public_address(address: str) -> bool:
    """True when ``address`` is a public unicast address tvec may connect to."""
    ip: IPAddress = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


class AddressPolicy:
    """Decides which hosts and addresses outbound HTTP may reach (rules in the module doc).

    Args:
        allow: host names (exact, case-insensitive) and IP addresses or networks exempt from
            the public-address rule (``TVEC_OUTBOUND_ALLOW_HOSTS``).
        resolver: turns a host into addresses (default: the system resolver).
    """

    def __init__(self, allow: Iterable[str], resolver: Resolver | None = None) -> None:
        self.resolver = resolver or system_resolver
        self.hosts: set[str] = set()
        self.networks: list[IPNetwork] = []
        for entry in allow:
            entry = entry.strip().lower().strip("[]")
            if not entry:
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.hosts.add(entry.rstrip("."))

    def _allowed_address(self, address: str) -> bool:
        ip = ipaddress.ip_address(address)
        return any(ip in network for network in self.networks) or is_public_address(address)

    def check(self, url: str, host: str, port: int) -> str | None:
        """Return the address to connect to (``None``: connect by name, host allow-listed).

        Raises:
            BlockedAddressError: the host resolves to an address that is not allowed.
            FetchError: the host does not resolve.
        """
        name = host.lower().rstrip(".")
        if name in self.hosts:
            return None
        try:
            addresses = [str(ipaddress.ip_address(name))]
        except ValueError:
            try:
                addresses = self.resolver(name, port)
            except OSError as exc:
                raise FetchError(url, f"cannot resolve host {host!r}: {exc}") from exc
        if not addresses:
            raise FetchError(url, f"host {host!r} resolves to no address")
        for address in addresses:
            if not self._allowed_address(address):
                raise BlockedAddressError(
                    url,
                    f"refused: host {host!r} resolves to {address}, a private, loopback, "
                    "link-local, multicast or reserved address (allow it with "
                    "TVEC_OUTBOUND_ALLOW_HOSTS)",
                )
        return addresses[0]


@dataclass(frozen=True)
class FetchResult:
    """The answer to one fetch, after redirects.

    Attributes:
        url: the final URL (after redirects).
        status: the final HTTP status (``200``..., or ``304`` when not modified).
        content: the body (decoded from gzip/deflate/br), at most ``TVEC_HTTP_MAX_BYTES``.
        headers: response headers, names in lower case.
        truncated: the body was longer than the cap and was cut.
        redirects: the URLs redirected through, in order.
    """

    url: str
    status: int
    content: bytes
    headers: dict[str, str]
    truncated: bool = False
    redirects: list[str] = field(default_factory=list)

    @property
    def not_modified(self) -> bool:
        """True for ``304 Not Modified`` (nothing new since the stored validators)."""
        return self.status == 304

    @property
    def etag(self) -> str | None:
        """The ``ETag`` validator to send next time, if the server gave one."""
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        """The ``Last-Modified`` validator to send next time, if the server gave one."""
        return self.headers.get("last-modified")


@dataclass(frozen=True)
class FetchAttempt:
    """One visit to a URL, answered or not (:meth:`HttpClient.try_fetch`).

    Attributes:
        url: the last URL requested, or the one that failed (a redirect target refused by
            the address rules, for instance).
        redirects: the URLs redirected through, in order (also when the visit failed).
        result: the answer, whatever its HTTP status (404, 503...); ``None`` on error.
        error: why there is no answer (connection failure, timeout, refused address, too
            many redirects, bad URL); ``None`` when there is one.
    """

    url: str
    redirects: tuple[str, ...]
    result: FetchResult | None
    error: FetchError | None


class HttpClient:
    """Fetches URLs under the rules of the module docstring. Use as a context manager.

    Args:
        settings: limits, User-Agent and allow-list.
        transport: an httpx transport (tests may inject one; default: the network).
        resolver: host name resolution (default: the system resolver).
        sleep: how to wait (seconds), for backoff and the per-host interval.
        clock: monotonic seconds, for the per-host interval.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        resolver: Resolver | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.policy = AddressPolicy(settings.outbound_allow_hosts, resolver)
        self._sleep = sleep
        self._clock = clock
        self._last_request: dict[str, float] = {}
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(settings.http_timeout_seconds),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": settings.http_user_agent},
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url`` with conditional headers, following redirects by hand.

        Raises:
            BlockedAddressError: the URL or a redirect leads to a refused address.
            FetchError: bad URL, connection failure or timeout after retries, HTTP status
                >= 400 after retries, or more than ``TVEC_HTTP_MAX_REDIRECTS`` redirects.
        """
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        result = self._follow(url, headers, [])
        if result.status >= 400:
            raise FetchError(url, f"HTTP {result.status} from {result.url}")
        return result

    def try_fetch(self, url: str, *, retries: int | None = None) -> FetchAttempt:
        """GET ``url`` under the same rules as :meth:`fetch`, but never raise a FetchError.

        An answer with any HTTP status (after retries of ``429``/``5xx``) is returned in
        :attr:`FetchAttempt.result`; a connection failure, timeout, refused address, bad URL
        or too many redirects in :attr:`FetchAttempt.error`, with the URL it happened at.

        Args:
            url: the URL to visit.
            retries: retries of connection errors, timeouts, ``429`` and ``5xx`` per
                request of this visit (default ``TVEC_HTTP_RETRIES``; at most that: a
                larger or negative value is clamped to 0..``TVEC_HTTP_RETRIES``).
        """
        allowed = self.settings.http_retries
        if retries is not None:
            allowed = max(0, min(retries, allowed))
        redirects: list[str] = []
        try:
            result = self._follow(url, {}, redirects, allowed)
        except FetchError as error:
            at = redirects[-1] if redirects else url
            return FetchAttempt(at, tuple(redirects), None, error)
        return FetchAttempt(result.url, tuple(redirects), result, None)

    def _follow(
        self, url: str, headers: dict[str, str], redirects: list[str], retries: int | None = None
    ) -> FetchResult:
        """GET ``url`` following redirects by hand (appended to ``redirects`` as they come).

        ``retries`` per request (default ``TVEC_HTTP_RETRIES``).

        Returns the final answer whatever its status. Raises FetchError or
        BlockedAddressError (see :meth:`fetch`), never for an HTTP status.
        """
        current = url
        for _hop in range(self.settings.http_max_redirects + 1):
            status, response_headers, body, truncated = self._send(url, current, headers, retries)
            location = response_headers.get("location")
            if status in REDIRECT_STATUSES and location:
                current = urljoin(current, location.strip())
                redirects.append(current)
                continue
            return FetchResult(current, status, body, response_headers, truncated, list(redirects))
        raise FetchError(url, f"more than {self.settings.http_max_redirects} redirects")

    def _target(self, original: str, url: str) -> tuple[str, str, str | None]:
        """(host, URL to connect to, SNI host name or None) after the address check."""
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
            port = parts.port
        except ValueError as exc:
            raise FetchError(original, f"not a valid URL {url!r}: {exc}") from exc
        if parts.scheme not in ("http", "https") or not host:
            raise FetchError(original, f"only http(s) URLs with a host can be fetched: {url!r}")
        port = port or (443 if parts.scheme == "https" else 80)
        address = self.policy.check(original, host, port)
        if address is None or address == host:
            return host, url, None
        pinned = str(httpx.URL(url).copy_with(host=address))
        return host, pinned, host if parts.scheme == "https" else None

    def _wait_for_host(self, host: str) -> None:
        interval = self.settings.http_host_interval_seconds
        last = self._last_request.get(host)
        if last is not None and interval > 0:
            delay = last + interval - self._clock()
            if delay > 0:
                self._sleep(delay)
        self._last_request[host] = self._clock()

    def _send(
        self, original: str, url: str, headers: dict[str, str], retries: int | None = None
    ) -> tuple[int, dict[str, str], bytes, bool]:
        allowed = self.settings.http_retries if retries is None else retries
        host, target, sni = self._target(original, url)
        request_headers = dict(headers)
        if target != url:
            request_headers["Host"] = urlsplit(url).netloc.rsplit("@", 1)[-1]
        extensions = {"sni_hostname": sni} if sni else {}
        attempt = 0
        while True:
            self._wait_for_host(host)
            try:
                with self._client.stream(
                    "GET", target, headers=request_headers, extensions=extensions
                ) as response:
                    status = response.status_code
                    response_headers = {k.lower(): v for k, v in response.headers.items()}
                    if status in RETRY_STATUSES and attempt < allowed:
                        delay = self._retry_delay(attempt, response_headers.get("retry-after"))
                    else:
                        body, truncated = self._read_capped(response)
                        return status, response_headers, body, truncated
            except httpx.HTTPError as exc:
                if attempt >= allowed:
                    problem = f"{type(exc).__name__} fetching {url}: {exc or 'no detail'}"
                    raise FetchError(original, problem) from exc
                delay = self._retry_delay(attempt, None)
            self._sleep(delay)
            attempt += 1

    def _retry_delay(self, attempt: int, retry_after: str | None) -> float:
        delay = float(self.settings.http_backoff_seconds * (2**attempt))
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, min(float(retry_after.strip()), MAX_RETRY_AFTER_SECONDS))
        return delay

    def _read_capped(self, response: httpx.Response) -> tuple[bytes, bool]:
        cap = self.settings.http_max_bytes
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes(CHUNK_BYTES):
            size += len(chunk)
            chunks.append(chunk)
            if size > cap:
                return b"".join(chunks)[:cap], True
        return b"".join(chunks), False

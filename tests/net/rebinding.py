"""A DNS rebinding attacker for the tests: a resolver whose first answer is public and every
later answer loopback, a transport and an SMTP client that record where they really connect."""

from __future__ import annotations

import ipaddress
import smtplib
import socket
from dataclasses import dataclass, field

import httpx

PUBLIC = "93.184.216.34"
LOOPBACK = "127.0.0.1"


@dataclass
class RebindingResolver:
    """First lookup of a name: :data:`PUBLIC`; every later one: :data:`LOOPBACK`."""

    lookups: list[str] = field(default_factory=list)

    def __call__(self, host: str, port: int) -> list[str]:
        answer = PUBLIC if host not in self.lookups else LOOPBACK
        self.lookups.append(host)
        return [answer]


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@dataclass
class RecordingTransport(httpx.BaseTransport):
    """Answers ``status`` to every request and records the address each request would
    reach: the URL's host when it is an address (pinned), else what the resolver answers
    at connection time (as a real transport would look the name up again)."""

    resolver: RebindingResolver
    status: int = 200
    body: bytes = b"<html>ok</html>"
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "text/html"})
    requests: list[httpx.Request] = field(default_factory=list)
    connected: list[str] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        address = host if _is_address(host) else self.resolver(host, request.url.port or 80)[0]
        self.connected.append(address)
        self.requests.append(request)
        return httpx.Response(self.status, headers=self.headers, content=self.body)


@dataclass
class RecordingSmtp:
    """An SMTP factory whose clients record the address they connect to (looking a name up
    again, as :func:`socket.create_connection` would) and the name kept for TLS, then find
    nobody listening."""

    resolver: RebindingResolver
    connected: list[str] = field(default_factory=list)
    tls_names: list[str] = field(default_factory=list)

    def __call__(self, timeout: float) -> smtplib.SMTP:
        recorder = self

        class Client(smtplib.SMTP):
            def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
                address = host if _is_address(host) else recorder.resolver(host, port)[0]
                recorder.connected.append(address)
                recorder.tls_names.append(self._host)  # type: ignore[attr-defined]
                raise ConnectionRefusedError(f"nobody listens on {address}:{port}")

        return Client(timeout=timeout)

"""The decision webhook: a signed JSON POST to ``TVEC_WEBHOOK_URL``, retried with backoff.

The body is the UTF-8 JSON of the event (keys sorted, no spaces). The header
``X-Tvec-Signature: sha256=<hex>`` is HMAC-SHA256 of the exact body bytes under
``TVEC_WEBHOOK_SECRET``; ``X-Tvec-Event`` names the event. A platform checks the signature with
a constant-time comparison before acting. Failed deliveries (network error or any non-2xx
status) are retried ``TVEC_WEBHOOK_RETRIES`` times after ``TVEC_WEBHOOK_BACKOFF_SECONDS``,
doubling each time. Outbound HTTP refuses hosts that resolve to private, loopback or
link-local addresses unless they are in ``TVEC_OUTBOUND_ALLOW_HOSTS``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from tvec.errors import ConfigError, UsageError
from tvec.settings import Settings


@dataclass
class Delivery:
    """Outcome of :func:`send_webhook`: delivered or not, attempts made, last status/error."""

    delivered: bool
    attempts: int
    status: int | None = None
    error: str | None = None


def sign(body: bytes, secret: str) -> str:
    """The ``X-Tvec-Signature`` value for ``body``: ``sha256=`` + HMAC-SHA256 hex."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, secret: str, header: str) -> bool:
    """Whether ``header`` is the signature of ``body`` (constant-time comparison)."""
    return hmac.compare_digest(sign(body, secret), header)


def encode_body(event: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed) for ``event``."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def check_outbound_url(url: str, allow_hosts: list[str]) -> None:
    """Refuse URLs that are not http(s) or whose host resolves to a non-public address.

    The address rules are collection's (:class:`tvec.net.http.AddressPolicy`), so
    ``TVEC_OUTBOUND_ALLOW_HOSTS`` means the same thing for every outbound request.

    Raises:
        UsageError: not an http(s) URL with a host.
        FetchError: the host does not resolve.
        BlockedAddressError: it resolves to a private, loopback, link-local, reserved or
            multicast address that ``allow_hosts`` does not list.
    """
    from tvec.net.http import AddressPolicy

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"outbound URL {url!r} must be http(s) with a host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    AddressPolicy(allow_hosts).check(url, parts.hostname, port)


def send_webhook(
    settings: Settings,
    event: dict[str, Any],
    *,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery | None:
    """POST ``event`` to ``TVEC_WEBHOOK_URL``; None when no URL is configured.

    Args:
        client: the HTTP client (tests pass one with a mock transport); default a fresh one
            with a 10-second timeout that does not follow redirects.
        sleep: waits between attempts (seconds).

    Raises:
        ConfigError: a URL is configured without ``TVEC_WEBHOOK_SECRET``.
        UsageError, FetchError, BlockedAddressError: the URL is refused (see
            :func:`check_outbound_url`).
    """
    if not settings.webhook_url:
        return None
    if not settings.webhook_secret:
        raise ConfigError("TVEC_WEBHOOK_URL is set but TVEC_WEBHOOK_SECRET is not")
    check_outbound_url(settings.webhook_url, settings.outbound_allow_hosts)
    body = encode_body(event)
    headers = {
        "Content-Type": "application/json",
        "X-Tvec-Signature": sign(body, settings.webhook_secret),
        "X-Tvec-Event": str(event.get("event", "decision")),
    }
    own = client is None
    http = client or httpx.Client(timeout=10.0, follow_redirects=False)
    delay = settings.webhook_backoff_seconds
    result = Delivery(False, 0)
    try:
        for attempt in range(settings.webhook_retries + 1):
            if attempt:
                sleep(delay)
                delay *= 2
            result.attempts = attempt + 1
            try:
                response = http.post(settings.webhook_url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                result.status, result.error = None, f"{type(exc).__name__}: {exc}"
                continue
            result.status = response.status_code
            if 200 <= response.status_code < 300:
                result.delivered, result.error = True, None
                return result
            result.error = f"HTTP {response.status_code}"
    finally:
        if own:
            http.close()
    return result

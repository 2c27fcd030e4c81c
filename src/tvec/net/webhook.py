"""Signed webhooks: the decision and order webhook (``TVEC_WEBHOOK_URL``) and the POST that
alert webhooks use, both over the one outbound client.

A webhook is a POST of the canonical JSON body (:func:`tvec.net.signing.encode_body`) with
``X-Tvec-Signature: sha256=<hex>`` (HMAC-SHA256 of the exact body bytes,
:func:`tvec.net.signing.sign`) and ``X-Tvec-Event`` naming the event. The address is checked
and pinned like every outbound request; redirects are not followed; any ``2xx`` answer is
success. :func:`send_webhook` retries network errors, ``429`` and ``5xx``
``TVEC_WEBHOOK_RETRIES`` times after ``TVEC_WEBHOOK_BACKOFF_SECONDS``, doubling
(:mod:`tvec.net.retry`); another ``4xx`` is not retried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tvec.errors import ConfigError, UsageError
from tvec.net.addresses import AddressPolicy, Resolver
from tvec.net.client import OutboundClient, PostResult
from tvec.net.signing import SIGNATURE_HEADER, encode_body, sign, verify_signature
from tvec.settings import Settings

__all__ = [
    "Delivery",
    "check_outbound_url",
    "encode_body",
    "post_signed",
    "send_webhook",
    "sign",
    "verify_signature",
]


@dataclass
class Delivery:
    """Outcome of :func:`send_webhook`: delivered or not, attempts made, last status/error."""

    delivered: bool
    attempts: int
    status: int | None = None
    error: str | None = None


def check_outbound_url(url: str, allow_hosts: list[str], resolver: Resolver | None = None) -> None:
    """Refuse URLs that are not http(s) or whose host resolves to a non-public address.

    The rules are :class:`tvec.net.addresses.AddressPolicy`'s, so
    ``TVEC_OUTBOUND_ALLOW_HOSTS`` means the same thing for every outbound request. This is a
    check for configuration time (routes, settings); the client checks again, and pins, at
    every request.

    Raises:
        UsageError: not an http(s) URL with a host.
        FetchError: the host does not resolve.
        BlockedAddressError: it resolves to a private, loopback, link-local, reserved or
            multicast address that ``allow_hosts`` does not list.
    """
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise UsageError(f"outbound URL {url!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise UsageError(f"outbound URL {url!r} must be http(s) with a host")
    port = port or (443 if parts.scheme == "https" else 80)
    AddressPolicy(allow_hosts, resolver).check(url, host, port)


def post_signed(
    client: OutboundClient,
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    retries: int = 0,
    backoff_seconds: float = 0.0,
    sleep: Callable[[float], None] | None = None,
) -> PostResult:
    """POST an already signed ``body`` with ``headers`` to ``url`` through ``client``.

    Raises:
        FetchError: not an http(s) URL, or the host does not resolve.
        BlockedAddressError: the host resolves to a refused address.
    """
    return client.post(
        url, body, headers=headers, retries=retries, backoff_seconds=backoff_seconds, sleep=sleep
    )


def send_webhook(
    settings: Settings,
    event: dict[str, Any],
    *,
    client: OutboundClient | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Delivery | None:
    """POST ``event`` to ``TVEC_WEBHOOK_URL``, signed; None when no URL is configured.

    Args:
        client: the outbound client (default: a new one of ``settings``, closed after).
        sleep: waits between attempts (seconds; default: the client's).

    Raises:
        ConfigError: a URL is configured without ``TVEC_WEBHOOK_SECRET``.
        UsageError: the URL is not http(s) with a host.
        FetchError, BlockedAddressError: the host does not resolve or is refused.
    """
    url = settings.webhook_url
    if not url:
        return None
    if not settings.webhook_secret:
        raise ConfigError("TVEC_WEBHOOK_URL is set but TVEC_WEBHOOK_SECRET is not")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"outbound URL {url!r} must be http(s) with a host")
    body = encode_body(event)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(body, settings.webhook_secret),
        "X-Tvec-Event": str(event.get("event", "decision")),
    }
    own = client is None
    http = client or OutboundClient(settings)
    try:
        result = post_signed(
            http,
            url,
            body,
            headers,
            retries=settings.webhook_retries,
            backoff_seconds=settings.webhook_backoff_seconds,
            sleep=sleep,
        )
    finally:
        if own:
            http.close()
    error = result.error
    if error is None and not result.ok:
        error = f"HTTP {result.status}"
    return Delivery(result.ok, result.attempts, result.status, error)

"""Delivery channels: SMTP e-mail, a signed JSON webhook, and CSV digest files.

Each channel has three steps, used by :mod:`tvec.alerts.send`:

* :func:`check_channel` raises :class:`~tvec.errors.ConfigError` when the channel cannot be
  used as configured (no ``TVEC_SMTP_HOST``/``TVEC_ALERT_FROM``, no webhook key, a webhook
  URL on a non-public address that ``TVEC_OUTBOUND_ALLOW_HOSTS`` does not list). Nothing is
  attempted then; the alerts stay queued and preview/send say why.
* :func:`render` gives the files a dry run writes (``.eml``, webhook body and request,
  CSV digest).
* :func:`deliver` makes one attempt and returns a :class:`DeliveryResult` (it does not raise
  for network or server failures; the service records them and backs off).

Nothing here opens a connection: e-mail and webhooks go through the outbound client
(:mod:`tvec.net`), which checks the SMTP host and the webhook's host under the same address
rules and connects to the address it checked. E-mail (:mod:`tvec.net.smtp`): STARTTLS when
``TVEC_SMTP_STARTTLS`` (certificate checked against the host name with the system's trust
store), login when ``TVEC_SMTP_USERNAME`` is set. A server that does not offer STARTTLS (or
a login) that the settings ask for, or an SMTP host on a refused address, is a
configuration problem: :func:`deliver` raises ConfigError naming the setting instead of
failing the attempt.

The webhook is an HTTP POST of the canonical JSON body
(:func:`tvec.net.signing.encode_body`) with ``X-Tvec-Signature: sha256=<HMAC-SHA256 hex>``
(:func:`tvec.net.signing.sign`), ``X-Tvec-Event: alert.batch`` and ``X-Tvec-Batch``;
redirects are not followed and any 2xx answer is success. One request per attempt: the
alert queue retries later on its own schedule. A CSV digest is written to a temporary file
and renamed into place.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tvec.alerts.compose import (
    WEBHOOK_EVENT,
    Batch,
    compose_email,
    csv_file_name,
    csv_text,
    webhook_event,
)
from tvec.errors import BlockedAddressError, ConfigError, FetchError, UsageError
from tvec.net.addresses import AddressPolicy
from tvec.net.client import OutboundClient
from tvec.net.signing import encode_body, sign
from tvec.net.smtp import smtp_address
from tvec.net.webhook import check_outbound_url, post_signed
from tvec.settings import Settings

#: SMTP hosts to which a login may go without STARTTLS (the password stays on the machine).
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass
class DeliveryResult:
    """One delivery attempt: success, what was produced (Message-ID, HTTP status, file) or
    why it failed."""

    ok: bool
    detail: str | None = None
    error: str | None = None
    files: list[Path] = field(default_factory=list)


def _check_email(settings: Settings, batch: Batch) -> None:
    missing = [
        name
        for name, value in (
            ("TVEC_SMTP_HOST", settings.smtp_host),
            ("TVEC_ALERT_FROM", settings.alert_from),
        )
        if not value
    ]
    if len(missing) == 1:
        raise ConfigError(
            f"{missing[0]} is not set: e-mail alerts to {batch.platform} wait until it is"
        )
    if missing:
        raise ConfigError(
            f"{' and '.join(missing)} are not set: e-mail alerts to {batch.platform} wait "
            "until they are"
        )
    if (
        settings.smtp_username
        and not settings.smtp_starttls
        and settings.smtp_host not in _LOCAL_HOSTS
    ):
        raise ConfigError(
            "TVEC_SMTP_USERNAME is set but TVEC_SMTP_STARTTLS is false: the password would "
            f"cross the network to {settings.smtp_host} in clear"
        )
    try:
        smtp_address(settings, AddressPolicy(settings.outbound_allow_hosts))
    except ConfigError as exc:
        raise ConfigError(f"{exc}: e-mail alerts to {batch.platform} wait") from None
    except FetchError:
        pass  # the host does not resolve now: an attempt that fails, retried later


def webhook_secret(batch: Batch, settings: Settings, environ: Mapping[str, str]) -> str:
    """The HMAC key of a webhook route: the route's ``secret_env`` variable, else
    ``TVEC_ALERT_WEBHOOK_SECRET``.

    Raises:
        ConfigError: the variable is unset or empty.
    """
    name = batch.route.secret_env
    if name:
        secret = environ.get(name, "")
        if not secret:
            raise ConfigError(
                f"the webhook route of {batch.platform} takes its key from ${name}, "
                "which is not set"
            )
        return secret
    if not settings.alert_webhook_secret:
        raise ConfigError(
            f"the webhook route of {batch.platform} needs a key: set "
            "TVEC_ALERT_WEBHOOK_SECRET or give the route --secret-env"
        )
    return settings.alert_webhook_secret


def _check_webhook(batch: Batch, settings: Settings, environ: Mapping[str, str]) -> None:
    webhook_secret(batch, settings, environ)
    try:
        check_outbound_url(batch.route.target, settings.outbound_allow_hosts)
    except (BlockedAddressError, UsageError) as exc:
        raise ConfigError(f"the webhook route of {batch.platform} is refused: {exc}") from None
    except FetchError:
        pass  # the host does not resolve now: an attempt that fails, retried later


def check_channel(
    batch: Batch, settings: Settings, environ: Mapping[str, str] | None = None
) -> None:
    """Raise ConfigError when ``batch``'s channel cannot be used as configured.

    Args:
        environ: where ``secret_env`` variables are read (default ``os.environ``).

    Raises:
        ConfigError: naming the setting to fix (see the module docstring).
    """
    if batch.route.channel == "email":
        _check_email(settings, batch)
    elif batch.route.channel == "webhook":
        _check_webhook(batch, settings, os.environ if environ is None else environ)


def webhook_request(
    batch: Batch, settings: Settings, environ: Mapping[str, str] | None = None
) -> tuple[bytes, dict[str, str]]:
    """The webhook's exact body and its headers (signature included).

    Raises:
        ConfigError: no key (see :func:`webhook_secret`).
    """
    body = encode_body(webhook_event(batch))
    secret = webhook_secret(batch, settings, os.environ if environ is None else environ)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": settings.http_user_agent,
        "X-Tvec-Signature": sign(body, secret),
        "X-Tvec-Event": WEBHOOK_EVENT,
        "X-Tvec-Batch": batch.reference,
    }
    return body, headers


def render(
    batch: Batch, settings: Settings, environ: Mapping[str, str] | None = None
) -> list[tuple[str, bytes]]:
    """What a dry run writes for ``batch``: ``(file name, bytes)`` pairs.

    email: ``<stem>.eml``; webhook: ``<stem>.webhook.json`` (the exact body) and
    ``<stem>.webhook.http`` (request line and headers); csv: the digest file.

    Raises:
        ConfigError: as :func:`check_channel`.
    """
    stem = batch.file_stem()
    if batch.route.channel == "email":
        return [(f"{stem}.eml", bytes(compose_email(batch, settings)))]
    if batch.route.channel == "webhook":
        body, headers = webhook_request(batch, settings, environ)
        request = f"POST {batch.route.target}\n" + "".join(
            f"{name}: {value}\n" for name, value in headers.items()
        )
        return [(f"{stem}.webhook.json", body), (f"{stem}.webhook.http", request.encode())]
    return [(csv_file_name(batch), csv_text(batch).encode("utf-8"))]


def _send_email(batch: Batch, settings: Settings, client: OutboundClient) -> DeliveryResult:
    message = compose_email(batch, settings)
    outcome = client.send_mail(message, waiting=f"e-mail alerts to {batch.platform}")
    if not outcome.ok:
        return DeliveryResult(False, error=outcome.error)
    detail = f"Message-ID {message['Message-ID']}"
    if outcome.refused:
        detail += f"; refused: {', '.join(sorted(outcome.refused))}"
    return DeliveryResult(True, detail=detail)


def _post_webhook(
    batch: Batch,
    settings: Settings,
    environ: Mapping[str, str] | None,
    client: OutboundClient,
) -> DeliveryResult:
    body, headers = webhook_request(batch, settings, environ)
    url = batch.route.target
    try:
        result = post_signed(client, url, body, headers)
    except FetchError as exc:
        return DeliveryResult(False, error=str(exc))
    if result.ok:
        return DeliveryResult(True, detail=f"HTTP {result.status}")
    if result.status is None:
        return DeliveryResult(False, error=result.error)
    return DeliveryResult(False, error=f"HTTP {result.status} from {url}")


def write_digest(batch: Batch, folder: Path) -> Path:
    """Write ``batch``'s CSV digest into ``folder`` (created if missing); returns the path.

    Raises:
        OSError: the folder or file cannot be written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / csv_file_name(batch)
    partial = path.with_name(path.name + ".part")
    partial.write_text(csv_text(batch), encoding="utf-8", newline="")
    partial.replace(path)
    return path


def _write_csv(batch: Batch, settings: Settings) -> DeliveryResult:
    try:
        path = write_digest(batch, batch.route.folder(settings))
    except OSError as exc:
        return DeliveryResult(False, error=f"cannot write CSV digest: {exc}")
    return DeliveryResult(True, detail=str(path), files=[path])


def deliver(
    batch: Batch,
    settings: Settings,
    *,
    environ: Mapping[str, str] | None = None,
    client: OutboundClient | None = None,
) -> DeliveryResult:
    """Make one delivery attempt of ``batch`` over its route's channel.

    Args:
        environ: where webhook ``secret_env`` variables are read (default ``os.environ``).
        client: the outbound client for e-mail and webhooks (default: a new one of
            ``settings``, closed after).

    Raises:
        ConfigError: the channel is not configured (see :func:`check_channel`), or the SMTP
            server turns out not to offer what the settings ask for (STARTTLS while
            ``TVEC_SMTP_STARTTLS`` is true, a login while ``TVEC_SMTP_USERNAME`` is set):
            nothing was sent, and the caller holds the alerts without counting an attempt.
    """
    check_channel(batch, settings, environ)
    if batch.route.channel == "csv":
        return _write_csv(batch, settings)
    own = client is None
    http = client or OutboundClient(settings)
    try:
        if batch.route.channel == "email":
            return _send_email(batch, settings, http)
        return _post_webhook(batch, settings, environ, http)
    finally:
        if own:
            http.close()

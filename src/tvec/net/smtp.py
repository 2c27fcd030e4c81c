"""E-mail over SMTP under the outbound address rules.

:func:`send_mail` checks ``TVEC_SMTP_HOST`` as every outbound host is checked
(:class:`~tvec.net.addresses.AddressPolicy`: no private, loopback or link-local address unless
``TVEC_OUTBOUND_ALLOW_HOSTS`` lists it) and connects to the address it checked. STARTTLS
(``TVEC_SMTP_STARTTLS``) verifies the server's certificate against the host *name* with the
system's trust store (smtplib's ``_host``). Login when ``TVEC_SMTP_USERNAME`` is set. A server
that does not offer STARTTLS or a login that the settings ask for is a configuration problem
(:class:`~tvec.errors.ConfigError`); network and SMTP failures are an outcome, not an error.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

from tvec.errors import BlockedAddressError, ConfigError, FetchError
from tvec.net.addresses import AddressPolicy
from tvec.net.retry import RetryPolicy
from tvec.settings import Settings

#: timeout (seconds) -> an SMTP client that is not connected yet.
SmtpFactory = Callable[[float], smtplib.SMTP]


def default_smtp_factory(timeout: float) -> smtplib.SMTP:
    """An unconnected :class:`smtplib.SMTP` with ``timeout`` seconds per operation."""
    return smtplib.SMTP(timeout=timeout)


@dataclass(frozen=True)
class MailOutcome:
    """One attempt to hand a message to the SMTP server.

    Attributes:
        server: ``host:port`` as configured.
        ok: the server accepted the message (for at least one recipient).
        refused: recipients the server refused, with its code and answer.
        error: ``"SMTP host:port: <detail>"`` when the attempt failed.
    """

    server: str
    ok: bool
    refused: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def smtp_address(settings: Settings, policy: AddressPolicy) -> str | None:
    """The address to connect to for ``TVEC_SMTP_HOST`` (``None``: by name, allow-listed).

    Raises:
        ConfigError: no host is set, or it resolves to a refused address.
        FetchError: the host does not resolve (now).
    """
    host = settings.smtp_host
    if not host:
        raise ConfigError("TVEC_SMTP_HOST is not set")
    try:
        return policy.check(f"smtp://{host}:{settings.smtp_port}", host, settings.smtp_port)
    except BlockedAddressError as exc:
        raise ConfigError(f"TVEC_SMTP_HOST {host!r} is refused: {exc}") from None


def send_mail(
    settings: Settings,
    message: EmailMessage,
    *,
    policy: AddressPolicy,
    factory: SmtpFactory = default_smtp_factory,
    waiting: str = "e-mail",
    retry: RetryPolicy | None = None,
) -> MailOutcome:
    """Hand ``message`` to ``TVEC_SMTP_HOST:TVEC_SMTP_PORT`` (rules in the module docstring).

    Args:
        policy: the address rules (and resolver) of the outbound client.
        factory: makes the SMTP client (tests pass one that records the connection).
        waiting: what waits when the server is misconfigured, for messages
            (``"e-mail alerts to Telegram"``).
        retry: retries of network failures within this attempt (default: none; the alert
            queue retries later on its own schedule).

    Raises:
        ConfigError: the host is refused by the address rules, or the server does not offer
            STARTTLS (``TVEC_SMTP_STARTTLS``) or a login (``TVEC_SMTP_USERNAME``).
    """
    host = settings.smtp_host or ""
    port = settings.smtp_port
    server = f"{host}:{port}"
    try:
        address = smtp_address(settings, policy)
    except FetchError as exc:
        return MailOutcome(server, False, error=f"SMTP {server}: {exc}")

    def attempt() -> dict[str, tuple[int, bytes]]:
        smtp = factory(settings.smtp_timeout_seconds)
        # STARTTLS checks the certificate against the name, not the pinned address
        smtp._host = host  # type: ignore[attr-defined]
        with smtp:
            smtp.connect(address or host, port)
            smtp.ehlo()
            if settings.smtp_starttls:
                if not smtp.has_extn("starttls"):
                    raise ConfigError(
                        f"the SMTP server {server} does not offer STARTTLS, which "
                        f"TVEC_SMTP_STARTTLS=true requires: {waiting} wait; set "
                        "TVEC_SMTP_HOST/TVEC_SMTP_PORT to a server (or its submission port, "
                        "587) that offers it, or set TVEC_SMTP_STARTTLS=false for a server "
                        "on this machine or a trusted network"
                    )
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.smtp_username:
                if not smtp.has_extn("auth"):
                    raise ConfigError(
                        f"the SMTP server {server} does not offer a login (SMTP AUTH), which "
                        f"TVEC_SMTP_USERNAME asks for: {waiting} wait; unset "
                        "TVEC_SMTP_USERNAME or use a server that takes a login"
                    )
                smtp.login(settings.smtp_username, settings.smtp_password or "")
            return smtp.send_message(message)

    policy_of_retries = retry or RetryPolicy(retries=0, backoff_seconds=0.0)
    try:
        refused = policy_of_retries.run(
            attempt,
            retry_error=lambda exc: isinstance(
                exc, OSError | smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError
            ),
        )
    except (smtplib.SMTPException, OSError) as exc:
        return MailOutcome(server, False, error=f"SMTP {server}: {exc}")
    answers = {
        rcpt: f"{code} {reply.decode('utf-8', 'replace')}"
        for rcpt, (code, reply) in refused.items()
    }
    return MailOutcome(server, True, answers)

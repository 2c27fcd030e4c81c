"""Composing alerts: what each alert says, and a platform's batch as e-mail, webhook and CSV.

Every alert carries the URL, the platform, the entity (name, id and the designations in
force, inherited ones included), the content kind, a warning when the content is graphic,
the alert reference, the time tvec first saw the URL and the reporter
(``TVEC_ALERT_SENDER_NAME``). Formats are documented in ``docs/alerts.md``.

References:

* idempotency key: SHA-256 (hex) of ``"tvec-alert\\0" + canonical URL`` (one alert per URL);
* alert reference: ``TVEC-`` + the first 12 hex digits of the idempotency key;
* batch reference: ``TVEC-B-`` + the first 12 hex digits of SHA-256 of
  ``"tvec-alert-batch\\0" + platform + "\\0"`` + the batch's idempotency keys, sorted and
  joined by newlines. A retried batch keeps its reference, so its e-mail keeps its
  Message-ID and a platform can drop the copy.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from typing import Any

from tvec.alerts.routes import Route
from tvec.clock import rfc3339
from tvec.entities import EntityRegistry
from tvec.errors import ConfigError
from tvec.settings import Settings

#: Columns of a CSV digest, in order.
CSV_COLUMNS = (
    "reference",
    "url",
    "platform",
    "entity_id",
    "entity_name",
    "designations",
    "content_kind",
    "graphic",
    "first_seen_at",
    "reporter",
    "batch_reference",
    "idempotency_key",
)
#: The warning an alert carries when its content is graphic.
GRAPHIC_WARNING = "WARNING: graphic content (violence or injury). Open with care."
#: E-mail policy: RFC 5322's hard line limit (998), so a long subject or URL is neither
#: folded oddly nor quoted-printable encoded (the text lines are wrapped at 72 anyway).
EMAIL_POLICY = policy.default.clone(max_line_length=998)
#: ``X-Tvec-Event`` of alert webhooks.
WEBHOOK_EVENT = "alert.batch"


def idempotency_key(canonical_url: str) -> str:
    """SHA-256 (64 hex) of ``"tvec-alert\\0" + canonical URL``: one alert per URL, ever."""
    return hashlib.sha256(b"tvec-alert\0" + canonical_url.encode("utf-8")).hexdigest()


def alert_reference(key: str) -> str:
    """``TVEC-`` + the first 12 hex digits of an idempotency key (quoted to the platform)."""
    return f"TVEC-{key[:12]}"


def batch_reference(platform: str, keys: Sequence[str]) -> str:
    """``TVEC-B-`` + 12 hex digits naming a platform's batch (see the module docstring)."""
    text = "tvec-alert-batch\0" + platform + "\0" + "\n".join(sorted(keys))
    return "TVEC-B-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class DesignationView:
    """One designation of an alert's entity: jurisdiction, list key and name, date."""

    jurisdiction: str
    list_key: str
    list_name: str
    date: str | None

    def text(self) -> str:
        """``UK: <list name> (since 2001-03-29)``."""
        since = f" (since {self.date})" if self.date else ""
        return f"{self.jurisdiction}: {self.list_name}{since}"

    def as_json(self) -> dict[str, Any]:
        """Plain dict (webhook and ``--json``)."""
        return {
            "jurisdiction": self.jurisdiction,
            "list": self.list_key,
            "list_name": self.list_name,
            "date": self.date,
        }


@dataclass(frozen=True)
class AlertView:
    """Everything one alert says, ready for any channel."""

    reference: str
    idempotency_key: str
    url: str
    platform: str
    entity_id: str
    entity_name: str
    designations: tuple[DesignationView, ...]
    content_kind: str
    graphic: bool
    first_seen_at: datetime
    reporter: str

    def as_json(self) -> dict[str, Any]:
        """The alert as the webhook and ``--json`` output give it."""
        return {
            "reference": self.reference,
            "idempotency_key": self.idempotency_key,
            "url": self.url,
            "platform": self.platform,
            "entity": {
                "id": self.entity_id,
                "name": self.entity_name,
                "designations": [d.as_json() for d in self.designations],
            },
            "content_kind": self.content_kind,
            "graphic": self.graphic,
            "warning": GRAPHIC_WARNING if self.graphic else None,
            "first_seen_at": rfc3339(self.first_seen_at),
            "reporter": self.reporter,
        }


def alert_view(
    *,
    url: str,
    platform: str,
    entity_id: str,
    content_kind: str,
    graphic: bool,
    first_seen_at: datetime,
    registry: EntityRegistry,
    settings: Settings,
) -> AlertView:
    """Compose one alert. The entity's name and designations come from ``registry``: its
    own, then those inherited from a parent (:meth:`EntityRegistry.designations`), one per
    list (the first). An id no longer in the registry is shown as the id, with none."""
    key = idempotency_key(url)
    name = entity_id
    designations: tuple[DesignationView, ...] = ()
    if entity_id in registry:
        name = registry.get(entity_id).name
        seen: dict[str, DesignationView] = {}
        for d in registry.designations(entity_id):  # its own first, then inherited ones
            date = d.date.isoformat() if d.date else None
            seen.setdefault(
                d.list_key, DesignationView(d.jurisdiction, d.list_key, d.list_name, date)
            )
        designations = tuple(seen.values())
    return AlertView(
        reference=alert_reference(key),
        idempotency_key=key,
        url=url,
        platform=platform,
        entity_id=entity_id,
        entity_name=name,
        designations=designations,
        content_kind=content_kind,
        graphic=graphic,
        first_seen_at=first_seen_at,
        reporter=settings.alert_sender_name,
    )


@dataclass(frozen=True)
class Batch:
    """One platform's alerts going out together over its route.

    ``alert_ids`` are the ``alert`` rows (same order as ``alerts``); ``composed_at`` is the
    time the batch is sent (the e-mail's Date, the webhook's ``sent_at``).
    """

    platform: str
    route: Route
    reference: str
    alerts: tuple[AlertView, ...]
    alert_ids: tuple[int, ...]
    composed_at: datetime

    @property
    def recipient(self) -> str:
        """Where it goes, as recorded: the addresses, the webhook URL or the CSV folder."""
        return self.route.target

    def file_stem(self) -> str:
        """``<platform-slug>-<batch reference>``, for files of this batch."""
        slug = re.sub(r"[^a-z0-9]+", "-", self.platform.casefold()).strip("-") or "platform"
        return f"{slug}-{self.reference}"


def make_batch(
    platform: str, route: Route, alerts: Sequence[tuple[int, AlertView]], now: datetime
) -> Batch:
    """A batch of ``(alert id, alert)`` pairs, in the given order."""
    return Batch(
        platform=platform,
        route=route,
        reference=batch_reference(platform, [view.idempotency_key for _, view in alerts]),
        alerts=tuple(view for _, view in alerts),
        alert_ids=tuple(alert_id for alert_id, _ in alerts),
        composed_at=now,
    )


# --- e-mail ----------------------------------------------------------------------------------


def email_subject(batch: Batch) -> str:
    """``[tvec] Terrorist content report TVEC-B-...: 3 URLs on Telegram``."""
    count = len(batch.alerts)
    urls = "1 URL" if count == 1 else f"{count} URLs"
    return f"[tvec] Terrorist content report {batch.reference}: {urls} on {batch.platform}"


def email_body(batch: Batch) -> str:
    """The plain-text body: an introduction ("reports 1 URL ... that carries", "reports
    3 URLs ... that carry"), then every alert's fields, one block each."""
    count = len(batch.alerts)
    reporter = batch.alerts[0].reporter if batch.alerts else ""
    urls = "1 URL" if count == 1 else f"{count} URLs"
    carry = "carries" if count == 1 else "carry"
    lines = [
        f"To the {batch.platform} abuse team,",
        "",
        *textwrap.wrap(
            f"{reporter} reports {urls} on {batch.platform} that {carry} content of terrorist "
            "or violent extremist entities designated by the governments and bodies listed "
            "with each entity. Please review the content under your terms of service and the "
            "law that applies to you, and quote the alert reference in any reply.",
            width=72,
        ),
        "",
        f"Batch reference: {batch.reference}",
        f"Reporter:        {reporter}",
        f"Sent:            {rfc3339(batch.composed_at)}",
    ]
    if any(view.graphic for view in batch.alerts):
        lines += ["", "Some of this content is graphic: the alerts concerned say so."]
    for number, view in enumerate(batch.alerts, 1):
        lines += [
            "",
            f"--- Alert {number} of {count} ---",
            f"Reference:     {view.reference}",
            f"URL:           {view.url}",
            f"Platform:      {view.platform}",
            f"Entity:        {view.entity_name} (id {view.entity_id})",
        ]
        designations = [d.text() for d in view.designations] or ["none on record"]
        lines.append(f"Designations:  {designations[0]}")
        lines.extend(f"               {d}" for d in designations[1:])
        lines.append(f"Content kind:  {view.content_kind}")
        if view.graphic:
            lines.append(f"Graphic:       {GRAPHIC_WARNING}")
        lines.append(f"First seen:    {rfc3339(view.first_seen_at)}")
    lines += [
        "",
        "This report was composed by tvec; each URL is reported once.",
        "Reply to this message to reach the reporter.",
        "",
    ]
    return "\n".join(lines)


def _domain_of(address: str) -> str:
    parsed = getaddresses([address])
    email = parsed[0][1] if parsed else ""
    return email.rsplit("@", 1)[1] if "@" in email else "tvec.invalid"


def compose_email(batch: Batch, settings: Settings) -> EmailMessage:
    """The batch as an e-mail to the route's recipients (stdlib ``EmailMessage``).

    Headers: From ``TVEC_ALERT_FROM``, To, Reply-To (``TVEC_ALERT_REPLY_TO`` or From),
    Subject (:func:`email_subject`), Date, ``Message-ID: <batch reference@from domain>``,
    ``X-Tvec-Batch`` and ``Auto-Submitted: auto-generated`` (RFC 3834).

    Raises:
        ConfigError: ``TVEC_ALERT_FROM`` is not set.
    """
    if not settings.alert_from:
        raise ConfigError(
            f"TVEC_ALERT_FROM is not set: e-mail alerts to {batch.platform} wait until it is"
        )
    message = EmailMessage(policy=EMAIL_POLICY)
    message["From"] = settings.alert_from
    message["To"] = ", ".join(batch.route.recipients)
    message["Reply-To"] = settings.alert_reply_to or settings.alert_from
    message["Subject"] = email_subject(batch)
    message["Date"] = format_datetime(batch.composed_at)
    message["Message-ID"] = f"<{batch.reference}@{_domain_of(settings.alert_from)}>"
    message["X-Tvec-Batch"] = batch.reference
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email_body(batch))
    return message


# --- webhook ---------------------------------------------------------------------------------


def webhook_event(batch: Batch) -> dict[str, Any]:
    """The webhook body: event, batch reference, platform, reporter, sent_at and alerts."""
    reporter = batch.alerts[0].reporter if batch.alerts else ""
    return {
        "event": WEBHOOK_EVENT,
        "batch_reference": batch.reference,
        "platform": batch.platform,
        "reporter": reporter,
        "sent_at": rfc3339(batch.composed_at),
        "alerts": [view.as_json() for view in batch.alerts],
    }


# --- CSV digest ------------------------------------------------------------------------------


def csv_rows(batch: Batch) -> list[list[str]]:
    """The digest's rows (without header), one per alert, columns :data:`CSV_COLUMNS`.

    ``designations`` joins the list keys with ``;``; ``graphic`` is ``yes`` or ``no``.
    """
    return [
        [
            view.reference,
            view.url,
            view.platform,
            view.entity_id,
            view.entity_name,
            ";".join(d.list_key for d in view.designations),
            view.content_kind,
            "yes" if view.graphic else "no",
            rfc3339(view.first_seen_at),
            view.reporter,
            batch.reference,
            view.idempotency_key,
        ]
        for view in batch.alerts
    ]


def csv_text(batch: Batch) -> str:
    """The digest file's text: a header row, then :func:`csv_rows` (RFC 4180, CRLF)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(batch))
    return buffer.getvalue()


def csv_file_name(batch: Batch) -> str:
    """``tvec-alerts-<platform-slug>-<batch reference>.csv``."""
    return f"tvec-alerts-{batch.file_stem()}.csv"

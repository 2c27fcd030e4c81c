"""Use cases of the audit log, for ``tvec audit`` and the web app: list, verify (against an
anchor), anchor, rotate the key, export. Each takes the
:class:`~tvec.app.context.AppContext` first and runs in its own transaction.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from tvec.app.context import AppContext
from tvec.audit.anchor import anchor_record, append_anchor, check_anchor, newest_anchor
from tvec.audit.events import AuditExported, AuditKeyRotated, record_event
from tvec.audit.keys import add_key, drop_key, key_id
from tvec.audit.log import (
    ChainReport,
    events_after,
    export_jsonl,
    newest_events,
    record,
    search_events,
    verify_chain,
)
from tvec.clock import rfc3339
from tvec.errors import TvecError
from tvec.net.webhook import send_webhook
from tvec.views.audit import AuditEventView

#: Logger of the anchor lines (``audit anchor {...}``), so a log collector keeps a copy.
log = logging.getLogger("tvec.audit")


@dataclass
class Verification:
    """Result of :func:`verify`: the chain's report, what the anchor found (``None``: it
    agrees, or there was none), the anchor file read and the anchor written (when the log
    verified)."""

    chain: ChainReport
    anchor_problem: str | None = None
    anchor_file: Path | None = None
    anchor: dict[str, object] | None = None
    sent: str | None = None

    @property
    def ok(self) -> bool:
        """The chain is intact and agrees with the anchor."""
        return self.chain.ok and self.anchor_problem is None


def list_events(ctx: AppContext, *, after_id: int = 0, limit: int = 100) -> list[AuditEventView]:
    """Events after ``after_id``, oldest first, at most ``limit`` (``GET /api/audit``,
    ``tvec audit list``)."""
    with ctx.read() as session:
        return [AuditEventView.model_validate(e) for e in events_after(session, after_id, limit)]


def newest(ctx: AppContext, *, kind: str | None = None, limit: int = 200) -> list[AuditEventView]:
    """The newest ``limit`` events (of ``kind`` when given), newest first (the audit page)."""
    with ctx.read() as session:
        return [AuditEventView.model_validate(e) for e in newest_events(session, kind, limit)]


def search(
    ctx: AppContext,
    *,
    actor: str | None = None,
    kind: str | None = None,
    target: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEventView]:
    """Events newest first, filtered (the audit page; :func:`tvec.audit.log.search_events`)."""
    with ctx.read() as session:
        return [
            AuditEventView.model_validate(e)
            for e in search_events(
                session,
                actor=actor,
                kind=kind,
                target=target,
                since=since,
                until=until,
                before_id=before_id,
                limit=limit,
            )
        ]


def check_chain(ctx: AppContext) -> ChainReport:
    """Walk the chain (links, digests and HMACs) and report, writing nothing out (the audit
    page's check; :func:`verify` also compares and writes anchors)."""
    with ctx.read() as session:
        return verify_chain(session)


def _publish(ctx: AppContext, verification: Verification) -> None:
    """Write the head out: the anchor file (when one is in force), a log line, and the
    webhook when ``TVEC_AUDIT_ANCHOR_WEBHOOK`` is set."""
    head = verification.chain.head
    if head is None:
        return
    record_ = anchor_record(head, rfc3339(ctx.now()))
    verification.anchor = dict(record_)
    if verification.anchor_file is not None:
        append_anchor(verification.anchor_file, record_)
    log.info("audit anchor %s", json.dumps(record_, sort_keys=True))
    if ctx.settings.audit_anchor_webhook and ctx.settings.webhook_url:
        try:
            with ctx.http() as client:
                delivery = send_webhook(
                    ctx.settings, {"event": "audit.anchor", **record_}, client=client
                )
        except TvecError as error:
            verification.sent = f"not sent: {error}"
        else:
            if delivery is not None:
                verification.sent = "sent" if delivery.delivered else f"not sent: {delivery.error}"


def verify(ctx: AppContext, anchor: Path | None = None) -> Verification:
    """Walk the chain (SHA-256 links and, from the keyed start, HMACs under the audit key),
    compare it with the newest anchor of ``anchor`` (default ``TVEC_AUDIT_ANCHOR_FILE``),
    and, when both hold, write the head out as a new anchor (file, log line, webhook).

    Raises:
        ConfigError: the key file or the anchor file cannot be read, or the anchor file's
            last line is not an anchor.
    """
    path = anchor or ctx.settings.audit_anchor_file
    with ctx.read() as session:
        result = Verification(verify_chain(session), anchor_file=path)
        if result.chain.ok and path is not None:
            newest = newest_anchor(path)
            if newest is not None:
                result.anchor_problem = check_anchor(session, newest)
    if result.ok:
        _publish(ctx, result)
    return result


def anchor(ctx: AppContext, path: Path | None = None) -> Verification:
    """Verify and write out the head now (``tvec audit anchor``, each ``tvec watch`` round);
    the same as :func:`verify`."""
    return verify(ctx, path)


def rotate_key(ctx: AppContext, *, actor: str) -> str:
    """Start signing with a new audit key: it is appended to the key file (old keys stay, to
    verify the events they signed) and an ``audit.key_rotate`` event, the first signed with
    it, names both; returns the new key's id.

    Raises:
        ConfigError: the key file cannot be read or written.
    """
    before, key = add_key(ctx.settings)
    try:
        with ctx.write() as session:
            event = AuditKeyRotated(old_key_id=before.current_id, new_key_id=key_id(key))
            record(session, actor, event.KIND, event.target(), event.data(), key=key)
    except BaseException:
        drop_key(ctx.settings, key)
        raise
    return key_id(key)


def export(ctx: AppContext, out: TextIO, *, destination: str, actor: str) -> int:
    """Log the export (to ``destination``: a file name or ``stdout``), then write every
    event to ``out`` as JSON Lines, the export's own event included; returns the count."""
    with ctx.write() as session:
        record_event(session, actor, AuditExported(destination=destination))
    with ctx.read() as session:
        return export_jsonl(session, out)

"""Use cases of the audit log, for ``tvec audit`` and the web app: list, verify, export.
Each takes the :class:`~tvec.app.context.AppContext` first and runs in its own transaction.
"""

from __future__ import annotations

from typing import TextIO

from tvec.app.context import AppContext
from tvec.audit.events import AuditExported, record_event
from tvec.audit.log import ChainReport, events_after, export_jsonl, newest_events, verify_chain
from tvec.views.audit import AuditEventView


def list_events(ctx: AppContext, *, after_id: int = 0, limit: int = 100) -> list[AuditEventView]:
    """Events after ``after_id``, oldest first, at most ``limit`` (``GET /api/audit``,
    ``tvec audit list``)."""
    with ctx.read() as session:
        return [AuditEventView.model_validate(e) for e in events_after(session, after_id, limit)]


def newest(ctx: AppContext, *, kind: str | None = None, limit: int = 200) -> list[AuditEventView]:
    """The newest ``limit`` events (of ``kind`` when given), newest first (the audit page)."""
    with ctx.read() as session:
        return [AuditEventView.model_validate(e) for e in newest_events(session, kind, limit)]


def verify(ctx: AppContext) -> ChainReport:
    """Walk the hash chain and name the first broken event, if any."""
    with ctx.read() as session:
        return verify_chain(session)


def export(ctx: AppContext, out: TextIO, *, destination: str, actor: str) -> int:
    """Log the export (to ``destination``: a file name or ``stdout``), then write every
    event to ``out`` as JSON Lines, the export's own event included; returns the count."""
    with ctx.write() as session:
        record_event(session, actor, AuditExported(destination=destination))
    with ctx.read() as session:
        return export_jsonl(session, out)

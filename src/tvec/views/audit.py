"""Result model of the audit log: ``GET /api/audit`` and ``tvec audit list --json``."""

from __future__ import annotations

from typing import Any

from tvec.views.base import Timestamp, View


class AuditEventView(View):
    """One audit event as stored (the digest is described in docs/review.md)."""

    id: int
    at: Timestamp
    actor: str
    kind: str
    target: str | None
    data: dict[str, Any]
    prev_sha256: str
    sha256: str

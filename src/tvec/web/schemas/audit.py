"""Response model of the audit log API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditEventOut(BaseModel):
    """One audit event as stored (see docs/review.md for the digest)."""

    id: int
    at: datetime
    actor: str
    kind: str
    target: str | None
    data: dict[str, Any]
    prev_sha256: str
    sha256: str

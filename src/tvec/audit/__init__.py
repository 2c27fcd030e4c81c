"""The audit log: every action a person, an API client or tvec takes, as a hash chain.

Each :class:`~tvec.store.models.audit.AuditEvent` carries the SHA-256 of the event before it
(``prev_sha256``) and its own SHA-256 over its canonical JSON, so any edit or deletion
breaks the chain; :func:`verify_chain` names the first broken event.
"""

from tvec.audit.log import (
    GENESIS,
    AuditKind,
    ChainReport,
    event_digest,
    export_jsonl,
    record,
    verify_chain,
)

__all__ = [
    "GENESIS",
    "AuditKind",
    "ChainReport",
    "event_digest",
    "export_jsonl",
    "record",
    "verify_chain",
]

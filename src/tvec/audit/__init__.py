"""The audit log: every action a person, an API client or tvec takes, as a hash chain.

Each :class:`~tvec.store.models.audit.AuditEvent` carries the SHA-256 of the event before it
(``prev_sha256``) and its own SHA-256 over its canonical JSON, so any edit or deletion
breaks the chain; :func:`verify_chain` names the first broken event. Each event also
carries an HMAC under the audit key (:mod:`tvec.audit.keys`, a file outside the database),
so nobody without the key can append or recompute the chain, and the head is written out as
anchors (:mod:`tvec.audit.anchor`) that show truncation (``docs/security.md``).
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

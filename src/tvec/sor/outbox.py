"""The outbox of statements of reasons: batches of at most 100 to ``POST /api/v1/statements``
of the DSA Transparency Database, idempotent by ``puid``.

The API (``StatementMultipleAPIController``, ``docs/statements-of-reasons.md``) creates all
statements of a batch or none: ``201`` with ``{"statements": [...]}`` (each with its
``uuid`` and ``puid``); ``422`` with ``{"errors": {"statement_<i>": {field: [...]}}}`` when
any statement breaks a rule, or ``{"errors": {"puid": [...], "existing_puids": [...]}}``
when it already holds a ``puid``; ``401`` for a bad token. ``GET
/api/v1/statement/existing-puid/<puid>`` answers ``302`` when it holds the puid and ``404``
when not.

A batch is marked ``submitting`` (committed) before it is sent. An answer is recorded in the
same transaction as the states it changes. So a process killed after the API took a batch
but before tvec recorded the answer leaves the batch ``submitting``; the next run asks the
API about each of those puids and never sends one it already holds.

The functions here change rows in the session they are given; the caller
(:mod:`tvec.app.sor`) commits between steps.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.errors import ConfigError
from tvec.net.client import OutboundClient, PostResult
from tvec.settings import Settings
from tvec.sor.schema import BATCH_MAX, validate
from tvec.store.models import StatementOfReasons

#: The batch endpoint and the puid check, below the base URL.
STATEMENTS_PATH = "/api/v1/statements"
EXISTING_PUID_PATH = "/api/v1/statement/existing-puid/"


def base_url(settings: Settings) -> str:
    """The API's base URL for ``TVEC_SOR_ENVIRONMENT`` (no trailing slash).

    Raises:
        ConfigError: the sandbox is chosen but ``TVEC_SOR_SANDBOX_URL`` is unset.
    """
    if settings.sor_environment == "production":
        return settings.sor_production_url.rstrip("/")
    if not settings.sor_sandbox_url:
        raise ConfigError(
            "TVEC_SOR_SANDBOX_URL is unset: set the sandbox URL your Digital Services "
            "Coordinator gave you, or TVEC_SOR_ENVIRONMENT=production"
        )
    return settings.sor_sandbox_url.rstrip("/")


def api_token(settings: Settings) -> str:
    """The bearer token: ``TVEC_SOR_TOKEN``, else the first line of ``TVEC_SOR_AUTH_FILE``.

    Raises:
        ConfigError: neither is set, or the file cannot be read or is empty.
    """
    if settings.sor_token:
        return settings.sor_token.strip()
    if settings.sor_auth_file is None:
        raise ConfigError("no API token: set TVEC_SOR_TOKEN or TVEC_SOR_AUTH_FILE")
    try:
        text = settings.sor_auth_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"TVEC_SOR_AUTH_FILE {settings.sor_auth_file}: {exc.strerror}") from exc
    if not text:
        raise ConfigError(f"TVEC_SOR_AUTH_FILE {settings.sor_auth_file} is empty")
    return text.splitlines()[0].strip()


def headers(token: str) -> dict[str, str]:
    """Request headers of the API (as its documentation lists them)."""
    return {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json",
        "Content-Type": "application/json",
    }


@dataclass
class BatchOutcome:
    """What one answer did: puids per new state, and why the run must stop (or ``None``)."""

    submitted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    stop: str | None = None


def refuse_invalid(session: Session, now: datetime) -> list[str]:
    """Mark ``rejected`` every pending statement the local validator refuses (their
    ``errors`` hold the validator's field errors under ``"local"``); they are not sent."""
    out: list[str] = []
    for row in session.scalars(
        select(StatementOfReasons).where(StatementOfReasons.state == "pending")
    ):
        found = validate(row.payload)
        if found:
            row.state = "rejected"
            row.errors = {"local": found}
            row.last_error = "refused by the local validator"
            out.append(row.puid)
    session.flush()
    return out


def take_batch(session: Session, now: datetime, size: int = BATCH_MAX) -> list[StatementOfReasons]:
    """The next (at most ``size``, at most 100) pending statements, oldest first, marked
    ``submitting`` with one batch reference; commit before sending them."""
    rows = list(
        session.scalars(
            select(StatementOfReasons)
            .where(StatementOfReasons.state == "pending")
            .order_by(StatementOfReasons.id)
            .limit(min(size, BATCH_MAX))
        )
    )
    reference = uuid.uuid4().hex
    for row in rows:
        row.state = "submitting"
        row.batch = reference
        row.attempts += 1
        row.sent_at = now
    session.flush()
    return rows


def batch_body(rows: Sequence[StatementOfReasons]) -> bytes:
    """The JSON body of ``POST /api/v1/statements``: ``{"statements": [...]}``."""
    return json.dumps({"statements": [r.payload for r in rows]}, ensure_ascii=False).encode()


def _json(content: bytes) -> dict[str, Any]:
    try:
        found = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return found if isinstance(found, dict) else {}


def record_answer(
    rows: Sequence[StatementOfReasons], answer: PostResult, now: datetime
) -> BatchOutcome:
    """Record the API's answer to the batch of ``rows`` on them (see the module docstring).

    ``201``: all ``submitted`` (each with its ``uuid``). ``422`` per statement: those
    ``rejected`` with their field errors, the others ``pending`` again (the API created
    none). ``422`` for existing puids: those ``submitted`` (``uuid`` unknown,
    ``last_error`` says it was a duplicate), the others ``pending``. ``401`` and other
    ``4xx``: all ``pending`` and the run stops. No answer or ``5xx`` after the retries: the
    outcome is unknown, the rows stay ``submitting`` and the run stops.
    """
    out = BatchOutcome()
    body = _json(answer.content)
    if answer.status == 201:
        uuids: dict[str, str] = {}
        for made in body.get("statements") or []:
            if isinstance(made, dict) and made.get("puid"):
                uuids[str(made["puid"])] = str(made.get("uuid") or "")
        for row in rows:
            row.state = "submitted"
            row.uuid = uuids.get(row.puid) or None
            row.submitted_at = now
            row.errors = {}
            row.last_error = None
            out.submitted.append(row.puid)
        return out
    if answer.status == 422:
        errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
        assert isinstance(errors, dict)
        existing = errors.get("existing_puids")
        if isinstance(existing, list) and existing:
            held = {str(p) for p in existing}
            for row in rows:
                if row.puid in held:
                    row.state = "submitted"
                    row.submitted_at = now
                    row.last_error = "the API already held this puid (422, not unique)"
                    out.duplicates.append(row.puid)
                else:
                    row.state = "pending"
                    out.pending.append(row.puid)
            return out
        per_statement = {
            int(key.removeprefix("statement_")): value
            for key, value in errors.items()
            if key.startswith("statement_") and key.removeprefix("statement_").isdigit()
        }
        if per_statement:
            for index, row in enumerate(rows):
                if index in per_statement:
                    row.state = "rejected"
                    row.errors = {"api": per_statement[index]}
                    row.last_error = "refused by the API (422)"
                    out.rejected.append(row.puid)
                else:
                    row.state = "pending"
                    out.pending.append(row.puid)
            return out
    if answer.status is not None and 400 <= answer.status < 500:
        for row in rows:
            row.state = "pending"
            row.last_error = f"HTTP {answer.status}"
            out.pending.append(row.puid)
        what = "the API token was refused" if answer.status == 401 else "the API refused it"
        message = str(body.get("message") or "")[:200]
        out.stop = f"HTTP {answer.status} from {answer.url}: {what}" + (
            f" ({message})" if message else ""
        )
        return out
    problem = answer.error or f"HTTP {answer.status}"
    for row in rows:
        row.last_error = problem
        out.unknown.append(row.puid)
    out.stop = (
        f"no answer from {answer.url} after {answer.attempts} attempt(s): {problem}; the "
        "batch is kept as submitting and checked by puid on the next run"
    )
    return out


def unresolved(session: Session) -> list[StatementOfReasons]:
    """Statements sent in a batch whose answer was not recorded, oldest first."""
    return list(
        session.scalars(
            select(StatementOfReasons)
            .where(StatementOfReasons.state == "submitting")
            .order_by(StatementOfReasons.id)
        )
    )


def check_puid(client: OutboundClient, base: str, token: str, puid: str) -> bool | None:
    """Whether the API holds ``puid`` (``GET .../existing-puid/<puid>``: ``302`` yes,
    ``404`` no); ``None`` when it did not say (network fault, other status)."""
    answer = client.get(base + EXISTING_PUID_PATH + quote(puid, safe=""), headers=headers(token))
    if answer.status == 302:
        return True
    if answer.status == 404:
        return False
    return None


def resolve(row: StatementOfReasons, held: bool, now: datetime) -> None:
    """Record what the API said about an unresolved statement: held (``submitted``) or not
    (``pending``, to be sent again)."""
    if held:
        row.state = "submitted"
        row.submitted_at = now
        row.last_error = None
    else:
        row.state = "pending"

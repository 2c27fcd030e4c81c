"""CSV exports of cases and decisions (the web app's ``/export/cases.csv`` and
``/export/decisions.csv``).

UTF-8 CSV with a header row (RFC 4180, ``\\r\\n`` line ends), newest first. Times are
RFC 3339 UTC. Cells are CSV-injection safe (:mod:`tvec.views.csv`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.clock import rfc3339
from tvec.store.models.cases import Decision, ReviewCase
from tvec.views.csv import csv_text as _csv

CASE_COLUMNS = (
    "case_id",
    "item_id",
    "status",
    "priority",
    "entity",
    "signal_type",
    "source",
    "platform",
    "language",
    "opened_at",
    "updated_at",
)
DECISION_COLUMNS = (
    "decision_id",
    "case_id",
    "reviewer",
    "outcome",
    "ground_kind",
    "ground",
    "duplicate_of",
    "bank",
    "note",
    "decided_at",
)


def cases_csv(session: Session) -> str:
    """Every case as CSV (:data:`CASE_COLUMNS`), newest first."""
    cases = session.scalars(select(ReviewCase).order_by(ReviewCase.id.desc()))
    return _csv(
        CASE_COLUMNS,
        (
            (
                c.id,
                c.item_id,
                c.status,
                f"{c.priority:.2f}",
                c.entity,
                c.signal_type,
                c.source,
                c.platform,
                c.language,
                rfc3339(c.opened_at),
                rfc3339(c.updated_at),
            )
            for c in cases
        ),
    )


def decisions_csv(session: Session) -> str:
    """Every decision as CSV (:data:`DECISION_COLUMNS`), newest first."""
    decisions = session.scalars(select(Decision).order_by(Decision.id.desc()))
    return _csv(
        DECISION_COLUMNS,
        (
            (
                d.id,
                d.case_id,
                d.reviewer,
                d.outcome,
                d.ground_kind,
                d.ground,
                d.duplicate_of,
                d.bank,
                d.note,
                rfc3339(d.decided_at),
            )
            for d in decisions
        ),
    )

"""Result and request models of review: the queue, cases, decisions, flags and appeals.

``GET /api/cases`` answers with :class:`QueuePageView`, ``GET /api/cases/{id}`` with
:class:`CaseView`; decisions, flags and appeals with :class:`DecisionView`,
:class:`FlagView` and :class:`AppealView`. The ``*In`` models are the API's request bodies.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from tvec.views.base import Timestamp, View

#: Largest id a database integer column holds on both backends (PostgreSQL INTEGER).
MAX_ID = 2**31 - 1
#: A database id in a request body.
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]


class QueueRowView(View):
    """One case in the queue."""

    id: int
    priority: float = Field(description="0-10; see priority_parts on the case.")
    status: str
    opened_at: Timestamp
    entity: str | None
    signal_type: str | None
    source: str | None
    platform: str | None
    language: str | None
    item_id: int
    locator: str
    media_type: str


class QueuePageView(View):
    """A page of the queue; pass ``next_cursor`` as ``after`` for the next page."""

    cases: list[QueueRowView]
    next_cursor: str | None
    total: int = Field(description="Cases matching the filters, counted up to 10,000.")
    total_capped: bool = Field(
        default=False, description="More cases match than ``total`` (the count stops there)."
    )


class EvidenceView(View):
    """One piece of evidence on a case."""

    id: int
    kind: str
    confidence: float
    severity: str
    detail: dict[str, Any]


class AppealView(View):
    """An appeal and, once resolved, its outcome."""

    id: int
    decision_id: int
    filed_by: str
    on_behalf_of: str | None
    reason: str
    status: str
    reviewer: str | None
    resolution_note: str | None
    filed_at: Timestamp
    resolved_at: Timestamp | None


class DecisionView(View):
    """A decision on a case."""

    id: int
    case_id: int
    reviewer: str
    outcome: str
    ground_kind: str | None
    ground: str | None
    duplicate_of: int | None
    bank: str | None
    note: str | None
    decided_at: Timestamp
    appeals: list[AppealView] = Field(default_factory=list)


class CaseView(View):
    """A case with its item, evidence, priority parts, decisions and appeals."""

    id: int
    status: str
    priority: float
    priority_parts: dict[str, Any]
    item_id: int
    locator: str
    media_type: str
    text: str | None
    entity: str | None
    signal_type: str | None
    source: str | None
    platform: str | None
    language: str | None
    opened_at: Timestamp
    evidence: list[EvidenceView]
    decisions: list[DecisionView]


class FlagView(View):
    """The case a flag opened or joined."""

    case_id: int
    priority: float
    status: str


class EarlierDecisionView(View):
    """A decision on another case about the same content (same item, or same SHA-256)."""

    case_id: int
    outcome: str
    ground: str | None
    reviewer: str
    decided_at: Timestamp


class DecisionIn(BaseModel):
    """A decision: ``remove`` needs ``ground_kind`` and ``ground``; ``duplicate`` needs
    ``duplicate_of``; ``bank`` (removals only) adds the item's signals to that bank."""

    outcome: Literal["remove", "no_violation", "escalate", "duplicate"]
    ground_kind: Literal["designated_entity", "tos"] | None = None
    ground: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, max_length=5000)
    duplicate_of: BodyId | None = None
    bank: str | None = Field(default=None, max_length=200)


class BulkDecisionIn(DecisionIn):
    """The same decision on several cases (all or nothing)."""

    case_ids: list[BodyId] = Field(min_length=1, max_length=500)


class FlagIn(BaseModel):
    """Flag an item for review (opens its case, or joins the open one)."""

    kind: Literal["flag", "trusted_flagger", "verified_source", "indicator"] = "flag"
    severity: Literal["threat_to_life", "crisis", "designated_propaganda", "other"] = "other"
    note: str | None = Field(default=None, max_length=5000)
    entity: str | None = Field(default=None, max_length=200)


class AppealIn(BaseModel):
    """An appeal of a decision, by API or by a reviewer on the user's behalf."""

    reason: str = Field(min_length=1, max_length=5000)
    on_behalf_of: str | None = Field(default=None, max_length=200)


class ResolveIn(BaseModel):
    """A different reviewer's resolution of an appeal."""

    outcome: Literal["uphold", "overturn"]
    note: str | None = Field(default=None, max_length=5000)

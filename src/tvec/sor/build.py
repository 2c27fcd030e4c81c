"""Statements of reasons from tvec's records: one per ``remove`` decision on a case.

Which removals get one (``docs/statements-of-reasons.md``): every reviewer decision with
outcome ``remove``. Removals on the hosting side recorded under ``orders/`` are executions of
removal orders of Regulation (EU) 2021/784, orders of a competent authority in the sense of
Article 9 DSA, to which Article 17 DSA does not apply (Article 17(5)); tvec records no other
hosting-side removal, so they produce none.

No personal data goes into a statement: no reviewer name, no note, no URL or locator of the
item, no text of the item and no entity name (a designation is described by its list and
jurisdiction only). Free text is built from fixed sentences and counts.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.settings import Settings
from tvec.sor.schema import LANGUAGES
from tvec.store.models import CaseEvidence, Decision, Item, ReviewCase, StatementOfReasons

#: Earliest content_date the API accepts.
EARLIEST_CONTENT_DATE = date(2000, 1, 1)
#: Evidence kinds found by automated means (hash matching, indicator matching).
AUTOMATED_EVIDENCE = frozenset({"match", "indicator"})

_CONTENT_TYPES = {
    "photo": "CONTENT_TYPE_IMAGE",
    "video": "CONTENT_TYPE_VIDEO",
    "text": "CONTENT_TYPE_TEXT",
}
_MEDIA_PREFIXES = {
    "image/": "CONTENT_TYPE_IMAGE",
    "video/": "CONTENT_TYPE_VIDEO",
    "audio/": "CONTENT_TYPE_AUDIO",
    "text/": "CONTENT_TYPE_TEXT",
}


def puid_for_decision(settings: Settings, decision_id: int) -> str:
    """The ``puid`` of the statement of decision ``decision_id``:
    ``<TVEC_SOR_PUID_PREFIX>-decision-<id>`` (letters, digits, ``-``, ``_``)."""
    return f"{settings.sor_puid_prefix}-decision-{decision_id}"


def _day(when: datetime) -> date:
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC).date()


def content_type(item: Item) -> list[str]:
    """``content_type`` of ``item``: from tvec's kind (photo, video, text), else its media
    type; anything else is ``CONTENT_TYPE_OTHER``."""
    found = _CONTENT_TYPES.get(item.content_type)
    if found:
        return [found]
    for prefix, value in _MEDIA_PREFIXES.items():
        if (item.media_type or "").startswith(prefix):
            return [value]
    return ["CONTENT_TYPE_OTHER"]


def _designation(ground: str) -> str:
    """A designation ground without the entity's name: ``"on the designation list LIST
    (JURISDICTION, date)"``, or a general phrase for a bare name."""
    _, sep, listing = ground.partition(": ")
    if sep and listing.strip():
        return f"on the designation list {listing.strip()}"
    return "on a terrorist designation list"


def _facts(evidence: list[CaseEvidence], signal_types: list[str]) -> str:
    kinds = Counter(e.kind for e in evidence)
    parts: list[str] = []
    if kinds.get("match"):
        how = ", ".join(sorted(set(signal_types))) or "hash"
        parts.append(
            f"{kinds['match']} match(es) against hash lists of known terrorist content ({how})"
        )
    if kinds.get("indicator"):
        parts.append(f"{kinds['indicator']} indicator hit(s) of a designated organisation")
    for kind, words in (
        ("trusted_flagger", "notice(s) of a trusted flagger"),
        ("verified_source", "report(s) of a verified source"),
        ("flag", "flag(s) raised by staff"),
    ):
        if kinds.get(kind):
            parts.append(f"{kinds[kind]} {words}")
    found = "; ".join(parts) if parts else "review of the content"
    return (
        f"The content was identified by {found}. A human reviewer assessed it and decided to "
        "remove it as terrorist content."
    )


def build_payload(
    settings: Settings,
    decision: Decision,
    case: ReviewCase,
    item: Item,
    evidence: list[CaseEvidence],
    signal_types: list[str],
) -> dict[str, Any]:
    """The statement of reasons of one ``remove`` decision, in the API's schema.

    Args:
        settings: the ``TVEC_SOR_*`` settings (puid prefix, territorial scope, legal ground,
            terms URL).
        decision: the removal (``ground_kind`` ``designated_entity`` or ``tos``).
        case, item: its case and the case's item.
        evidence: the case's evidence (kinds decide ``source_type`` and
            ``automated_detection``).
        signal_types: signal types of the case's bank matches (for ``decision_facts``).

    Returns:
        Field name -> JSON value; fields the API does not need are left out.
    """
    kinds = {e.kind for e in evidence}
    payload: dict[str, Any] = {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "category": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
        "category_specification": ["KEYWORD_TERRORIST_CONTENT"],
        "content_type": content_type(item),
        "content_date": max(
            _day(item.posted_at or item.collected_at), EARLIEST_CONTENT_DATE
        ).isoformat(),
        "application_date": _day(decision.decided_at).isoformat(),
        "territorial_scope": list(settings.sor_territorial_scope),
        "decision_facts": _facts(evidence, signal_types),
        "source_type": "SOURCE_TRUSTED_FLAGGER"
        if "trusted_flagger" in kinds
        else "SOURCE_VOLUNTARY",
        "automated_detection": "Yes" if kinds & AUTOMATED_EVIDENCE else "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "puid": puid_for_decision(settings, decision.id),
    }
    if payload["content_type"] == ["CONTENT_TYPE_OTHER"]:
        payload["content_type_other"] = "File"
    language = (case.language or "").split("-")[0].upper()
    if language in LANGUAGES:
        payload["content_language"] = language
    if decision.ground_kind == "designated_entity":
        payload["decision_ground"] = "DECISION_GROUND_ILLEGAL_CONTENT"
        payload["illegal_content_legal_ground"] = settings.sor_legal_ground
        payload["illegal_content_explanation"] = (
            "The content is terrorist content within the meaning of Article 2(7) of "
            "Regulation (EU) 2021/784: it promotes or supports an organisation "
            f"{_designation(decision.ground or '')}."
        )
    else:
        payload["decision_ground"] = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
        payload["incompatible_content_ground"] = (decision.ground or "terms of service")[:500]
        payload["incompatible_content_explanation"] = (
            "The content promotes or supports terrorism or violent extremism, which the terms "
            "of service clause named in the ground prohibit."
        )
        if settings.sor_terms_url:
            payload["decision_ground_reference_url"] = settings.sor_terms_url
    return payload


def missing_decisions(session: Session) -> list[Decision]:
    """``remove`` decisions that have no statement yet, oldest first."""
    have = select(StatementOfReasons.decision_id).where(StatementOfReasons.decision_id.is_not(None))
    return list(
        session.scalars(
            select(Decision)
            .where(Decision.outcome == "remove", Decision.id.not_in(have))
            .order_by(Decision.id)
        )
    )


def make_statements(
    session: Session, settings: Settings, now: datetime
) -> list[StatementOfReasons]:
    """Add a ``pending`` statement for every ``remove`` decision that has none.

    Returns:
        The statements added (flushed, not committed).
    """
    from tvec.store.models import BankEntry, Match

    added: list[StatementOfReasons] = []
    for decision in missing_decisions(session):
        case = session.get(ReviewCase, decision.case_id)
        if case is None:
            continue
        item = session.get(Item, case.item_id)
        if item is None:
            continue
        evidence = list(case.evidence)
        match_ids = [e.match_id for e in evidence if e.match_id is not None]
        signal_types = (
            list(
                session.scalars(
                    select(BankEntry.signal_type).join(Match).where(Match.id.in_(match_ids))
                )
            )
            if match_ids
            else []
        )
        row = StatementOfReasons(
            puid=puid_for_decision(settings, decision.id),
            decision_id=decision.id,
            payload=build_payload(settings, decision, case, item, evidence, signal_types),
            state="pending",
            created_at=now,
        )
        session.add(row)
        added.append(row)
    session.flush()
    return added

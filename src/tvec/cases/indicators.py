"""Opening cases from indicator hits: names of designated groups and their outlets in text.

The analysis stage (:mod:`tvec.analysis.pipeline`) stores every hit of an entity or outlet
name in an item's text or OCR text (``indicator_hit``). Each item with hits gets a case (or
joins its open one) with one piece of ``indicator`` evidence per hit: confidence from
``TVEC_CONFIDENCE_WEIGHTS["indicator"]`` (lower than any hash match), severity
``designated_propaganda``. The evidence keeps the entity, outlet, alias, the span in the
original text and the normalisation steps, so a reviewer sees why it fired.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tvec.audit.events import CaseOpened, record_event
from tvec.cases.service import OpenReport, _open_case, rescore
from tvec.entities import EntityRegistry
from tvec.entities.resolve import entity_registry
from tvec.errors import NotFoundError
from tvec.settings import Settings
from tvec.store.models import Item, ScanItem
from tvec.store.models.analysis import ItemIndicatorHit
from tvec.store.models.cases import CaseEvidence, ReviewCase

INDICATOR = "indicator"


def _names(registry: EntityRegistry, hit: ItemIndicatorHit) -> tuple[str, str | None]:
    try:
        entity = registry.get(hit.entity_id)
    except NotFoundError:
        return hit.entity_id, hit.outlet_id
    outlet = next((o.name for o in entity.outlets if o.id == hit.outlet_id), hit.outlet_id)
    return entity.name, outlet


def hit_key(hit: ItemIndicatorHit) -> str:
    """What makes two hits the same finding (stable when an item is analysed again)."""
    return "|".join(
        (
            hit.entity_id,
            hit.outlet_id or "",
            hit.field,
            str(hit.span_start),
            str(hit.span_end),
            hit.matched_text,
        )
    )


def hit_detail(registry: EntityRegistry, hit: ItemIndicatorHit) -> dict[str, Any]:
    """The evidence detail of one hit: what fired, where, and how the text was disguised."""
    entity, outlet = _names(registry, hit)
    named = f"{outlet} ({entity})" if outlet else entity
    steps = list(hit.steps or [])
    how = f", after {', '.join(steps)}" if steps else ""
    return {
        "what": f"indicator: {hit.matched_text!r} in {hit.field} names {named}{how}",
        "indicator_hit_id": hit.id,
        "hit_key": hit_key(hit),
        "entity": entity,
        "labels": {
            "entity": entity,
            **({"outlet": outlet} if outlet else {}),
            "alias": hit.alias,
            "field": hit.field,
            "span": f"{hit.span_start}-{hit.span_end}",
            **({"steps": ", ".join(steps)} if steps else {}),
        },
    }


def open_cases_for_indicator_hits(
    session: Session, scan_id: int, settings: Settings, registry: EntityRegistry | None = None
) -> OpenReport:
    """Open or join a case for every item with indicator hits seen by scan ``scan_id``, and
    for every item with hits and no case at all, whatever run stored them.

    Hits already on the item's open case (same entity, field, span and text) are skipped, so
    scanning or analysing again adds nothing. The second group makes cases come from the
    state of the store: the hits of a scan or poll killed before it opened its cases get
    them at the end of the next run, even one that does not see those items again (issue
    16, finding 1).
    """
    registry = registry or entity_registry(settings, session)
    seen = select(ScanItem.item_id).where(ScanItem.scan_id == scan_id)
    has_case = select(ReviewCase.id).where(ReviewCase.item_id == ItemIndicatorHit.item_id)
    by_item: dict[int, list[ItemIndicatorHit]] = defaultdict(list)
    for hit in session.scalars(
        select(ItemIndicatorHit)
        .where(or_(ItemIndicatorHit.item_id.in_(seen), ~has_case.exists()))
        .order_by(ItemIndicatorHit.item_id, ItemIndicatorHit.id)
    ):
        by_item[hit.item_id].append(hit)
    report = OpenReport()
    confidence = settings.confidence_weights.get(INDICATOR, 0.0)
    for item_id, hits in by_item.items():
        case, new = _open_case(session, session.get_one(Item, item_id))
        known = {e.detail.get("hit_key") for e in case.evidence if e.kind == INDICATOR}
        added = 0
        for hit in hits:
            if hit_key(hit) in known:
                continue
            known.add(hit_key(hit))
            case.evidence.append(
                CaseEvidence(
                    kind=INDICATOR,
                    confidence=confidence,
                    severity="designated_propaganda",
                    detail=hit_detail(registry, hit),
                )
            )
            added += 1
        if not added:
            continue
        rescore(case, settings)
        if new:
            report.opened += 1
            record_event(
                session,
                "tvec",
                CaseOpened(case_id=case.id, item_id=item_id, priority=case.priority, by=INDICATOR),
            )
        else:
            report.joined += 1
    return report

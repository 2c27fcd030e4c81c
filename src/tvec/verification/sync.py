"""Attributions that tvec derives: from reviewers' removals and from the verified-bank rule.

:func:`sync_attributions` attributes every out-link sighted in the item tree of a ``remove``
decision in force (method ``decision``) and of a match in a bank named by
``TVEC_ALERT_VERIFIED_BANKS`` (method ``rule``), and withdraws those whose decision is no
longer in force. Precedence: a person's attribution is never overwritten by tvec, a
decision's never by a rule; a decision replaces a rule's (:mod:`tvec.verification.attribution`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tvec.audit.events import UrlAttributed, record_event
from tvec.entities import EntityRegistry
from tvec.entities.resolve import entity_for_label, entity_registry
from tvec.settings import Settings
from tvec.store.models import (
    Alert,
    Attribution,
    Bank,
    BankEntry,
    Decision,
    Match,
    Outlink,
    ReviewCase,
    utcnow,
)
from tvec.verification.attribution import PRECEDENCE, attribution_values, store_attribution
from tvec.verification.kinds import infer_content_kind
from tvec.verification.trees import item_tree, sighted_outlinks


@dataclass(frozen=True)
class _Derived:
    outlink_id: int
    entity: str
    content_kind: str
    method: str
    attributed_by: str
    rule: str | None
    case_id: int | None
    note: str


def _decision_in_force(decision: Decision) -> bool:
    """A removal that is still the case's last word: its latest decision, not overturned."""
    case = decision.case
    if not case.decisions or case.decisions[-1].id != decision.id:
        return False
    return not any(appeal.status == "overturned" for appeal in decision.appeals)


def _removals_in_force(session: Session) -> list[Decision]:
    """Every ``remove`` decision that is still its case's last word."""
    decisions = session.scalars(
        select(Decision)
        .where(Decision.outcome == "remove")
        .order_by(Decision.decided_at, Decision.id)
        .options(
            selectinload(Decision.case).selectinload(ReviewCase.decisions),
            selectinload(Decision.appeals),
        )
    )
    return [d for d in decisions if _decision_in_force(d)]


def _from_decisions(
    session: Session, registry: EntityRegistry, removals: Sequence[Decision]
) -> Iterable[_Derived]:
    for decision in removals:
        case = decision.case
        entity = entity_for_label(registry, case.entity)
        if entity is None:
            continue
        anchor, tree = item_tree(session, case.item_id)
        kind = infer_content_kind(anchor, tree)
        for outlink_id in sighted_outlinks(session, tree):
            yield _Derived(
                outlink_id,
                entity.id,
                kind,
                "decision",
                decision.reviewer,
                None,
                case.id,
                f"remove decision {decision.id} on case {case.id}",
            )


def _from_verified_banks(
    session: Session, registry: EntityRegistry, banks: Sequence[str]
) -> Iterable[_Derived]:
    if not banks:
        return
    rows = session.execute(
        select(Match.id, Match.item_id, BankEntry.entity, Bank.name)
        .join(BankEntry, Match.bank_entry_id == BankEntry.id)
        .join(Bank, BankEntry.bank_id == Bank.id)
        .where(Bank.name.in_(list(banks)), BankEntry.entity.is_not(None))
        .order_by(Match.id)
    )
    trees: dict[int, tuple[str, list[int]]] = {}
    for match_id, item_id, label, bank in rows:
        entity = entity_for_label(registry, label)
        if entity is None:
            continue
        if item_id not in trees:
            anchor, tree = item_tree(session, item_id)
            trees[item_id] = (infer_content_kind(anchor, tree), sighted_outlinks(session, tree))
        kind, outlink_ids = trees[item_id]
        for outlink_id in outlink_ids:
            yield _Derived(
                outlink_id,
                entity.id,
                kind,
                "rule",
                "rule",
                f"verified-bank:{bank}",
                None,
                f"match {match_id} in verified bank {bank}",
            )


def _withdraw(session: Session, attribution: Attribution, reason: str) -> None:
    """Remove an attribution whose ground is gone; an unsent alert of its URL goes too."""
    outlink = session.get_one(Outlink, attribution.outlink_id)
    queued = session.scalars(
        select(Alert).where(Alert.outlink_id == outlink.id, Alert.status == "queued")
    ).one_or_none()
    if queued is not None and queued.attempts == 0:
        session.delete(queued)
    elif queued is not None:  # attempts are on record: keep the alert, never send it
        queued.status, queued.next_attempt_at = "failed", None
        queued.last_error = f"attribution withdrawn: {reason}"
    old = attribution_values(attribution)
    session.delete(attribution)
    session.flush()
    record_event(
        session,
        "tvec",
        UrlAttributed(outlink_id=outlink.id, url=outlink.url, old=old, new=None, reason=reason),
    )


def sync_attributions(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Derive attributions from reviewers' removals and the verified-bank rule.

    See the module docstring for the sources and the precedence. An attribution made from a
    decision that is no longer in force (overturned on appeal, or followed by another
    decision) is withdrawn, with the URL's alert if it was not sent yet. Running it again
    changes nothing. Returns how many attributions were created, replaced or withdrawn (each
    recorded in the audit log, actor ``tvec``).
    """
    now = now or utcnow()
    registry = entity_registry(settings, session)
    removals = _removals_in_force(session)
    in_force = {d.case_id for d in removals}
    changed = 0
    stale = session.scalars(
        select(Attribution).where(
            Attribution.method == "decision", Attribution.case_id.is_not(None)
        )
    )
    for attribution in list(stale):
        if attribution.case_id not in in_force:
            reason = f"the removal decision on case {attribution.case_id} is no longer in force"
            _withdraw(session, attribution, reason)
            changed += 1
    chosen: dict[int, _Derived] = {}
    for derived in (
        *_from_decisions(session, registry, removals),
        *_from_verified_banks(session, registry, settings.alert_verified_banks),
    ):
        best = chosen.get(derived.outlink_id)
        if best is None or PRECEDENCE[derived.method] < PRECEDENCE[best.method]:
            chosen[derived.outlink_id] = derived
    if not chosen:
        return changed
    existing = {
        a.outlink_id: a
        for a in session.scalars(
            select(Attribution).where(Attribution.outlink_id.in_(list(chosen)))
        )
    }
    for outlink_id, derived in sorted(chosen.items()):
        current = existing.get(outlink_id)
        if current is not None and PRECEDENCE[current.method] <= PRECEDENCE[derived.method]:
            continue
        values = {
            "entity": derived.entity,
            "content_kind": derived.content_kind,
            "graphic": False,
            "method": derived.method,
            "attributed_by": derived.attributed_by,
            "rule": derived.rule,
            "case_id": derived.case_id,
            "note": derived.note,
        }
        outlink = session.get_one(Outlink, outlink_id)
        store_attribution(session, outlink, current, "tvec", values, now)
        changed += 1
    return changed

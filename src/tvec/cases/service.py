"""Cases: opening them from matches and flags, deciding, appealing, and reading the queue.

Every function works in the caller's session (one transaction) and records what a person
did in the audit log. ``actor`` arguments are :class:`~tvec.accounts.Principal` objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tvec.accounts import Principal, allowed, require
from tvec.audit.events import (
    AppealFiled,
    AppealResolved,
    BankAdded,
    CaseFlagged,
    CaseOpened,
    DecisionRecorded,
    DecisionUndone,
    record_event,
)
from tvec.audit.log import AuditKind
from tvec.cases import webhooks
from tvec.cases.grounds import check_designation_ground, check_tos_ground
from tvec.cases.priority import (
    PRIORITY_FLAG_KINDS,
    PRIORITY_SEVERITIES,
    EvidencePart,
    check_severity,
    match_confidence,
    score,
    severity_of,
)
from tvec.cases.queue import source_of_locator
from tvec.clock import rfc3339
from tvec.entities import EntityRegistry
from tvec.entities.resolve import entity_registry
from tvec.errors import ConflictError, NotFoundError, PermissionDeniedError, UsageError
from tvec.settings import Settings
from tvec.signals import get_signal_type
from tvec.store.bank_changes import ADD, record_change
from tvec.store.models import Bank, BankEntry, Item, Match, Signal, Source, utcnow
from tvec.store.models.alerts import Attribution
from tvec.store.models.audit import AuditEvent
from tvec.store.models.cases import OPEN_STATUSES, Appeal, CaseEvidence, Decision, ReviewCase
from tvec.store.models.sor import StatementOfReasons
from tvec.views.cases import AppealView, CaseView, DecisionView, EvidenceView

#: Decision outcomes.
OUTCOMES = ("remove", "no_violation", "escalate", "duplicate")
#: Kinds of removal ground: a designated entity (and which designation), or a ToS clause.
GROUND_KINDS = ("designated_entity", "tos")
#: Characters a decision's note may hold (the API's ``DecisionIn`` has the same limit).
MAX_NOTE = 5000
#: Signal types a decision may add to a bank (URLs and raw text are not the content itself).
BANKABLE_SIGNAL_TYPES = frozenset({"md5", "sha256", "pdq", "video_md5", "text", "text_tlsh"})


@dataclass
class OpenReport:
    """What opening cases did: cases opened, and evidence that joined an open case."""

    opened: int = 0
    joined: int = 0


def _item_filters(session: Session, item: Item) -> dict[str, str | None]:
    """Source, platform and language of an item (from its source, or its parent's)."""
    source: Source | None = None
    node: Item | None = item
    while node is not None and source is None:
        if node.source_id is not None:
            source = session.get(Source, node.source_id)
        node = node.parent
    meta = item.meta or {}
    language = meta.get("language") or (source.language if source else None)
    root = item
    while root.parent is not None:
        root = root.parent
    return {
        "source": source.name if source else source_of_locator(root.locator),
        "platform": source.platform if source else meta.get("platform"),
        "language": str(language)[:16] if language else None,
    }


def _open_case(session: Session, item: Item) -> tuple[ReviewCase, bool]:
    case = session.scalars(
        select(ReviewCase).where(
            ReviewCase.item_id == item.id, ReviewCase.status.in_(OPEN_STATUSES)
        )
    ).one_or_none()
    if case is not None:
        return case, False
    case = ReviewCase(item_id=item.id, status="open", **_item_filters(session, item))
    session.add(case)
    session.flush()
    return case, True


def rescore(case: ReviewCase, settings: Settings) -> None:
    """Recompute a case's priority, its parts and its entity/signal-type filters."""
    parts = [
        EvidencePart(e.kind, e.confidence, e.severity, str(e.detail.get("what", e.kind)))
        for e in case.evidence
    ]
    case.priority, case.priority_parts = score(parts, settings)
    strongest = max(case.evidence, key=lambda e: e.confidence, default=None)
    if strongest is not None:
        case.signal_type = strongest.detail.get("signal_type") or case.signal_type
    entity = next((e.detail["entity"] for e in case.evidence if e.detail.get("entity")), None)
    case.entity = entity or case.entity
    case.updated_at = utcnow()


def open_cases_for_scan(session: Session, scan_id: int, settings: Settings) -> OpenReport:
    """Open a case for every item with a match that has none yet: the matches of scan
    ``scan_id`` and any match an earlier run stored without opening its case (a scan or poll
    killed or interrupted between storing a match and the end of its run). New evidence joins
    the item's open case; matches already on a case are skipped, so running it twice adds
    nothing. ``settings`` gives the scoring weights and the PDQ threshold.

    Cases are opened from the state of the store, not from one scan's bookkeeping: a match
    that should reach a reviewer always does, at the latest by the end of the next run.
    """
    return open_pending_cases(session, settings)


def open_pending_cases(session: Session, settings: Settings) -> OpenReport:
    """Open or join a case for every stored match that is on no case (see
    :func:`open_cases_for_scan`)."""
    query = (
        select(Match, BankEntry, Bank.name)
        .join(BankEntry, Match.bank_entry_id == BankEntry.id)
        .join(Bank, BankEntry.bank_id == Bank.id)
        .where(~select(CaseEvidence.id).where(CaseEvidence.match_id == Match.id).exists())
        .order_by(Match.item_id, Match.id)
    )
    rows = [(m, e, str(b)) for m, e, b in session.execute(query)]
    return open_cases_for_matches(session, rows, settings)


def open_cases_for_matches(
    session: Session,
    rows: Sequence[tuple[Match, BankEntry, str]],
    settings: Settings,
) -> OpenReport:
    """Open or join cases for ``(match, bank entry, bank name)`` rows (see
    :func:`open_cases_for_scan`)."""
    current = settings
    report = OpenReport()
    by_item: dict[int, list[tuple[Match, BankEntry, str]]] = defaultdict(list)
    for row in rows:
        by_item[row[0].item_id].append(row)
    for item_id, matches in by_item.items():
        item = session.get_one(Item, item_id)
        case, new = _open_case(session, item)
        for match, entry, bank in matches:
            labels = entry.labels()
            kind, confidence = match_confidence(
                match.signal_type,
                match.distance,
                current.confidence_weights,
                current.pdq_threshold,
            )
            case.evidence.append(
                CaseEvidence(
                    kind=kind,
                    match_id=match.id,
                    confidence=confidence,
                    severity=severity_of(labels),
                    detail={
                        "what": f"{match.signal_type} match in bank {bank} "
                        f"(distance {match.distance})",
                        "bank": bank,
                        "entry_id": entry.id,
                        "signal_type": match.signal_type,
                        "value": match.value,
                        "entry_value": entry.value,
                        "distance": match.distance,
                        "entity": labels.get("entity"),
                        "labels": labels,
                    },
                )
            )
        rescore(case, current)
        if new:
            report.opened += 1
            opened = CaseOpened(case_id=case.id, item_id=item_id, priority=case.priority)
            record_event(session, "tvec", opened)
        else:
            report.joined += 1
    return report


def flag_item(
    session: Session,
    item_id: int,
    actor: Principal,
    settings: Settings,
    *,
    kind: str = "flag",
    severity: str = "other",
    note: str | None = None,
    entity: str | None = None,
) -> ReviewCase:
    """A person, trusted flagger or verified source flags an item: open (or join) its case.

    Args:
        kind: ``flag``, ``trusted_flagger``, ``verified_source`` or ``indicator``.
        severity: one of :data:`~tvec.cases.priority.SEVERITIES`.

    A kind in :data:`~tvec.cases.priority.PRIORITY_FLAG_KINDS` or a severity in
    :data:`~tvec.cases.priority.PRIORITY_SEVERITIES` raises the case above a plain flag
    (with the default weights, 9.0 for a verified source flag of a threat to life against
    3.5 for a plain flag) and needs ``case.flag_priority``, which only roles that may verify
    hold.

    Raises:
        PermissionDeniedError: the actor may not flag, or may not flag with that kind or
            severity.
        NotFoundError: no such item.
        UsageError: unknown kind or severity.
    """
    require(actor.role, "case.flag")
    if kind not in settings.confidence_weights or kind in ("exact_hash", "near_hash"):
        raise UsageError(f"unknown flag kind {kind!r}")
    check_severity(severity)
    raised = [
        part
        for part, limited in (
            (f"kind {kind}", kind in PRIORITY_FLAG_KINDS),
            (f"severity {severity}", severity in PRIORITY_SEVERITIES),
        )
        if limited
    ]
    if raised and not allowed(actor.role, "case.flag_priority"):
        raise PermissionDeniedError(
            f"role {actor.role!r} may not flag with {' and '.join(raised)}: that raises the "
            "case's priority and needs case.flag_priority (admin, analyst); flag with kind "
            "flag and severity designated_propaganda or other"
        )
    item = session.get(Item, item_id)
    if item is None:
        raise NotFoundError(f"no item {item_id}")
    case, _ = _open_case(session, item)
    case.evidence.append(
        CaseEvidence(
            kind=kind,
            confidence=settings.confidence_weights[kind],
            severity=severity,
            detail={"what": f"{kind} by {actor.username}", "note": note, "entity": entity},
        )
    )
    rescore(case, settings)
    record_event(
        session,
        actor.actor,
        CaseFlagged(case_id=case.id, item_id=item_id, kind=kind, severity=severity, note=note),
    )
    return case


def get_decision(session: Session, decision_id: int) -> Decision:
    """The decision with id ``decision_id``.

    Raises:
        NotFoundError: no such decision.
    """
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise NotFoundError(f"no decision {decision_id}")
    return decision


def get_appeal(session: Session, appeal_id: int) -> Appeal:
    """The appeal with id ``appeal_id``.

    Raises:
        NotFoundError: no such appeal.
    """
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFoundError(f"no appeal {appeal_id}")
    return appeal


def appeal_view(appeal: Appeal) -> AppealView:
    """The result model of an appeal."""
    return AppealView.model_validate(appeal)


def decision_view(decision: Decision) -> DecisionView:
    """The result model of a decision, with its appeals."""
    return DecisionView(
        id=decision.id,
        case_id=decision.case_id,
        reviewer=decision.reviewer,
        outcome=decision.outcome,
        ground_kind=decision.ground_kind,
        ground=decision.ground,
        duplicate_of=decision.duplicate_of,
        bank=decision.bank,
        note=decision.note,
        decided_at=decision.decided_at,
        appeals=[appeal_view(a) for a in decision.appeals],
    )


def case_view(case: ReviewCase) -> CaseView:
    """The result model of a case: its item, evidence, priority parts, decisions, appeals."""
    return CaseView(
        id=case.id,
        status=case.status,
        priority=case.priority,
        priority_parts=case.priority_parts,
        item_id=case.item_id,
        locator=case.item.locator,
        media_type=case.item.media_type,
        text=case.item.text,
        entity=case.entity,
        signal_type=case.signal_type,
        source=case.source,
        platform=case.platform,
        language=case.language,
        opened_at=case.opened_at,
        evidence=[EvidenceView.model_validate(e) for e in case.evidence],
        decisions=[decision_view(d) for d in case.decisions],
    )


def get_case(session: Session, case_id: int) -> ReviewCase:
    """The case with id ``case_id``.

    Raises:
        NotFoundError: no such case.
    """
    case = session.get(ReviewCase, case_id)
    if case is None:
        raise NotFoundError(f"no case {case_id}")
    return case


@dataclass(frozen=True)
class DecisionRequest:
    """What a reviewer decided (see :func:`decide`)."""

    outcome: str
    ground_kind: str | None = None
    ground: str | None = None
    note: str | None = None
    duplicate_of: int | None = None
    bank: str | None = None


def _check_request(
    session: Session,
    case: ReviewCase,
    request: DecisionRequest,
    settings: Settings,
    registry: EntityRegistry | None,
) -> None:
    if request.outcome not in OUTCOMES:
        raise UsageError(f"unknown outcome {request.outcome!r} (known: {', '.join(OUTCOMES)})")
    if request.note is not None and len(request.note) > MAX_NOTE:
        raise UsageError(
            f"the note has {len(request.note):,} characters; at most {MAX_NOTE:,} are kept: "
            "shorten it"
        )
    has_ground = request.ground_kind in GROUND_KINDS and (request.ground or "").strip()
    if request.outcome == "remove" and not has_ground:
        raise UsageError(
            "a removal needs a policy ground: ground_kind designated_entity or tos, "
            "and the ground (designation or clause)"
        )
    if request.outcome == "remove" and request.ground_kind == "tos" and request.ground:
        check_tos_ground(request.ground, settings.tos_grounds)
    if request.outcome == "remove" and request.ground_kind == "designated_entity":
        names = {case.entity} | {e.detail.get("entity") for e in case.evidence}
        known = registry if registry is not None else entity_registry(settings, session)
        check_designation_ground(request.ground or "", names, known)
    if request.outcome == "duplicate":
        if request.duplicate_of is None or request.duplicate_of == case.id:
            raise UsageError("a duplicate needs duplicate_of: the id of another case")
        if session.get(ReviewCase, request.duplicate_of) is None:
            raise NotFoundError(f"no case {request.duplicate_of} to be a duplicate of")
    if request.bank is not None and request.outcome != "remove":
        raise UsageError("only a removal can add the item's signals to a bank")


def decide(
    session: Session,
    case_id: int,
    actor: Principal,
    request: DecisionRequest,
    settings: Settings,
    registry: EntityRegistry | None = None,
) -> Decision:
    """Record a decision on an open (or escalated) case.

    ``remove``, ``no_violation`` and ``duplicate`` close the review (status ``decided``);
    ``escalate`` keeps the case waiting with status ``escalated``. A removal with ``bank``
    adds the item's signals (and its media's) to that bank. A removal's ground is checked
    (:mod:`tvec.cases.grounds`): a ``tos`` clause must be one of
    ``TVEC_TOS_GROUNDS``, a designation must be known to ``registry`` (default: the
    registry in force, :func:`tvec.entities.resolve.entity_registry`) or offered for the
    case.

    Raises:
        PermissionDeniedError: the actor may not decide (or may not write banks).
        NotFoundError: no such case, duplicate target or bank.
        ConflictError: the case is not waiting for a decision.
        UsageError: unknown outcome, a removal without ground or with an unknown one, a
            duplicate without target, a note over :data:`MAX_NOTE` characters.
    """
    require(actor.role, "case.decide")
    case = get_case(session, case_id)
    if case.status not in OPEN_STATUSES:
        raise ConflictError(f"case {case_id} is {case.status}, not waiting for a decision")
    _check_request(session, case, request, settings, registry)
    added = 0
    if request.bank is not None:
        require(actor.role, "bank.write")
        added = add_item_signals_to_bank(session, case, request.bank, actor, settings)
    decision = Decision(
        case_id=case.id,
        reviewer_id=actor.account_id,
        reviewer=actor.username,
        outcome=request.outcome,
        ground_kind=request.ground_kind if request.outcome == "remove" else None,
        ground=request.ground if request.outcome == "remove" else None,
        duplicate_of=request.duplicate_of if request.outcome == "duplicate" else None,
        bank=request.bank,
        note=request.note,
    )
    case.decisions.append(decision)
    case.status = "escalated" if request.outcome == "escalate" else "decided"
    case.updated_at = utcnow()
    session.flush()
    record_event(
        session,
        actor.actor,
        DecisionRecorded(
            case_id=case.id,
            decision_id=decision.id,
            outcome=decision.outcome,
            ground_kind=decision.ground_kind,
            ground=decision.ground,
            duplicate_of=decision.duplicate_of,
            bank=decision.bank,
            signals_added=added,
            note=decision.note,
        ),
    )
    webhooks.enqueue(session, decision, settings)
    return decision


def bulk_decide(
    session: Session,
    case_ids: Sequence[int],
    actor: Principal,
    request: DecisionRequest,
    settings: Settings,
    registry: EntityRegistry | None = None,
) -> list[Decision]:
    """The same decision on several cases, all or nothing (one failure undoes the batch
    when the caller's transaction rolls back); grounds are checked per case as in
    :func:`decide`. Raises as :func:`decide`."""
    if not case_ids:
        raise UsageError("select at least one case")
    if len(set(case_ids)) != len(case_ids):
        raise UsageError("a case is selected twice")
    if registry is None and request.ground_kind == "designated_entity":
        registry = entity_registry(settings, session)
    return [decide(session, cid, actor, request, settings, registry) for cid in case_ids]


def undo_blocker(
    session: Session, decision: Decision, username: str, settings: Settings, now: datetime
) -> str | None:
    """Why ``decision`` may not be undone by ``username`` at ``now``, or None if it may.

    A decision may be undone by its own reviewer within ``TVEC_UNDO_SECONDS`` while it is
    still its case's latest decision and has not left tvec: no appeal filed, no bank written
    (``bank``), no out-link attributed from the case (what alerts go out on), no webhook
    delivered about the case since it was taken, and its own webhook event still waiting in
    the outbox (:mod:`tvec.cases.webhooks`: it is sent only after the undo window).
    """
    window = timedelta(seconds=settings.undo_seconds)
    if settings.undo_seconds <= 0:
        return "undo is turned off (TVEC_UNDO_SECONDS=0)"
    if decision.reviewer != username:
        return f"only {decision.reviewer}, who decided, may undo decision {decision.id}"
    decided_at = decision.decided_at.replace(tzinfo=None)
    if now.replace(tzinfo=None) - decided_at > window:
        return f"the {settings.undo_seconds} s to undo decision {decision.id} are over"
    case = decision.case
    if not case.decisions or case.decisions[-1].id != decision.id:
        return f"decision {decision.id} is no longer the case's latest"
    if decision.appeals:
        return f"decision {decision.id} has been appealed"
    if decision.bank:
        return f"decision {decision.id} added signals to bank {decision.bank}"
    attributed = session.scalar(
        select(Attribution.id).where(Attribution.case_id == case.id).limit(1)
    )
    if attributed is not None:
        return f"an out-link was attributed from case {case.id}; alerts may have gone out"
    sent = session.scalars(
        select(AuditEvent.data).where(
            AuditEvent.kind == AuditKind.WEBHOOK.value,
            AuditEvent.target == f"case:{case.id}",
            AuditEvent.at >= decided_at,
        )
    )
    if any(data.get("delivered") for data in sent):
        return f"decision {decision.id} was already sent to the webhook"
    stated = session.scalar(
        select(StatementOfReasons.state).where(
            StatementOfReasons.decision_id == decision.id,
            StatementOfReasons.state != "pending",
        )
    )
    if stated is not None:
        return (
            f"the statement of reasons for decision {decision.id} was sent to the DSA "
            f"Transparency Database ({stated})"
        )
    return webhooks.undo_blocker(session, decision.id)


def undo_decision(
    session: Session,
    decision_id: int,
    actor: Principal,
    settings: Settings,
    now: datetime | None = None,
) -> ReviewCase:
    """Take back ``decision_id`` (see :func:`undo_blocker` for when that is allowed): the
    decision is deleted, the case goes back to ``escalated`` if its previous decision
    escalated it, else to ``open``, and :class:`~tvec.audit.events.DecisionUndone` is logged
    (the :class:`~tvec.audit.events.DecisionRecorded` event stays in the log).

    Raises:
        PermissionDeniedError: the actor may not decide.
        NotFoundError: no such decision.
        ConflictError: the decision may no longer be undone, or was undone already (the
            message says why).
    """
    require(actor.role, "case.decide")
    if session.get(Decision, decision_id) is None:
        undone = session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.kind == AuditKind.DECISION_UNDO.value,
                AuditEvent.data["decision_id"].as_integer() == decision_id,
            )
            .order_by(AuditEvent.id.desc())
            .limit(1)
        ).first()
        if undone is not None:
            case_ref = (undone.target or "").replace("case:", "case ")
            raise ConflictError(
                f"decision {decision_id} was undone already (by {undone.actor}, "
                f"{undone.at:%Y-%m-%d %H:%M:%S} UTC); {case_ref} is back in review"
            )
    decision = get_decision(session, decision_id)
    blocker = undo_blocker(session, decision, actor.username, settings, now or utcnow())
    if blocker is not None:
        raise ConflictError(f"cannot undo: {blocker}")
    webhooks.withdraw(session, decision.id)
    # A statement of reasons not yet sent goes with its decision (one that was sent blocks
    # the undo above).
    session.execute(
        delete(StatementOfReasons).where(
            StatementOfReasons.decision_id == decision.id, StatementOfReasons.state == "pending"
        )
    )
    case = decision.case
    outcome = decision.outcome
    case.decisions.remove(decision)
    session.delete(decision)
    earlier = case.decisions[-1] if case.decisions else None
    case.status = "escalated" if earlier is not None and earlier.outcome == "escalate" else "open"
    case.updated_at = utcnow()
    session.flush()
    record_event(
        session,
        actor.actor,
        DecisionUndone(
            case_id=case.id, decision_id=decision_id, outcome=outcome, status=case.status
        ),
    )
    return case


def _item_tree(session: Session, item: Item) -> list[Item]:
    out = [item]
    out.extend(session.scalars(select(Item).where(Item.parent_id == item.id)))
    return out


def add_item_signals_to_bank(
    session: Session, case: ReviewCase, bank_name: str, actor: Principal, settings: Settings
) -> int:
    """Add the case item's (and its media's) signals to bank ``bank_name``; return how many
    were new. Only :data:`BANKABLE_SIGNAL_TYPES`; PDQ below ``TVEC_PDQ_MIN_QUALITY`` is
    skipped.

    Raises:
        NotFoundError: no such bank.
    """
    bank = session.scalars(select(Bank).where(Bank.name == bank_name)).one_or_none()
    if bank is None:
        raise NotFoundError(f"no bank named {bank_name!r}")
    existing = {
        (t, v)
        for t, v in session.execute(
            select(BankEntry.signal_type, BankEntry.value).where(BankEntry.bank_id == bank.id)
        )
    }
    ids = [i.id for i in _item_tree(session, case.item)]
    added = 0
    new: list[BankEntry] = []
    for signal in session.scalars(select(Signal).where(Signal.item_id.in_(ids))):
        if signal.signal_type not in BANKABLE_SIGNAL_TYPES:
            continue
        if signal.quality is not None and signal.quality < settings.pdq_min_quality:
            continue
        value = get_signal_type(signal.signal_type).validate(signal.value)
        if (signal.signal_type, value) in existing:
            continue
        existing.add((signal.signal_type, value))
        new.append(
            BankEntry(
                bank_id=bank.id,
                signal_type=signal.signal_type,
                value=value,
                entity=case.entity,
                source="tvec review",
                note=f"case {case.id}",
                extra={"case_id": case.id, "added_by": actor.username},
            )
        )
        added += 1
    if new:
        session.add_all(new)
        session.flush()
        record_change(session, ADD, [e.id for e in new])
    record_event(session, actor.actor, BankAdded(bank=bank_name, case_id=case.id, added=added))
    return added


def file_appeal(
    session: Session,
    decision_id: int,
    actor: Principal,
    reason: str,
    on_behalf_of: str | None = None,
) -> Appeal:
    """Appeal a decision (by API, or by a reviewer on the user's behalf).

    Raises:
        PermissionDeniedError: the actor may not file appeals.
        NotFoundError: no such decision.
        ConflictError: not the case's latest decision, an escalation, or already appealed.
        UsageError: no reason given.
    """
    require(actor.role, "appeal.file")
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise NotFoundError(f"no decision {decision_id}")
    if not reason.strip():
        raise UsageError("an appeal needs a reason")
    case = decision.case
    if case.status != "decided" or case.decisions[-1].id != decision.id:
        raise ConflictError(f"decision {decision_id} is not an appealable final decision")
    if decision.outcome == "escalate":
        raise ConflictError("an escalation cannot be appealed")
    appeal = Appeal(
        decision_id=decision.id,
        filed_by=actor.username,
        on_behalf_of=on_behalf_of,
        reason=reason,
    )
    decision.appeals.append(appeal)
    case.status = "appealed"
    case.updated_at = utcnow()
    session.flush()
    record_event(
        session,
        actor.actor,
        AppealFiled(
            case_id=case.id,
            appeal_id=appeal.id,
            decision_id=decision.id,
            on_behalf_of=on_behalf_of,
        ),
    )
    return appeal


def resolve_appeal(
    session: Session, appeal_id: int, actor: Principal, outcome: str, note: str | None = None
) -> Appeal:
    """A different reviewer upholds or overturns an appeal; decision and appeal are kept.

    Raises:
        PermissionDeniedError: the actor may not resolve appeals.
        NotFoundError: no such appeal.
        ConflictError: the appeal is resolved already, or the actor made the decision.
        UsageError: ``outcome`` is not ``uphold`` or ``overturn``.
    """
    require(actor.role, "appeal.resolve")
    if outcome not in ("uphold", "overturn"):
        raise UsageError("an appeal is resolved with uphold or overturn")
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFoundError(f"no appeal {appeal_id}")
    if appeal.status != "pending":
        raise ConflictError(f"appeal {appeal_id} is already {appeal.status}")
    if appeal.decision.reviewer_id == actor.account_id:
        raise ConflictError("an appeal goes to a different reviewer than the one who decided")
    appeal.status = "upheld" if outcome == "uphold" else "overturned"
    appeal.reviewer = actor.username
    appeal.resolution_note = note
    appeal.resolved_at = utcnow()
    case = appeal.decision.case
    case.status = "closed"
    case.updated_at = utcnow()
    record_event(
        session,
        actor.actor,
        AppealResolved(case_id=case.id, appeal_id=appeal.id, outcome=appeal.status, note=note),
    )
    return appeal


def earlier_decisions(session: Session, case: ReviewCase) -> list[dict[str, Any]]:
    """Decisions on other cases about the same content (same item, or same SHA-256)."""
    same = select(Item.id).where(Item.id == case.item_id)
    if case.item.sha256:
        same = select(Item.id).where((Item.id == case.item_id) | (Item.sha256 == case.item.sha256))
    rows = session.execute(
        select(Decision, ReviewCase.id)
        .join(ReviewCase, Decision.case_id == ReviewCase.id)
        .where(ReviewCase.item_id.in_(same), ReviewCase.id != case.id)
        .order_by(Decision.decided_at.desc())
        .limit(20)
    ).all()
    return [
        {
            "case_id": case_id,
            "outcome": d.outcome,
            "ground": d.ground,
            "reviewer": d.reviewer,
            "decided_at": rfc3339(d.decided_at),
        }
        for d, case_id in rows
    ]


def decision_event(decision: Decision) -> dict[str, Any]:
    """The webhook event for a decision (what a platform's takedown system acts on)."""
    case = decision.case
    return {
        "event": "decision",
        "case_id": case.id,
        "decision_id": decision.id,
        "outcome": decision.outcome,
        "ground_kind": decision.ground_kind,
        "ground": decision.ground,
        "duplicate_of": decision.duplicate_of,
        "reviewer": decision.reviewer,
        "decided_at": rfc3339(decision.decided_at),
        "item": {
            "id": case.item.id,
            "locator": case.item.locator,
            "sha256": case.item.sha256,
            "media_type": case.item.media_type,
        },
    }


def appeal_event(appeal: Appeal) -> dict[str, Any]:
    """The webhook event for a resolved appeal (an overturned removal means restore)."""
    event = decision_event(appeal.decision)
    event.update(
        {
            "event": "appeal",
            "appeal_id": appeal.id,
            "appeal_outcome": appeal.status,
            "appeal_reviewer": appeal.reviewer,
        }
    )
    return event

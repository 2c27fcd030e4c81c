"""Cases: the case page and its forms, and the JSON API for cases, decisions, flags and
appeals. Decisions and resolved appeals are sent to the webhook after they commit.

The case page lists the out-links sighted in the case's item tree with their attribution,
alert and takedown (:func:`tvec.verification.alertability.outlinks_of_item_tree`); people with
``alert.verify`` attribute one to an entity from there
(``POST /cases/{case_id}/outlinks/{outlink_id}/attribute``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.accounts import Principal
from tvec.accounts.wellbeing import media_prefs
from tvec.audit import AuditKind, record
from tvec.cases import (
    DecisionRequest,
    bulk_decide,
    decide,
    file_appeal,
    flag_item,
    get_case,
    resolve_appeal,
)
from tvec.cases.service import appeal_event, decision_event, earlier_decisions
from tvec.entities import EntityRegistry, load_entities
from tvec.entities.resolve import entity_for_label
from tvec.errors import NotFoundError, TvecError, UsageError
from tvec.net.webhook import send_webhook
from tvec.settings import Settings
from tvec.store.models import Bank, Item, Signal, Source
from tvec.store.models.accounts import Account
from tvec.store.models.alerts import CONTENT_KINDS
from tvec.store.models.cases import Appeal, Decision, ReviewCase
from tvec.verification.alertability import outlinks_of_item_tree
from tvec.verification.attribution import attribute_url
from tvec.web.context import WebContext, get_ctx
from tvec.web.params import MAX_ID, PathId
from tvec.web.render import render
from tvec.web.schemas.cases import (
    AppealIn,
    AppealOut,
    BulkDecisionIn,
    CaseOut,
    DecisionIn,
    DecisionOut,
    EvidenceOut,
    FlagIn,
    FlagOut,
    ResolveIn,
)
from tvec.web.security import need

router = APIRouter()


def _deliver(ctx: WebContext, event: dict[str, Any]) -> None:
    """Send ``event`` to the webhook and log the outcome (runs after the response)."""
    try:
        with ctx.app.http() as http:
            result = send_webhook(ctx.settings, event, client=http)
        data: dict[str, Any] = (
            {"skipped": True}
            if result is None
            else {
                "delivered": result.delivered,
                "attempts": result.attempts,
                "status": result.status,
                "error": result.error,
            }
        )
    except TvecError as exc:
        data = {"delivered": False, "error": str(exc)}
    with ctx.write() as session:
        record(
            session,
            "tvec",
            AuditKind.WEBHOOK,
            f"case:{event.get('case_id')}",
            {"event": event.get("event"), **data},
        )


def _notify(ctx: WebContext, background: BackgroundTasks, event: dict[str, Any]) -> None:
    if ctx.settings.webhook_url:
        background.add_task(_deliver, ctx, event)


def _decision_out(decision: Decision) -> DecisionOut:
    return DecisionOut(
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
        appeals=[_appeal_out(a) for a in decision.appeals],
    )


def _appeal_out(appeal: Appeal) -> AppealOut:
    return AppealOut.model_validate(appeal, from_attributes=True)


def _case_out(case: ReviewCase) -> CaseOut:
    return CaseOut(
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
        evidence=[EvidenceOut.model_validate(e, from_attributes=True) for e in case.evidence],
        decisions=[_decision_out(d) for d in case.decisions],
    )


def grounds(
    case: ReviewCase, tos: list[str], registry: EntityRegistry | None = None
) -> list[tuple[str, str]]:
    """Removal grounds offered for a case: ``(value, label)`` with value ``kind|ground``.

    The designations of the case's entities (from ``registry``, default the packaged
    entities; the web app passes those of ``TVEC_ENTITIES_FILE`` too), then the ToS
    clauses of ``TVEC_TOS_GROUNDS``.
    """
    out: list[tuple[str, str]] = []
    names = {case.entity} | {e.detail.get("entity") for e in case.evidence}
    registry = registry or load_entities(None)
    for name in sorted(n for n in names if n):
        found = [registry.get(name)] if name in registry else registry.search(name)[:1]
        for entity in found:
            for d in registry.designations(entity.id):
                when = f", {d.date.isoformat()}" if d.date else ""
                text = f"{entity.name}: {d.list_key} ({d.jurisdiction}{when})"
                out.append((f"designated_entity|{text}", f"Designated: {text}"))
        if not found:
            out.append((f"designated_entity|{name}", f"Designated: {name}"))
    out.extend((f"tos|{clause}", clause) for clause in tos)
    return out


def _media(session: Session, item: Item) -> list[Item]:
    children = list(session.scalars(select(Item).where(Item.parent_id == item.id)))
    return [i for i in [item, *children] if i.sha256 and i.content_type in ("photo", "video")]


def _outlink_values(session: Session, case: ReviewCase, settings: Settings) -> dict[str, Any]:
    """The case page's "Out-links" section: the rows, and the attribution form's choices
    (entities by name, content kinds, the case's own entity preselected)."""
    registry = load_entities(settings.entities_file)
    case_entity = entity_for_label(registry, case.entity)
    return {
        "outlinks": outlinks_of_item_tree(session, case.item_id, settings=settings),
        "entities": sorted(registry, key=lambda e: (e.name.casefold(), e.id)),
        "entity_names": {e.id: e.name for e in registry},
        "case_entity": case_entity.id if case_entity is not None else None,
        "content_kinds": CONTENT_KINDS,
    }


@router.get("/cases/{case_id}", response_class=HTMLResponse, include_in_schema=False)
def case_page(
    *,
    request: Request,
    case_id: PathId,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("case.view"))],
) -> Response:
    """Everything about a case: media (blurred), text, evidence, earlier decisions, forms."""
    with ctx.read() as session:
        case = get_case(session, case_id)
        item = case.item
        account = session.get_one(Account, principal.account_id)
        source = session.get(Source, item.source_id) if item.source_id else None
        quality = {
            (s.signal_type, s.value): s.quality
            for s in session.scalars(select(Signal).where(Signal.item_id == item.id))
        }
        values: dict[str, Any] = {
            "case": case,
            "item": item,
            "source": source,
            "media": _media(session, item),
            "earlier": earlier_decisions(session, case),
            "grounds": grounds(
                case, ctx.settings.tos_grounds, load_entities(ctx.settings.entities_file)
            ),
            "banks": list(session.scalars(select(Bank.name).order_by(Bank.name))),
            "prefs": media_prefs(account, ctx.settings),
            "quality": quality,
            "analyses": _analyses(session, item),
            "decisions": list(case.decisions),
            "revealed": set(request.session.get("revealed", [])),
            **_outlink_values(session, case, ctx.settings),
        }
        return render(request, ctx, "case.html", principal, **values)


def _analyses(session: Session, item: Item) -> list[dict[str, Any]]:
    """Language, OCR text and indicator hits of the item and its media, for the case page."""
    from tvec.store.models.analysis import ItemAnalysis

    ids = [item.id, *session.scalars(select(Item.id).where(Item.parent_id == item.id))]
    out = []
    for row in session.scalars(
        select(ItemAnalysis).where(ItemAnalysis.item_id.in_(ids)).order_by(ItemAnalysis.item_id)
    ):
        hits = [
            {
                "entity": h.entity_id,
                "outlet": h.outlet_id,
                "alias": h.alias,
                "field": h.field,
                "span": f"{h.span_start}-{h.span_end}",
                "matched": h.matched_text,
                "steps": ", ".join(h.steps or []),
            }
            for h in row.hits
        ]
        if not (row.languages or row.ocr_text or hits):
            continue
        languages = ", ".join(
            f"{lang.get('code')} {round(100 * float(lang.get('share', 0)))}%"
            for lang in row.languages or []
        )
        out.append(
            {
                "item_id": row.item_id,
                "primary": row.primary_language,
                "languages": languages,
                "ocr_text": row.ocr_text,
                "hits": hits,
            }
        )
    return out


def _form_decision(
    outcome: str,
    ground: str | None,
    note: str | None,
    duplicate_of: str | None,
    bank: str | None,
) -> DecisionRequest:
    kind, text = None, None
    if outcome == "remove" and ground:
        kind, _, text = ground.partition("|")
    try:
        duplicate = int(duplicate_of) if duplicate_of else None
    except ValueError as exc:
        raise UsageError("duplicate of: give a case number") from exc
    if duplicate is not None and not 1 <= duplicate <= MAX_ID:
        raise UsageError("duplicate of: give a case number")
    return DecisionRequest(
        outcome=outcome,
        ground_kind=kind,
        ground=text,
        note=note or None,
        duplicate_of=duplicate,
        bank=bank or None,
    )


@router.post("/cases/{case_id}/decide", include_in_schema=False)
def case_decide_form(
    *,
    case_id: PathId,
    background: BackgroundTasks,
    outcome: Annotated[str, Form(max_length=20)],
    ground: Annotated[str | None, Form(max_length=600)] = None,
    note: Annotated[str | None, Form(max_length=5000)] = None,
    duplicate_of: Annotated[str | None, Form(max_length=20)] = None,
    bank: Annotated[str | None, Form(max_length=200)] = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("case.decide"))],
) -> Response:
    """The case page's decision form."""
    request_ = _form_decision(outcome, ground, note, duplicate_of, bank)
    with ctx.write() as session:
        decision = decide(session, case_id, principal, request_, ctx.settings)
        event = decision_event(decision)
    _notify(ctx, background, event)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/outlinks/{outlink_id}/attribute", include_in_schema=False)
def case_attribute_outlink_form(
    *,
    case_id: PathId,
    outlink_id: PathId,
    entity: Annotated[str, Form(min_length=1, max_length=200)],
    content_kind: Annotated[str, Form(max_length=20)] = "other",
    graphic: Annotated[bool, Form()] = False,
    note: Annotated[str | None, Form(max_length=5000)] = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("alert.verify"))],
) -> Response:
    """The case page's out-link form: attribute an out-link of the case's item tree to an
    entity (:func:`tvec.verification.attribution.attribute_url`, method ``person``, audit-logged).

    Raises:
        NotFoundError: no such case, or the out-link was not sighted in its item tree.
        UsageError: refused by ``attribute_url`` (a home page, an unknown entity or
            content kind); the message is shown as the page's error.
    """
    with ctx.write() as session:
        case = get_case(session, case_id)
        rows = outlinks_of_item_tree(session, case.item_id, settings=ctx.settings)
        found = next((row for row in rows if row.outlink_id == outlink_id), None)
        if found is None:
            raise NotFoundError(f"out-link {outlink_id} was not sighted in case {case_id}'s items")
        attribute_url(
            session,
            found.url,
            entity,
            actor=principal.username,
            content_kind=content_kind,
            graphic=graphic,
            note=note or None,
            case_id=case_id,
            settings=ctx.settings,
        )
    return RedirectResponse(f"/cases/{case_id}#outlinks", status_code=303)


@router.post("/cases/{case_id}/appeal", include_in_schema=False)
def case_appeal_form(
    *,
    case_id: PathId,
    reason: Annotated[str, Form(min_length=1, max_length=5000)],
    on_behalf_of: Annotated[str | None, Form(max_length=200)] = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("appeal.file"))],
) -> Response:
    """The case page's appeal form (appeals the case's latest decision)."""
    with ctx.write() as session:
        case = get_case(session, case_id)
        if not case.decisions:
            raise UsageError(f"case {case_id} has no decision to appeal")
        file_appeal(session, case.decisions[-1].id, principal, reason, on_behalf_of or None)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/appeals/{appeal_id}/resolve", include_in_schema=False)
def appeal_resolve_form(
    *,
    appeal_id: PathId,
    background: BackgroundTasks,
    outcome: Annotated[str, Form(max_length=20)],
    note: Annotated[str | None, Form(max_length=5000)] = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("appeal.resolve"))],
) -> Response:
    """The case page's appeal resolution form."""
    with ctx.write() as session:
        appeal = resolve_appeal(session, appeal_id, principal, outcome, note or None)
        case_id = appeal.decision.case_id
        event = appeal_event(appeal)
    _notify(ctx, background, event)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.get("/api/cases/{case_id}", response_model=CaseOut, tags=["cases"])
def get_case_api(
    *,
    case_id: PathId,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("case.view"))],
) -> CaseOut:
    """A case with its evidence, priority parts, decisions and appeals."""
    with ctx.read() as session:
        return _case_out(get_case(session, case_id))


def _request(body: DecisionIn) -> DecisionRequest:
    return DecisionRequest(
        outcome=body.outcome,
        ground_kind=body.ground_kind,
        ground=body.ground,
        note=body.note,
        duplicate_of=body.duplicate_of,
        bank=body.bank,
    )


@router.post("/api/cases/{case_id}/decision", response_model=DecisionOut, tags=["cases"])
def decide_api(
    *,
    case_id: PathId,
    body: DecisionIn,
    background: BackgroundTasks,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("case.decide"))],
) -> DecisionOut:
    """Decide a case (remove with a ground, no violation, escalate, duplicate)."""
    with ctx.write() as session:
        decision = decide(session, case_id, principal, _request(body), ctx.settings)
        out, event = _decision_out(decision), decision_event(decision)
    _notify(ctx, background, event)
    return out


@router.post("/api/cases/bulk-decision", response_model=list[DecisionOut], tags=["cases"])
def bulk_decide_api(
    *,
    body: BulkDecisionIn,
    background: BackgroundTasks,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("case.decide"))],
) -> list[DecisionOut]:
    """The same decision on several cases, all or nothing."""
    with ctx.write() as session:
        decisions = bulk_decide(session, body.case_ids, principal, _request(body), ctx.settings)
        out = [_decision_out(d) for d in decisions]
        events = [decision_event(d) for d in decisions]
    for event in events:
        _notify(ctx, background, event)
    return out


@router.post("/api/items/{item_id}/flag", response_model=FlagOut, tags=["cases"])
def flag_api(
    *,
    item_id: PathId,
    body: FlagIn,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("case.flag"))],
) -> FlagOut:
    """Flag an item for review: opens its case, or adds the flag to its open case."""
    with ctx.write() as session:
        case = flag_item(
            session,
            item_id,
            principal,
            ctx.settings,
            kind=body.kind,
            severity=body.severity,
            note=body.note,
            entity=body.entity,
        )
        return FlagOut(case_id=case.id, priority=case.priority, status=case.status)


@router.post("/api/decisions/{decision_id}/appeal", response_model=AppealOut, tags=["appeals"])
def appeal_api(
    *,
    decision_id: PathId,
    body: AppealIn,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("appeal.file"))],
) -> AppealOut:
    """Appeal a decision (by API, or by a reviewer on the user's behalf)."""
    with ctx.write() as session:
        return _appeal_out(
            file_appeal(session, decision_id, principal, body.reason, body.on_behalf_of)
        )


@router.post("/api/appeals/{appeal_id}/resolve", response_model=AppealOut, tags=["appeals"])
def resolve_api(
    *,
    appeal_id: PathId,
    body: ResolveIn,
    background: BackgroundTasks,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("appeal.resolve"))],
) -> AppealOut:
    """Uphold or overturn an appeal (a different reviewer than the one who decided)."""
    with ctx.write() as session:
        appeal = resolve_appeal(session, appeal_id, principal, body.outcome, body.note)
        out, event = _appeal_out(appeal), appeal_event(appeal)
    _notify(ctx, background, event)
    return out

"""Cases: the case page and its forms, and the JSON API for cases, decisions, flags and
appeals, thin over :mod:`tvec.app.review`. Decisions and resolved appeals are sent to the
webhook after the response (:func:`tvec.app.review.notify_decision`).

The case page lists the out-links sighted in the case's item tree with their attribution,
alert and takedown; people with ``alert.verify`` attribute one to an entity from there
(``POST /cases/{case_id}/outlinks/{outlink_id}/attribute``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.accounts import Principal
from tvec.app import review as use
from tvec.app.context import AppContext
from tvec.cases import DecisionRequest
from tvec.errors import ConflictError, NotFoundError, UsageError, http_status_for
from tvec.views.cases import (
    AppealIn,
    AppealView,
    BulkDecisionIn,
    CaseView,
    DecisionIn,
    DecisionView,
    FlagIn,
    FlagView,
    ResolveIn,
)
from tvec.web.context import WebContext, get_app, get_ctx
from tvec.web.flash import set_flash
from tvec.web.params import MAX_FORM_NOTE, MAX_ID, BodyId, PathId, parse_queue_query, queue_query
from tvec.web.render import ViewResponse, render
from tvec.web.security import need

router = APIRouter()


def _case_response(
    request: Request,
    ctx: WebContext,
    principal: Principal,
    case_id: int,
    *,
    query: str,
    status_code: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    page = use.case_page(ctx.app, case_id, principal)
    return render(
        request,
        ctx,
        "case.html",
        principal,
        status_code=status_code,
        case=page.case,
        item=page.items.item,
        source=page.items.source,
        media=page.items.media,
        quality=page.items.quality,
        analyses=page.items.analyses,
        banks=page.items.banks,
        earlier=page.earlier,
        grounds=page.grounds,
        prefs=page.prefs,
        decisions=page.case.decisions,
        revealed=set(request.session.get("revealed", [])),
        outlinks=page.outlinks,
        entities=page.entities,
        entity_names=page.entity_names,
        case_entity=page.case_entity,
        content_kinds=page.content_kinds,
        parent=page.items.parent,
        bank_entries=page.items.bank_entries,
        keyframes=page.items.keyframes,
        queue=query,
        error=error,
        form=form or {},
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse, include_in_schema=False)
def case_page(
    *,
    request: Request,
    case_id: PathId,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("case.view"))],
) -> Response:
    """Everything about a case: media (blurred), text, evidence, earlier decisions, forms.
    The query string is the queue filter the moderator came from (kept through the forms)."""
    query = queue_query(parse_queue_query(request.url.query))
    return _case_response(request, ctx, principal, case_id, query=query)


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


#: Case numbers a confirmation lists; decisions one undo may take back (the session cookie
#: that carries them stays small).
FLASH_CASES = 10
MAX_UNDO = 50


def _outcome_words(outcome: str) -> str:
    return outcome.replace("_", " ")


def land_after_decision(
    request: Request,
    app: AppContext,
    decisions: list[DecisionView],
    query: str,
) -> Response:
    """Where a moderator goes after a decision (one or bulk): the next case of their queue
    filter (the queue when none is left), with a confirmation and the undo form."""
    filters = parse_queue_query(query)
    decided = [d.case_id for d in decisions]
    outcome = _outcome_words(decisions[0].outcome) if decisions else ""
    ground = f" on ground {decisions[0].ground}" if decisions and decisions[0].ground else ""
    shown = ", ".join(f"#{c}" for c in decided[:FLASH_CASES])
    if len(decided) > FLASH_CASES:
        shown += f" and {len(decided) - FLASH_CASES} more"
    undoable = len(decisions) <= MAX_UNDO
    set_flash(
        request,
        f"Recorded: {outcome}{ground} for case{'s' if len(decided) > 1 else ''} {shown}."
        + ("" if undoable else f" (undo is offered for up to {MAX_UNDO} decisions at once)"),
        decisions=[d.id for d in decisions] if undoable else [],
        query=query,
    )
    following = use.next_case(app, filters, skip=decided)
    suffix = f"?{query}" if query else ""
    if following is None:
        return RedirectResponse(f"/queue{suffix}", status_code=303)
    return RedirectResponse(f"/cases/{following}{suffix}", status_code=303)


@router.post("/cases/{case_id}/decide", include_in_schema=False)
def case_decide_form(
    *,
    request: Request,
    case_id: PathId,
    background: BackgroundTasks,
    outcome: Annotated[str, Form(max_length=20)] = "",
    ground: Annotated[str | None, Form(max_length=600)] = None,
    note: Annotated[str | None, Form(max_length=MAX_FORM_NOTE)] = None,
    duplicate_of: Annotated[str | None, Form(max_length=20)] = None,
    bank: Annotated[str | None, Form(max_length=200)] = None,
    queue: Annotated[str | None, Form(max_length=2000)] = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("case.decide"))],
) -> Response:
    """The case page's decision form. On success: the next case of the moderator's queue
    filter, with a confirmation and an undo; a refused decision shows the case page again
    with the reason next to the form and everything typed kept (status 400/404/409)."""
    query = queue_query(parse_queue_query(queue))
    try:
        if not outcome:
            raise UsageError("choose an outcome: remove, no violation, escalate or duplicate")
        request_ = _form_decision(outcome, ground, note, duplicate_of, bank)
        decision = use.decide(ctx.app, case_id, principal, request_)
    except (UsageError, ConflictError, NotFoundError) as exc:
        form = {
            "outcome": outcome,
            "ground": ground or "",
            "note": note or "",
            "duplicate_of": duplicate_of or "",
            "bank": bank or "",
        }
        return _case_response(
            request,
            ctx,
            principal,
            case_id,
            query=query,
            status_code=http_status_for(exc),
            error=str(exc),
            form=form,
        )
    background.add_task(use.notify_decision, ctx.app, decision.id)
    response = land_after_decision(request, ctx.app, [decision], query)
    response.background = background
    return response


@router.post("/decisions/undo", include_in_schema=False)
def undo_form(
    *,
    request: Request,
    decision_ids: Annotated[list[BodyId], Form(min_length=1, max_length=MAX_UNDO)],
    queue: Annotated[str | None, Form(max_length=2000)] = None,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("case.decide"))],
) -> Response:
    """The undo form shown after a decision: takes the decisions back (all or nothing,
    audit-logged as ``case.decision_undo``) and opens the (first) case again."""
    query = queue_query(parse_queue_query(queue))
    suffix = f"?{query}" if query else ""
    try:
        case_ids = use.undo_decisions(app, decision_ids, principal)
    except (ConflictError, NotFoundError) as exc:
        set_flash(request, str(exc), error=True)
        return RedirectResponse(f"/queue{suffix}", status_code=303)
    cases = ", ".join(f"#{c}" for c in case_ids)
    set_flash(request, f"Undone: case{'s' if len(case_ids) > 1 else ''} {cases} back in review.")
    return RedirectResponse(f"/cases/{case_ids[0]}{suffix}", status_code=303)


@router.post("/api/decisions/{decision_id}/undo", response_model=CaseView, tags=["cases"])
def undo_api(
    *,
    decision_id: PathId,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("case.decide"))],
) -> Response:
    """Undo a decision within ``TVEC_UNDO_SECONDS`` while it has not left tvec (409 with
    the reason otherwise); answers the case as it is again."""
    (case_id,) = use.undo_decisions(app, [decision_id], principal)
    return ViewResponse(use.show_case(app, case_id))


@router.post("/cases/{case_id}/outlinks/{outlink_id}/attribute", include_in_schema=False)
def case_attribute_outlink_form(
    *,
    case_id: PathId,
    outlink_id: PathId,
    entity: Annotated[str, Form(min_length=1, max_length=200)],
    content_kind: Annotated[str, Form(max_length=20)] = "other",
    graphic: Annotated[bool, Form()] = False,
    note: Annotated[str | None, Form(max_length=5000)] = None,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("alert.verify"))],
) -> Response:
    """The case page's out-link form: attribute an out-link of the case's item tree to an
    entity (:func:`tvec.app.review.attribute_outlink`, method ``person``, audit-logged).

    Raises:
        NotFoundError: no such case, or the out-link was not sighted in its item tree.
        UsageError: refused (a home page, an unknown entity or content kind); the message
            is shown as the page's error.
    """
    use.attribute_outlink(
        app,
        case_id,
        outlink_id,
        principal,
        entity=entity,
        content_kind=content_kind,
        graphic=graphic,
        note=note or None,
    )
    return RedirectResponse(f"/cases/{case_id}#outlinks", status_code=303)


@router.post("/cases/{case_id}/appeal", include_in_schema=False)
def case_appeal_form(
    *,
    case_id: PathId,
    reason: Annotated[str, Form(min_length=1, max_length=5000)],
    on_behalf_of: Annotated[str | None, Form(max_length=200)] = None,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("appeal.file"))],
) -> Response:
    """The case page's appeal form (appeals the case's latest decision)."""
    use.appeal_case(app, case_id, principal, reason, on_behalf_of or None)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/appeals/{appeal_id}/resolve", include_in_schema=False)
def appeal_resolve_form(
    *,
    appeal_id: PathId,
    background: BackgroundTasks,
    outcome: Annotated[str, Form(max_length=20)],
    note: Annotated[str | None, Form(max_length=5000)] = None,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("appeal.resolve"))],
) -> Response:
    """The case page's appeal resolution form."""
    _, case_id = use.resolve_appeal(app, appeal_id, principal, outcome, note or None)
    background.add_task(use.notify_appeal, app, appeal_id)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.get("/api/cases/{case_id}", response_model=CaseView, tags=["cases"])
def get_case_api(
    *,
    case_id: PathId,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("case.view"))],
) -> Response:
    """A case with its evidence, priority parts, decisions and appeals."""
    return ViewResponse(use.show_case(app, case_id))


def _request(body: DecisionIn) -> DecisionRequest:
    return DecisionRequest(
        outcome=body.outcome,
        ground_kind=body.ground_kind,
        ground=body.ground,
        note=body.note,
        duplicate_of=body.duplicate_of,
        bank=body.bank,
    )


@router.post("/api/cases/{case_id}/decision", response_model=DecisionView, tags=["cases"])
def decide_api(
    *,
    case_id: PathId,
    body: DecisionIn,
    background: BackgroundTasks,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("case.decide"))],
) -> Response:
    """Decide a case (remove with a ground, no violation, escalate, duplicate)."""
    decision = use.decide(app, case_id, principal, _request(body))
    background.add_task(use.notify_decision, app, decision.id)
    return ViewResponse(decision, background=background)


@router.post("/api/cases/bulk-decision", response_model=list[DecisionView], tags=["cases"])
def bulk_decide_api(
    *,
    body: BulkDecisionIn,
    background: BackgroundTasks,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("case.decide"))],
) -> Response:
    """The same decision on several cases, all or nothing."""
    decisions = use.bulk_decide(app, body.case_ids, principal, _request(body))
    for decision in decisions:
        background.add_task(use.notify_decision, app, decision.id)
    return ViewResponse(decisions, background=background)


@router.post("/api/items/{item_id}/flag", response_model=FlagView, tags=["cases"])
def flag_api(
    *,
    item_id: PathId,
    body: FlagIn,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("case.flag"))],
) -> Response:
    """Flag an item for review: opens its case, or adds the flag to its open case."""
    flagged = use.flag_item(
        app,
        item_id,
        principal,
        kind=body.kind,
        severity=body.severity,
        note=body.note,
        entity=body.entity,
    )
    return ViewResponse(flagged)


@router.post("/api/decisions/{decision_id}/appeal", response_model=AppealView, tags=["appeals"])
def appeal_api(
    *,
    decision_id: PathId,
    body: AppealIn,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("appeal.file"))],
) -> Response:
    """Appeal a decision (by API, or by a reviewer on the user's behalf)."""
    return ViewResponse(
        use.file_appeal(app, decision_id, principal, body.reason, body.on_behalf_of)
    )


@router.post("/api/appeals/{appeal_id}/resolve", response_model=AppealView, tags=["appeals"])
def resolve_api(
    *,
    appeal_id: PathId,
    body: ResolveIn,
    background: BackgroundTasks,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("appeal.resolve"))],
) -> Response:
    """Uphold or overturn an appeal (a different reviewer than the one who decided)."""
    appeal, _ = use.resolve_appeal(app, appeal_id, principal, body.outcome, body.note)
    background.add_task(use.notify_appeal, app, appeal_id)
    return ViewResponse(appeal, background=background)

"""Use cases of review, for the web app: the queue, cases and their page, decisions, flags,
appeals, out-link attributions from a case, media previews, reveals and downloads, and the
decision webhook.

Each takes the :class:`~tvec.app.context.AppContext` first, runs in its own transaction and
returns result models (:mod:`tvec.views.cases`, :mod:`tvec.views.media`); errors are those of
:mod:`tvec.cases` (``UsageError``, ``NotFoundError``, ``ConflictError``,
``PermissionDeniedError``). Decisions are told to the webhook once their undo window has
passed (:func:`deliver_due_decisions`, the outbox of :mod:`tvec.cases.webhooks`); resolved
appeals at once; the web app calls :func:`notify_decision` and :func:`notify_appeal` after
its response.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tvec.accounts import Principal
from tvec.accounts.wellbeing import MediaPrefs, account_media_prefs, count_reveal
from tvec.app.context import AppContext
from tvec.audit.events import MediaDownloaded, MediaRevealed, WebhookDelivered, record_event
from tvec.cases import queue as queue_core
from tvec.cases import service, webhooks
from tvec.cases.grounds import offered_grounds
from tvec.cases.keyframes import keyframes as video_keyframes
from tvec.cases.keyframes import keyframes_cached
from tvec.cases.page import ItemPage, PageItem, item_page
from tvec.cases.preview import can_preview, render_preview
from tvec.cases.queue import QueueFilter
from tvec.cases.service import DecisionRequest
from tvec.entities import EntityRegistry
from tvec.entities.registry import Entity
from tvec.entities.resolve import entity_for_label
from tvec.errors import InputError, NotFoundError, TvecError, UsageError
from tvec.net.webhook import send_webhook
from tvec.store.evidence import EvidenceStore, local_root, open_evidence
from tvec.store.models import BankEntry, Item
from tvec.store.models.alerts import CONTENT_KINDS
from tvec.verification.alertability import TreeOutlink, outlinks_of_item_tree
from tvec.verification.attribution import attribute_url
from tvec.views.cases import (
    AppealView,
    CaseView,
    DecisionView,
    FlagView,
    QueuePageView,
    QueueRowView,
)
from tvec.views.media import RevealView

# --- the queue -------------------------------------------------------------------------------


def queue_page(
    ctx: AppContext, filters: QueueFilter, *, after: str | None = None, limit: int = 50
) -> QueuePageView:
    """One page of the queue: cases by priority (highest first) then age, keyset-paged.

    Raises:
        UsageError: bad status, cursor or limit.
    """
    with ctx.read() as session:
        page = queue_core.queue_page(session, filters, after=after, limit=limit)
    return QueuePageView(
        cases=[QueueRowView.model_validate(row) for row in page.rows],
        next_cursor=page.next_cursor,
        total=page.total,
        total_capped=page.total_capped,
    )


def filter_values(ctx: AppContext, status: str = "open") -> dict[str, list[str]]:
    """The distinct values of each queue filter among cases of ``status`` (filter menus)."""
    with ctx.read() as session:
        return queue_core.filter_values(session, status)


# --- cases -----------------------------------------------------------------------------------


def show_case(ctx: AppContext, case_id: int) -> CaseView:
    """A case with its evidence, priority parts, decisions and appeals.

    Raises:
        NotFoundError: no such case.
    """
    with ctx.read() as session:
        return service.case_view(service.get_case(session, case_id))


def grounds(case: CaseView, tos: Sequence[str], registry: EntityRegistry) -> list[tuple[str, str]]:
    """Removal grounds offered for a case: ``(value, label)`` with value ``kind|ground``.

    The designations of the case's entities (its own and its evidence's, looked up in
    ``registry``), then the ToS clauses ``tos`` (``TVEC_TOS_GROUNDS``); the same rule a
    removal's ground is checked by (:mod:`tvec.cases.grounds`).
    """
    names = {case.entity} | {e.detail.get("entity") for e in case.evidence}
    return offered_grounds(names, tos, registry)


def bulk_grounds(ctx: AppContext, entities: Sequence[str | None]) -> list[tuple[str, str]]:
    """Removal grounds the queue's bulk form offers for cases of ``entities``: their
    designations, then the ToS clauses (``(value, label)``, value ``kind|ground``); each
    case's ground is still checked when the decision is recorded."""
    return offered_grounds(entities, ctx.settings.tos_grounds, ctx.entities())


@dataclass(frozen=True)
class CasePage:
    """Everything the case page shows: the case (:class:`CaseView`), its item side
    (:class:`~tvec.cases.page.ItemPage`), earlier decisions on the same content, the
    removal grounds offered, the reviewer's media defaults, and the out-links of the item
    tree with the attribution form's choices."""

    case: CaseView
    items: ItemPage
    earlier: list[dict[str, Any]]
    grounds: list[tuple[str, str]]
    prefs: MediaPrefs
    outlinks: list[TreeOutlink]
    entities: list[Entity]
    entity_names: dict[str, str]
    case_entity: str | None
    content_kinds: tuple[str, ...]


def case_page(ctx: AppContext, case_id: int, principal: Principal) -> CasePage:
    """The case page of ``case_id`` as ``principal`` sees it.

    Raises:
        NotFoundError: no such case.
    """
    registry = ctx.entities()
    with ctx.read() as session:
        case = service.get_case(session, case_id)
        view = service.case_view(case)
        case_entity = entity_for_label(registry, case.entity)
        items = item_page(session, case)
        return CasePage(
            case=view,
            items=replace(items, keyframes=_keyframe_counts(ctx, items.media)),
            earlier=service.earlier_decisions(session, case),
            grounds=grounds(view, ctx.settings.tos_grounds, registry),
            prefs=account_media_prefs(session, principal.account_id, ctx.settings),
            outlinks=outlinks_of_item_tree(session, case.item_id, settings=ctx.settings),
            entities=sorted(registry, key=lambda e: (e.name.casefold(), e.id)),
            entity_names={e.id: e.name for e in registry},
            case_entity=case_entity.id if case_entity is not None else None,
            content_kinds=tuple(CONTENT_KINDS),
        )


def decide(
    ctx: AppContext, case_id: int, principal: Principal, request: DecisionRequest
) -> DecisionView:
    """Record a decision on an open (or escalated) case (:func:`tvec.cases.decide`); in the
    same transaction, queue its opinion for the exchanges the case's item matched through
    whose feedback is on (:func:`tvec.exchanges.feedback.queue_for_case`)."""
    from tvec.exchanges.feedback import queue_for_case

    with ctx.write() as session:
        decision = service.decide(session, case_id, principal, request, ctx.settings)
        queue_for_case(session, case_id, decision.outcome, now=ctx.now())
        return service.decision_view(decision)


def bulk_decide(
    ctx: AppContext, case_ids: Sequence[int], principal: Principal, request: DecisionRequest
) -> list[DecisionView]:
    """The same decision on several cases, all or nothing (:func:`tvec.cases.bulk_decide`);
    exchange feedback queued as for :func:`decide`."""
    from tvec.exchanges.feedback import queue_for_case

    with ctx.write() as session:
        decisions = service.bulk_decide(session, case_ids, principal, request, ctx.settings)
        for d in decisions:
            queue_for_case(session, d.case_id, d.outcome, now=ctx.now())
        return [service.decision_view(d) for d in decisions]


def flag_item(
    ctx: AppContext,
    item_id: int,
    principal: Principal,
    *,
    kind: str = "flag",
    severity: str = "other",
    note: str | None = None,
    entity: str | None = None,
) -> FlagView:
    """Flag an item for review: opens its case, or adds the flag to its open case."""
    with ctx.write() as session:
        case = service.flag_item(
            session,
            item_id,
            principal,
            ctx.settings,
            kind=kind,
            severity=severity,
            note=note,
            entity=entity,
        )
        return FlagView(case_id=case.id, priority=case.priority, status=case.status)


def file_appeal(
    ctx: AppContext,
    decision_id: int,
    principal: Principal,
    reason: str,
    on_behalf_of: str | None = None,
) -> AppealView:
    """Appeal a decision (:func:`tvec.cases.file_appeal`)."""
    with ctx.write() as session:
        appeal = service.file_appeal(session, decision_id, principal, reason, on_behalf_of)
        return service.appeal_view(appeal)


def appeal_case(
    ctx: AppContext,
    case_id: int,
    principal: Principal,
    reason: str,
    on_behalf_of: str | None = None,
) -> AppealView:
    """Appeal the latest decision of a case (the case page's form).

    Raises:
        UsageError: the case has no decision.
    """
    with ctx.write() as session:
        case = service.get_case(session, case_id)
        if not case.decisions:
            raise UsageError(f"case {case_id} has no decision to appeal")
        decision_id = case.decisions[-1].id
        appeal = service.file_appeal(session, decision_id, principal, reason, on_behalf_of)
        return service.appeal_view(appeal)


def resolve_appeal(
    ctx: AppContext, appeal_id: int, principal: Principal, outcome: str, note: str | None = None
) -> tuple[AppealView, int]:
    """Uphold or overturn an appeal; returns the appeal and its case's id."""
    with ctx.write() as session:
        appeal = service.resolve_appeal(session, appeal_id, principal, outcome, note)
        return service.appeal_view(appeal), appeal.decision.case_id


def attribute_outlink(
    ctx: AppContext,
    case_id: int,
    outlink_id: int,
    principal: Principal,
    *,
    entity: str,
    content_kind: str = "other",
    graphic: bool = False,
    note: str | None = None,
) -> None:
    """Attribute an out-link of a case's item tree to an entity (method ``person``,
    audit-logged; :func:`tvec.verification.attribution.attribute_url`).

    Raises:
        NotFoundError: no such case, or the out-link was not sighted in its item tree.
        UsageError: refused by ``attribute_url`` (a home page, an unknown entity or kind).
    """
    with ctx.write() as session:
        case = service.get_case(session, case_id)
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
            note=note,
            case_id=case_id,
            settings=ctx.settings,
        )


def next_case(ctx: AppContext, filters: QueueFilter, skip: Sequence[int] = ()) -> int | None:
    """The id of the case at the top of the queue under ``filters`` (the one a moderator
    lands on after a decision), leaving out ``skip``; None when the queue is empty."""
    with ctx.read() as session:
        page = queue_core.queue_page(session, filters, limit=len(skip) + 1, with_total=False)
    return next((row.id for row in page.rows if row.id not in set(skip)), None)


def undoable(ctx: AppContext, decision_ids: Sequence[int], username: str) -> bool:
    """Whether ``username`` may still undo every decision of ``decision_ids`` now
    (:func:`tvec.cases.service.undo_blocker`); False for none."""
    if not decision_ids:
        return False
    with ctx.read() as session:
        now = ctx.now()
        for decision_id in decision_ids:
            try:
                decision = service.get_decision(session, decision_id)
            except NotFoundError:
                return False
            if service.undo_blocker(session, decision, username, ctx.settings, now):
                return False
    return True


def undo_decisions(ctx: AppContext, decision_ids: Sequence[int], principal: Principal) -> list[int]:
    """Undo the decisions ``decision_ids`` (all or nothing) and return their case ids
    (:func:`tvec.cases.service.undo_decision`).

    Raises:
        UsageError: no decision given.
        NotFoundError, ConflictError, PermissionDeniedError: as ``undo_decision``.
    """
    if not decision_ids:
        raise UsageError("no decision to undo")
    with ctx.write() as session:
        return [
            service.undo_decision(session, d, principal, ctx.settings, ctx.now()).id
            for d in decision_ids
        ]


# --- the decision webhook --------------------------------------------------------------------


def _deliver(ctx: AppContext, event: dict[str, Any]) -> tuple[bool, str | None]:
    """Send ``event`` to ``TVEC_WEBHOOK_URL`` and log the outcome (:class:`WebhookDelivered`);
    returns whether it was delivered and, if not, why."""
    subject = f"case:{event.get('case_id')}"
    delivered, error = False, None
    try:
        with ctx.http() as client:
            result = send_webhook(ctx.settings, event, client=client)
        if result is None:
            outcome = WebhookDelivered(subject=subject, event=event.get("event"), skipped=True)
            error = "no webhook configured"
        else:
            delivered, error = result.delivered, result.error
            outcome = WebhookDelivered(
                subject=subject,
                event=event.get("event"),
                delivered=result.delivered,
                attempts=result.attempts,
                status=result.status,
                error=result.error,
            )
    except TvecError as exc:
        error = str(exc)
        outcome = WebhookDelivered(
            subject=subject, event=event.get("event"), delivered=False, error=error
        )
    with ctx.write() as session:
        record_event(session, "tvec", outcome)
    return delivered, error


def deliver_due_decisions(ctx: AppContext) -> int:
    """Send the decision webhook events whose undo window has passed (the outbox of
    :mod:`tvec.cases.webhooks`); an undone decision has left the outbox and is never sent.
    Returns how many were sent. Run by the web app's background thread and ``tvec watch``.

    Raises:
        StoreError: the database failed (a webhook failure is recorded, not raised).
    """
    if not ctx.settings.webhook_url:
        return 0
    with ctx.write() as session:
        claimed = webhooks.claim_due(session, ctx.now())
    sent = 0
    for decision_id in claimed:
        with ctx.read() as session:
            try:
                event = service.decision_event(service.get_decision(session, decision_id))
            except NotFoundError:  # deleted with its case
                continue
        delivered, error = _deliver(ctx, event)
        with ctx.write() as session:
            webhooks.finish(session, decision_id, delivered=delivered, error=error, now=ctx.now())
        sent += int(delivered)
    return sent


def notify_decision(ctx: AppContext, decision_id: int) -> None:
    """Deliver the decision webhook events that are due (nothing when ``TVEC_WEBHOOK_URL``
    is unset); the web app runs it after the response. A decision is queued when it is
    recorded and sent only after ``TVEC_UNDO_SECONDS`` (immediately when it is 0), so this
    sends ``decision_id``'s own event only when undo is off; later events go out through
    :func:`deliver_due_decisions`."""
    deliver_due_decisions(ctx)


def notify_appeal(ctx: AppContext, appeal_id: int) -> None:
    """Tell the webhook about a resolved appeal (an overturned removal means restore), as
    :func:`notify_decision`."""
    if not ctx.settings.webhook_url:
        return
    with ctx.read() as session:
        event = service.appeal_event(service.get_appeal(session, appeal_id))
    _deliver(ctx, event)


# --- media -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Original:
    """An item's stored original: its bytes, name (locator), media type and SHA-256."""

    data: bytes
    locator: str
    media_type: str
    sha256: str


def _original(ctx: AppContext, item_id: int) -> Original:
    with ctx.read() as session:
        item = session.get(Item, item_id)
        if item is None:
            raise NotFoundError(f"no item {item_id}")
        if not item.sha256:
            raise NotFoundError(f"item {item_id} has no stored media")
        sha256, locator, media_type = item.sha256, item.locator, item.media_type
    data = open_evidence(ctx.settings.evidence_location).get(sha256)
    return Original(data, locator, media_type, sha256)


def preview(
    ctx: AppContext, item_id: int, principal: Principal, *, unblurred: bool = False
) -> bytes:
    """A re-encoded JPEG preview of an item's image: blurred and grey by the reviewer's
    defaults, or as it is when ``unblurred`` (the caller checks that the session revealed
    it).

    Raises:
        NotFoundError: no such item, no stored media, or not a decodable image.
    """
    original = _original(ctx, item_id)
    if not can_preview(original.data, original.locator):
        raise NotFoundError(f"item {item_id} ({original.media_type}) has no image preview")
    with ctx.read() as session:
        prefs = account_media_prefs(session, principal.account_id, ctx.settings)
    try:
        return render_preview(
            original.data,
            original.locator,
            max_pixels=ctx.settings.max_image_pixels,
            max_side=ctx.settings.preview_max_px,
            blur_px=0 if unblurred else max(prefs.blur_px, 1),
            greyscale=prefs.greyscale and not unblurred,
        )
    except InputError as exc:
        raise NotFoundError(f"item {item_id} has no preview: {exc.problem}") from exc


def _keyframe_counts(ctx: AppContext, media: Sequence[PageItem]) -> dict[int, int]:
    """Keyframes per video item of ``media`` (extracted once, cached in the evidence store);
    a video that cannot be decoded has 0."""
    counts: dict[int, int] = {}
    for m in media:
        if m.content_type != "video" or not m.sha256:
            continue
        try:
            counts[m.id] = len(_video_keyframes(ctx, m.sha256))
        except TvecError:
            counts[m.id] = 0
    return counts


def _video_keyframes(ctx: AppContext, sha256: str) -> list[Path]:
    """The keyframe JPEGs of the video stored under ``sha256`` (:mod:`tvec.cases.keyframes`),
    cached in the local evidence folder. With evidence in an fsspec store
    (``TVEC_EVIDENCE_URL``: ``s3://...``) the video's bytes are fetched into the local
    evidence folder once, when its keyframes are not cached yet, since the decoder reads a
    file.

    Raises:
        InputError: the video cannot be decoded.
        NotFoundError: the evidence store has no such bytes.
        StoreError: the evidence store fails.
    """
    location = ctx.settings.evidence_location
    root = local_root(location)
    path = EvidenceStore(root or ctx.settings.evidence_dir).path_for(sha256)
    if (
        root is None
        and not path.exists()
        and not keyframes_cached(ctx.settings.evidence_dir, sha256)
    ):
        EvidenceStore(ctx.settings.evidence_dir).put(open_evidence(location).get(sha256), sha256)
    return video_keyframes(ctx.settings.evidence_dir, sha256, path)


def keyframe_preview(
    ctx: AppContext, item_id: int, n: int, principal: Principal, *, unblurred: bool = False
) -> bytes:
    """Keyframe ``n`` (from 0) of a video item as a re-encoded JPEG preview, blurred and
    grey by the reviewer's defaults unless ``unblurred`` (as :func:`preview`).

    Raises:
        NotFoundError: no such item, no stored video, or no keyframe ``n``.
    """
    with ctx.read() as session:
        item = session.get(Item, item_id)
        if item is None or not item.sha256 or item.content_type != "video":
            raise NotFoundError(f"item {item_id} has no stored video")
        sha256 = item.sha256
        prefs = account_media_prefs(session, principal.account_id, ctx.settings)
    try:
        frames = _video_keyframes(ctx, sha256)
    except InputError as exc:
        raise NotFoundError(f"item {item_id} has no keyframes: {exc.problem}") from exc
    if not 0 <= n < len(frames):
        raise NotFoundError(f"item {item_id} has no keyframe {n}")
    return render_preview(
        frames[n].read_bytes(),
        frames[n].name,
        max_pixels=ctx.settings.max_image_pixels,
        max_side=ctx.settings.preview_max_px,
        blur_px=0 if unblurred else max(prefs.blur_px, 1),
        greyscale=prefs.greyscale and not unblurred,
    )


def bank_entry_thumbnail(ctx: AppContext, entry_id: int) -> bytes:
    """The blurred grey thumbnail kept for a bank entry added from an image file (a JPEG
    made when it was added, :func:`tvec.banks.service.bank_thumbnail`).

    Raises:
        NotFoundError: no such entry, or no thumbnail kept for it.
    """
    with ctx.read() as session:
        entry = session.get(BankEntry, entry_id)
        key = (entry.extra or {}).get("thumbnail") if entry is not None else None
    if not isinstance(key, str):
        raise NotFoundError(f"bank entry {entry_id} has no thumbnail")
    try:
        return open_evidence(ctx.settings.evidence_location).get(key)
    except TvecError as exc:
        raise NotFoundError(f"bank entry {entry_id} has no thumbnail") from exc


#: Media types the player may be given (the sniffed type of the stored bytes).
PLAYABLE_PREFIXES = ("video/", "audio/")


def playable(ctx: AppContext, item_id: int) -> Original:
    """A video or audio item's bytes for the case page's player (the caller checks that
    the session revealed it); its media type is the one tvec sniffed when it stored it.

    Raises:
        NotFoundError: no such item, no stored media, or not video/audio.
    """
    original = _original(ctx, item_id)
    if not original.media_type.startswith(PLAYABLE_PREFIXES):
        raise NotFoundError(f"item {item_id} ({original.media_type}) is not video or audio")
    return original


def reveal(ctx: AppContext, item_id: int, principal: Principal) -> RevealView:
    """Reveal one item's media on purpose: logged and counted for the reviewer's day.

    Raises:
        NotFoundError: no such item.
    """
    with ctx.write() as session:
        if session.get(Item, item_id) is None:
            raise NotFoundError(f"no item {item_id}")
        count = count_reveal(session, principal.account_id, ctx.settings, ctx.now())
        record_event(
            session, principal.actor, MediaRevealed(item_id=item_id, revealed_today=count.reveals)
        )
    return RevealView(
        item_id=item_id,
        preview_url=f"/media/{item_id}/preview?full=true",
        revealed_today=count.reveals,
        break_after=count.break_after,
        suggest_break=count.suggest_break,
    )


def download(ctx: AppContext, item_id: int, principal: Principal) -> Original:
    """An item's original bytes for download (the download is logged).

    Raises:
        NotFoundError: no such item or no stored media.
    """
    original = _original(ctx, item_id)
    with ctx.write() as session:
        record_event(session, principal.actor, MediaDownloaded(item_id=item_id))
    return original

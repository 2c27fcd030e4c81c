"""Media: re-encoded previews, logged reveals, and downloads as attachments.

Originals are never served inline. ``/media/{item}/preview`` returns a fresh JPEG made by
Pillow: blurred and grey (as the reviewer's defaults say) unless this session revealed the
item on purpose (``POST /api/media/{item}/reveal``, logged and counted). Downloads are
``application/octet-stream`` attachments for roles with ``media.download``. Every media
response carries ``Content-Security-Policy: default-src 'none'; sandbox`` and
``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tvec.accounts import Principal
from tvec.accounts.wellbeing import count_reveal, media_prefs
from tvec.audit import AuditKind, record
from tvec.cases.preview import PREVIEW_MEDIA_TYPE, can_preview, render_preview
from tvec.errors import InputError, NotFoundError
from tvec.store.evidence import EvidenceStore
from tvec.store.models import Item
from tvec.store.models.accounts import Account
from tvec.web.context import WebContext, get_ctx
from tvec.web.params import PathId
from tvec.web.schemas.media import RevealOut
from tvec.web.security import need

router = APIRouter()

MEDIA_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store, private",
}
#: Items revealed per session that are remembered (older reveals must be made again).
MAX_REVEALED = 200


def _original(ctx: WebContext, item: Item) -> bytes:
    if not item.sha256:
        raise NotFoundError(f"item {item.id} has no stored media")
    return EvidenceStore(ctx.settings.evidence_dir).get(item.sha256)


def _item(ctx: WebContext, item_id: int) -> Item:
    with ctx.read() as session:
        item = session.get(Item, item_id)
        if item is None:
            raise NotFoundError(f"no item {item_id}")
        return item


@router.get("/media/{item_id}/preview", tags=["media"], response_class=Response)
def preview(
    *,
    request: Request,
    item_id: PathId,
    full: bool = False,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("case.view"))],
) -> Response:
    """A re-encoded JPEG preview: blurred/grey by default; ``full=true`` only after this
    session revealed the item. 404 for anything that is not a decodable image."""
    item = _item(ctx, item_id)
    data = _original(ctx, item)
    if not can_preview(data, item.locator):
        raise NotFoundError(f"item {item_id} ({item.media_type}) has no image preview")
    with ctx.read() as session:
        prefs = media_prefs(session.get_one(Account, principal.account_id), ctx.settings)
    revealed = item_id in request.session.get("revealed", [])
    blur = 0 if (full and revealed) else max(prefs.blur_px, 1)
    grey = prefs.greyscale and not (full and revealed)
    try:
        body = render_preview(
            data,
            item.locator,
            max_pixels=ctx.settings.max_image_pixels,
            max_side=ctx.settings.preview_max_px,
            blur_px=blur,
            greyscale=grey,
        )
    except InputError as exc:
        raise NotFoundError(f"item {item_id} has no preview: {exc.problem}") from exc
    headers = dict(MEDIA_HEADERS)
    headers["Content-Disposition"] = f'inline; filename="preview-{item_id}.jpg"'
    return Response(body, media_type=PREVIEW_MEDIA_TYPE, headers=headers)


@router.post("/api/media/{item_id}/reveal", response_model=RevealOut, tags=["media"])
def reveal(
    *,
    request: Request,
    item_id: PathId,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("media.reveal"))],
) -> RevealOut:
    """Reveal one item's media on purpose: logged in the audit log and counted for the
    reviewer's day; the full preview may then be loaded in this session."""
    with ctx.write() as session:
        if session.get(Item, item_id) is None:
            raise NotFoundError(f"no item {item_id}")
        count = count_reveal(session, principal.account_id, ctx.settings)
        record(
            session,
            principal.actor,
            AuditKind.MEDIA_REVEAL,
            f"item:{item_id}",
            {"revealed_today": count.reveals},
        )
    revealed = [i for i in request.session.get("revealed", []) if i != item_id]
    request.session["revealed"] = [*revealed, item_id][-MAX_REVEALED:]
    return RevealOut(
        item_id=item_id,
        preview_url=f"/media/{item_id}/preview?full=true",
        revealed_today=count.reveals,
        break_after=count.break_after,
        suggest_break=count.suggest_break,
    )


@router.get("/media/{item_id}/download", tags=["media"], response_class=Response)
def download(
    *,
    item_id: PathId,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("media.download"))],
) -> Response:
    """The original bytes as an ``application/octet-stream`` attachment (logged)."""
    item = _item(ctx, item_id)
    data = _original(ctx, item)
    with ctx.write() as session:
        record(session, principal.actor, AuditKind.MEDIA_DOWNLOAD, f"item:{item_id}")
    headers = dict(MEDIA_HEADERS)
    headers["Content-Disposition"] = f'attachment; filename="{item.sha256}.bin"'
    return Response(data, media_type="application/octet-stream", headers=headers)

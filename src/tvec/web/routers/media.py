"""Media: re-encoded previews, logged reveals, and downloads as attachments.

Originals are never served inline. ``/media/{item}/preview`` returns a fresh JPEG made by
Pillow: blurred and grey (as the reviewer's defaults say) unless this session revealed the
item on purpose (``POST /api/media/{item}/reveal``, logged and counted). Downloads are
``application/octet-stream`` attachments for roles with ``media.download``. Every media
response carries ``Content-Security-Policy: default-src 'none'; sandbox`` and
``X-Content-Type-Options: nosniff``. Thin over :mod:`tvec.app.review`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi import Path as FastPath
from fastapi.responses import Response

from tvec.accounts import Principal
from tvec.app import review as use
from tvec.app.context import AppContext
from tvec.cases.preview import PREVIEW_MEDIA_TYPE
from tvec.errors import PermissionDeniedError
from tvec.views.media import RevealView
from tvec.web.context import get_app
from tvec.web.params import PathId
from tvec.web.render import ViewResponse
from tvec.web.security import need

router = APIRouter()

MEDIA_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store, private",
}
#: Items revealed per session that are remembered (older reveals must be made again).
MAX_REVEALED = 200


@router.get("/media/{item_id}/preview", tags=["media"], response_class=Response)
def preview(
    *,
    request: Request,
    item_id: PathId,
    full: bool = False,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("case.view"))],
) -> Response:
    """A re-encoded JPEG preview: blurred/grey by default; ``full=true`` only after this
    session revealed the item. 404 for anything that is not a decodable image."""
    revealed = item_id in request.session.get("revealed", [])
    body = use.preview(app, item_id, principal, unblurred=full and revealed)
    headers = dict(MEDIA_HEADERS)
    headers["Content-Disposition"] = f'inline; filename="preview-{item_id}.jpg"'
    return Response(body, media_type=PREVIEW_MEDIA_TYPE, headers=headers)


@router.get("/media/{item_id}/keyframes/{n}", tags=["media"], response_class=Response)
def keyframe(
    *,
    request: Request,
    item_id: PathId,
    n: Annotated[int, FastPath(ge=0, le=99)],
    full: bool = False,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("case.view"))],
) -> Response:
    """Keyframe ``n`` of a video as a re-encoded JPEG: blurred/grey by default; ``full=true``
    only after this session revealed the video (as ``/media/{item}/preview``)."""
    revealed = item_id in request.session.get("revealed", [])
    body = use.keyframe_preview(app, item_id, n, principal, unblurred=full and revealed)
    headers = dict(MEDIA_HEADERS)
    headers["Content-Disposition"] = f'inline; filename="keyframe-{item_id}-{n}.jpg"'
    return Response(body, media_type=PREVIEW_MEDIA_TYPE, headers=headers)


@router.get("/media/{item_id}/play", tags=["media"], response_class=Response)
def play(
    *,
    request: Request,
    item_id: PathId,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("case.view"))],
) -> Response:
    """A video or audio item for the case page's player (muted by default there), only
    after this session revealed it (403 before); served with its sniffed media type,
    ``nosniff`` and a sandboxing CSP."""
    if item_id not in request.session.get("revealed", []):
        raise PermissionDeniedError(f"reveal item {item_id} before playing it")
    original = use.playable(app, item_id)
    headers = dict(MEDIA_HEADERS)
    headers["Content-Disposition"] = f'inline; filename="play-{item_id}"'
    return Response(original.data, media_type=original.media_type, headers=headers)


@router.get("/banks/entries/{entry_id}/thumbnail", tags=["media"], response_class=Response)
def bank_entry_thumbnail(
    *,
    entry_id: PathId,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("case.view"))],
) -> Response:
    """The blurred grey thumbnail kept for a bank entry added from an image file, shown
    beside a matching item (404 for entries from hash lists)."""
    body = use.bank_entry_thumbnail(app, entry_id)
    headers = dict(MEDIA_HEADERS)
    headers["Content-Disposition"] = f'inline; filename="bank-entry-{entry_id}.jpg"'
    return Response(body, media_type=PREVIEW_MEDIA_TYPE, headers=headers)


@router.post("/api/media/{item_id}/reveal", response_model=RevealView, tags=["media"])
def reveal(
    *,
    request: Request,
    item_id: PathId,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("media.reveal"))],
) -> Response:
    """Reveal one item's media on purpose: logged in the audit log and counted for the
    reviewer's day; the full preview may then be loaded in this session."""
    view = use.reveal(app, item_id, principal)
    revealed = [i for i in request.session.get("revealed", []) if i != item_id]
    request.session["revealed"] = [*revealed, item_id][-MAX_REVEALED:]
    return ViewResponse(view)


@router.get("/media/{item_id}/download", tags=["media"], response_class=Response)
def download(
    *,
    item_id: PathId,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("media.download"))],
) -> Response:
    """The original bytes as an ``application/octet-stream`` attachment (logged)."""
    original = use.download(app, item_id, principal)
    headers = dict(MEDIA_HEADERS)
    headers["Content-Disposition"] = f'attachment; filename="{original.sha256}.bin"'
    return Response(original.data, media_type="application/octet-stream", headers=headers)

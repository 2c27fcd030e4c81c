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
from fastapi.responses import Response

from tvec.accounts import Principal
from tvec.app import review as use
from tvec.app.context import AppContext
from tvec.cases.preview import PREVIEW_MEDIA_TYPE
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

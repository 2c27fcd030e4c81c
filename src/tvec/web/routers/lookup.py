"""The lookup box (``/lookup``): paste a hash or a URL (defanged spellings accepted), or
upload a file, and see the bank entries it matches (with their distance), the items and
cases that already have the signal, and the out-links equivalent to the URL.

Thin over :mod:`tvec.app.lookup`. A look-up changes nothing: the file form is a POST only
because it carries a file (``openapi_extra={WRITES: False}``; it is still CSRF-checked).
Needs ``match.lookup`` (every role).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from tvec.accounts import Principal
from tvec.app import lookup as use
from tvec.errors import UsageError
from tvec.signals import registry
from tvec.views.lookup import LookupResultView
from tvec.web.context import WebContext, get_ctx
from tvec.web.render import render
from tvec.web.security import WRITES, need

router = APIRouter()

Reader = Annotated[Principal, Depends(need("match.lookup"))]


def _page(
    request: Request,
    ctx: WebContext,
    principal: Principal,
    *,
    q: str = "",
    signal_type: str = "auto",
    result: LookupResultView | None = None,
    error: str | None = None,
) -> HTMLResponse:
    return render(
        request,
        ctx,
        "lookup.html",
        principal,
        status_code=400 if error else 200,
        q=q,
        signal_type=signal_type,
        signal_types=["auto", *sorted(registry())],
        result=result,
        error=error,
    )


@router.get("/lookup", response_class=HTMLResponse, include_in_schema=False)
def lookup_page(
    *,
    request: Request,
    q: Annotated[str, Query(max_length=4096)] = "",
    signal_type: Annotated[str, Query(max_length=40)] = "auto",
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Reader,
) -> Response:
    """The lookup form, and with ``q`` what the pasted hash or URL matches. A value that
    is neither shows the form again with the problem (HTTP 400)."""
    if not q.strip():
        return _page(request, ctx, principal, signal_type=signal_type)
    try:
        result = use.lookup_pasted(ctx.app, q, signal_type)
    except UsageError as exc:
        return _page(request, ctx, principal, q=q, signal_type=signal_type, error=str(exc))
    return _page(request, ctx, principal, q=q, signal_type=signal_type, result=result)


@router.post(
    "/lookup/file",
    response_class=HTMLResponse,
    include_in_schema=False,
    openapi_extra={WRITES: False},
)
def lookup_file(
    *,
    request: Request,
    file: Annotated[UploadFile | None, File()] = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Reader,
) -> Response:
    """Hash an uploaded file as a scan would and show what it matches."""
    if file is None or not file.filename:
        return _page(request, ctx, principal, error="choose a file to look up")
    result = use.lookup_upload(ctx.app, file.filename, file.file.read())
    return _page(request, ctx, principal, result=result)

"""Bank pages: the banks (``/banks``), one bank's entries (``/banks/{name}``), and for
users with ``bank.write`` creating a bank, adding entries by uploading files and importing a
hash list. The lookup box (:mod:`tvec.web.routers.lookup`) is included here.

Thin over :mod:`tvec.app.banks`, as ``tvec bank`` is: uploaded files are hashed by the code
``tvec bank add`` and a scan use (a blurred thumbnail is kept for images), hash lists are read
as ``tvec bank import`` reads them (``csv``, ``tcap``, ``hma`` or ``auto``), and every write
is audited there (``bank.create``, ``bank.add``, ``bank.import``) with the user as
actor. Reading needs ``match.lookup`` (every role, as HMA's ``GET /c/banks``).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.accounts import Principal
from tvec.app import banks as use
from tvec.banks.formats import FORMATS
from tvec.errors import UsageError
from tvec.web.context import WebContext, get_ctx
from tvec.web.render import render
from tvec.web.routers import lookup
from tvec.web.security import need

router = APIRouter()
router.include_router(lookup.router)

Reader = Annotated[Principal, Depends(need("match.lookup"))]
Writer = Annotated[Principal, Depends(need("bank.write"))]
_Name = Annotated[str, Form(min_length=1, max_length=200)]
_Label = Annotated[str, Form(max_length=200)]
#: The formats a hash list may be uploaded in (as ``tvec bank import --format``).
IMPORT_FORMATS = ("auto", *FORMATS)


def bank_url(name: str, **query: str | int | None) -> str:
    """The page of bank ``name`` (its name quoted, ``/`` too), with ``query`` if given."""
    given = {k: v for k, v in query.items() if v not in (None, "")}
    return "/banks/" + quote(name, safe="") + (f"?{urlencode(given)}" if given else "")


def _banks_page(
    request: Request,
    ctx: WebContext,
    principal: Principal,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        ctx,
        "banks.html",
        principal,
        status_code=status_code,
        banks=use.bank_summaries(ctx.app),
        bank_url=bank_url,
        error=error,
        form=form or {},
    )


@router.get("/banks", response_class=HTMLResponse, include_in_schema=False)
def banks_page(
    *, request: Request, ctx: Annotated[WebContext, Depends(get_ctx)], principal: Reader
) -> Response:
    """Every bank: signal types and entry counts, HMA curation state, source."""
    return _banks_page(request, ctx, principal)


@router.post("/banks/new", include_in_schema=False)
def create_bank_form(
    *,
    request: Request,
    name: _Name,
    description: Annotated[str, Form(max_length=2000)] = "",
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Writer,
) -> Response:
    """Create an empty bank (audited as ``bank.create``), then show it. A taken or empty
    name shows the banks page again with the problem and what was typed (HTTP 400)."""
    try:
        view = use.create_bank(
            ctx.app, name.strip(), description.strip() or None, actor=principal.actor
        )
    except UsageError as exc:
        form = {"name": name, "description": description}
        return _banks_page(request, ctx, principal, error=str(exc), form=form, status_code=400)
    return RedirectResponse(bank_url(view.name), status_code=303)


def _uploads(files: list[UploadFile] | None) -> list[tuple[str | None, bytes]]:
    """The chosen files' names and bytes (a form without a file sends one empty part)."""
    return [(f.filename, f.file.read()) for f in files or [] if f.filename]


@router.post("/banks/add", response_class=HTMLResponse, include_in_schema=False)
def add_files_form(
    *,
    request: Request,
    bank: _Name,
    files: Annotated[list[UploadFile] | None, File()] = None,
    entity: _Label = "",
    ideology: Annotated[str, Form(max_length=100)] = "",
    source: _Label = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Writer,
) -> Response:
    """Add entries by uploading files: every signal each file gives (md5, sha256, pdq...),
    with the labels given; shows what was added, already present and refused (by file)."""
    uploads = _uploads(files)
    if not uploads:
        raise UsageError("choose at least one file to add to the bank")
    result = use.add_uploads(
        ctx.app,
        bank,
        uploads,
        actor=principal.actor,
        entity=entity.strip() or None,
        ideology=ideology.strip() or None,
        source=source.strip() or None,
        note=note.strip() or None,
    )
    names = [n for n, _ in uploads]
    return render(
        request,
        ctx,
        "bank_result.html",
        principal,
        result=result,
        action="add",
        files=names,
        bank_url=bank_url,
    )


@router.post("/banks/import", response_class=HTMLResponse, include_in_schema=False)
def import_form(
    *,
    request: Request,
    bank: _Name,
    hash_list: Annotated[UploadFile | None, File()] = None,
    format: Annotated[str, Form(max_length=20)] = "auto",
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Writer,
) -> Response:
    """Import an uploaded hash list (formats of ``tvec bank import``); shows how many
    entries were added, skipped as already present, and rejected with each line's reason."""
    if hash_list is None or not hash_list.filename:
        raise UsageError("choose a hash list file to import")
    if format not in IMPORT_FORMATS:
        raise UsageError(f"unknown format {format!r} (known: {', '.join(IMPORT_FORMATS)})")
    result = use.import_upload(
        ctx.app, bank, hash_list.filename, hash_list.file.read(), format, actor=principal.actor
    )
    return render(
        request,
        ctx,
        "bank_result.html",
        principal,
        result=result,
        action="import",
        files=[hash_list.filename],
        bank_url=bank_url,
    )


@router.get("/banks/{name:path}", response_class=HTMLResponse, include_in_schema=False)
def bank_page(
    *,
    request: Request,
    name: str,
    signal_type: Annotated[str, Query(max_length=40)] = "",
    label: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Reader,
) -> Response:
    """One bank: its summary, a page of its entries (newest first, filtered by signal type
    and label) with each entry's blurred thumbnail when it was added from an image file,
    and (``bank.write``) the forms to add files and import a hash list."""
    view = use.bank_entries(
        ctx.app, name, signal_type=signal_type or None, label=label.strip() or None, page=page
    )

    def page_url(number: int) -> str:
        return bank_url(name, signal_type=signal_type, label=label.strip(), page=number)

    return render(
        request,
        ctx,
        "bank.html",
        principal,
        view=view,
        here=bank_url(name),
        page_url=page_url,
        formats=IMPORT_FORMATS,
    )

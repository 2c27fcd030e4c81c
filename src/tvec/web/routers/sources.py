"""The sources pages: every source with its last poll (``/sources``), one source with its
poll history (``/sources/view?name=``), and, for ``source.write``, adding a source read from a
URL, enabling or disabling one and polling one now.

"Poll now" records the request in the audit log, answers at once and polls after the
response (FastAPI's background task, as the decision webhook; the web app has no worker
process of its own), so a slow feed never holds the request: the poll's outcome appears in
the source's poll history when it is done. Source names go in query strings and form
fields (a name may hold ``/``).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.accounts import Principal
from tvec.app import collection
from tvec.app import operations as use
from tvec.errors import ConflictError, NotFoundError, UsageError, http_status_for
from tvec.urls.defang import defang
from tvec.web.context import WebContext, get_ctx
from tvec.web.flash import set_flash
from tvec.web.render import render
from tvec.web.security import need

router = APIRouter(include_in_schema=False)

_Name = Annotated[str, Form(min_length=1, max_length=200)]
_Optional = Annotated[str, Form(max_length=200)]


def _source_url(name: str) -> str:
    return "/sources/view?" + urlencode({"name": name})


@router.get("/sources", response_class=HTMLResponse)
def sources_page(
    *,
    request: Request,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("source.view"))],
) -> Response:
    """Every source: kind, name, defanged locator, enabled, last poll, status, items."""
    return _sources_response(request, ctx, principal)


def _sources_response(
    request: Request,
    ctx: WebContext,
    principal: Principal,
    *,
    status_code: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    rows = [
        {"source": s, "locator": defang(s.locator), "href": _source_url(s.name)}
        for s in collection.list_sources(ctx.app)
    ]
    return render(
        request,
        ctx,
        "sources.html",
        principal,
        status_code=status_code,
        rows=rows,
        kinds=use.remote_kinds(),
        error=error,
        form=form or {},
    )


@router.get("/sources/view", response_class=HTMLResponse)
def source_page(
    *,
    request: Request,
    name: Annotated[str, Query(min_length=1, max_length=200)],
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("source.view"))],
) -> Response:
    """One source and its poll history: time, items new and seen again, errors and why."""
    source, polls = use.source_polls(ctx.app, name)
    return render(
        request,
        ctx,
        "source.html",
        principal,
        source=source,
        locator=defang(source.locator),
        polls=polls,
    )


@router.post("/sources/new")
def add_source(
    *,
    request: Request,
    name: _Name,
    kind: Annotated[str, Form(max_length=40)],
    url: Annotated[str, Form(min_length=1, max_length=2000)],
    platform: _Optional = "",
    entity: _Optional = "",
    language: Annotated[str, Form(max_length=16)] = "",
    notes: Annotated[str, Form(max_length=2000)] = "",
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("source.write"))],
) -> Response:
    """Add a source read from an http(s) URL (audited); then its page. A refused source
    shows the sources page again with the reason next to the form and everything typed kept
    (status 400/404/409)."""
    try:
        source = use.add_remote_source(
            ctx.app,
            name,
            kind,
            url,
            actor=principal.actor,
            platform=platform,
            entity=entity,
            language=language,
            notes=notes,
        )
    except (UsageError, NotFoundError, ConflictError) as exc:
        typed = {"name": name, "kind": kind, "url": url, "platform": platform}
        typed |= {"entity": entity, "language": language, "notes": notes}
        return _sources_response(
            request, ctx, principal, status_code=http_status_for(exc), error=str(exc), form=typed
        )
    set_flash(request, f"Source {source.name} added.")
    return RedirectResponse(_source_url(source.name), status_code=303)


def _set_enabled(
    request: Request, ctx: WebContext, principal: Principal, name: str, on: bool
) -> Response:
    source = collection.set_enabled(ctx.app, name, on, actor=principal.actor)
    set_flash(request, f"Source {source.name} {'enabled' if on else 'disabled'}.")
    return RedirectResponse(_source_url(source.name), status_code=303)


@router.post("/sources/enable")
def enable_source(
    *,
    request: Request,
    name: _Name,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("source.write"))],
) -> Response:
    """Enable a source (audited)."""
    return _set_enabled(request, ctx, principal, name, True)


@router.post("/sources/disable")
def disable_source(
    *,
    request: Request,
    name: _Name,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("source.write"))],
) -> Response:
    """Disable a source: it is no longer polled (audited)."""
    return _set_enabled(request, ctx, principal, name, False)


@router.post("/sources/poll")
def poll_source(
    *,
    request: Request,
    name: _Name,
    background: BackgroundTasks,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("source.write"))],
) -> Response:
    """Poll a source now: audited at once, polled after the response (module docstring)."""
    source = use.request_poll(ctx.app, name, actor=principal.actor)
    background.add_task(use.poll_source_now, ctx.app, source.name)
    set_flash(
        request,
        f"Poll of {source.name} started; its result appears in the poll history when it is done.",
    )
    response = RedirectResponse(_source_url(source.name), status_code=303)
    response.background = background
    return response

"""Exchanges: the page (``/exchanges``: state, last fetch, counts, errors, next run), its
"fetch now" button (``POST /exchanges/{name}/fetch``, for roles with ``exchange.fetch``,
CSRF-checked, the fetch audited under the user's name) and ``/api/exchanges``.

Thin over :mod:`tvec.app.exchanges`; the API answers with the same result models, in the
same bytes, as ``tvec exchange list|show --json``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from tvec.accounts import Principal
from tvec.app import exchanges as use
from tvec.app.context import AppContext
from tvec.views.exchanges import ExchangeFetchView, ExchangeView
from tvec.web.context import WebContext, get_app, get_ctx
from tvec.web.render import ViewResponse, render
from tvec.web.security import need

router = APIRouter()

_Name = Annotated[str, Path(max_length=100)]


def _when(value: object) -> str:
    from datetime import datetime

    return value.strftime("%Y-%m-%d %H:%M UTC") if isinstance(value, datetime) else "-"


def _page(
    request: Request,
    ctx: WebContext,
    principal: Principal,
    fetched: ExchangeFetchView | None = None,
) -> Response:
    return render(
        request,
        ctx,
        "exchanges.html",
        principal,
        exchanges=use.list_exchanges(ctx.app),
        fetched=fetched,
        when=_when,
    )


@router.get("/exchanges", response_class=HTMLResponse, include_in_schema=False)
def exchanges_page(
    *,
    request: Request,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("exchange.view"))],
) -> Response:
    """Every exchange with its state, last fetch, counts, errors and next run."""
    return _page(request, ctx, principal)


@router.post("/exchanges/{name}/fetch", response_class=HTMLResponse, include_in_schema=False)
def exchange_fetch_form(
    *,
    request: Request,
    name: _Name,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("exchange.fetch"))],
) -> Response:
    """The page's "fetch now" button: fetch ``name`` from its checkpoint now (audited as
    :class:`~tvec.audit.events.ExchangeFetched` by the user) and show the page with what it
    did.

    Raises:
        NotFoundError: no such exchange; UsageError: it is disabled.
    """
    fetched = use.fetch_exchange(ctx.app, name, actor=principal.actor)
    return _page(request, ctx, principal, fetched)


@router.get("/api/exchanges", response_model=list[ExchangeView], tags=["exchanges"])
def exchanges_api(
    *,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("exchange.view"))],
) -> Response:
    """Every exchange (``tvec exchange list --json``)."""
    return ViewResponse(use.list_exchanges(app))


@router.get("/api/exchanges/{name}", response_model=ExchangeView, tags=["exchanges"])
def exchange_api(
    *,
    name: _Name,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("exchange.view"))],
) -> Response:
    """One exchange (``tvec exchange show --json``)."""
    return ViewResponse(use.exchange_status(app, name))


@router.post("/api/exchanges/{name}/fetch", response_model=ExchangeFetchView, tags=["exchanges"])
def exchange_fetch_api(
    *,
    name: _Name,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("exchange.fetch"))],
) -> Response:
    """Fetch an exchange now (``tvec exchange fetch NAME --json``)."""
    return ViewResponse(use.fetch_exchange(app, name, actor=principal.actor))

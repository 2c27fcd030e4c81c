"""The Entities page: the entity registry in force (packaged, ``TVEC_ENTITIES_FILE`` and
imported designation lists), searchable, with each entity's names and designations
(``/entities``, ``/entities/{id}``) and ``/api/entities``.

Read-only and thin over :mod:`tvec.app.entities`; lists are imported with ``tvec entity
import`` (``docs/designations.md``). The API answers with the same result models, in the
same bytes, as ``tvec entity list|search|show --json``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from tvec.accounts import Principal
from tvec.app import entities as use
from tvec.app.context import AppContext
from tvec.views.entities import EntitySummaryView, EntityView
from tvec.web.context import WebContext, get_app, get_ctx
from tvec.web.render import ViewResponse, render
from tvec.web.security import need

router = APIRouter()

_Query = Annotated[
    str | None, Query(max_length=200, description="A name or alias, or part of one.")
]
_Jurisdiction = Annotated[
    str | None, Query(max_length=40, description="A jurisdiction (UN, UK) or list key.")
]


@router.get("/entities", response_class=HTMLResponse, include_in_schema=False)
def entities_page(
    *,
    request: Request,
    q: _Query = None,
    jurisdiction: _Jurisdiction = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("entity.view"))],
) -> Response:
    """Every entity in force (or those matching ``q``), with its lists and origin."""
    rows = use.list_entities(ctx.app, query=q or None, jurisdiction=jurisdiction or None)
    return render(
        request,
        ctx,
        "entities.html",
        principal,
        entity=None,
        rows=rows,
        q=q or "",
        jurisdiction=jurisdiction or "",
    )


@router.get("/entities/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
def entity_page(
    *,
    request: Request,
    entity_id: str,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("entity.view"))],
) -> Response:
    """One entity: names in every script, outlets, designations (own and inherited)."""
    entity = use.show_entity(ctx.app, entity_id)
    return render(request, ctx, "entities.html", principal, entity=entity, rows=[])


@router.get("/api/entities", response_model=list[EntitySummaryView], tags=["entities"])
def entities_api(
    *,
    q: _Query = None,
    jurisdiction: _Jurisdiction = None,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("entity.view"))],
) -> Response:
    """The entities in force, as ``tvec entity list --json`` (``q``: as ``tvec entity
    search``)."""
    return ViewResponse(use.list_entities(app, query=q or None, jurisdiction=jurisdiction or None))


@router.get("/api/entities/{entity_id}", response_model=EntityView, tags=["entities"])
def entity_api(
    *,
    entity_id: str,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("entity.view"))],
) -> Response:
    """One entity, as ``tvec entity show ID --json``."""
    return ViewResponse(use.show_entity(app, entity_id))

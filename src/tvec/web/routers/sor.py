"""Statements of reasons: the page ``/reports/statements`` and ``/api/statements``.

Read-only and thin over :mod:`tvec.app.sor` (statements are submitted with ``tvec sor
submit``); a section for the Reports page. Opening the page makes the statements of remove
decisions that have none (derived data, not audited). The API answers with the same result
models, in the same bytes, as ``tvec sor list --json``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from tvec.accounts import Principal
from tvec.app import sor as use
from tvec.app.context import AppContext
from tvec.store.models.sor import SOR_STATES
from tvec.web.context import WebContext, get_app, get_ctx
from tvec.web.render import ViewResponse, render
from tvec.web.security import need

router = APIRouter()

_State = Annotated[
    str | None, Query(max_length=20, description=f"One of: {', '.join(SOR_STATES)}.")
]


@router.get("/reports/statements", response_class=HTMLResponse, include_in_schema=False)
def statements_page(
    *,
    request: Request,
    state: _State = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("sor.view"))],
) -> Response:
    """Statements of reasons with their submission state, filtered by state."""
    statements = use.list_statements(ctx.app, state=state or None)
    return render(
        request,
        ctx,
        "statements.html",
        principal,
        statements=statements,
        counts=use.counts(ctx.app),
        state=state or "",
        states=SOR_STATES,
    )


@router.get("/api/statements")
def statements_api(
    *,
    state: _State = None,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("sor.view"))],
) -> Response:
    """Statements of reasons (as ``tvec sor list --json``)."""
    return ViewResponse(use.list_statements(app, state=state or None))

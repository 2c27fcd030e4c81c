"""The admin's users page (``/users``): every account with a "sign out everywhere" button
(``POST /users/{username}/signout``, permission ``user.manage``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.accounts import Principal
from tvec.app import accounts as use
from tvec.web.context import WebContext, get_ctx
from tvec.web.render import render
from tvec.web.security import need

router = APIRouter(include_in_schema=False)


@router.get("/users", response_class=HTMLResponse)
def users_page(
    *,
    request: Request,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("user.manage"))],
) -> Response:
    """Every account, with its role, state and last login, and a sign-out button."""
    return render(
        request,
        ctx,
        "users.html",
        principal,
        users=use.list_users(ctx.app),
        done=request.query_params.get("signed_out"),
    )


@router.post("/users/{username}/signout")
def sign_out_everywhere(
    *,
    username: Annotated[str, Path(max_length=100)],
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("user.manage"))],
) -> Response:
    """End every web session of ``username`` at once (logged)."""
    use.sign_out_everywhere(ctx.app, username, actor=principal.actor)
    return RedirectResponse(f"/users?signed_out={username}", status_code=303)

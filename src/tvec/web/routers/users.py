"""The admin's users page (``/users``): every account with its API tokens, and buttons to
sign out everywhere, disable, enable, reset the password (a one-time password, shown once),
delete, create an API token (shown once) and revoke one token. Every write needs
``user.manage`` (token creation ``token.create``) and is audited by :mod:`tvec.accounts`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
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
    return _page(request, ctx, principal)


def _page(
    request: Request,
    ctx: WebContext,
    principal: Principal,
    *,
    done: str | None = None,
    secret: tuple[str, str] | None = None,
) -> Response:
    signed_out = request.query_params.get("signed_out")
    return render(
        request,
        ctx,
        "users.html",
        principal,
        users=use.list_users(ctx.app),
        tokens=use.list_tokens(ctx.app),
        done=done or (f"Every session of {signed_out} has ended." if signed_out else None),
        secret=secret,
    )


_User = Annotated[str, Path(max_length=100)]


@router.post("/users/new")
def add_user(
    *,
    request: Request,
    username: Annotated[str, Form(max_length=100)],
    role: Annotated[str, Form(max_length=20)],
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("user.manage"))],
) -> Response:
    """Create an account with a one-time password, shown once on the page."""
    password = use.add_user(ctx.app, username, role, None, actor=principal.actor)
    return _page(
        request,
        ctx,
        principal,
        done=f"User {username} added.",
        secret=(f"One-time password of {username} (it must be changed at first login)", password),
    )


@router.post("/users/{username}/disable")
def disable_user(
    *,
    username: _User,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("user.manage"))],
) -> Response:
    """Disable an account: its sessions end and its tokens stop working at once."""
    use.disable_user(ctx.app, username, actor=principal.actor)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{username}/enable")
def enable_user(
    *,
    username: _User,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("user.manage"))],
) -> Response:
    """Enable a disabled account again."""
    use.enable_user(ctx.app, username, actor=principal.actor)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{username}/delete")
def delete_user(
    *,
    username: _User,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("user.manage"))],
) -> Response:
    """Delete an account with its sessions and tokens (not one's own)."""
    use.delete_user(ctx.app, username, actor=principal.actor)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{username}/reset")
def reset_password(
    *,
    request: Request,
    username: _User,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("user.manage"))],
) -> Response:
    """Give an account a new one-time password (shown once); its sessions end."""
    password = use.reset_password(ctx.app, username, None, actor=principal.actor)
    return _page(
        request,
        ctx,
        principal,
        secret=(f"New one-time password of {username}", password),
    )


@router.post("/users/{username}/tokens")
def create_token(
    *,
    request: Request,
    username: _User,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("token.create"))],
) -> Response:
    """Create an API token for ``username``; the token is shown once."""
    token = use.create_token(ctx.app, username, name, actor=principal.actor)
    return _page(request, ctx, principal, secret=(f"API token {name!r} of {username}", token))


@router.post("/tokens/{token_id}/revoke")
def revoke_token(
    *,
    token_id: Annotated[int, Path(ge=1, le=2**62)],
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("user.manage"))],
) -> Response:
    """Revoke one API token; it stops working at once."""
    use.revoke_token(ctx.app, token_id, actor=principal.actor)
    return RedirectResponse("/users", status_code=303)


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

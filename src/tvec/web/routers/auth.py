"""Login and logout pages (``/login``, ``/logout``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.app import accounts as use
from tvec.web.context import WebContext, get_ctx
from tvec.web.render import render
from tvec.web.security import WRITES, LoginLimiter

router = APIRouter(include_in_schema=False)


def _limiter(request: Request) -> LoginLimiter:
    limiter: LoginLimiter = request.app.state.login_limiter
    return limiter


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, ctx: Annotated[WebContext, Depends(get_ctx)]) -> Response:
    """The login form."""
    return render(request, ctx, "login.html")


@router.post("/login", openapi_extra={WRITES: False})
def login(
    *,
    request: Request,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    ctx: Annotated[WebContext, Depends(get_ctx)],
) -> Response:
    """Check the password; on success start a new session and go to the queue."""
    limiter = _limiter(request)
    client = request.client.host if request.client else "unknown"
    keys = (f"user:{username.lower()}", f"ip:{client}")
    limiter.check(*keys)
    principal = use.login(ctx.app, username, password)
    if principal is None:
        limiter.fail(*keys)
        return render(
            request, ctx, "login.html", status_code=401, error="Wrong username or password."
        )
    limiter.succeed(*keys)
    request.session.clear()
    request.session["uid"] = principal.account_id
    return RedirectResponse("/queue", status_code=303)


@router.post("/logout", openapi_extra={WRITES: False})
def logout(request: Request, ctx: Annotated[WebContext, Depends(get_ctx)]) -> Response:
    """End the session."""
    uid = request.session.get("uid")
    if isinstance(uid, int):
        use.logout(ctx.app, uid)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)

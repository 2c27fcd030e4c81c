"""Login and logout pages (``/login``, ``/logout``): server-side sessions and the login
throttle live in :mod:`tvec.app.accounts`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.app import accounts as use
from tvec.web.context import WebContext, get_ctx
from tvec.web.render import render
from tvec.web.security import DEVICE_COOKIE, SESSION_ID, WRITES

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, ctx: Annotated[WebContext, Depends(get_ctx)]) -> Response:
    """The login form."""
    return render(request, ctx, "login.html")


@router.post("/login", openapi_extra={WRITES: False})
def login(
    *,
    request: Request,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    ctx: Annotated[WebContext, Depends(get_ctx)],
) -> Response:
    """Check the password under the login limits; on success start a new server-side session
    and go to the queue, or to the change page while the password is a one-time password
    (a refused attempt is 429, a wrong password 401, an empty field 400 with the form again
    and the username kept)."""
    if not username.strip() or not password:
        return render(
            request,
            ctx,
            "login.html",
            status_code=400,
            error="Enter both your username and your password.",
            username=username,
        )
    outcome = use.login(
        ctx.app,
        username,
        password,
        address=request.client.host if request.client else "unknown",
        secret=request.app.state.secret,
        device_token=request.cookies.get(DEVICE_COOKIE),
    )
    if outcome.principal is None or outcome.session_id is None:
        return render(
            request,
            ctx,
            "login.html",
            status_code=401,
            error="Wrong username or password.",
            username=username,
        )
    request.session.clear()
    request.session[SESSION_ID] = outcome.session_id
    target = "/me/password" if outcome.principal.must_change_password else "/queue"
    response = RedirectResponse(target, status_code=303)
    if outcome.device_token is not None:
        response.set_cookie(
            DEVICE_COOKIE,
            outcome.device_token,
            max_age=int(ctx.settings.login_known_days * 86400),
            httponly=True,
            samesite="strict",
            secure=ctx.settings.cookie_secure,
        )
    return response


@router.post("/logout", openapi_extra={WRITES: False})
def logout(request: Request, ctx: Annotated[WebContext, Depends(get_ctx)]) -> Response:
    """End the session (in the store, at once) and clear the cookie."""
    session_id = request.session.get(SESSION_ID)
    if isinstance(session_id, str):
        use.logout(ctx.app, session_id)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)

"""The reviewer's own page: reveals today, break suggestion, own blur/greyscale defaults, and
the change of one's own password (``/me/password``; forced while it is a one-time password)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.accounts import Principal
from tvec.app import accounts as use
from tvec.app.context import AppContext
from tvec.errors import UsageError
from tvec.views.accounts import MeView, PrefsIn
from tvec.web.context import WebContext, get_app, get_ctx
from tvec.web.render import ViewResponse, render
from tvec.web.security import SESSION_ID, WRITES, current_principal, need

router = APIRouter()


@router.get("/me", response_class=HTMLResponse, include_in_schema=False)
def me_page(
    *,
    request: Request,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(current_principal)],
) -> Response:
    """Counters and the reviewer's own media defaults."""
    return render(request, ctx, "me.html", principal, me=use.me(ctx.app, principal))


@router.get("/me/password", response_class=HTMLResponse, include_in_schema=False)
def password_page(
    *,
    request: Request,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(current_principal)],
) -> Response:
    """The form to change one's own password (the only page of a one-time password)."""
    return render(request, ctx, "password.html", principal, error=None, done=False)


@router.post("/me/password", include_in_schema=False, openapi_extra={WRITES: False})
def change_password(
    *,
    request: Request,
    current: Annotated[str, Form(max_length=1000)],
    new: Annotated[str, Form(max_length=1000)],
    repeat: Annotated[str, Form(max_length=1000)],
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(current_principal)],
) -> Response:
    """Change one's own password (every role may); every other session of the account
    ends. A wrong current password or a bad new one shows the form again (HTTP 400)."""
    try:
        if new != repeat:
            raise UsageError("the two new passwords differ")
        session_id = request.session.get(SESSION_ID)
        use.change_own_password(
            ctx.app,
            principal,
            current,
            new,
            keep_session=session_id if isinstance(session_id, str) else None,
        )
    except UsageError as exc:
        return render(
            request, ctx, "password.html", principal, status_code=400, error=str(exc), done=False
        )
    return RedirectResponse("/me?password=changed", status_code=303)


@router.post("/me/prefs", include_in_schema=False)
def me_prefs_form(
    *,
    blur_px: Annotated[int, Form(ge=0, le=100)],
    greyscale: Annotated[bool, Form()] = False,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("prefs.write"))],
) -> Response:
    """Save the reviewer's defaults from the form."""
    use.set_prefs(app, principal, blur_px, greyscale)
    return RedirectResponse("/me", status_code=303)


@router.get("/api/me", response_model=MeView, tags=["me"])
def me_api(
    *,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(current_principal)],
) -> Response:
    """Who is logged in, reveals today (UTC), and media defaults."""
    return ViewResponse(use.me(app, principal))


@router.put("/api/me/prefs", response_model=MeView, tags=["me"])
def me_prefs_api(
    *,
    body: PrefsIn,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("prefs.write"))],
) -> Response:
    """Set own blur (``TVEC_MIN_BLUR_PX``-100 px) and greyscale defaults."""
    return ViewResponse(use.set_prefs(app, principal, body.blur_px, body.greyscale))

"""The reviewer's own page: reveals today, break suggestion, own blur/greyscale defaults."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.accounts import Principal
from tvec.accounts.wellbeing import media_prefs, reveals_today, set_media_prefs
from tvec.store.models.accounts import Account
from tvec.web.context import WebContext, get_ctx
from tvec.web.render import render
from tvec.web.schemas.me import MeOut, PrefsIn
from tvec.web.security import current_principal, need

router = APIRouter()


def _me(ctx: WebContext, principal: Principal) -> MeOut:
    with ctx.read() as session:
        account = session.get_one(Account, principal.account_id)
        count = reveals_today(session, principal.account_id, ctx.settings)
        prefs = media_prefs(account, ctx.settings)
    return MeOut(
        username=principal.username,
        role=principal.role,
        revealed_today=count.reveals,
        break_after=count.break_after,
        suggest_break=count.suggest_break,
        blur_px=prefs.blur_px,
        greyscale=prefs.greyscale,
        min_blur_px=ctx.settings.min_blur_px,
        greyscale_required=ctx.settings.greyscale_required,
    )


@router.get("/me", response_class=HTMLResponse, include_in_schema=False)
def me_page(
    *,
    request: Request,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(current_principal)],
) -> Response:
    """Counters and the reviewer's own media defaults."""
    return render(request, ctx, "me.html", principal, me=_me(ctx, principal))


@router.post("/me/prefs", include_in_schema=False)
def me_prefs_form(
    *,
    blur_px: Annotated[int, Form(ge=0, le=100)],
    greyscale: Annotated[bool, Form()] = False,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("prefs.write"))],
) -> Response:
    """Save the reviewer's defaults from the form."""
    with ctx.write() as session:
        set_media_prefs(session, principal.account_id, ctx.settings, blur_px, greyscale)
    return RedirectResponse("/me", status_code=303)


@router.get("/api/me", response_model=MeOut, tags=["me"])
def me_api(
    *,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(current_principal)],
) -> MeOut:
    """Who is logged in, reveals today (UTC), and media defaults."""
    return _me(ctx, principal)


@router.put("/api/me/prefs", response_model=MeOut, tags=["me"])
def me_prefs_api(
    *,
    body: PrefsIn,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("prefs.write"))],
) -> MeOut:
    """Set own blur (``TVEC_MIN_BLUR_PX``-100 px) and greyscale defaults."""
    with ctx.write() as session:
        set_media_prefs(session, principal.account_id, ctx.settings, body.blur_px, body.greyscale)
    return _me(ctx, principal)

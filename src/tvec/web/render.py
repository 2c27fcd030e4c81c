"""Rendering: pages (every template gets the user, the CSRF token and wellbeing counters) and
result models (:class:`ViewResponse`: the same bytes as the CLI's ``--json``)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from tvec.accounts import Principal, allowed
from tvec.app.accounts import wellbeing as wellbeing_of
from tvec.views.base import dumps
from tvec.web.context import WebContext
from tvec.web.security import csrf_token


def render(
    request: Request,
    ctx: WebContext,
    template: str,
    principal: Principal | None = None,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    """Render ``template`` with ``values`` plus ``user``, ``csrf``, ``can``, ``wellbeing``
    and ``flash`` (the session's one-time message, :mod:`tvec.web.flash`)."""
    from tvec.web.flash import take_flash

    wellbeing = None
    if principal is not None:
        wellbeing = wellbeing_of(ctx.app, principal)

    def can(permission: str) -> bool:
        return principal is not None and allowed(principal.role, permission)

    return ctx.templates.TemplateResponse(
        request,
        template,
        {
            "user": principal,
            "csrf": csrf_token(request),
            "can": can,
            "wellbeing": wellbeing,
            "flash": take_flash(request, ctx, principal),
        }
        | values,
        status_code=status_code,
    )


class ViewResponse(Response):
    """A JSON answer holding a result model (or a list of them), written by
    :func:`tvec.views.base.dumps`: byte for byte what the CLI prints with ``--json``."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """The JSON bytes of ``content`` (UTF-8)."""
        return dumps(content).encode("utf-8")

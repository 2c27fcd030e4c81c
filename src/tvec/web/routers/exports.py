"""CSV exports: ``/export/cases.csv`` and ``/export/decisions.csv`` (permission
``case.view``) and ``/export/outlinks.csv`` (``takedown.view``; optional ``platform``
filter), as attachments, never cached, each download audit-logged
(:func:`tvec.app.exports.export_csv`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from tvec.accounts import Principal, allowed
from tvec.app.exports import export_csv
from tvec.errors import PermissionDeniedError
from tvec.web.context import WebContext, get_ctx
from tvec.web.security import current_principal

router = APIRouter(include_in_schema=False)

#: The permission each export needs (an unknown name is refused by the use case: 404).
PERMISSIONS = {"cases": "case.view", "decisions": "case.view", "outlinks": "takedown.view"}


@router.get("/export/{name}.csv")
def export(
    *,
    name: Annotated[str, Path(max_length=20)],
    platform: Annotated[str | None, Query(max_length=200)] = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(current_principal)],
) -> Response:
    """Every case, decision or out-link (of ``platform``) as CSV (UTF-8, newest first)."""
    permission = PERMISSIONS.get(name, "case.view")
    if not allowed(principal.role, permission):
        raise PermissionDeniedError(f"role {principal.role!r} may not {permission}")
    filters = {"platform": platform} if platform else {}
    return Response(
        export_csv(ctx.app, name, actor=principal.actor, filters=filters).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="tvec-{name}.csv"'},
    )

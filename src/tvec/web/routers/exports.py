"""CSV exports: ``/export/cases.csv`` and ``/export/decisions.csv`` (permission
``case.view``), as attachments, never cached."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from tvec.accounts import Principal
from tvec.app.exports import export_csv
from tvec.web.context import WebContext, get_ctx
from tvec.web.security import need

router = APIRouter(include_in_schema=False)


@router.get("/export/{name}.csv")
def export(
    *,
    name: Annotated[str, Path(max_length=20)],
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("case.view"))],
) -> Response:
    """Every case or decision as CSV (UTF-8, newest first)."""
    return Response(
        export_csv(ctx.app, name).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="tvec-{name}.csv"'},
    )

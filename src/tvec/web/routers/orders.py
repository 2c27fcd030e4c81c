"""Removal orders: the pages (``/orders``, ``/orders/{reference}``) and ``/api/orders``.

Thin over :mod:`tvec.app.orders`, as ``tvec order`` is (see ``docs/removal-orders.md``).
Users with ``order.write`` record an order (``POST /orders/new``: the form, or an uploaded
order file), act on its URLs (``POST /orders/act``), reject it under Article 3(7)/3(8)
(``POST /orders/reject``) and restart its clock (``POST /orders/resume``); the reference
is a form field, so it may hold ``/``. Each write is audited by :mod:`tvec.orders`. The
API answers with the same result models, in the same bytes, as ``tvec order list|show
--json``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from tvec.accounts import Principal
from tvec.app import orders as use
from tvec.app.context import AppContext
from tvec.errors import UsageError
from tvec.orders.clock import format_time, parse_time
from tvec.orders.impossibility import GROUNDS, impossibility_text
from tvec.orders.intake import OrderFile, read_order_file
from tvec.orders.reply import reply_text
from tvec.orders.service import LIST_FILTERS
from tvec.views.orders import OrderView
from tvec.web.context import WebContext, get_app, get_ctx
from tvec.web.render import ViewResponse, render
from tvec.web.security import need

router = APIRouter()

_Status = Annotated[str, Query(max_length=20, description=f"One of: {', '.join(LIST_FILTERS)}.")]


@router.get("/orders", response_class=HTMLResponse, include_in_schema=False)
def orders_page(
    *,
    request: Request,
    status: _Status = "unfinished",
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("order.view"))],
) -> Response:
    """Orders with their time left (least first), filtered by status."""
    orders = use.list_orders(ctx.app, status=status)
    return render(
        request,
        ctx,
        "orders.html",
        principal,
        orders=orders,
        status=status,
        filters=LIST_FILTERS,
        when=format_time,
    )


def _order_url(reference: str) -> str:
    return "/orders/" + quote(reference, safe="")


#: The URL list of a typed-in order: a TCO order may list many URLs; about 10,000 fit. The
#: request body stays under ``TVEC_MAX_UPLOAD_BYTES``.
_Urls = Annotated[str, Form(max_length=1_000_000)]
#: The statement of reasons, past the domain's 100,000 characters (which it refuses with a
#: message, the form kept) rather than cut at the form with a 422 that loses what was typed.
_Text = Annotated[str, Form(max_length=200_000)]
_Short = Annotated[str, Form(max_length=500)]


@router.get("/orders-new", response_class=HTMLResponse, include_in_schema=False)
def new_order_page(
    *,
    request: Request,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("order.write"))],
) -> Response:
    """The form to record a removal order (typed in, or an uploaded order file)."""
    return render(request, ctx, "order_new.html", principal, form={}, error=None)


@router.post("/orders/new", include_in_schema=False)
def record_order_form(
    *,
    request: Request,
    reference: _Short = "",
    authority: _Short = "",
    member_state: Annotated[str, Form(max_length=40)] = "",
    received_at: Annotated[str, Form(max_length=60)] = "",
    urls: _Urls = "",
    reasons: _Text = "",
    order_file: Annotated[UploadFile | None, File()] = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("order.write"))],
) -> Response:
    """Record a removal order from the form, or from an uploaded order file (which wins
    when given). Its hour runs from the time of receipt (now when left empty). A bad field
    shows the form again with the problem and everything typed kept (HTTP 400)."""
    typed = {
        "reference": reference,
        "authority": authority,
        "member_state": member_state,
        "received_at": received_at,
        "urls": urls,
        "reasons": reasons,
    }
    try:
        if order_file is not None and order_file.filename:
            with tempfile.TemporaryDirectory(prefix="tvec-order-") as folder:
                path = Path(folder) / "order.json"
                path.write_bytes(order_file.file.read())
                try:
                    order = read_order_file(path)
                except UsageError as exc:
                    raise UsageError(
                        str(exc).replace(str(path), repr(order_file.filename))
                    ) from None
        else:
            missing = [
                name for name, value in typed.items() if name != "received_at" and not value.strip()
            ]
            if missing:
                raise UsageError(f"missing {', '.join(missing)} (or upload an order file)")
            order = OrderFile(
                reference=reference.strip(),
                authority=authority.strip(),
                member_state=member_state.strip(),
                received_at=(
                    parse_time(received_at, "time of receipt")
                    if received_at.strip()
                    else ctx.app.now()
                ),
                urls=[u.strip() for u in urls.splitlines() if u.strip()],
                reasons=reasons.strip(),
            )
        view = use.record_order(ctx.app, order, actor=principal.actor)
    except UsageError as exc:
        return render(
            request, ctx, "order_new.html", principal, status_code=400, form=typed, error=str(exc)
        )
    return RedirectResponse(_order_url(view.reference), status_code=303)


@router.post("/orders/act", include_in_schema=False)
def act_form(
    *,
    reference: _Short,
    action: Annotated[str, Form(max_length=20)] = "removed",
    url: Annotated[list[str] | None, Form(max_length=5000)] = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("order.write"))],
) -> Response:
    """Record that the ticked URLs (every pending one when none is ticked) were removed or
    disabled now; the reply is filled in once every URL is done."""
    use.act_on_order(ctx.app, reference, actor=principal.actor, urls=url or None, action=action)
    return RedirectResponse(_order_url(reference), status_code=303)


@router.post("/orders/reject", include_in_schema=False)
def reject_form(
    *,
    reference: _Short,
    ground: Annotated[str, Form(max_length=40)],
    explanation: _Text,
    clarification: _Text = "",
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("order.write"))],
) -> Response:
    """Record that the order cannot be executed (Article 3(7) or 3(8)); its clock stops and
    the page shows the Annex III information for the authority."""
    use.reject_order(
        ctx.app,
        reference,
        ground=ground,
        explanation=explanation,
        clarification=clarification.strip() or None,
        actor=principal.actor,
    )
    return RedirectResponse(_order_url(reference), status_code=303)


@router.post("/orders/resume", include_in_schema=False)
def resume_form(
    *,
    reference: _Short,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("order.write"))],
) -> Response:
    """Restart the one-hour clock of a rejected order now."""
    use.resume_order(ctx.app, reference, actor=principal.actor)
    return RedirectResponse(_order_url(reference), status_code=303)


@router.get("/orders-reply", include_in_schema=False)
def reply_page(
    *,
    reference: Annotated[str, Query(max_length=500)],
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("order.view"))],
) -> Response:
    """The provider's reply as text (``tvec order reply``): Annex II for a done order,
    Annex III for a rejected one, ready to send to the authority."""
    form, document = use.order_reply(ctx.app, reference)
    text = reply_text(document) if form == "annex-ii" else impossibility_text(document)
    return PlainTextResponse(text + "\n", headers={"Content-Disposition": "inline"})


@router.get("/orders/{reference:path}", response_class=HTMLResponse, include_in_schema=False)
def order_page(
    *,
    request: Request,
    reference: str,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("order.view"))],
) -> Response:
    """One order: its clock, URLs, actions, rejections (each with its Annex III
    document), reply and legal holds (records only).

    The reference may hold ``/``, ``?`` or ``#``: links percent-encode it (``%2F``, ``%3F``,
    ``%23``) and the path converter takes the decoded rest of the path."""
    order = use.show_order(ctx.app, reference)
    holds = use.list_holds(ctx.app, order_reference=reference)
    return render(
        request,
        ctx,
        "orders.html",
        principal,
        order=order,
        holds=holds,
        when=format_time,
        grounds=GROUNDS,
    )


@router.get("/api/orders", response_model=list[OrderView], tags=["orders"])
def orders_api(
    *,
    status: _Status = "unfinished",
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("order.view"))],
) -> Response:
    """Removal orders with their status and seconds left now; unfinished ones first, least
    time left first (``tvec order list --json``)."""
    return ViewResponse(use.list_orders(app, status=status))


@router.get("/api/orders/{reference:path}", response_model=OrderView, tags=["orders"])
def order_api(
    *,
    reference: str,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("order.view"))],
) -> Response:
    """One removal order with its URLs, the reply (once done) and its legal hold ids
    (``tvec order show --json``)."""
    return ViewResponse(use.show_order(app, reference))

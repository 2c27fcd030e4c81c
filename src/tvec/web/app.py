"""The web app factory: ``create_app(context)`` builds tvec's FastAPI application.

Pages are server-rendered (Jinja2, autoescaped) with one small script (``static/app.js``);
the JSON API lives under ``/api/`` (OpenAPI at ``/api/openapi.json``) and the HMA-compatible
API under ``/m/``, ``/h/`` and ``/c/`` (with HMA's health routes ``/status``,
``/status/live``). Every error tvec raises on purpose is rendered by
one handler, with its status from :data:`tvec.errors.HTTP_STATUSES`. Request bodies over
``Settings.upload_limit_bytes`` are refused with 413 by :class:`tvec.web.limits.BodyLimit`.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterator, Sequence

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute

from tvec import __version__
from tvec.app.context import AppContext
from tvec.errors import (
    AuthError,
    ConflictError,
    PasswordChangeRequiredError,
    TvecError,
    http_status_for,
)
from tvec.views.durations import lateness, readable_duration
from tvec.web.context import STATIC_DIR, TEMPLATES_DIR, WebContext
from tvec.web.limits import BodyLimit
from tvec.web.routers import (
    audit,
    auth,
    cases,
    entities,
    exports,
    hma,
    hma_curation,
    me,
    media,
    orders,
    queue,
    reports,
    sor,
    takedowns,
    users,
)
from tvec.web.security import csrf_protect

#: Headers on every page (media responses add their own, stricter CSP); every answer but
#: ``/static/`` files also gets ``Cache-Control: no-store`` (:data:`NO_STORE`).
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self'; media-src 'self'; script-src 'self'; "
        "style-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
SESSION_COOKIE = "tvec_session"
#: ``Cache-Control`` of every answer but ``/static/`` files: pages, the JSON API, media and
#: the HMA routes show case or bank data, which no browser or proxy cache may keep.
NO_STORE = "no-store"


#: Path prefixes of the HMA-compatible API (matching, hashing, curation).
HMA_PREFIXES = ("/m/", "/h/", "/c/")


def _is_api(path: str) -> bool:
    return path.startswith(("/api/", "/media/", *HMA_PREFIXES))


def _is_hma(path: str) -> bool:
    return path.startswith(HMA_PREFIXES)


def _error_response(request: Request, status: int, message: str, kind: str) -> Response:
    path = request.url.path
    if _is_hma(path):
        return JSONResponse({"message": message}, status_code=status)
    if _is_api(path):
        return JSONResponse({"detail": message, "kind": kind}, status_code=status)
    if status == 401 and request.method == "GET":
        return RedirectResponse("/login", status_code=303)
    ctx: WebContext = request.app.state.ctx
    return ctx.templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "message": message, "user": None},
        status_code=status,
    )


def iter_api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """Every :class:`~fastapi.routing.APIRoute` of an app, inside included routers too.

    Newer FastAPI keeps included routers as one route each (with ``original_router``);
    older versions copy their routes into the app. Routers are included without prefixes,
    so each route's ``path`` is the path served.
    """
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
            continue
        inner = getattr(route, "original_router", None)
        if isinstance(inner, APIRouter):
            yield from iter_api_routes(inner.routes)


def create_app(context: AppContext) -> FastAPI:
    """Build the web app over the application context (:func:`tvec.app.context.open_context`)."""
    settings = context.settings
    app = FastAPI(
        title="tvec",
        version=__version__,
        description="Review of terrorist and violent extremist content: cases, decisions, "
        "appeals, audit log, and an HMA-compatible matching API.",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(csrf_protect)],
    )
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.globals.update(duration=readable_duration, lateness=lateness)
    app.state.ctx = WebContext(app=context, templates=templates)
    secret = settings.secret_key or secrets.token_urlsafe(32)
    #: Signs the session cookie and the known-device cookie of the login throttle.
    app.state.secret = secret
    # Added first, so it runs inside the session and security headers: its 413 gets both.
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.upload_limit_bytes,
        refuse=lambda request, message: _error_response(request, 413, message, "too_large"),
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age,
        same_site="strict",
        https_only=settings.cookie_secure,
    )

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in PAGE_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", NO_STORE)
        return response

    @app.exception_handler(TvecError)
    async def tvec_error(request: Request, exc: TvecError) -> Response:
        if isinstance(exc, AuthError) and not _is_api(request.url.path):
            return _error_response(request, 401, str(exc), exc.kind)
        if (
            isinstance(exc, PasswordChangeRequiredError)
            and request.method == "GET"
            and not _is_api(request.url.path)
        ):
            return RedirectResponse("/me/password", status_code=303)
        status = http_status_for(exc)
        if isinstance(exc, ConflictError) and _is_hma(request.url.path):
            status = 403  # HMA answers a taken bank name with 403 (curation.py lines 122, 159)
        return _error_response(request, status, str(exc), exc.kind)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        if request.url.path.startswith("/c/"):
            # flask-openapi3 answers a body that fails HMA's pydantic schema with 422 and
            # the list of pydantic errors
            return JSONResponse(jsonable_encoder(exc.errors()), status_code=422)
        if _is_hma(request.url.path):
            return JSONResponse({"message": problems}, status_code=400)
        if _is_api(request.url.path):
            return JSONResponse(
                {"detail": jsonable_encoder(exc.errors()), "kind": "validation"},
                status_code=422,
            )
        return _error_response(request, 422, problems, "validation")

    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    routers = (
        auth,
        queue,
        cases,
        media,
        me,
        audit,
        takedowns,
        orders,
        reports,
        entities,
        users,
        exports,
    )
    for module in (*routers, sor, hma, hma_curation):
        app.include_router(module.router)
    return app

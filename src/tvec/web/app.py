"""The web app factory: ``create_app(context)`` builds tvec's FastAPI application.

Pages are server-rendered (Jinja2, autoescaped) with one small script (``static/app.js``);
the JSON API lives under ``/api/`` (OpenAPI at ``/api/openapi.json``) and the HMA-compatible
matching API under ``/m/`` and ``/h/``. Every error tvec raises on purpose is rendered by
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
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute

from tvec import __version__
from tvec.app.context import AppContext
from tvec.errors import AuthError, TvecError, http_status_for
from tvec.web.context import STATIC_DIR, TEMPLATES_DIR, WebContext
from tvec.web.limits import BodyLimit
from tvec.web.routers import (
    audit,
    auth,
    cases,
    hma,
    me,
    media,
    orders,
    queue,
    reports,
    takedowns,
)
from tvec.web.security import LoginLimiter, csrf_protect
from tvec.web.text import install_filters

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


def _is_api(path: str) -> bool:
    return path.startswith(("/api/", "/m/", "/h/", "/media/"))


def _is_hma(path: str) -> bool:
    return path.startswith(("/m/", "/h/"))


#: What each HTTP status means to a person, for the error page's heading.
STATUS_TITLES = {
    400: "This request could not be used",
    401: "Please log in",
    403: "You may not do this",
    404: "Nothing here",
    405: "This page does not take that action",
    409: "This changed in the meantime",
    413: "Too large",
    422: "Something in the form is not right",
    429: "Too many attempts",
    500: "Something went wrong in tvec",
}


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _error_response(request: Request, status: int, message: str, kind: str) -> Response:
    """The error answer: JSON under the APIs (and to clients asking only for JSON), the
    app's own error page for browsers (a redirect to the login page for a 401 GET)."""
    path = request.url.path
    if _is_hma(path):
        return JSONResponse({"message": message}, status_code=status)
    if _is_api(path) or _wants_json(request):
        return JSONResponse({"detail": message, "kind": kind}, status_code=status)
    if status == 401 and request.method == "GET":
        return RedirectResponse("/login", status_code=303)
    ctx: WebContext = request.app.state.ctx
    title = STATUS_TITLES.get(status) or ("Something went wrong" if status >= 500 else "Error")
    return ctx.templates.TemplateResponse(
        request,
        "error.html",
        {
            "status": status,
            "title": title,
            "message": message,
            "user": None,
            "csrf": "",
            "can": lambda _permission: False,
            "wellbeing": None,
        },
        status_code=status,
    )


#: The favicon: a generated SVG (a shield with a tick, tvec's accent colour); no asset file.
FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<path d="M16 2 4 6v9c0 7.5 5.1 13.1 12 15 6.9-1.9 12-7.5 12-15V6z" fill="#2f5d8a"/>'
    '<path d="m10 16 4 4 8-9" fill="none" stroke="#fff" stroke-width="3" '
    'stroke-linecap="round" stroke-linejoin="round"/></svg>'
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
    install_filters(templates.env)
    app.state.ctx = WebContext(app=context, templates=templates)
    app.state.login_limiter = LoginLimiter(
        settings.login_max_attempts, settings.login_window_seconds
    )
    # Added first, so it runs inside the session and security headers: its 413 gets both.
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.upload_limit_bytes,
        refuse=lambda request, message: _error_response(request, 413, message, "too_large"),
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key or secrets.token_urlsafe(32),
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
        return _error_response(request, http_status_for(exc), str(exc), exc.kind)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        if _is_hma(request.url.path):
            return JSONResponse({"message": problems}, status_code=400)
        if _is_api(request.url.path):
            return JSONResponse(
                {"detail": jsonable_encoder(exc.errors()), "kind": "validation"},
                status_code=422,
            )
        return _error_response(request, 422, problems, "validation")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail) if exc.detail else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"There is no page at {request.url.path}."
        elif exc.status_code == 405:
            message = f"{request.method} is not accepted at {request.url.path}."
        kind = "not_found" if exc.status_code == 404 else "http"
        response = _error_response(request, exc.status_code, message, kind)
        for name, value in (exc.headers or {}).items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        return _error_response(
            request, 500, "tvec could not answer this request; it is in the server log.", "server"
        )

    @app.get("/favicon.ico", include_in_schema=False)
    @app.get("/favicon.svg", include_in_schema=False)
    def favicon() -> Response:
        """The app's icon (SVG; browsers accept SVG at ``/favicon.ico`` too)."""
        return Response(
            FAVICON_SVG,
            media_type="image/svg+xml",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    for module in (auth, queue, cases, media, me, audit, takedowns, orders, reports, hma):
        app.include_router(module.router)
    return app

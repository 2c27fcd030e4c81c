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
from typing import Any

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
from tvec.errors import (
    AuthError,
    ConflictError,
    PasswordChangeRequiredError,
    TvecError,
    http_status_for,
)
from tvec.views.durations import lateness, readable_duration
from tvec.web import outbox
from tvec.web.context import STATIC_DIR, TEMPLATES_DIR, WebContext
from tvec.web.limits import BodyLimit
from tvec.web.routers import (
    audit,
    auth,
    banks,
    cases,
    entities,
    exchanges,
    exports,
    hma,
    hma_curation,
    me,
    media,
    ops,
    orders,
    queue,
    reports,
    sor,
    takedowns,
    users,
)
from tvec.web.security import csrf_protect
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


#: Path prefixes of the HMA-compatible API (matching, hashing, curation, HMA's
#: ``/dev/run_fetch``).
HMA_PREFIXES = ("/m/", "/h/", "/c/", "/dev/")


def _is_api(path: str) -> bool:
    """JSON errors: the API, media resources (previews, keyframes, bank thumbnails) and HMA."""
    if path.startswith("/banks/entries/") and path.endswith("/thumbnail"):
        return True
    return path.startswith(("/api/", "/media/", *HMA_PREFIXES))


def _is_hma(path: str) -> bool:
    return path.startswith(HMA_PREFIXES)


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


#: The error answers any operation may give (tvec.errors.HTTP_STATUSES, the body limit).
ERROR_RESPONSES: dict[int, str] = {
    400: "Bad request: a usage error or an unusable input (message says which).",
    401: "Not logged in, or an unknown API token.",
    403: "The role does not allow the action, or the CSRF token is missing.",
    404: "No such object.",
    409: "The action does not fit the object's state.",
    413: "The request body is larger than TVEC_MAX_UPLOAD_BYTES.",
    429: "Too many attempts; try again later.",
    503: "The database or the evidence store failed.",
}
_ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "title": "Error",
        "type": "object",
        "required": ["detail", "kind"],
        "properties": {
            "detail": {"title": "Detail", "type": "string"},
            "kind": {"title": "Kind", "type": "string"},
        },
    },
    "HmaError": {
        "title": "HmaError",
        "type": "object",
        "required": ["message"],
        "properties": {"message": {"title": "Message", "type": "string"}},
    },
}


def _document_errors(app: FastAPI) -> None:
    """Make the OpenAPI document list the error answers of every operation
    (:data:`ERROR_RESPONSES`): ``Error`` (``{"detail", "kind"}``) on the JSON API,
    ``HmaError`` (``{"message"}``) on the HMA-compatible routes. Without them, every
    ``404`` or ``400`` the API gives was an undocumented status (schemathesis)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        document.setdefault("components", {}).setdefault("schemas", {}).update(_ERROR_SCHEMAS)
        for path, operations in document.get("paths", {}).items():
            name = "HmaError" if _is_hma(path) else "Error"
            body = {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, text in ERROR_RESPONSES.items():
                    responses.setdefault(str(status), {"description": text, "content": body})
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


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
        lifespan=outbox.lifespan(context),
    )
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    install_filters(templates.env)
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

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail) if exc.detail else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"There is no page at {request.url.path}."
        elif exc.status_code == 405:
            message = f"{request.method} is not accepted at {request.url.path}."
        # Starlette's own answers (no route for the path, method not allowed) in the API's
        # error shape too, so that they conform to the OpenAPI document.
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http")
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
        banks,
        ops,
    )
    for module in (*routers, exchanges, sor, hma, hma_curation):
        app.include_router(module.router)
    _document_errors(app)
    return app

"""The curation, configuration and status API of Meta's Hasher-Matcher-Actioner
(OpenMediaMatch), served by tvec.

Paths, parameters, status codes and JSON shapes follow HMA's
``hasher-matcher-actioner/src/OpenMediaMatch/blueprints/curation.py``, ``matching.py``
(``/m/index/status``) and ``app.py`` (``/status``, ``/status/live``) in facebook/ThreatExchange;
``docs/hma-compatibility.md`` lists every HMA route and each difference that remains:

* banks: ``GET /c/banks``, ``POST /c/banks`` (201), ``GET|PUT|DELETE /c/bank/<name>``;
* bank content: ``POST /c/bank/<name>/content`` (``?url=`` or a multipart upload),
  ``POST /c/bank/<name>/signal`` (``{signal_type: value}``),
  ``GET|PUT|DELETE /c/bank/<name>/content/<id>``;
* configuration: ``GET /c/signal_type``, ``PUT /c/signal_type/<name>`` (204),
  ``GET /c/signal_type/index``, ``GET /c/content_type``, ``GET /m/index/status``;
* exchanges: ``GET /c/exchanges/apis``, ``GET|POST /c/exchanges/api/<api>`` (credentials),
  ``GET /c/exchanges/api/<api>/schema``, ``GET|POST /c/exchanges`` (201),
  ``GET|PUT|DELETE /c/exchange/<name>``, ``GET /c/exchange/<name>/status`` and
  ``POST /dev/run_fetch`` (fetch every enabled exchange now);
* health: ``/status`` (``I-AM-ALIVE`` 200, or 503 when the database does not answer),
  ``/status/live``, and the Kubernetes-style aliases ``/readyz`` and ``/livez``.

Every ``/c/`` and ``/m/`` route needs a tvec login or API token: reads ``match.lookup``,
bank writes ``bank.write``, signal type switches ``signal_type.write``; exchange reads
``exchange.view``, exchange writes ``exchange.write``, API credentials
``exchange.credentials``, fetching ``exchange.fetch``; writes are audited.
The health routes answer without one (they say nothing but alive or not). Errors are HMA's
``{"message": ...}``; a taken bank name is 403 as in HMA. Thin over
:mod:`tvec.app.hma_curation`; models are :mod:`tvec.views.hma`.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from tvec.accounts import Principal
from tvec.app import hma as hashing
from tvec.app import hma_curation as use
from tvec.app import hma_exchanges as exchanges
from tvec.app.context import AppContext
from tvec.errors import UsageError
from tvec.views.hma import (
    AddContentResponse,
    BankConfig,
    BankContentConfigResponse,
    BankContentResponse,
    BankCreateRequest,
    BankedContentMetadata,
    BankUpdateRequest,
    ContentTypeConfig,
    DeletedResponse,
    ErrorResponse,
    ExchangeApiConfig,
    ExchangeFetchStatus,
    ExchangeUpdateRequest,
    MatchIndexStatus,
    MessageResponse,
    SignalTypeConfig,
    SignalTypeIndexStatus,
)
from tvec.web.context import get_app
from tvec.web.security import need

router = APIRouter(tags=["hma"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse},
    403: {"model": ErrorResponse},
    404: {"model": ErrorResponse},
}
#: HMA's status answers (``app.py`` lines 276-285 and 303-304).
ALIVE = "I-AM-ALIVE"
NOT_READY = "INDEX-NOT-LOADED"
#: HMA's limit on a note (``curation.py`` line 208).
NOTE_CHARS = 255
#: Longest ``disable_until_ts`` HMA accepts: five years from now (``curation.py`` line 43).
FIVE_YEARS_SECONDS = 365 * 5 * 24 * 3600

App = Annotated[AppContext, Depends(get_app)]
Reader = Annotated[Principal, Depends(need("match.lookup"))]
Curator = Annotated[Principal, Depends(need("bank.write"))]
ExchangeReader = Annotated[Principal, Depends(need("exchange.view"))]
ExchangeWriter = Annotated[Principal, Depends(need("exchange.write"))]
#: HMA's exchange and bank names (``curation.py`` line 597).
HMA_NAME = re.compile(r"^[A-Z0-9_]+$")


# --- health (app.py) -------------------------------------------------------------------------


def _ready(app: AppContext) -> Response:
    if use.ready(app):
        return HTMLResponse(ALIVE)
    return HTMLResponse(NOT_READY, status_code=503)


@router.get("/status", response_class=HTMLResponse)
def status(app: App) -> Response:
    """HMA's health check: ``I-AM-ALIVE`` (200), or ``INDEX-NOT-LOADED`` (503) when the
    database the matcher is built from does not answer."""
    return _ready(app)


@router.get("/readyz", response_class=HTMLResponse)
def readyz(app: App) -> Response:
    """Readiness (tvec's alias of ``/status``)."""
    return _ready(app)


@router.get("/status/live", response_class=HTMLResponse)
def status_live() -> Response:
    """HMA's liveness check: ``I-AM-ALIVE`` (200) while the process serves HTTP."""
    return HTMLResponse(ALIVE)


@router.get("/livez", response_class=HTMLResponse)
def livez() -> Response:
    """Liveness (tvec's alias of ``/status/live``)."""
    return HTMLResponse(ALIVE)


# --- helpers ---------------------------------------------------------------------------------


async def _json_object(request: Request) -> dict[str, Any]:
    """The request's JSON object body (HMA reads ``request.json``)."""
    try:
        data = json.loads(await request.body() or b"null")
    except ValueError:
        raise UsageError("Failed to decode JSON object") from None
    if not isinstance(data, dict):
        raise UsageError("this endpoint expects a json object payload")
    return data


def _note(value: Any) -> str | None:
    """HMA's ``_validate_note`` (curation.py lines 202-210)."""
    if not value:
        return None
    if not isinstance(value, str):
        raise UsageError("note should be a string")
    if len(value) > NOTE_CHARS:
        raise UsageError(f"note must be at most {NOTE_CHARS} characters")
    return value


def _metadata(raw: Any) -> BankedContentMetadata | None:
    """HMA's ``_validate_bank_add_metadata`` (curation.py lines 177-199)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise UsageError("metadata should be a json object")
    raw = {k: v for k, v in raw.items() if k != "collab"}
    try:
        return BankedContentMetadata.model_validate(raw)
    except ValidationError as exc:
        raise UsageError(f"Invalid metadata: {exc}") from None


def _flag(value: str) -> bool:
    return value.lower() == "true"


def _int(value: Any) -> int:
    """HMA's ``str_to_type(value, int)`` (flask_utils.py lines 59-65)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UsageError(f"Invalid int: '{value}'") from None


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise UsageError(f"Invalid float: '{value}'") from None


# --- banks -----------------------------------------------------------------------------------


@router.get("/c/banks", response_model=list[BankConfig], responses=_ERRORS)
def banks_index(app: App, principal: Reader) -> list[BankConfig]:
    """Every bank: ``[{"name", "matching_enabled_ratio"}]``."""
    return use.list_banks(app)


@router.post("/c/banks", status_code=201, response_model=BankConfig, responses=_ERRORS)
def bank_create(body: BankCreateRequest, app: App, principal: Curator) -> BankConfig:
    """Create a bank (name UPPER_WITH_UNDERSCORE); 403 if the name is taken."""
    return use.create_bank(app, body.name, body.enabled_ratio, body.enabled, actor=principal.actor)


@router.get("/c/bank/{bank_name}", response_model=BankConfig, responses=_ERRORS)
def bank_show_by_name(bank_name: str, app: App, principal: Reader) -> BankConfig:
    """One bank, or 404."""
    return use.get_bank(app, bank_name)


@router.put("/c/bank/{bank_name}", response_model=BankConfig, responses=_ERRORS)
def bank_update(
    bank_name: str, body: BankUpdateRequest, app: App, principal: Curator
) -> BankConfig:
    """Rename a bank and/or set its ratio; the bank as it is now."""
    return use.update_bank(
        app,
        bank_name,
        new_name=body.name,
        enabled_ratio=body.enabled_ratio,
        enabled=body.enabled,
        actor=principal.actor,
    )


@router.delete("/c/bank/{bank_name}", response_model=MessageResponse, responses=_ERRORS)
def bank_delete(bank_name: str, app: App, principal: Curator) -> MessageResponse:
    """Delete a bank with its content; ``{"message": "Done"}`` also when there was none."""
    use.delete_bank(app, bank_name, actor=principal.actor)
    return MessageResponse(message="Done")


# --- bank content ----------------------------------------------------------------------------


@router.get(
    "/c/bank/{bank_name}/content/{content_id:int}",
    response_model=BankContentResponse,
    responses=_ERRORS,
)
def bank_get_content(
    *,
    bank_name: str,
    content_id: int,
    include_signals: Annotated[str, Query(max_length=5)] = "false",
    include_metadata: Annotated[str, Query(max_length=5)] = "true",
    app: App,
    principal: Reader,
) -> JSONResponse:
    """One content: id, ``disable_until_ts``, bank, and on request signals and metadata."""
    content = use.get_content(
        app,
        bank_name,
        content_id,
        include_signals=_flag(include_signals),
        include_metadata=_flag(include_metadata),
    )
    return JSONResponse(content.body())


@router.post(
    "/c/bank/{bank_name}/content",
    response_model=AddContentResponse,
    responses=_ERRORS,
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "photo": {"type": "string", "format": "binary"},
                            "video": {"type": "string", "format": "binary"},
                            "metadata": {"type": "string"},
                            "note": {"type": "string"},
                        },
                    }
                },
                "application/json": {"schema": {"type": "object"}},
            }
        }
    },
)
async def bank_add_content(
    *,
    request: Request,
    bank_name: str,
    url: Annotated[str | None, Query(max_length=2000)] = None,
    content_type: Annotated[str | None, Query(max_length=20)] = None,
    types: Annotated[str | None, Query(max_length=200)] = None,
    app: App,
    principal: Curator,
) -> AddContentResponse:
    """Add content by ``url`` (allow-listed hosts) or by a multipart upload whose field name
    is the content type (``photo``, ``video``); ``metadata`` and ``note`` from a JSON body
    or form fields. ``{"id", "signals"}`` with 200, as HMA answers."""
    await run_in_threadpool(use.get_bank, app, bank_name)  # 404 before anything else
    kind = request.headers.get("content-type", "")
    metadata_raw: Any = None
    note_raw: Any = None
    upload: tuple[str, str, bytes] | None = None
    if kind.startswith("application/json"):
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            raise UsageError("Failed to decode JSON object") from None
        if isinstance(body, dict):
            metadata_raw, note_raw = body.get("metadata"), body.get("note")
    elif kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        try:
            text = form.get("metadata")
            if isinstance(text, str):
                try:
                    metadata_raw = json.loads(text)
                except ValueError:
                    raise UsageError("metadata form field must be valid JSON") from None
            note_field = form.get("note")
            note_raw = note_field if isinstance(note_field, str) else None
            files = [(k, v) for k, v in form.multi_items() if isinstance(v, UploadFile)]
            if len(files) > 1:
                raise UsageError("Only one file allowed per request")
            if files:
                field, file = files[0]
                if field not in hashing.CONTENT_SIGNALS:
                    raise UsageError(f"no such content_type: '{field}'")
                upload = (field, file.filename or field, await file.read())
        finally:
            await form.close()
    metadata = _metadata(metadata_raw)
    note = _note(note_raw)
    actor = principal.actor
    if url:
        return await run_in_threadpool(
            lambda: use.add_url(
                app,
                bank_name,
                url,
                content_type=content_type,
                types=types,
                metadata=metadata,
                note=note,
                actor=actor,
            )
        )
    if upload is not None:
        field, name, data = upload
        return await run_in_threadpool(
            lambda: use.add_file(
                app,
                bank_name,
                field,
                name,
                data,
                types=types,
                metadata=metadata,
                note=note,
                actor=actor,
            )
        )
    raise UsageError("Neither `url` nor multipart file upload was received")


@router.post(
    "/c/bank/{bank_name}/signal",
    response_model=AddContentResponse,
    responses=_ERRORS,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {"type": "object", "additionalProperties": {"type": "string"}}
                }
            }
        }
    },
)
async def bank_add_as_signals(
    *, request: Request, bank_name: str, app: App, principal: Curator
) -> AddContentResponse:
    """Add one content given by its hashes: ``{signal_type: value, ..., "note": ...}``."""
    await run_in_threadpool(use.get_bank, app, bank_name)
    data = await _json_object(request)
    note = _note(data.pop("note", None))
    actor = principal.actor
    return await run_in_threadpool(
        lambda: use.add_signals(app, bank_name, data, note=note, actor=actor)
    )


@router.put(
    "/c/bank/{bank_name}/content/{content_id:int}",
    response_model=BankContentConfigResponse,
    responses=_ERRORS,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "disable_until_ts": {"type": "integer"},
                            "note": {"type": "string"},
                        },
                    }
                }
            }
        }
    },
)
async def bank_update_content(
    *, request: Request, bank_name: str, content_id: int, app: App, principal: Curator
) -> BankContentConfigResponse:
    """Set ``disable_until_ts`` (0 off, 1 on, else off until that Unix time, at most five
    years ahead) and/or ``note``; HMA's ``BankContentConfig`` back."""
    await run_in_threadpool(use.get_content, app, bank_name, content_id)  # 404s first
    data = await _json_object(request)
    disable: int | None = None
    if "disable_until_ts" in data:
        disable = _int(data["disable_until_ts"])
        if disable < 0:
            raise UsageError("disable_until_ts must be a non-negative integer")
        if disable > int(app.now().timestamp()) + FIVE_YEARS_SECONDS:
            raise UsageError("disable_until_ts must be less than 5 years in the future")
    set_note = "note" in data
    note = _note(data.get("note")) if set_note else None
    actor = principal.actor
    return await run_in_threadpool(
        lambda: use.update_content(
            app,
            bank_name,
            content_id,
            disable_until_ts=disable,
            note=note,
            set_note=set_note,
            actor=actor,
        )
    )


@router.delete(
    "/c/bank/{bank_name}/content/{content_id:int}",
    response_model=DeletedResponse,
    responses=_ERRORS,
)
def bank_delete_content(
    bank_name: str, content_id: int, app: App, principal: Curator
) -> DeletedResponse:
    """Remove a content from the bank: ``{"deleted": 1}``, or 0 if it was not there."""
    return DeletedResponse(
        deleted=use.remove_content(app, bank_name, content_id, actor=principal.actor)
    )


# --- signal and content types ----------------------------------------------------------------


@router.get("/c/signal_type", response_model=list[SignalTypeConfig], responses=_ERRORS)
def get_all_signal_types(app: App, principal: Reader) -> list[SignalTypeConfig]:
    """Every signal type with its ``enabled_ratio``."""
    return use.signal_types(app)


@router.get(
    "/c/signal_type/index", response_model=dict[str, SignalTypeIndexStatus], responses=_ERRORS
)
def signal_type_index_status(
    *,
    signal_type: Annotated[str | None, Query(max_length=40)] = None,
    app: App,
    principal: Reader,
) -> dict[str, SignalTypeIndexStatus]:
    """Signal type -> index status (sizes and Unix times)."""
    return use.signal_type_index(app, signal_type)


@router.put(
    "/c/signal_type/{signal_type_name}",
    status_code=204,
    responses=_ERRORS,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"enabled_ratio": {"type": "number"}},
                        "required": ["enabled_ratio"],
                    }
                }
            }
        }
    },
)
async def update_signal_type_config(
    *,
    request: Request,
    signal_type_name: str,
    app: App,
    principal: Annotated[Principal, Depends(need("signal_type.write"))],
) -> Response:
    """Set a signal type's ``enabled_ratio`` (listed, changes no match, as in HMA); 204."""
    data = await _json_object(request)
    if data.get("enabled_ratio") is None:
        raise UsageError("enabled_ratio is required")
    ratio = _float(data["enabled_ratio"])
    actor = principal.actor
    await run_in_threadpool(lambda: use.set_signal_type(app, signal_type_name, ratio, actor=actor))
    return Response(status_code=204)


@router.get("/c/content_type", response_model=list[ContentTypeConfig], responses=_ERRORS)
def get_all_content_types(principal: Reader) -> list[ContentTypeConfig]:
    """HMA's content types (``photo``, ``video``), all enabled."""
    return use.content_types()


@router.get("/m/index/status", response_model=dict[str, MatchIndexStatus], responses=_ERRORS)
def index_status(
    *,
    signal_type: Annotated[str | None, Query(max_length=40)] = None,
    app: App,
    principal: Reader,
) -> dict[str, MatchIndexStatus]:
    """Signal type -> ``{"present", "built_to", "size"}``."""
    return use.match_index_status(app, signal_type)


# --- exchanges (curation.py lines 496-766, development.py lines 71-81) ------------------------


@router.get("/c/exchanges/apis", response_model=list[str], responses=_ERRORS)
def exchange_api_list(principal: ExchangeReader) -> list[str]:
    """The exchange API names tvec serves (``tat``, ``fb_threatexchange``, ``hma``,
    ``url-list``)."""
    return exchanges.list_apis()


@router.get("/c/exchanges/api/{api_name}", response_model=ExchangeApiConfig, responses=_ERRORS)
def exchange_api_config_get(
    api_name: str, app: App, principal: ExchangeReader
) -> ExchangeApiConfig:
    """Whether the API takes a credential and whether one is set; 400 for an unknown API."""
    return exchanges.api_config(app, api_name)


@router.post(
    "/c/exchanges/api/{api_name}",
    response_model=ExchangeApiConfig,
    responses=_ERRORS,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"credential_json": {"type": "object"}},
                    }
                }
            }
        }
    },
)
async def exchange_api_config_update(
    *,
    request: Request,
    api_name: str,
    app: App,
    principal: Annotated[Principal, Depends(need("exchange.credentials"))],
) -> ExchangeApiConfig:
    """Set (an empty object: clear) the API's credential from ``credential_json``; kept in a
    file only the tvec user reads. The API's state as ``GET`` answers."""
    if exchanges.canonical_api(api_name) is None:  # HMA checks the name before the body
        raise UsageError(f"no such Exchange API '{api_name}'")
    data = await _json_object(request)
    credential = data.get("credential_json")
    if credential is not None and not isinstance(credential, dict):
        raise UsageError("Field `credential_json` must be object")
    actor = principal.actor
    return await run_in_threadpool(
        lambda: exchanges.api_config(app, api_name, credential, update=True, actor=actor)
    )


@router.get("/c/exchanges/api/{api_name}/schema", responses=_ERRORS)
def exchange_api_schema_get(api_name: str, principal: ExchangeReader) -> dict[str, Any]:
    """Field descriptors of ``api_json`` and ``credential_json``; 404 for an unknown API."""
    return exchanges.api_schema(api_name)


@router.post("/c/exchanges", status_code=201, response_model=MessageResponse, responses=_ERRORS)
async def exchange_create(
    *, request: Request, app: App, principal: ExchangeWriter
) -> MessageResponse:
    """Create exchange ``bank`` (and its bank) of API ``api`` from ``api_json``;
    ``{"message": "Created successfully"}`` with 201."""
    data = await _json_object(request)
    bank = data.get("bank")
    if bank is None:
        raise UsageError("bank is required")
    if not isinstance(bank, str) or not HMA_NAME.match(bank):
        raise UsageError("Field `bank` must match /^[A-Z0-9_]+$/")
    api_json = data.get("api_json", {})
    if not isinstance(api_json, dict):
        raise UsageError("Field `api_json` must be object")
    api = data.get("api")
    if api is None:
        raise UsageError("Field `api_type` is required")
    actor = principal.actor
    await run_in_threadpool(lambda: exchanges.create(app, bank, str(api), api_json, actor=actor))
    return MessageResponse(message="Created successfully")


@router.get("/c/exchanges", response_model=list[str], responses=_ERRORS)
def exchange_list(app: App, principal: ExchangeReader) -> list[str]:
    """Every exchange's name."""
    return exchanges.list_names(app)


@router.get("/c/exchange/{exchange_name}", responses=_ERRORS)
def exchange_show_by_name(
    exchange_name: str, app: App, principal: ExchangeReader
) -> dict[str, Any]:
    """The exchange's configuration: ``name``, ``api``, ``enabled`` and its settings."""
    return exchanges.show(app, exchange_name)


@router.get(
    "/c/exchange/{exchange_name}/status", response_model=ExchangeFetchStatus, responses=_ERRORS
)
def exchange_get_fetch_status(
    exchange_name: str, app: App, principal: ExchangeReader
) -> ExchangeFetchStatus:
    """python-threatexchange's ``FetchStatus`` of the exchange's last fetch."""
    return exchanges.fetch_status(app, exchange_name)


@router.put("/c/exchange/{exchange_name}", responses=_ERRORS)
def exchange_update(
    exchange_name: str, body: ExchangeUpdateRequest, app: App, principal: ExchangeWriter
) -> dict[str, Any]:
    """Enable or disable the exchange; its configuration as it is now."""
    return exchanges.update(app, exchange_name, body.enabled, actor=principal.actor)


@router.delete("/c/exchange/{exchange_name}", response_model=MessageResponse, responses=_ERRORS)
def exchange_delete(exchange_name: str, app: App, principal: ExchangeWriter) -> MessageResponse:
    """Remove the exchange and its bank; ``{"message": "Exchange deleted"}`` also when
    there was none."""
    exchanges.delete(app, exchange_name, actor=principal.actor)
    return MessageResponse(message="Exchange deleted")


@router.post("/dev/run_fetch", response_model=MessageResponse, responses=_ERRORS)
def run_fetch(
    app: App, principal: Annotated[Principal, Depends(need("exchange.fetch"))]
) -> MessageResponse:
    """Fetch every enabled exchange now (HMA redirects to its UI; tvec answers 200 with a
    summary)."""
    return MessageResponse(message=exchanges.run_fetch(app, actor=principal.actor))

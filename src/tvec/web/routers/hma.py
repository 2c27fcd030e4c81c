"""The matching API of Meta's Hasher-Matcher-Actioner (OpenMediaMatch), served by tvec.

Routes, parameters and response shapes follow HMA's
``hasher-matcher-actioner/src/OpenMediaMatch/blueprints/matching.py`` and ``hashing.py``
(facebook/ThreatExchange), so a platform wired to HMA can point at tvec:

* ``GET /m/raw_lookup?signal_type=&signal=[&include_distance=true][&banks=a,b]`` ->
  ``{"matches": [bank_content_id, ...]}`` or ``{"matches": [{"bank_content_id", "distance"}]}``
* ``GET /m/lookup?signal_type=&signal=[&banks=]`` -> ``{bank: [{"bank_content_id",
  "distance"}]}``
* ``POST /m/lookup`` (multipart, one file whose field name is the content type, ``photo`` or
  ``video``) -> ``{signal_type: {bank: [...]}}``
* ``POST /h/hash`` (same upload) -> ``{signal_type: hash}``
* ``GET /h/hash?url=[&content_type=photo|video][&types=]`` and ``GET /m/lookup?url=``: the
  same for media fetched from ``url``, only from hosts in ``TVEC_HASH_URL_HOSTS`` (and under
  the context's outbound client: :mod:`tvec.net`); otherwise 403

``bank_content_id`` is the HMA content id (:mod:`tvec.banks.hma`); ``distance`` is HMA's
string (bits for PDQ, ``-`` for exact types). Errors are ``{"message": ...}`` with status 400
like HMA's. ``/m/lookup`` leaves out disabled content and banks whose ratio is below HMA's
coin flip (``seed``, ``bypass_coinflip``: :func:`tvec.app.hma.coinflip`); ``/m/raw_lookup``
reports every match, as HMA's does. Thin over
:mod:`tvec.app.hma`; the response models are :mod:`tvec.views.hma`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from tvec.accounts import Principal
from tvec.app import hma as use
from tvec.app.context import AppContext
from tvec.errors import UsageError
from tvec.views.hma import (
    BankMatches,
    ErrorResponse,
    HashResponse,
    LookupBySignalType,
    RawLookupResponse,
)
from tvec.web.context import get_app
from tvec.web.security import WRITES, need

router = APIRouter(tags=["hma"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse},
    403: {"model": ErrorResponse},
}
_UPLOAD = {
    WRITES: False,
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "photo": {"type": "string", "format": "binary"},
                        "video": {"type": "string", "format": "binary"},
                    },
                }
            }
        }
    },
}


def _require(name: str, value: str | None) -> str:
    if value is None or value == "":
        raise UsageError(f"{name} is required")
    return value


def _bool(value: str) -> bool:
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise UsageError("invalid boolean parameter - prefer true/false")


def _banks(value: str | None) -> set[str] | None:
    return {b for b in value.split(",") if b} if value else None


@router.get("/m/raw_lookup", response_model=RawLookupResponse, responses=_ERRORS)
def raw_lookup(
    *,
    signal_type: Annotated[str | None, Query(max_length=40)] = None,
    signal: Annotated[str | None, Query(max_length=100_000)] = None,
    include_distance: Annotated[str, Query(max_length=5)] = "false",
    banks: Annotated[str | None, Query(max_length=2000)] = None,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("match.lookup"))],
) -> RawLookupResponse:
    """HMA's raw look-up: bank content ids matching a hash (with distances on request)."""
    value = _require("signal", signal)
    name = _require("signal_type", signal_type)
    pairs = use.lookup_signal(app, name, value, _banks(banks))
    if _bool(include_distance):
        return RawLookupResponse(matches=[m for _, m in pairs])
    return RawLookupResponse(matches=[m.bank_content_id for _, m in pairs])


@router.get("/m/lookup", response_model=BankMatches | LookupBySignalType, responses=_ERRORS)
def lookup_get(
    *,
    signal_type: Annotated[str | None, Query(max_length=40)] = None,
    signal: Annotated[str | None, Query(max_length=100_000)] = None,
    url: Annotated[str | None, Query(max_length=2000)] = None,
    content_type: Annotated[str | None, Query(max_length=20)] = None,
    types: Annotated[str | None, Query(max_length=200)] = None,
    banks: Annotated[str | None, Query(max_length=2000)] = None,
    seed: Annotated[str | None, Query(max_length=200)] = None,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("match.lookup"))],
) -> BankMatches | LookupBySignalType:
    """HMA's look-up by hash (bank name -> matches), or by media at an allow-listed ``url``
    (signal type -> bank name -> matches; just bank name -> matches with ``signal_type``)."""
    if url:
        kind, name, data = use.fetch_media(app, url, content_type)
        hashes = use.hash_media(app.settings, kind, name, data, types)
        by_type = use.lookup_hashes(app, hashes, _banks(banks), use.coinflip(seed))
        if signal_type:
            return BankMatches(by_type.get(signal_type, {}))
        return LookupBySignalType(by_type)
    if not signal or not signal_type:
        raise UsageError("Either url or both signal and signal_type are required")
    pairs = use.lookup_signal(app, signal_type, signal, _banks(banks), use.coinflip(seed))
    return BankMatches(use.by_bank(pairs))


async def _upload(request: Request) -> tuple[str, str, bytes]:
    """``(content type, file name, bytes)`` of the one uploaded file, as HMA reads it."""
    form = await request.form()
    try:
        files = [(k, v) for k, v in form.multi_items() if isinstance(v, UploadFile)]
        if not files:
            raise UsageError("Missing multipart/form-data file upload")
        if len(files) > 1:
            raise UsageError("Only one file allowed per request")
        field, upload = files[0]
        if field not in use.CONTENT_SIGNALS:
            raise UsageError(f"no such content_type: '{field}'")
        data = await upload.read()
    finally:
        await form.close()
    return field, upload.filename or field, data


@router.get("/h/hash", response_model=HashResponse, responses=_ERRORS)
def hash_media_get(
    *,
    url: Annotated[str | None, Query(max_length=2000)] = None,
    content_type: Annotated[str | None, Query(max_length=20)] = None,
    types: Annotated[str | None, Query(max_length=200)] = None,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("match.lookup"))],
) -> HashResponse:
    """HMA's hasher by URL: signal type -> hash of the media at an allow-listed ``url``."""
    if not url:
        raise UsageError("url is required")
    kind, name, data = use.fetch_media(app, url, content_type)
    return HashResponse(use.hash_media(app.settings, kind, name, data, types))


@router.post("/h/hash", response_model=HashResponse, responses=_ERRORS, openapi_extra=_UPLOAD)
async def hash_media_post(
    *,
    request: Request,
    types: Annotated[str | None, Query(max_length=200)] = None,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("match.lookup"))],
) -> HashResponse:
    """HMA's hasher: signal type -> hash of the uploaded file."""
    content_type, name, data = await _upload(request)
    hashes = await run_in_threadpool(use.hash_media, app.settings, content_type, name, data, types)
    return HashResponse(hashes)


@router.post(
    "/m/lookup", response_model=LookupBySignalType, responses=_ERRORS, openapi_extra=_UPLOAD
)
async def lookup_post(
    *,
    request: Request,
    types: Annotated[str | None, Query(max_length=200)] = None,
    banks: Annotated[str | None, Query(max_length=2000)] = None,
    seed: Annotated[str | None, Query(max_length=200)] = None,
    bypass_coinflip: Annotated[str | None, Query(max_length=5)] = None,
    app: Annotated[AppContext, Depends(get_app)],
    principal: Annotated[Principal, Depends(need("match.lookup"))],
) -> LookupBySignalType:
    """HMA's look-up of an uploaded file: signal type -> bank name -> matches."""
    content_type, name, data = await _upload(request)
    hashes = await run_in_threadpool(use.hash_media, app.settings, content_type, name, data, types)
    flip = use.coinflip(seed, bypass_coinflip == "true")  # HMA compares with "true" exactly
    found = await run_in_threadpool(use.lookup_hashes, app, hashes, _banks(banks), flip)
    return LookupBySignalType(found)

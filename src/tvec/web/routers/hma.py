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
  collection's outbound rules: :mod:`tvec.net.http`); otherwise 403

``bank_content_id`` is tvec's bank entry id; ``distance`` is HMA's string (bits for PDQ,
``-`` for exact types). Errors are ``{"message": ...}`` with status 400 like HMA's. tvec has
no per-bank match ratios, so HMA's ``seed``/``bypass_coinflip`` change nothing.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from tvec.accounts import Principal
from tvec.errors import PermissionDeniedError, UsageError
from tvec.signals import SignalValue, get_signal_type
from tvec.signals.hashing import hash_content
from tvec.web.context import WebContext, get_ctx
from tvec.web.schemas.hma import (
    BankMatches,
    ErrorResponse,
    HashResponse,
    LookupBySignalType,
    MatchWithDistance,
    RawLookupResponse,
)
from tvec.web.security import WRITES, need

router = APIRouter(tags=["hma"])

#: Signal types HMA computes for each content type (tvec computes these for uploads;
#: ``types=`` may ask for other tvec signal types of the same file).
CONTENT_SIGNALS = {"photo": ("pdq",), "video": ("video_md5",)}
#: Signal types compared by distance (others match exactly and report distance ``-``).
DISTANCE_TYPES = frozenset({"pdq"})
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


def _query(
    ctx: WebContext, signal_type: str, signal: str, banks: set[str] | None
) -> list[tuple[str, MatchWithDistance]]:
    """``(bank, match)`` pairs for one signal, nearest first."""
    try:
        kind = get_signal_type(signal_type)
    except UsageError:
        raise UsageError(f"No such SignalType '{signal_type}'") from None
    try:
        value = kind.validate(signal)
    except Exception as exc:
        raise UsageError(f"invalid signal: {exc}") from exc
    with ctx.read() as session:
        hits = ctx.app.matcher(session).match(SignalValue(kind.name, value))
    return [
        (
            hit.bank,
            MatchWithDistance(
                bank_content_id=hit.entry_id,
                distance=str(hit.distance) if kind.name in DISTANCE_TYPES else "-",
            ),
        )
        for hit in hits
        if banks is None or hit.bank in banks
    ]


def _by_bank(pairs: list[tuple[str, MatchWithDistance]]) -> dict[str, list[MatchWithDistance]]:
    out: dict[str, list[MatchWithDistance]] = {}
    for bank, match in pairs:
        out.setdefault(bank, []).append(match)
    return out


@router.get("/m/raw_lookup", response_model=RawLookupResponse, responses=_ERRORS)
def raw_lookup(
    *,
    signal_type: Annotated[str | None, Query(max_length=40)] = None,
    signal: Annotated[str | None, Query(max_length=100_000)] = None,
    include_distance: Annotated[str, Query(max_length=5)] = "false",
    banks: Annotated[str | None, Query(max_length=2000)] = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("match.lookup"))],
) -> RawLookupResponse:
    """HMA's raw look-up: bank content ids matching a hash (with distances on request)."""
    value = _require("signal", signal)
    name = _require("signal_type", signal_type)
    pairs = _query(ctx, name, value, _banks(banks))
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
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("match.lookup"))],
) -> BankMatches | LookupBySignalType:
    """HMA's look-up by hash (bank name -> matches), or by media at an allow-listed ``url``
    (signal type -> bank name -> matches; just bank name -> matches with ``signal_type``)."""
    if url:
        kind, name, data = _fetch(ctx, url, content_type)
        hashes = _hash_upload(ctx, kind, name, data, types)
        by_type = {t: _by_bank(_query(ctx, t, v, _banks(banks))) for t, v in hashes.items()}
        if signal_type:
            return BankMatches(by_type.get(signal_type, {}))
        return LookupBySignalType(by_type)
    if not signal or not signal_type:
        raise UsageError("Either url or both signal and signal_type are required")
    return BankMatches(_by_bank(_query(ctx, signal_type, signal, _banks(banks))))


def _fetch(ctx: WebContext, url: str, content_type: str | None) -> tuple[str, str, bytes]:
    """``(content type, name, bytes)`` of media at ``url``, from an allow-listed host only.

    Raises:
        PermissionDeniedError: the host (or a redirect's) is not in ``TVEC_HASH_URL_HOSTS``.
        UsageError: unknown content type, or the response is cut at ``TVEC_HTTP_MAX_BYTES``.
        FetchError, BlockedAddressError: the fetch failed or was refused.
    """
    allowed = {h.lower().rstrip(".") for h in ctx.settings.hash_url_hosts}

    def check(target: str) -> None:
        host = (urlsplit(target).hostname or "").lower().rstrip(".")
        if host not in allowed:
            raise PermissionDeniedError(
                f"Hashing by URL is not allowed for host '{host}' (TVEC_HASH_URL_HOSTS)"
            )

    check(url)
    with ctx.app.http() as client:
        result = client.fetch(url)
    check(result.url)
    if result.truncated:
        raise UsageError("the media is larger than TVEC_HTTP_MAX_BYTES")
    kind = content_type or ""
    if not kind:
        header = result.headers.get("content-type", "").lower()
        if header.startswith("image"):
            kind = "photo"
        elif header.startswith("video"):
            kind = "video"
        else:
            raise UsageError(
                f"unsupported url ContentType: '{header}', if you know the expected type, "
                "provide it with the content_type query param"
            )
    if kind not in CONTENT_SIGNALS:
        raise UsageError(f"no such content_type: '{kind}'")
    name = urlsplit(result.url).path.rsplit("/", 1)[-1] or kind
    return kind, name, result.content


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
        if field not in CONTENT_SIGNALS:
            raise UsageError(f"no such content_type: '{field}'")
        data = await upload.read()
    finally:
        await form.close()
    return field, upload.filename or field, data


def _hash_upload(
    ctx: WebContext, content_type: str, name: str, data: bytes, types: str | None
) -> dict[str, str]:
    result = hash_content(data, name, max_pixels=ctx.settings.max_image_pixels)
    computed = {s.signal_type: s.value for s in result.signals}
    wanted = [t.strip() for t in types.split(",") if t.strip()] if types else None
    if wanted is None:
        wanted = [t for t in CONTENT_SIGNALS[content_type] if t in computed]
        if not wanted and result.error is not None:
            raise UsageError(str(result.error))
        return {t: computed[t] for t in wanted}
    for name_ in wanted:
        if name_ not in computed:
            raise UsageError(f"signal type '{name_}' doesn't exist or is disabled")
    return {t: computed[t] for t in wanted}


@router.get("/h/hash", response_model=HashResponse, responses=_ERRORS)
def hash_media_get(
    *,
    url: Annotated[str | None, Query(max_length=2000)] = None,
    content_type: Annotated[str | None, Query(max_length=20)] = None,
    types: Annotated[str | None, Query(max_length=200)] = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("match.lookup"))],
) -> HashResponse:
    """HMA's hasher by URL: signal type -> hash of the media at an allow-listed ``url``."""
    if not url:
        raise UsageError("url is required")
    kind, name, data = _fetch(ctx, url, content_type)
    return HashResponse(_hash_upload(ctx, kind, name, data, types))


@router.post("/h/hash", response_model=HashResponse, responses=_ERRORS, openapi_extra=_UPLOAD)
async def hash_media_post(
    *,
    request: Request,
    types: Annotated[str | None, Query(max_length=200)] = None,
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("match.lookup"))],
) -> HashResponse:
    """HMA's hasher: signal type -> hash of the uploaded file."""
    content_type, name, data = await _upload(request)
    return HashResponse(await run_in_threadpool(_hash_upload, ctx, content_type, name, data, types))


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
    ctx: Annotated[WebContext, Depends(get_ctx)],
    principal: Annotated[Principal, Depends(need("match.lookup"))],
) -> LookupBySignalType:
    """HMA's look-up of an uploaded file: signal type -> bank name -> matches."""
    content_type, name, data = await _upload(request)
    hashes = await run_in_threadpool(_hash_upload, ctx, content_type, name, data, types)
    wanted = _banks(banks)

    def lookup_all() -> dict[str, dict[str, list[MatchWithDistance]]]:
        return {t: _by_bank(_query(ctx, t, v, wanted)) for t, v in hashes.items()}

    return LookupBySignalType(await run_in_threadpool(lookup_all))

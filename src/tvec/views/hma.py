"""Request and response models of the HMA-compatible API (shapes of Meta's OpenMediaMatch:
``hasher-matcher-actioner/src/OpenMediaMatch/blueprints/matching.py``, ``hashing.py``,
``curation.py`` and ``schemas/curation.py``, facebook/ThreatExchange).

These keep HMA's wire format, not tvec's (:mod:`tvec.views.base`): plain pydantic models
rendered by FastAPI, so a platform wired to HMA can point at tvec unchanged.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel


class MatchWithDistance(BaseModel):
    """A bank entry matched, with HMA's distance string (bits for PDQ, ``-`` if exact)."""

    bank_content_id: int
    distance: str


class RawLookupResponse(BaseModel):
    """``GET /m/raw_lookup``: bank content ids, or ids with distances."""

    matches: list[int] | list[MatchWithDistance]


class BankMatches(RootModel[dict[str, list[MatchWithDistance]]]):
    """Bank name -> matches (``GET /m/lookup`` with a signal)."""


class LookupBySignalType(RootModel[dict[str, dict[str, list[MatchWithDistance]]]]):
    """Signal type -> bank name -> matches (``POST /m/lookup`` with a file)."""


class HashResponse(RootModel[dict[str, str]]):
    """Signal type -> hash value (``POST /h/hash``)."""


class ErrorResponse(BaseModel):
    """HMA's error body."""

    message: str


# --- curation (``blueprints/curation.py``, ``schemas/curation.py``) ---------------------------


class MessageResponse(BaseModel):
    """HMA's ``SuccessResponse``: ``{"message": ...}`` (``schemas/shared.py``)."""

    message: str


class BankConfig(BaseModel):
    """HMA's ``BankConfig``: ``{"name", "matching_enabled_ratio"}``."""

    name: str
    matching_enabled_ratio: float


class BankCreateRequest(BaseModel):
    """Body of ``POST /c/banks`` (HMA's ``BankCreateRequest``; ``enabled_ratio`` defaults
    to 1.0 there too, so ``enabled`` alone changes nothing, as in HMA)."""

    name: str
    enabled_ratio: float | None = 1.0
    enabled: bool | None = None


class BankUpdateRequest(BaseModel):
    """Body of ``PUT /c/bank/<name>`` (HMA's ``BankUpdateRequest``)."""

    name: str | None = None
    enabled_ratio: float | None = None
    enabled: bool | None = None


class BankedContentMetadata(BaseModel):
    """HMA's ``BankedContentMetadata``: user metadata of a content (unknown keys refused)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    content_id: str | None = None
    content_uri: str | None = None
    json_data: dict[str, Any] | None = Field(None, alias="json", serialization_alias="json")
    collab: dict[str, list[str]] | None = None


class AddContentResponse(BaseModel):
    """``POST /c/bank/<name>/content`` and ``/signal``: ``{"id", "signals"}``."""

    id: int
    signals: dict[str, str]


class BankContentResponse(BaseModel):
    """``GET /c/bank/<name>/content/<id>`` (HMA's ``BankContentResponse``); :meth:`body`
    leaves out ``signals``, ``metadata`` and ``note`` when None, as HMA does."""

    id: int
    disable_until_ts: int
    original_media_uri: str | None = None
    bank: BankConfig
    signals: dict[str, str] | None = None
    metadata: BankedContentMetadata | None = None
    note: str | None = None

    def body(self) -> dict[str, Any]:
        """The JSON object HMA sends (curation.py lines 284-292)."""
        out = self.model_dump(by_alias=True)
        for key in ("signals", "metadata", "note"):
            if out[key] is None:
                out.pop(key)
        return out


class BankContentConfigResponse(BaseModel):
    """``PUT /c/bank/<name>/content/<id>``: HMA's ``BankContentConfig`` dataclass as JSON."""

    id: int
    disable_until_ts: int
    collab_metadata: dict[str, list[str]]
    original_media_uri: str | None
    bank: BankConfig
    user_metadata: dict[str, Any] | None
    note: str | None


class DeletedResponse(BaseModel):
    """``DELETE /c/bank/<name>/content/<id>``: ``{"deleted": count}``."""

    deleted: int


class SignalTypeConfig(BaseModel):
    """An item of ``GET /c/signal_type``."""

    name: str
    enabled_ratio: float


class ContentTypeConfig(BaseModel):
    """An item of ``GET /c/content_type``."""

    name: str
    enabled: bool


class SignalTypeIndexStatus(BaseModel):
    """A value of ``GET /c/signal_type/index`` (Unix times; -1 when empty)."""

    db_size: int
    index_size: int
    index_out_of_date: bool
    newest_db_item: int
    index_built_to: int


class MatchIndexStatus(BaseModel):
    """A value of ``GET /m/index/status`` (``built_to``: Unix time, -1 when not built)."""

    present: bool
    built_to: int
    size: int


class ExchangeApiConfig(BaseModel):
    """``GET|POST /c/exchanges/api/<api>`` (``curation.py`` lines 517-542; HMA's spelling)."""

    supports_authentification: bool
    has_set_authentification: bool


class ExchangeFetchStatus(BaseModel):
    """python-threatexchange's ``FetchStatus`` (``storage/interfaces.py`` lines 233-242):
    Unix times in seconds, ``None`` when not known."""

    checkpoint_ts: int | None
    running_fetch_start_ts: int | None
    last_fetch_complete_ts: int | None
    last_fetch_succeeded: bool | None
    up_to_date: bool
    fetched_items: int


class ExchangeUpdateRequest(BaseModel):
    """``PUT /c/exchange/<name>`` body (``schemas/curation.py`` ``ExchangeUpdateRequest``)."""

    enabled: bool | None = None

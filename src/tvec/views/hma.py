"""Response models of the HMA-compatible matching API (shapes of Meta's OpenMediaMatch:
``hasher-matcher-actioner/src/OpenMediaMatch/blueprints/matching.py`` and ``hashing.py``).

These keep HMA's wire format, not tvec's (:mod:`tvec.views.base`): plain pydantic models
rendered by FastAPI, so a platform wired to HMA can point at tvec unchanged.
"""

from __future__ import annotations

from pydantic import BaseModel, RootModel


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

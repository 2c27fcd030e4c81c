"""The base of every result model, the timestamp type, and the one JSON rendering.

A result model (a :class:`View`) is what a use case returns: the CLI prints it with
``--json`` and the web API answers with it, both through :func:`dumps`, so the two give the
same bytes for the same resource. Times are :data:`Timestamp`: RFC 3339 in UTC with ``Z``
(:func:`tvec.clock.rfc3339`).

This package imports nothing of tvec but :mod:`tvec.clock` and :mod:`tvec.errors`: the core
builds views, and the adapters (``cli/``, ``web/``) render them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer

from tvec.clock import rfc3339


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a time needs a time zone (RFC 3339, e.g. 2026-11-03T10:00:00Z)")
    return value.astimezone(UTC)


#: A timezone-aware time, kept in UTC and written as RFC 3339 with ``Z``.
Timestamp = Annotated[
    datetime,
    AfterValidator(_aware_utc),
    PlainSerializer(rfc3339, return_type=str, when_used="json"),
]


class View(BaseModel):
    """Base of the result models: fields in declaration order, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)


def jsonable(value: Any) -> Any:
    """``value`` (a view, a list of views, or plain JSON data) as plain JSON data."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return rfc3339(value)
    return value


def dumps(value: Any) -> str:
    """The JSON text of ``value`` as both the CLI and the web API write it: indented by two
    spaces, UTF-8 characters kept (no ``\\u`` escapes), keys in model order, no trailing
    newline."""
    return json.dumps(jsonable(value), indent=2, ensure_ascii=False)

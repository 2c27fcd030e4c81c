"""Result models of look-ups and hashing: ``tvec match --json`` and ``tvec hash --json``."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tvec.views.base import View


class LookupMatchView(View):
    """One bank entry that one signal of a query matched."""

    query: str = Field(description="The file's path, or the value as given.")
    signal_type: str
    value: str = Field(description="The query's signal value that matched (canonical).")
    bank: str
    entry_id: int
    entry_value: str
    distance: int = Field(
        description="Bits for pdq, the TLSH score for text_tlsh, percent for raw_text and "
        "vpdq, 0 for exact types."
    )
    labels: dict[str, Any] = Field(
        description="The entry's labels, plus found_by (and frame_timestamp) when a picture "
        "variant or a video's frame matched."
    )


class LookupErrorView(View):
    """A query whose signals could not all be computed (a corrupt or unreadable file)."""

    query: str
    kind: str = Field(description="The input error's kind (corrupt_media, missing_media...).")
    error: str


class LookupView(View):
    """What ``tvec match`` found: every match in query order, and the queries' errors."""

    matches: list[LookupMatchView]
    errors: list[LookupErrorView]


class SignalView(View):
    """One signal of a file: its type, value and quality (0-100, where the type has one)."""

    signal_type: str
    value: str
    quality: int | None


class HashView(View):
    """The signals of one file (``tvec hash --json``)."""

    file: str
    media_type: str | None = Field(description="The sniffed media type; null if unreadable.")
    signals: list[SignalView]
    error: str | None = Field(description="Why some or all signals could not be computed.")

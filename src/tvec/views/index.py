"""Result models of the persisted match index: ``tvec index status|rebuild|verify|compact``."""

from __future__ import annotations

from pydantic import Field

from tvec.views.base import View


class IndexStatusView(View):
    """The index folder and what it holds (``tvec index status --json``)."""

    folder: str
    exists: bool
    version: int | None = Field(description="Bank change counter the files reflect.")
    database_version: int = Field(description="Bank change counter in the database.")
    pdq_entries: int = Field(description="Live pdq entries in the files.")
    exact_entries: int = Field(description="Live exact-match entries (md5, url...) in the files.")
    vpdq_frames: int = Field(
        description="Live vPDQ video frames in the files (distinct frames of each video entry)."
    )
    tombstones: int = Field(
        description="Removed rows of every part still in the files (tvec index compact)."
    )
    segments: int
    bytes: int = Field(description="Size of the folder's files.")


class IndexVerifyView(View):
    """What ``tvec index verify`` found: ``ok`` when ``problems`` is empty."""

    folder: str
    ok: bool
    problems: list[str]


class IndexCompactView(View):
    """What ``tvec index compact`` did: the folder's size before and after, in bytes."""

    folder: str
    bytes_before: int
    bytes_after: int

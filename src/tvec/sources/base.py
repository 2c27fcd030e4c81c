"""What every source reader yields: :class:`RawItem`, one unit of content before storage.

A reader parses exactly one input format. It never raises for one bad input: it yields a
``RawItem`` carrying the :class:`~tvec.errors.InputError` instead, so the scan records it on
the item and goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tvec.errors import InputError


@dataclass
class RawItem:
    """One piece of content read from a source, not yet stored.

    Attributes:
        locator: globally unique and stable id (``file:///abs/path``, ``tg:<chat>/<msg>``,
            ``jsonl:/abs/file.jsonl#<id>``); scanning the same input again yields the same.
        name: what a person calls it in messages (a path, ``result.json#message 12``).
        path: the file holding its bytes, if any (read lazily by the scan).
        text: message text, if any.
        posted_at: when the source says it was posted (UTC).
        meta: source-specific metadata (JSON-serialisable).
        links: URLs the source marks explicitly as links (Telegram ``link``/``text_link``
            entities, a post's ``url``), as written; text is also searched for links.
        children: media inside a message (photos, files), stored as child items.
        error: a problem found while reading; the item is still stored with it.
        media_type: a known media type for items without bytes (``text/plain`` messages).
    """

    locator: str
    name: str
    path: Path | None = None
    text: str | None = None
    posted_at: datetime | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    children: list[RawItem] = field(default_factory=list)
    error: InputError | None = None
    media_type: str | None = None


#: A reader: given a path, yields RawItems. ``count`` estimates how many (for progress).
Reader = Callable[[Path], "list[RawItem]"]

"""What every source reader yields: :class:`RawItem`, one unit of content before storage.

A reader parses exactly one input format. It never raises for one bad input: it yields a
``RawItem`` carrying the :class:`~tvec.errors.InputError` instead, so the scan records it on
the item and goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tvec.errors import InputError, MissingMediaError, ReaderFailedError, UnsafePathError


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


def attach_media(child: RawItem, value: str, folder: Path, folder_kind: str) -> RawItem:
    """Point ``child`` at the media file ``value`` names, relative to ``folder``, or record why not.

    The one rule every reader uses for media paths that come from the input itself: a path
    with a NUL byte, or one that leads outside ``folder`` (``../``, absolute paths, symlinks out
    of it) is refused with :class:`~tvec.errors.UnsafePathError` and never read; a path to
    nothing (or to a folder), or one the file system cannot look up (a name too long, a
    symlink loop, a lone surrogate that no file name encodes), is a
    :class:`~tvec.errors.MissingMediaError`.

    Args:
        child: the media item; its ``name`` is used in error messages.
        value: the path as the input gives it.
        folder: the folder it must stay inside (resolved).
        folder_kind: how to call the folder in messages ("export folder", "posts' folder").
    """
    if "\x00" in value:
        child.error = UnsafePathError(child.name, "path contains a NUL byte")
        return child
    try:
        candidate = (folder / value).resolve()
        inside = candidate.is_relative_to(folder)
        present = inside and candidate.is_file()
    except UnicodeError:  # a lone surrogate (JSON "\ud800") names no file on this system
        child.error = MissingMediaError(
            child.name, "media path unusable: not encodable as a file name (lone surrogate)"
        )
        return child
    except (OSError, RuntimeError) as exc:  # a name too long; a symlink loop (3.11: RuntimeError)
        reason = (exc.strerror if isinstance(exc, OSError) else None) or "symbolic link loop"
        child.error = MissingMediaError(child.name, f"media path unusable: {reason}")
        return child
    if not inside:
        child.error = UnsafePathError(child.name, f"path leads outside the {folder_kind} {folder}")
    elif not present:
        child.error = MissingMediaError(child.name, f"media file missing: {candidate}")
    else:
        child.path = candidate
        child.name = str(candidate)
    return child


#: A reader: given a path, yields RawItems. ``count`` estimates how many (for progress).
Reader = Callable[[Path], "list[RawItem]"]


def guarded(items: Iterator[RawItem], locator: str, name: str) -> Iterator[RawItem]:
    """``items``, with any exception the reader raises turned into one error item.

    A parser fault on one input (a library bug, input no rule foresaw) must never stop a
    scan or a poll round: the items yielded before the fault are kept, then one item
    ``locator`` carrying a :class:`~tvec.errors.ReaderFailedError` that names ``name`` and
    the exception ends that input. ``KeyboardInterrupt`` and ``SystemExit`` pass through.
    """
    try:
        yield from items
    except Exception as exc:
        problem = f"the reader failed: {type(exc).__name__}: {exc}"[:500]
        yield RawItem(f"{locator}#reader-error", name, error=ReaderFailedError(name, problem))

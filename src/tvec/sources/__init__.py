"""Source readers: one module per input format, each yielding :class:`RawItem`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tvec.errors import MissingMediaError
from tvec.sources.base import RawItem, guarded
from tvec.sources.folder import file_item, walk
from tvec.sources.jsonl import read_jsonl
from tvec.sources.remote import RemoteFile, read_remote
from tvec.sources.telegram import EXPORT_FILE, is_export_file, read_export, read_export_folder

JSONL_SUFFIXES = (".jsonl", ".ndjson")


def read_path(path: Path) -> Iterator[RawItem]:
    """Every RawItem under ``path``: a folder, a Telegram export, a JSON Lines file or a file.

    Telegram exports are recognised by a file named ``result.json`` in a folder (or given
    directly), whatever its content, or a ``.json`` file given directly whose content is an
    export; a ``result.json`` that cannot be read as an export yields its error item (see
    :func:`tvec.sources.telegram.read_export_folder`). ``.jsonl``/``.ndjson`` files are read
    as posts; anything else is a file.
    A path that does not exist yields one item carrying a MissingMediaError; a reader that
    raises ends its input with a ReaderFailedError item (:func:`tvec.sources.base.guarded`).
    A :class:`~tvec.sources.remote.RemoteFile` (an fsspec URL) yields a file item per object
    under it (:func:`tvec.sources.remote.read_remote`).
    """
    if isinstance(path, RemoteFile):
        yield from read_remote(path)
        return
    if not path.exists():
        yield RawItem(
            path.absolute().as_uri(),
            str(path),
            error=MissingMediaError(str(path), "no such file or folder"),
        )
        return
    if path.is_dir():
        for found in walk(path, read_export_folder):
            if found.error is None and _is_jsonl(found.path):
                assert found.path is not None
                yield from guarded(read_jsonl(found.path), found.locator, str(found.path))
            else:
                yield found
        return
    locator = path.absolute().as_uri()
    if path.name == EXPORT_FILE or (path.suffix.lower() == ".json" and is_export_file(path)):
        yield from guarded(iter(read_export(path)), locator, str(path))
    elif path.suffix.lower() in JSONL_SUFFIXES:
        yield from guarded(read_jsonl(path), locator, str(path))
    else:
        yield file_item(path)


def _is_jsonl(path: Path | None) -> bool:
    return path is not None and path.suffix.lower() in JSONL_SUFFIXES


__all__ = ["RawItem", "RemoteFile", "read_path"]

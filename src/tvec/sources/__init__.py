"""Source readers: one module per input format, each yielding :class:`RawItem`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tvec.errors import MissingMediaError
from tvec.sources.base import RawItem
from tvec.sources.folder import file_item, walk
from tvec.sources.jsonl import read_jsonl
from tvec.sources.telegram import is_export_file, is_export_folder, read_export

JSONL_SUFFIXES = (".jsonl", ".ndjson")


def read_path(path: Path) -> Iterator[RawItem]:
    """Every RawItem under ``path``: a folder, a Telegram export, a JSON Lines file or a file.

    Telegram exports are recognised by a ``result.json`` holding messages in a folder, or a
    ``.json`` file given directly whose content is an export; ``.jsonl``/``.ndjson`` files
    are read as posts; anything else is a file.
    A path that does not exist yields one item carrying a MissingMediaError.
    """
    if not path.exists():
        yield RawItem(
            path.absolute().as_uri(),
            str(path),
            error=MissingMediaError(str(path), "no such file or folder"),
        )
        return
    if path.is_dir():
        if is_export_folder(path):
            yield from read_export(path)
            return
        for found in walk(path, is_export_folder):
            if isinstance(found, Path):
                yield from read_export(found)
            elif found.path is not None and found.path.suffix.lower() in JSONL_SUFFIXES:
                yield from read_jsonl(found.path)
            else:
                yield found
        return
    if path.suffix.lower() == ".json" and is_export_file(path):
        yield from read_export(path)
    elif path.suffix.lower() in JSONL_SUFFIXES:
        yield from read_jsonl(path)
    else:
        yield file_item(path)


__all__ = ["RawItem", "read_path"]

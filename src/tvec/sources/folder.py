"""Walking folders of files: every regular file is one item.

Symbolic links are followed, with each real folder visited once: a link back to a folder on
the current path is a symlink loop, reported as :class:`~tvec.errors.UnsafePathError` on the
link's path; a link to nothing is a :class:`~tvec.errors.MissingMediaError`. Folders that are
Telegram Desktop exports (holding a ``result.json``) are read as exports instead of file by
file; when the export file cannot be read as an export, its error item is yielded and the
folder's other files are walked as plain files. Hidden files and folders (names starting
with ``.``) are skipped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from tvec.errors import MissingMediaError, UnsafePathError
from tvec.sources.base import RawItem


def file_item(path: Path) -> RawItem:
    """A RawItem for one file on disk (bytes read later by the scan)."""
    resolved = path.resolve()
    return RawItem(locator=resolved.as_uri(), name=str(path), path=resolved)


#: Reads a folder as a Telegram export: None when the folder is not one; else the items read
#: and, when the export file could not be read as an export, that file (the items are then
#: its error item, and the walk goes on through the folder's other entries), else None.
ExportReader = Callable[[Path], tuple[list[RawItem], Path | None] | None]


def walk(root: Path, read_export: ExportReader) -> Iterator[RawItem]:
    """Yield a RawItem per file under ``root``, and the items of each export folder found.

    ``root`` itself may be an export folder. Unreadable folders, dangling links and symlink
    loops are yielded as RawItems carrying their error, so the scan records them and goes on.
    """
    yield from _folder(root, frozenset({os.path.realpath(root)}), read_export)


def _folder(
    folder: Path, ancestors: frozenset[str], read_export: ExportReader
) -> Iterator[RawItem]:
    """The items of ``folder``: as an export when it is one, else (or also) file by file."""
    export = read_export(folder)
    if export is None:
        yield from _walk(folder, ancestors, read_export, None)
        return
    items, unread = export
    yield from items
    if unread is not None:
        yield from _walk(folder, ancestors, read_export, unread.name)


def _link_error(path: Path, ancestors: frozenset[str]) -> RawItem | None:
    """An error item when the link at ``path`` loops or dangles, else None."""
    problem: MissingMediaError | UnsafePathError | None = None
    try:
        target = path.resolve(strict=True)
    except RuntimeError:
        problem = UnsafePathError(str(path), "symbolic link loop")
    except OSError:
        problem = MissingMediaError(str(path), "symbolic link points to nothing")
    else:
        if target.is_dir() and str(target) in ancestors:
            problem = UnsafePathError(str(path), f"symbolic link loop: points back to {target}")
    if problem is None:
        return None
    return RawItem(locator=path.absolute().as_uri(), name=str(path), error=problem)


def _walk(
    folder: Path, ancestors: frozenset[str], read_export: ExportReader, skip: str | None
) -> Iterator[RawItem]:
    """Every entry of ``folder`` but ``skip`` (a name already read), sorted by name."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield RawItem(
            locator=Path(folder).absolute().as_uri(),
            name=str(folder),
            error=MissingMediaError(str(folder), f"folder cannot be read: {exc.strerror}"),
        )
        return
    for entry in entries:
        if entry.name.startswith(".") or entry.name == skip:
            continue
        path = Path(entry.path)
        if entry.is_symlink():
            bad = _link_error(path, ancestors)
            if bad is not None:
                yield bad
                continue
        if entry.is_dir():
            yield from _folder(path, ancestors | {os.path.realpath(path)}, read_export)
        elif entry.is_file():
            yield file_item(path)

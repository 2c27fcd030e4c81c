"""Walking folders of files: every regular file is one item.

Symbolic links are followed, with each real folder visited once: a link back to a folder on
the current path is a symlink loop, reported as :class:`~tvec.errors.UnsafePathError` on the
link's path; a link to nothing is a :class:`~tvec.errors.MissingMediaError`. Folders that are
Telegram Desktop exports (holding a ``result.json`` with messages) are read as exports
instead of file by file. Hidden files and folders (names starting with ``.``) are skipped.
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


#: Tells whether a folder is a Telegram export (read by its own reader, not file by file).
ExportCheck = Callable[[Path], bool]


def walk(root: Path, is_export: ExportCheck) -> Iterator[RawItem | Path]:
    """Yield a RawItem per file under ``root`` and the Path of each export folder found.

    Unreadable folders, dangling links and symlink loops are yielded as RawItems carrying
    their error, so the scan records them and goes on.
    """
    yield from _walk(root, frozenset({os.path.realpath(root)}), is_export)


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
    folder: Path, ancestors: frozenset[str], is_export: ExportCheck
) -> Iterator[RawItem | Path]:
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
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if entry.is_symlink():
            bad = _link_error(path, ancestors)
            if bad is not None:
                yield bad
                continue
        if entry.is_dir():
            if is_export(path):
                yield path
            else:
                yield from _walk(path, ancestors | {os.path.realpath(path)}, is_export)
        elif entry.is_file():
            yield file_item(path)

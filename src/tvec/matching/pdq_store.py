"""Saving and loading PDQ index segments: ``.npy`` files in a folder plus ``meta.json``.

Layout of the folder::

    meta.json                        format, version, threshold, the list of segments
    <segment>.ids.npy                int64 (n,), sorted        } written once per segment:
    <segment>.words.npy              uint64 (n, 4)             } a segment's rows never change
    <segment>.entries.npy            uint32 (m * n, 1 + F)     } (only with a multi-index;
                                                               }  F fragment words, 0..6)
    <segment>.offsets.npy            uint32 directories        }
    <segment>.alive.<save>.npy       bool (n,), written at every save

Every file is written to a temporary name, flushed to disk and moved into place with
``os.replace``; ``meta.json`` is replaced last, so a reader sees the old index or the new one,
never a mix. Files no longer named by ``meta.json`` are then deleted. Because segment files are
immutable, saving again after a few changes rewrites only the small segments and the marks.
"""

from __future__ import annotations

import json
import math
import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tvec.errors import StoreError
from tvec.matching.file_map import map_read_only
from tvec.matching.index_format import FORMAT, VERSION, OutdatedIndexError, read_meta
from tvec.matching.mih import MultiIndex, table_layout
from tvec.matching.pdq_segment import Segment

__all__ = [
    "FORMAT",
    "VERSION",
    "OutdatedIndexError",
    "load_meta",
    "load_segments",
    "save_segments",
]


def write_npy(path: Path, array: npt.NDArray[Any]) -> None:
    """Write ``array`` to ``path`` atomically (temporary file, fsync, ``os.replace``)."""
    tmp = path.with_name(f"{path.name}.tmp-{uuid.uuid4().hex}")
    try:
        with open(tmp, "wb") as f:
            np.save(f, array, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as JSON to ``path`` atomically, then fsync the folder."""
    tmp = path.with_name(f"{path.name}.tmp-{uuid.uuid4().hex}")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_segments(
    folder: Path,
    threshold: int,
    segments: list[Segment],
    extra: dict[str, Any] | None = None,
) -> None:
    """Save ``segments`` and ``threshold`` into ``folder`` (created if missing); ``extra``
    (JSON-able) is kept in ``meta.json`` and given back by :func:`load_meta`.

    Raises:
        StoreError: the folder cannot be written.
    """
    save_id = uuid.uuid4().hex[:12]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        entries = []
        for seg in segments:
            arrays: dict[str, npt.NDArray[Any]] = {"ids": seg.ids, "words": seg.words}
            if seg.index is not None:
                arrays["entries"] = seg.index.entries
                arrays["offsets"] = seg.index.offsets
            for field, array in arrays.items():
                path = folder / f"{seg.name}.{field}.npy"
                if not path.exists():
                    write_npy(path, array)
            alive = f"{seg.name}.alive.{save_id}.npy"
            write_npy(folder / alive, seg.alive)
            tables = 0 if seg.index is None else len(seg.index.layout)
            entries.append(
                {"name": seg.name, "rows": int(seg.ids.size), "tables": tables, "alive": alive}
            )
        meta = {
            "format": FORMAT,
            "version": VERSION,
            "threshold": threshold,
            "segments": entries,
            "extra": extra or {},
        }
        write_json(folder / "meta.json", meta)
        _delete_unreferenced(folder, entries)
    except OSError as e:
        raise StoreError(f"{folder}: cannot save the PDQ index: {e}") from e


def _delete_unreferenced(folder: Path, entries: list[dict[str, Any]]) -> None:
    keep = {e["alive"] for e in entries}
    names = {e["name"] for e in entries}
    for path in folder.glob("*.npy"):
        segment = path.name.split(".", 1)[0]
        is_alive_file = ".alive." in path.name
        if (is_alive_file and path.name not in keep) or (
            not is_alive_file and segment not in names
        ):
            path.unlink(missing_ok=True)


def read_npy(path: Path, mapped: bool) -> npt.NDArray[Any]:
    """The array of the ``.npy`` file ``path``: read into memory, or if ``mapped`` a read-only
    view of the file mapped by :func:`tvec.matching.file_map.map_read_only` (2 MiB pages
    asked for; ``numpy.load``'s own ``mmap_mode`` cannot ask). Files of ``.npy`` format
    versions other than 1.0 and 2.0 are mapped by ``numpy.load``.

    Raises:
        OSError, ValueError: the file is missing, unreadable or not a ``.npy`` file.
    """
    if not mapped:
        return np.load(path)  # type: ignore[no-any-return]
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            return np.load(path, mmap_mode="r")  # type: ignore[no-any-return]
        offset = f.tell()
        count = math.prod(shape)
        if count == 0 or dtype.hasobject:
            return np.load(path, mmap_mode="r")  # type: ignore[no-any-return]
        size = os.fstat(f.fileno()).st_size
        if offset + count * dtype.itemsize > size:
            raise ValueError(f"{path}: {size} bytes, too short for shape {shape}")
        buffer = map_read_only(f.fileno(), size)
    array = np.frombuffer(buffer, dtype=dtype, count=count, offset=offset)
    return array.reshape(shape, order="F" if fortran else "C")


def load_segments(folder: Path, mmap: bool = False) -> tuple[int, list[Segment]]:
    """Load what :func:`save_segments` wrote: ``(threshold, segments)``."""
    meta = load_meta(folder, mmap)
    return int(meta["threshold"]), list(meta["segments"])


def load_meta(folder: Path, mmap: bool = False) -> dict[str, Any]:
    """Load what :func:`save_segments` wrote: ``meta.json`` with its ``segments`` loaded as
    :class:`Segment` s (and ``extra``, ``{}`` if none).

    With ``mmap`` the large arrays are memory-mapped read-only (start-up is instant and pages
    load on first use; :func:`read_npy`); the deletion marks are always read into memory.

    Raises:
        OutdatedIndexError: the folder was saved with an older format version.
        StoreError: missing or unreadable folder, wrong format or version, inconsistent arrays.
    """
    try:
        meta = read_meta(folder)
        segments = []
        for e in meta["segments"]:
            name, rows, tables = str(e["name"]), int(e["rows"]), int(e["tables"])
            ids = read_npy(folder / f"{name}.ids.npy", mmap)
            words = read_npy(folder / f"{name}.words.npy", mmap)
            alive = np.array(np.load(folder / str(e["alive"])), dtype=np.bool_)
            if ids.shape != (rows,) or words.shape != (rows, 4) or alive.shape != (rows,):
                raise StoreError(f"{folder}: segment {name} has arrays of the wrong shape")
            if ids.dtype != np.int64 or words.dtype != np.uint64:
                raise StoreError(f"{folder}: segment {name} has arrays of the wrong type")
            index = None
            if tables:
                entries = read_npy(folder / f"{name}.entries.npy", mmap)
                offsets = read_npy(folder / f"{name}.offsets.npy", mmap)
                if entries.dtype != np.uint32 or offsets.dtype != np.uint32:
                    raise StoreError(f"{folder}: segment {name} has tables of the wrong type")
                index = MultiIndex(table_layout(tables), rows, entries, offsets)
            segments.append(Segment(ids, words, alive, index, name))
        meta["segments"] = segments
        meta.setdefault("extra", {})
        return dict(meta)
    except StoreError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise StoreError(f"{folder}: cannot load the PDQ index: {e}") from e

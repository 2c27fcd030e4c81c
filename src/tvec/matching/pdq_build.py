"""Building a PDQ index segment straight into its files, one substring table at a time.

:meth:`tvec.matching.mih.MultiIndex.build` makes every table in memory at once: ``m`` tables
of ``n`` entries of ``4 * (1 + F)`` bytes (at 1 million hashes, 13 tables: 208 MiB, plus
52 MiB of directories and the sorts' scratch). :func:`write_segment` makes the same arrays
(the same layout and bytes, :mod:`tvec.matching.pdq_store`) but writes each table to the
segment's ``entries.npy`` as soon as it is sorted and frees it, so a build holds the rows,
one table and the directories; then it maps the files read-only. The persisted index
builds its segments this way (:meth:`tvec.matching.shared.IndexFiles.bounded`), so that a
rebuild, or the catch-up after ``tvec bank import``, stays within a few hundred MiB.

The files are named by a fresh segment name and are not part of the index until a
``meta.json`` names them (:func:`tvec.matching.pdq_store.save_segments`, which skips files
already written); a later save deletes them if none does.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tvec.errors import StoreError
from tvec.matching.mih import (
    FRAGMENT_WORDS,
    MultiIndex,
    fragment_words,
    hash_word32,
    substring_keys,
    table_count,
    table_layout,
)
from tvec.matching.pdq_segment import Segment
from tvec.matching.pdq_store import write_npy


def write_segment(
    folder: Path,
    ids: npt.NDArray[np.int64],
    words: npt.NDArray[np.uint64],
    fragment_count: int = FRAGMENT_WORDS,
) -> Segment:
    """Build the indexed segment of ``ids`` (shape (n,), unique) and ``words`` (shape
    (n, 4)) into ``folder`` (created if missing) and return it memory-mapped: what
    :meth:`Segment.build` with ``indexed=True`` gives (rows sorted by id, ``table_count(n)``
    tables), its deletion marks in memory.

    Raises:
        StoreError: the folder cannot be written or read back.
        ValueError: too many rows for one multi-index (see :meth:`MultiIndex.build`).
    """
    if ids.size > 1 and not bool(np.all(ids[1:] > ids[:-1])):  # else in order already
        order = np.argsort(ids, kind="stable")
        ids = np.ascontiguousarray(ids[order])
        words = np.ascontiguousarray(np.take(words, order, axis=0))
        del order
    n = int(ids.size)
    m = table_count(n)
    if m * n >= 2**32 or n == 0:
        raise ValueError(f"cannot build a multi-index of {m} tables over {n} rows")
    layout = table_layout(m)
    fragments = fragment_words(layout, fragment_count)
    name = uuid.uuid4().hex
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_npy(folder / f"{name}.ids.npy", ids)
        write_npy(folder / f"{name}.words.npy", words)
        entries = _ArrayFile(folder / f"{name}.entries.npy", (m * n, 1 + fragment_count))
        offsets = _ArrayFile(
            folder / f"{name}.offsets.npy", (sum((1 << w) + 1 for _, w in layout),)
        )
        try:
            for t, (start, width) in enumerate(layout):
                keys = substring_keys(words, ((start, width),))[:, 0]
                table, directory = _table(keys, words, fragments[t], width, t * n)
                del keys
                entries.write(table)
                del table
                offsets.write(directory)
                del directory
            entries.close()
            offsets.close()
        finally:
            entries.discard()
            offsets.discard()
        mapped: dict[str, npt.NDArray[Any]] = {
            field: np.load(folder / f"{name}.{field}.npy", mmap_mode="r")
            for field in ("ids", "words", "entries", "offsets")
        }
    except (OSError, ValueError) as e:
        raise StoreError(f"{folder}: cannot write a segment of the PDQ index: {e}") from e
    index = MultiIndex(layout, n, mapped["entries"], mapped["offsets"])
    return Segment(mapped["ids"], mapped["words"], None, index, name)


class _ArrayFile:
    """A ``uint32`` ``.npy`` file of a known shape written piece by piece: to a temporary
    name, then flushed to disk and moved into place by :meth:`close` (as
    :func:`~tvec.matching.pdq_store.write_npy` does for a whole array)."""

    def __init__(self, path: Path, shape: tuple[int, ...]) -> None:
        self.path = path
        self.tmp = path.with_name(f"{path.name}.tmp-{uuid.uuid4().hex}")
        self.file = open(self.tmp, "wb")  # noqa: SIM115 - closed by close or discard
        header = {
            "descr": np.lib.format.dtype_to_descr(np.dtype(np.uint32)),
            "fortran_order": False,
            "shape": shape,
        }
        np.lib.format.write_array_header_1_0(self.file, header)

    def write(self, part: npt.NDArray[np.uint32]) -> None:
        """Append ``part`` (C-contiguous ``uint32``), row after row."""
        self.file.write(np.ascontiguousarray(part, dtype=np.uint32).data)

    def close(self) -> None:
        """Flush to disk and move into place."""
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
        """Close and delete the temporary file if :meth:`close` did not move it."""
        self.file.close()
        self.tmp.unlink(missing_ok=True)


def _table(
    keys: npt.NDArray[np.uint32],
    words: npt.NDArray[np.uint64],
    fragment: npt.NDArray[np.intp],
    width: int,
    base: int,
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """One table's entries (rows in bucket order, stable, each with its ``fragment`` words)
    and its directory (bucket offsets from ``base``, ``2**width + 1`` of them), as
    :meth:`MultiIndex.build` makes them (fewer than 2**32 rows)."""
    # The stable order by key: sort (key << 32 | row), unique values, and keep the rows
    # (numpy sorts 64-bit integers several times faster than a stable argsort of 32-bit
    # keys: about 10 against 85-160 ms at 1 million rows, the same order)
    packed = keys.astype(np.uint64) << np.uint64(32)
    packed |= np.arange(keys.size, dtype=np.uint64)
    packed.sort()
    packed &= np.uint64(0xFFFFFFFF)
    order = packed.view(np.int64)  # rows, below 2**32
    table = np.empty((keys.size, 1 + fragment.size), dtype=np.uint32)
    table[:, 0] = order
    for k, number in enumerate(fragment.tolist()):
        table[:, 1 + k] = np.take(hash_word32(words, number), order)
    del order, packed
    counts = np.bincount(keys, minlength=1 << width)
    directory = np.empty((1 << width) + 1, dtype=np.uint32)
    directory[0] = base
    np.cumsum(counts, out=directory[1:])
    directory[1:] += np.uint32(base)
    return table, directory

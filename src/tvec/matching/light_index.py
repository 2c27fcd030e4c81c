"""A saved PDQ index read with plain Python: the first look-ups of a process without numpy.

``tvec match`` of one value loads the persisted index (:mod:`tvec.matching.shared`) and asks
it one question. Importing numpy to ask it costs more CPU than the question does (a tenth of
a second here against some milliseconds), so :class:`LightIndex` answers from the same files
with the standard library: it reads each segment's ``.npy`` header, maps the arrays
(:func:`tvec.matching.file_map.map_read_only`), views them with :meth:`memoryview.cast` and
probes the multi-index the way
:meth:`tvec.matching.pdq_segment.Segment.search` does (same layout, same plan from
:func:`tvec.matching.mih_plan.plan_radii`, same verification with the full 256-bit distance,
``int.bit_count``), so it returns the same ``(id, distance)`` pairs in the same order as
:meth:`tvec.matching.pdq_index.PDQIndex.query`.

After :data:`LIGHT_LOOKUPS` look-ups (a process that keeps matching: a scan, a web worker),
or for anything but a look-up (``segments()``, ``ids_between()``, saving...), it hands over
to a :class:`~tvec.matching.pdq_index.PDQIndex` built over the same mapped bytes (numpy
imported then): both see the same rows, whatever a writer has done to the folder since.
A segment the plan would scan row by row with more than :data:`LIGHT_SCAN_ROWS` rows is also
left to numpy.
"""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tvec.errors import StoreError
from tvec.matching.file_map import map_read_only
from tvec.matching.index_format import read_meta
from tvec.matching.mih_plan import PDQ_BITS, flip_mask_list, plan_radii, table_layout
from tvec.matching.pdq_hash import as_query_bytes, check_threshold

if TYPE_CHECKING:
    from tvec.matching.pdq_index import PDQIndex

#: Look-ups answered in plain Python before the index hands over to numpy.
LIGHT_LOOKUPS = 16
#: Rows of a segment scanned in plain Python at most (more: numpy answers that look-up).
LIGHT_SCAN_ROWS = 20_000

#: Most fragment words an entry carries beside its row
#: (:data:`tvec.matching.mih.MAX_FRAGMENT_WORDS`).
_MAX_FRAGMENT_WORDS = 6

_NPY_MAGIC = b"\x93NUMPY"
_HEADER = re.compile(
    r"""\{\s*'descr':\s*'(?P<descr>[^']+)',\s*'fortran_order':\s*(?P<fortran>True|False),"""
    r"""\s*'shape':\s*\((?P<shape>[0-9,\s]*)\),?\s*\}"""
)
#: ``.npy`` type -> (memoryview format, item size); little-endian files on a little-endian
#: machine only (anything else is left to numpy).
_TYPES = {"<i8": ("q", 8), "<u8": ("Q", 8), "<u4": ("I", 4), "|b1": ("B", 1)}


@dataclass
class _Array:
    """One ``.npy`` file as a flat memoryview of its items, with its shape."""

    items: memoryview
    raw: memoryview
    shape: tuple[int, ...]
    descr: str


def _read_npy(path: Path, mapped: bool) -> _Array:
    """``path`` (a ``.npy`` file of :data:`_TYPES`, C order) mapped, or read when not
    ``mapped``.

    Raises:
        StoreError: not such a file.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(12)
            if head[:6] != _NPY_MAGIC or head[6] not in (1, 2, 3):
                raise StoreError(f"{path}: not a .npy file")
            if head[6] == 1:
                length, start = int.from_bytes(head[8:10], "little"), 10
            else:
                length, start = int.from_bytes(head[8:12], "little"), 12
            f.seek(start)
            header = f.read(length).decode("latin-1")
            found = _HEADER.search(header)
            if found is None or found["fortran"] == "True" or found["descr"] not in _TYPES:
                raise StoreError(f"{path}: a .npy header this reader does not take: {header}")
            shape = tuple(int(x) for x in found["shape"].replace(" ", "").split(",") if x)
            code, size = _TYPES[found["descr"]]
            count = 1
            for n in shape:
                count *= n
            offset = start + length
            if mapped and count:
                buffer: Any = map_read_only(f.fileno(), offset + count * size)
            else:
                f.seek(0)
                buffer = f.read()
    except OSError as exc:
        raise StoreError(f"{path}: cannot read: {exc}") from exc
    raw = memoryview(buffer)[offset : offset + count * size]
    if len(raw) != count * size:
        raise StoreError(f"{path}: {len(raw)} bytes of data for shape {shape}")
    return _Array(raw.cast(code), raw, shape, found["descr"])  # type: ignore[call-overload]


@dataclass
class _Segment:
    """One saved segment: ids, words (4 per row), alive marks, and its tables if any."""

    name: str
    rows: int
    ids: _Array
    words: _Array
    alive: _Array
    live: int
    layout: tuple[tuple[int, int], ...]
    #: each table's entries in bucket order: the row, then ``stride - 1`` fragment words
    entries: _Array | None
    stride: int
    offsets: _Array | None
    bases: tuple[int, ...]

    def plan(self, threshold: int) -> tuple[int, ...] | None:
        """Per-table radii (:func:`~tvec.matching.mih_plan.plan_radii`), None to scan."""
        if not self.layout:
            return None
        widths = tuple(w for _, w in self.layout)
        return plan_radii(widths, self.rows, threshold, True)

    def distance(self, row: int, query: tuple[int, int, int, int]) -> int:
        words = self.words.items
        base = 4 * row
        return (
            (words[base] ^ query[0]).bit_count()
            + (words[base + 1] ^ query[1]).bit_count()
            + (words[base + 2] ^ query[2]).bit_count()
            + (words[base + 3] ^ query[3]).bit_count()
        )

    def search(
        self, value: int, query: tuple[int, int, int, int], threshold: int
    ) -> list[tuple[int, int]]:
        """(id, distance) of the live rows within ``threshold`` (any order, each once)."""
        alive = self.alive.items
        ids = self.ids.items
        radii = self.plan(threshold)
        out: list[tuple[int, int]] = []
        if radii is None:
            rows: Any = range(self.rows)
        else:
            assert self.entries is not None and self.offsets is not None
            offsets = self.offsets.items
            entries = self.entries.items
            stride = self.stride
            found: set[int] = set()
            for t, radius in enumerate(radii):
                if radius < 0:
                    continue
                start, width = self.layout[t]
                key = (value >> (PDQ_BITS - start - width)) & ((1 << width) - 1)
                base = self.bases[t]
                for mask in flip_mask_list(width, radius):
                    at = base + (key ^ mask)
                    first, last = offsets[at], offsets[at + 1]
                    if last > first:
                        found.update(entries[first * stride : last * stride : stride])
            rows = found
        for row in rows:
            if alive[row]:
                distance = self.distance(row, query)
                if distance <= threshold:
                    out.append((ids[row], distance))
        return out


def _load_segments(folder: Path, mapped: bool) -> tuple[int, dict[str, Any], list[_Segment]]:
    """``(threshold, extra, segments)`` of a saved folder, checked as
    :func:`tvec.matching.pdq_store.load_meta` checks them.

    Raises:
        StoreError: missing or unreadable folder, wrong format or version, inconsistent arrays.
    """
    try:
        meta = read_meta(folder)
        segments = []
        for e in meta["segments"]:
            name, rows, tables = str(e["name"]), int(e["rows"]), int(e["tables"])
            ids = _read_npy(folder / f"{name}.ids.npy", mapped)
            words = _read_npy(folder / f"{name}.words.npy", mapped)
            alive = _read_npy(folder / str(e["alive"]), False)
            if ids.shape != (rows,) or words.shape != (rows, 4) or alive.shape != (rows,):
                raise StoreError(f"{folder}: segment {name} has arrays of the wrong shape")
            if ids.descr != "<i8" or words.descr != "<u8" or alive.descr != "|b1":
                raise StoreError(f"{folder}: segment {name} has arrays of the wrong type")
            layout: tuple[tuple[int, int], ...] = ()
            entries = offsets = None
            stride = 1
            bases: tuple[int, ...] = ()
            if tables:
                layout = table_layout(tables)
                entries = _read_npy(folder / f"{name}.entries.npy", mapped)
                offsets = _read_npy(folder / f"{name}.offsets.npy", mapped)
                if entries.descr != "<u4" or offsets.descr != "<u4":
                    raise StoreError(f"{folder}: segment {name} has tables of the wrong type")
                sizes = [(1 << w) + 1 for _, w in layout]
                stride = entries.shape[1] if len(entries.shape) == 2 else 0
                if (
                    not 1 <= stride <= 1 + _MAX_FRAGMENT_WORDS
                    or entries.shape != (tables * rows, stride)
                    or offsets.shape != (sum(sizes),)
                ):
                    raise StoreError(f"{folder}: segment {name}: multi-index arrays do not match")
                bases = tuple(sum(sizes[:t]) for t in range(tables))
            live = bytes(alive.raw).count(b"\x01")
            segments.append(
                _Segment(
                    name, rows, ids, words, alive, live, layout, entries, stride, offsets, bases
                )
            )
        return int(meta["threshold"]), dict(meta.get("extra") or {}), segments
    except StoreError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise StoreError(f"{folder}: cannot load the PDQ index: {e}") from e


class LightIndex:
    """A saved :class:`~tvec.matching.pdq_index.PDQIndex` answering look-ups in plain
    Python (see the module docstring); every other use goes to the numpy index over the
    same bytes. Build with :meth:`load`.

    Attributes:
        threshold: the saved default threshold (bits).
        extra: the saved ``extra`` of ``meta.json``.
    """

    def __init__(self, threshold: int, extra: dict[str, Any], segments: list[_Segment]) -> None:
        self.threshold = threshold
        self.extra = extra
        self._segments = segments
        self._lookups = 0
        self._full: PDQIndex | None = None
        self._lock = threading.Lock()

    @classmethod
    def load(cls, folder: Path, *, mmap: bool = True) -> LightIndex:
        """The index saved in ``folder`` (arrays mapped unless ``mmap`` is False).

        Raises:
            StoreError: the folder is missing, unreadable or not a saved index.
        """
        if sys.byteorder != "little":  # pragma: no cover - the .npy files are little-endian
            raise StoreError(f"{folder}: the light reader needs a little-endian machine")
        return cls(*_load_segments(Path(folder), mmap))

    def __len__(self) -> int:
        """Live rows."""
        return sum(seg.live for seg in self._segments)

    def query(self, pdq: bytes | Any, threshold: int | None = None) -> list[tuple[int, int]]:
        """:meth:`tvec.matching.pdq_index.PDQIndex.query`: (id, distance in bits) of every
        live hash within ``threshold`` bits of ``pdq`` (32 bytes), by distance, then id.

        Raises:
            InvalidSignalError: ``pdq`` is not 32 bytes.
            UsageError: threshold out of range.
        """
        limit = self.threshold if threshold is None else check_threshold(threshold)
        if self._full is not None or self._lookups >= LIGHT_LOOKUPS:
            return self.full().query(pdq, limit)
        data = as_query_bytes(pdq)
        if data is None:  # an array: numpy is imported anyway
            return self.full().query(pdq, limit)
        self._lookups += 1
        for seg in self._segments:
            if seg.live and seg.rows > LIGHT_SCAN_ROWS and seg.plan(limit) is None:
                return self.full().query(pdq, limit)
        value = int.from_bytes(data, "big")
        words = (value >> 192, (value >> 128) & _WORD, (value >> 64) & _WORD, value & _WORD)
        hits: list[tuple[int, int]] = []
        for seg in self._segments:
            if seg.live:
                hits.extend(seg.search(value, words, limit))
        return sorted(hits, key=lambda hit: (hit[1], hit[0]))

    def full(self) -> PDQIndex:
        """The numpy index over the same mapped bytes (made on first use)."""
        with self._lock:
            if self._full is None:
                self._full = _numpy_index(self.threshold, self.extra, self._segments)
            return self._full

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.full(), name)


_WORD = (1 << 64) - 1


def _numpy_index(threshold: int, extra: dict[str, Any], segments: list[_Segment]) -> PDQIndex:
    """A :class:`~tvec.matching.pdq_index.PDQIndex` over the segments' bytes (as
    :meth:`PDQIndex.load` would make it from the same files)."""
    import numpy as np

    from tvec.matching.mih import MultiIndex
    from tvec.matching.pdq_index import PDQIndex
    from tvec.matching.pdq_segment import Segment

    built = []
    for seg in segments:
        ids = np.frombuffer(seg.ids.raw, dtype=np.int64)
        words = np.frombuffer(seg.words.raw, dtype=np.uint64).reshape(-1, 4)
        alive = np.array(np.frombuffer(seg.alive.raw, dtype=np.bool_))
        index = None
        if seg.layout:
            assert seg.entries is not None and seg.offsets is not None
            entries = np.frombuffer(seg.entries.raw, dtype=np.uint32).reshape(-1, seg.stride)
            offsets = np.frombuffer(seg.offsets.raw, dtype=np.uint32)
            index = MultiIndex(seg.layout, seg.rows, entries, offsets)
        built.append(Segment(ids, words, alive, index, seg.name))
    return PDQIndex.from_segments(threshold, extra, built)

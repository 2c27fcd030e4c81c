"""The persisted match index: files every matching process maps, versioned by bank changes.

Layout of the index folder (``TVEC_INDEX_DIR``, default ``HOME/index``)::

    pdq/     a saved PDQIndex of every ``pdq`` bank entry (id = bank entry id)
    exact/   a saved PDQIndex of the exact-match entries (md5, sha256, text, url, ...): each
             keyed by :func:`exact_key`, the SHA-256 of ``signal_type NUL match_value``
             (:func:`match_value`: a ``url`` is keyed by its
             :func:`tvec.urls.equivalence.url_match_key`), looked up at distance 0
    vpdq/    a saved PDQIndex of the distinct frames of every ``vpdq`` bank entry, each under
             its frame id (:func:`tvec.matching.vpdq_index.frame_id`: entry id, quality,
             position), so the quality filter is applied at lookup
    .lock    taken (``flock``) by whoever writes the folder

Each part's ``meta.json`` names its segment files and carries ``{"version": N, "keys": K}``:
the bank change counter (:mod:`tvec.store.bank_changes`) it reflects, and
:data:`EXACT_KEY_FORMAT`, the way exact keys are made; files with another key format load as
no index, so the next match rebuilds (as does a folder without the ``vpdq`` part, written by
tvec before it had one, or whose parts are of an older format version of
:mod:`tvec.matching.pdq_store`: :meth:`IndexFiles.outdated` says so). Writers save ``exact``, then
``vpdq``, then ``pdq`` (each atomically:
files written to temporary names, fsynced, renamed, ``meta.json`` last; see
:mod:`tvec.matching.pdq_store`); a reader loads all three and retries until their versions agree,
so it never sees a half-written index. Segment files are immutable, so a process that has
mapped them keeps a consistent view even after a writer replaces them (unlinked files stay
mapped); pages are shared between processes by the page cache.

The linear types (``text_tlsh``, ``raw_text``) are not in these files: the matcher reads them
from the database when the version changes (they are few).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tvec.errors import StoreError
from tvec.matching.index_format import VERSION as STORE_VERSION
from tvec.matching.index_format import OutdatedIndexError

if TYPE_CHECKING:  # numpy and the index are imported when an index is loaded or built
    import numpy as np
    import numpy.typing as npt

    from tvec.matching.pdq_index import PDQIndex
    from tvec.matching.pdq_segment import Segment

#: How many times :meth:`IndexFiles.load` retries while a writer is replacing files.
LOAD_ATTEMPTS = 100
#: Pause between those attempts, in seconds.
LOAD_PAUSE = 0.02


#: The most rows of a segment a catch-up of the persisted index builds (and of a merge of
#: such segments; a full rebuild and ``tvec index compact`` build one segment per part, so
#: that a lookup probes one multi-index: a rebuild of 10 million rows holds about 10 times
#: the memory below). Segments are built straight
#: into their files a table at a time (:func:`tvec.matching.pdq_build.write_segment`), so a
#: build of this many rows holds about 150 MiB: the rows, one table, the directories
#: (docs/benchmarks.md: the import of 1 million hashes into a home with an index).
SEGMENT_ROWS = 1 << 20

#: How exact keys are made: 1 = raw value, 2 = :func:`match_value` (url equivalence).
EXACT_KEY_FORMAT = 2


def match_value(signal_type: str, value: str) -> str:
    """What exact matching compares for ``value``: for ``url``, its
    :func:`~tvec.urls.equivalence.url_match_key` (so ``http://t.me/x`` and
    ``https://www.t.me/x/`` are one), else ``value`` itself. Stored values stay canonical."""
    if signal_type == "url":
        # imported here: it loads the public suffix list, which a PDQ look-up never needs
        from tvec.urls.equivalence import url_match_key

        return url_match_key(value)
    return value


def exact_key(signal_type: str, value: str) -> bytes:
    """The 32-byte key of an exact-match entry: SHA-256 of ``signal_type NUL``
    :func:`match_value` (UTF-8)."""
    text = f"{signal_type}\x00{match_value(signal_type, value)}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).digest()


def exact_keys(pairs: list[tuple[str, str]]) -> npt.NDArray[np.uint8]:
    """:func:`exact_key` of each ``(signal_type, value)``: shape (n, 32) ``uint8``."""
    import numpy as np

    joined = b"".join(exact_key(t, v) for t, v in pairs)
    return np.frombuffer(joined, dtype=np.uint8).reshape(-1, 32)


@dataclass(frozen=True)
class IndexSnapshot:
    """One consistent version of the persisted index: ``pdq``, ``exact`` and the video
    frames ``vpdq`` (see :mod:`tvec.matching.vpdq_index`) at ``version``."""

    version: int
    pdq: PDQIndex | Any
    exact: PDQIndex | Any
    vpdq: PDQIndex | Any = field(default_factory=lambda: _index())

    @classmethod
    def empty(cls, version: int = 0) -> IndexSnapshot:
        """An index with nothing in it, at ``version``."""
        return cls(version, _index(), _index(threshold=0), _index())

    def parts(self) -> tuple[tuple[str, PDQIndex], ...]:
        """``(name, index)`` of the three parts."""
        return (("pdq", self.pdq), ("exact", self.exact), ("vpdq", self.vpdq))


def _index(**options: Any) -> PDQIndex:
    """An empty :class:`~tvec.matching.pdq_index.PDQIndex` (imported here, with numpy)."""
    from tvec.matching.pdq_index import PDQIndex

    return PDQIndex(**options)


class IndexFiles:
    """The index folder: load (memory-mapped), save, lock.

    Args:
        folder: the index folder (created on first save).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.pdq_dir = self.folder / "pdq"
        self.exact_dir = self.folder / "exact"
        self.vpdq_dir = self.folder / "vpdq"

    def exists(self) -> bool:
        """Whether an index (of the current layout) has been saved here."""
        return all(
            (d / "meta.json").exists() for d in (self.pdq_dir, self.exact_dir, self.vpdq_dir)
        )

    def outdated(self) -> str | None:
        """Why the folder holds an index that :meth:`load` will not serve (made by an older
        tvec), or None. Such an index is rebuilt by the next match or ``tvec index rebuild``."""
        import json

        parts = (self.pdq_dir / "meta.json").exists() and (self.exact_dir / "meta.json").exists()
        if parts and not (self.vpdq_dir / "meta.json").exists():
            return (
                f"{self.folder}: an index of an older format, without the vpdq part "
                "(rebuilt by the next match, or run 'tvec index rebuild')"
            )
        for part in (self.pdq_dir, self.exact_dir, self.vpdq_dir):
            try:
                meta = json.loads((part / "meta.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            version = meta.get("version") if isinstance(meta, dict) else None
            if isinstance(version, int) and version < STORE_VERSION:
                return (
                    f"{self.folder}: an index of an older format (version {version}, this "
                    f"tvec reads {STORE_VERSION}; rebuilt by the next match, or run "
                    "'tvec index rebuild')"
                )
        return None

    def version(self) -> int | None:
        """The version of the saved ``pdq`` part (cheap: reads one small file), or None."""
        import json

        try:
            meta = json.loads((self.pdq_dir / "meta.json").read_text(encoding="utf-8"))
            return int(meta.get("extra", {}).get("version", 0))
        except (OSError, ValueError):
            return None

    def load(self, mmap: bool = True, light: bool = False) -> IndexSnapshot | None:
        """The saved index (None if there is none, or if an older tvec made it: see
        :meth:`outdated`), its arrays memory-mapped by default.

        Retries while a writer is replacing the files, so both parts are at one version.
        With ``light`` the parts are :class:`~tvec.matching.light_index.LightIndex` es (read
        with plain Python, no numpy: a one-shot look-up; same answers).

        Raises:
            StoreError: the files stay unreadable or inconsistent (a damaged index: run
                ``tvec index rebuild``).
        """
        from tvec.matching.light_index import LightIndex

        loader: Any = LightIndex
        if not light:
            from tvec.matching.pdq_index import PDQIndex

            loader = PDQIndex
        last: Exception | None = None
        for _ in range(LOAD_ATTEMPTS):
            if not self.exists():
                return None
            try:
                exact = loader.load(self.exact_dir, mmap=mmap)
                vpdq = loader.load(self.vpdq_dir, mmap=mmap)
                pdq = loader.load(self.pdq_dir, mmap=mmap)
            except OutdatedIndexError:
                return None  # made by an older tvec: the caller rebuilds
            except StoreError as exc:  # a file replaced under us, or damage
                last = exc
                time.sleep(LOAD_PAUSE)
                continue
            versions = (
                pdq.extra.get("version"),
                exact.extra.get("version"),
                vpdq.extra.get("version"),
            )
            if len(set(versions)) == 1 and isinstance(versions[0], int):
                if exact.extra.get("keys", 1) != EXACT_KEY_FORMAT:
                    return None  # made with older keys: the caller rebuilds
                return IndexSnapshot(versions[0], pdq, exact, vpdq)
            last = StoreError(f"{self.folder}: index parts at versions {versions}")
            time.sleep(LOAD_PAUSE)
        raise StoreError(
            f"{self.folder}: cannot load the match index ({last}); run 'tvec index rebuild'"
        )

    def save(self, snapshot: IndexSnapshot) -> None:
        """Save ``snapshot`` (hold :meth:`locked`): ``exact``, ``vpdq``, then ``pdq`` (whose
        version :meth:`version` reads).

        Raises:
            StoreError: the folder cannot be written.
        """
        extra = {"version": snapshot.version, "keys": EXACT_KEY_FORMAT}
        snapshot.exact.save(self.exact_dir, extra)
        snapshot.vpdq.save(self.vpdq_dir, extra)
        snapshot.pdq.save(self.pdq_dir, extra)

    def bounded(self, snapshot: IndexSnapshot, whole: bool = False) -> IndexSnapshot:
        """``snapshot`` made ready for a build or a catch-up into this folder (hold
        :meth:`locked`): its parts build segments of at most :data:`SEGMENT_ROWS` rows
        (with ``whole``, one segment however many rows, as a full rebuild does, so that
        lookups probe one multi-index), each straight into its files
        (:func:`~tvec.matching.pdq_build.write_segment`), which readers do not see until
        :meth:`save` writes the parts' ``meta.json``. Returns ``snapshot`` (its parts
        changed in place)."""
        for name, index in snapshot.parts():
            index.max_segment_rows = None if whole else SEGMENT_ROWS
            index.builder = self.builder(name)
        return snapshot

    def builder(
        self, part: str
    ) -> Callable[[npt.NDArray[np.int64], npt.NDArray[np.uint64]], Segment]:
        """What builds a segment of ``part`` ("pdq", "exact" or "vpdq") straight into its
        folder (:func:`~tvec.matching.pdq_build.write_segment`), for
        :attr:`PDQIndex.builder <tvec.matching.pdq_index.PDQIndex.builder>`."""
        from functools import partial

        from tvec.matching.pdq_build import write_segment

        folders = {"pdq": self.pdq_dir, "exact": self.exact_dir, "vpdq": self.vpdq_dir}
        return partial(write_segment, folders[part])

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the folder's write lock (``flock`` on ``.lock``; waits for other writers).

        Raises:
            StoreError: the folder cannot be created.
        """
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"{self.folder}: cannot open the index lock: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def nbytes(self) -> int:
        """Bytes of the files in the folder."""
        return sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())


def compacted(
    index: PDQIndex,
    builder: Callable[[npt.NDArray[np.int64], npt.NDArray[np.uint64]], Segment] | None = None,
) -> PDQIndex:
    """A copy of ``index`` with its live rows in one segment (tombstones dropped), built by
    ``builder`` if given (:meth:`IndexFiles.builder`: straight into the files)."""
    from tvec.matching.pdq_index import PDQIndex

    ids, hashes = index.live_rows()
    out = PDQIndex(threshold=index.threshold)
    out.builder = builder
    if ids.size:
        out.add(ids, hashes)
    return out

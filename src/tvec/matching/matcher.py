"""Matching signals against banks: exact look-ups, the PDQ index, and linear scans.

:class:`Matcher` is built once per job from the bank entries in the store (all banks, or the
named ones) and answers :meth:`Matcher.match` for one signal, by the signal type's kind:

* ``pdq`` uses the exact PDQ index (:mod:`tvec.matching.pdq_index`), which returns every
  entry within the threshold. Query hashes whose quality is below the minimum are never
  matched (python-threatexchange drops PDQ hashes below quality 50 the same way).
* Other types whose ``default_threshold`` is above 0 (``text_tlsh``, ``raw_text``) are
  compared with every entry of that type by the type's own ``distance``, and match within
  its ``default_threshold`` (as python-threatexchange's ``TrivialLinearSearchMatchIndex``):
  obviously right, and linear in the number of entries of that type.
* Exact types (threshold 0: ``md5``, ``sha256``, ``video_md5``, ``text``, ``url``,
  ``url_md5``), and any type the registry does not know, use a dictionary. A ``url`` is
  keyed by :func:`tvec.urls.equivalence.url_match_key`, so a bank URL matches every
  equivalent spelling (scheme, ``www.``, mobile host, trailing slash; ``docs/outlinks.md``).
* ``vpdq`` bank videos have their usable frames in a
  :class:`~tvec.matching.vpdq_index.VideoFrameIndex`. A ``vpdq`` query matches bank videos
  by the vPDQ rule (:class:`~tvec.matching.vpdq_index.VPDQRule`; distance: percent of the
  query's frames unmatched, labels ``query_match_percent`` and ``bank_match_percent``), and
  its usable frames are looked up among the ``pdq`` entries; a ``pdq`` query is also looked
  up among the bank videos' frames. These frame matches use the PDQ threshold and minimum
  quality, are at their distance in bits, and carry the labels ``found_by: video_frame``
  and ``frame_timestamp`` (seconds into the video). See ``docs/matching.md``.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tvec.errors import NotFoundError
from tvec.matching.candidates import IndexLookups
from tvec.matching.index_sync import LINEAR, kind_of, up_to_date
from tvec.matching.pdq_hash import pdq_hex_to_bytes
from tvec.matching.shared import IndexFiles, IndexSnapshot, exact_key, match_value
from tvec.matching.vpdq_index import (
    FrameMatch,
    VideoFrameIndex,
    VideoMatch,
    VPDQRule,
    distinct_frames,
)
from tvec.signals import SignalType, SignalValue, registry
from tvec.signals.vpdq import VPDQFrame, parse_vpdq, usable_frames
from tvec.store.reads import (
    BankReads,
    CoreReads,
    EntryRow,
    engine_of,
    engine_reads,
    entry_query,
)
from tvec.store.vpdq import load_values

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from tvec.matching.pdq_index import PDQIndex
    from tvec.settings import Settings

#: ``found_by`` of a match between a picture and a video frame.
VIDEO_FRAME = "video_frame"


@dataclass(frozen=True)
class BankHit:
    """A bank entry that a signal matched, at ``distance`` in the signal type's unit.

    Bits for ``pdq``, the TLSH score for ``text_tlsh``, percent for ``raw_text``, 0 for exact
    types.
    """

    entry_id: int
    bank: str
    signal_type: str
    entry_value: str
    distance: int
    labels: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class _Entry:
    id: int
    bank: str
    signal_type: str
    value: str
    labels: dict[str, Any]


def _linear_type(name: str) -> SignalType | None:
    """The signal type called ``name`` if it is matched by linear scan, else ``None``."""
    signal_type = registry().get(name)
    if signal_type is None or name == "pdq" or signal_type.default_threshold <= 0:
        return None
    return signal_type


class Matcher:
    """Matches signals against a fixed set of bank entries.

    Args:
        entries: the bank entries to match against.
        pdq_threshold: largest PDQ Hamming distance (bits) that matches.
        pdq_min_quality: PDQ query hashes below this quality (0-100) never match.
        vpdq: the vPDQ video rule (default: python-threatexchange's).
        vpdq_features: frame lists of ``vpdq`` entries stored by reference
            (:mod:`tvec.store.vpdq`); an entry whose value is itself a frame list needs none.

    Raises:
        InvalidSignalError: a ``vpdq`` entry's frame list is malformed.
    """

    def __init__(
        self,
        entries: Iterable[_Entry],
        *,
        pdq_threshold: int = 31,
        pdq_min_quality: int = 50,
        vpdq: VPDQRule | None = None,
        vpdq_features: Mapping[str, str] | None = None,
    ) -> None:
        self.pdq_threshold = pdq_threshold
        self.pdq_min_quality = pdq_min_quality
        self.vpdq = vpdq or VPDQRule()
        videos: list[tuple[int, tuple[VPDQFrame, ...]]] = []
        self._entries: dict[int, _Entry] = {}
        self._exact: dict[tuple[str, str], list[int]] = defaultdict(list)
        self._linear: dict[str, list[_Entry]] = defaultdict(list)
        pdq_ids: list[int] = []
        pdq_hashes: list[bytes] = []
        for entry in entries:
            self._entries[entry.id] = entry
            if entry.signal_type == "pdq":
                pdq_ids.append(entry.id)
                pdq_hashes.append(pdq_hex_to_bytes(entry.value))
            elif entry.signal_type == "vpdq":
                value = (vpdq_features or {}).get(entry.value, entry.value)
                if not value.startswith("sha256:"):  # else its frames are missing: skip it
                    videos.append((entry.id, parse_vpdq(value)))
            elif _linear_type(entry.signal_type) is not None:
                self._linear[entry.signal_type].append(entry)
            else:
                key = (entry.signal_type, match_value(entry.signal_type, entry.value))
                self._exact[key].append(entry.id)
        # numpy and the indexes only for entries held in memory (not with the persisted index)
        self._pdq: PDQIndex | None = None
        if pdq_ids:
            import numpy as np

            from tvec.matching.pdq_index import PDQIndex

            self._pdq = PDQIndex(threshold=pdq_threshold)
            self._pdq.add(
                np.asarray(pdq_ids, dtype=np.int64),
                np.frombuffer(b"".join(pdq_hashes), dtype=np.uint8).reshape(-1, 32),
            )
        self._videos = VideoFrameIndex(videos, self.vpdq, pdq_threshold) if videos else _NoVideos()
        self._live: _LiveIndex | None = None
        self._generation = -1
        #: Look-ups made elsewhere (Dask workers, :mod:`tvec.matching.candidates`), used
        #: instead of querying the persisted index when at the same version.
        self.lookups: IndexLookups | None = None

    @property
    def persisted(self) -> bool:
        """Whether this matcher maps the persisted index (``TVEC_INDEX_DIR``), so that any
        process with the same settings and banks (:meth:`for_settings`) matches alike."""
        return self._live is not None

    def __len__(self) -> int:
        if self._live is not None:
            self._refresh()
            snapshot = self._live.snapshot
            if snapshot is not None and self._live.banks is None:
                videos = self._videos.video_count()
                return len(snapshot.pdq) + len(snapshot.exact) + videos + len(self._entries)
        return len(self._entries)

    def match(self, signal: SignalValue) -> list[BankHit]:
        """Bank entries matching ``signal``, nearest first."""
        self._refresh()
        if signal.signal_type == "pdq":
            if signal.quality is not None and signal.quality < self.pdq_min_quality:
                return []
            found = self._pdq_query(pdq_hex_to_bytes(signal.value))
            own = [self._hit(entry_id, distance) for entry_id, distance in found]
            return own + self._in_video_frames(signal.value)
        if signal.signal_type == "vpdq":
            return self._match_video(signal.value)
        signal_type = _linear_type(signal.signal_type)
        if signal_type is not None:
            return self._scan(signal_type, signal.value)
        if self._live is not None:
            return [self._hit(entry_id, 0) for entry_id in self._live_exact(signal)]
        key = (signal.signal_type, match_value(signal.signal_type, signal.value))
        ids = self._exact.get(key, [])
        return [self._hit(entry_id, 0) for entry_id in ids]

    def index_version(self) -> int | None:
        """The version of the persisted index this matcher uses now (after catching up with
        bank changes), or None when it matches from memory (no index folder)."""
        if self._live is None:
            return None
        self._refresh()
        snapshot = self._live.snapshot
        return None if snapshot is None else snapshot.version

    # the persisted index (from_index)

    def _refresh(self) -> None:
        """Catch up with the persisted index if the banks changed (checked every
        ``check_seconds``); reload the entries kept in memory (linear types)."""
        live = self._live
        if live is None:
            return
        live.refresh()
        if live.generation == self._generation:
            return
        entries = live.memory_entries()
        linear: dict[str, list[_Entry]] = defaultdict(list)
        for entry in entries:
            linear[entry.signal_type].append(entry)
        # Entries first: a lookup running meanwhile may still use the old video index, whose
        # ids must stay known until it is replaced.
        self._entries = {**self._entries, **{e.id: e for e in entries}}
        assert live.snapshot is not None
        self._videos = VideoFrameIndex.from_index(live.snapshot.vpdq, self.vpdq, _VideoFrames(live))
        self._linear = linear
        self._entries = {e.id: e for e in entries}
        self._generation = live.generation

    def _pdq_query(self, pdq: bytes) -> list[tuple[int, int]]:
        """(entry id, distance) of the ``pdq`` entries within the threshold, nearest first."""
        live = self._live
        if live is None:
            return [] if self._pdq is None else self._pdq.query(pdq)
        assert live.snapshot is not None
        found = None
        if self.lookups is not None:
            found = self.lookups.pdq(live.snapshot.version, pdq)
        if found is None:
            found = live.snapshot.pdq.query(pdq, self.pdq_threshold)
        known = live.entries([entry_id for entry_id, _ in found])
        # The entries are read now, the snapshot may be older: an id deleted and given
        # again to another entry since (SQLite reuses the largest rowids) would pair one
        # hash's distance with another entry. Measure against the entry as it is now.
        query = int.from_bytes(pdq, "big")
        checked = []
        for entry_id, _ in found:
            entry = known.get(entry_id)
            if entry is None or entry.signal_type != "pdq":
                continue
            try:
                distance = (query ^ int(entry.value, 16)).bit_count()
            except ValueError:  # a malformed stored value never matches
                continue
            if distance <= self.pdq_threshold:
                checked.append((distance, entry_id))
        return [(entry_id, distance) for distance, entry_id in sorted(checked)]

    def _live_exact(self, signal: SignalValue) -> list[int]:
        live = self._live
        assert live is not None and live.snapshot is not None
        key = exact_key(signal.signal_type, signal.value)
        ids = None
        if self.lookups is not None:
            ids = self.lookups.exact(live.snapshot.version, key)
        if ids is None:
            ids = [entry_id for entry_id, _ in live.snapshot.exact.query(key, 0)]
        known = live.entries(ids)
        wanted = match_value(signal.signal_type, signal.value)
        return sorted(
            i
            for i in ids
            if i in known
            and known[i].signal_type == signal.signal_type
            and match_value(known[i].signal_type, known[i].value) == wanted
        )

    def _scan(self, signal_type: SignalType, value: str) -> list[BankHit]:
        """Entries of ``signal_type`` within its default threshold of ``value``, nearest first."""
        found: list[tuple[int, int]] = []
        for entry in self._linear.get(signal_type.name, []):
            distance = signal_type.distance(value, entry.value)
            if distance <= signal_type.default_threshold:
                found.append((distance, entry.id))
        return [self._hit(entry_id, distance) for distance, entry_id in sorted(found)]

    def _in_video_frames(self, pdq_hex: str) -> list[BankHit]:
        """Bank videos with a frame within the PDQ threshold of a picture's hash."""
        found = self._videos.match_frame(pdq_hex_to_bytes(pdq_hex), self.pdq_threshold)
        allowed = self._known([f.entry_id for f in found])
        return [
            self._frame_hit(f.entry_id, f.distance, f.frame.timestamp)
            for f in found
            if f.entry_id in allowed
        ]

    def _known(self, ids: list[int]) -> set[int] | dict[int, _Entry]:
        """Those of ``ids`` this matcher matches against (with the persisted index: entries
        that still exist, in the matcher's banks)."""
        if self._live is None:
            return set(ids)
        return self._live.entries(ids)

    def _match_video(self, value: str) -> list[BankHit]:
        """Bank videos matching by the vPDQ rule, then ``pdq`` entries matching a frame.

        ``value`` is a frame list; a stored reference (``sha256:...``) matches nothing.
        """
        if value.startswith("sha256:"):
            return []
        frames = parse_vpdq(value)
        videos = self._videos.match_video(frames)
        allowed = self._known([m.entry_id for m in videos])
        hits = [
            replace(
                self._hit(m.entry_id, math.ceil(100 - m.query_percent - 1e-9)),
                labels={
                    **self._entry(m.entry_id).labels,
                    "query_match_percent": round(m.query_percent, 2),
                    "bank_match_percent": round(m.bank_percent, 2),
                },
            )
            for m in videos
            if m.entry_id in allowed
        ]
        best: dict[int, BankHit] = {}
        for frame in usable_frames(frames, self.pdq_min_quality):
            for entry_id, distance in self._pdq_query(pdq_hex_to_bytes(frame.pdq_hex)):
                known = best.get(entry_id)
                if known is None or distance < known.distance:
                    best[entry_id] = self._frame_hit(entry_id, distance, frame.timestamp)
        return hits + sorted(best.values(), key=lambda h: (h.distance, h.entry_id))

    def _frame_hit(self, entry_id: int, distance: int, timestamp: float) -> BankHit:
        labels = {
            **self._entry(entry_id).labels,
            "found_by": VIDEO_FRAME,
            "frame_timestamp": round(timestamp, 3),
        }
        return replace(self._hit(entry_id, distance), labels=labels)

    def _entry(self, entry_id: int) -> _Entry:
        found = self._entries.get(entry_id)
        if found is None and self._live is not None:
            found = self._live.entries([entry_id]).get(entry_id)
        if found is None:
            raise KeyError(entry_id)
        return found

    def _hit(self, entry_id: int, distance: int) -> BankHit:
        entry = self._entry(entry_id)
        return BankHit(
            entry_id=entry.id,
            bank=entry.bank,
            signal_type=entry.signal_type,
            entry_value=entry.value,
            distance=distance,
            labels=entry.labels,
        )

    @classmethod
    def for_settings(
        cls,
        session: Session | Connection | BankReads,
        settings: Settings,
        bank_names: list[str] | None = None,
    ) -> Matcher:
        """:meth:`from_session` with the matching settings: ``TVEC_PDQ_THRESHOLD``,
        ``TVEC_PDQ_MIN_QUALITY``, the vPDQ rule (``TVEC_VPDQ_*``) and the persisted index in
        ``TVEC_INDEX_DIR`` (checked for bank changes every ``TVEC_INDEX_CHECK_SECONDS``).
        The one way tvec's jobs (scan, match, poll, the web app) build their matcher.

        Raises:
            NotFoundError: a named bank does not exist.
            StoreError: the index folder cannot be read or written.
        """
        return cls.from_session(
            session,
            bank_names,
            pdq_threshold=settings.pdq_threshold,
            pdq_min_quality=settings.pdq_min_quality,
            vpdq=VPDQRule.from_settings(settings),
            index_dir=settings.index_folder,
            check_seconds=settings.index_check_seconds,
        )

    @classmethod
    def from_session(
        cls,
        session: Session | Connection | BankReads,
        bank_names: list[str] | None = None,
        *,
        pdq_threshold: int = 31,
        pdq_min_quality: int = 50,
        vpdq: VPDQRule | None = None,
        index_dir: Path | None = None,
        check_seconds: float = 1.0,
    ) -> Matcher:
        """A matcher over the entries of ``bank_names`` (all banks when None), read through
        ``session`` (an ORM session or a Core connection).

        With ``index_dir`` it uses the persisted index there (:mod:`tvec.matching.shared`,
        built on first use, brought up to date when the bank change counter moves; entry
        labels are read from the database as hits need them). Without, it reads the entries
        (Core selects, no ORM objects) and builds an index in memory.

        Raises:
            NotFoundError: a named bank does not exist.
            StoreError: the index folder cannot be read or written.
        """
        reads = session if isinstance(session, BankReads) else CoreReads(session)
        if bank_names:
            known = reads.bank_names(bank_names)
            missing = [n for n in bank_names if n not in known]
            if missing:
                raise NotFoundError(f"no bank named {', '.join(repr(m) for m in missing)}")
        if index_dir is not None:
            matcher = cls(
                (), pdq_threshold=pdq_threshold, pdq_min_quality=pdq_min_quality, vpdq=vpdq
            )
            # what the matcher reopens later: the port's own way, or the session's engine
            # (not the session, which may be closed by then)
            opener = reads.reopen
            if not isinstance(session, BankReads):
                opener = functools.partial(engine_reads, engine_of(session))
            live = _LiveIndex(opener, IndexFiles(index_dir), bank_names or None, check_seconds)
            matcher._live = live
            matcher._refresh()
            return matcher
        from tvec.store.tables import BANK

        query = entry_query()
        if bank_names:
            query = query.where(BANK.c.name.in_(bank_names))
        with reads.core() as db:
            entries = [_entry_of(row) for row in db.execute(query)]
            features = load_values(db, (e.value for e in entries if e.signal_type == "vpdq"))
        return cls(
            entries,
            pdq_threshold=pdq_threshold,
            pdq_min_quality=pdq_min_quality,
            vpdq=vpdq,
            vpdq_features=features,
        )


#: Entries whose labels a persisted matcher keeps at most (then it forgets them all).
ENTRY_CACHE = 100_000
#: Ids per query when a persisted matcher reads the entries of its hits.
IDS_PER_QUERY = 500
#: Bank videos whose frame lists a persisted matcher keeps at most (then it forgets them).
VIDEO_CACHE = 1_000


def _entry_of(row: EntryRow | Any) -> _Entry:
    """An :class:`_Entry` from a row of :class:`~tvec.store.reads.EntryRow`'s columns
    (labels as :meth:`BankEntry.labels`)."""
    entry_id, bank, signal_type, value, entity, ideology, source, note, extra = row
    labels: dict[str, Any] = {
        "entity": entity,
        "ideology": ideology,
        "source": source,
        "note": note,
    }
    labels.update(extra or {})
    labels = {k: v for k, v in labels.items() if v not in (None, "")}
    return _Entry(int(entry_id), str(bank), str(signal_type), str(value), labels)


class _LiveIndex:
    """A persisted index as one matcher uses it: the current snapshot, the entries of hits
    (read from the database, cached until the version changes), the in-memory entries."""

    def __init__(
        self,
        open_reads: Callable[[], AbstractContextManager[BankReads]],
        files: IndexFiles,
        banks: list[str] | None,
        check_seconds: float,
    ) -> None:
        self.open = open_reads
        self.files = files
        self.banks = set(banks) if banks else None
        self.check_seconds = check_seconds
        self.snapshot: IndexSnapshot | None = None
        self.generation = 0
        self._checked = -math.inf
        self._cache: dict[int, _Entry | None] = {}
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Check the bank change counter (at most every ``check_seconds``) and move to the
        newer index if there is one."""
        if self.snapshot is not None and time.monotonic() - self._checked < self.check_seconds:
            return
        with self._lock:
            with self.open() as db:
                fresh = up_to_date(db, self.files, self.snapshot, light=True)
            self._checked = time.monotonic()
            if fresh is not self.snapshot:
                self.snapshot = fresh
                self._cache = {}
                self.generation += 1

    def entries(self, ids: list[int]) -> dict[int, _Entry]:
        """The entries of ``ids`` that exist (in this matcher's banks), by id."""
        cache = self._cache
        missing = [i for i in dict.fromkeys(ids) if i not in cache]
        if missing:
            if len(cache) > ENTRY_CACHE:
                cache = self._cache = {}
            with self.open() as db:
                for start in range(0, len(missing), IDS_PER_QUERY):
                    part = missing[start : start + IDS_PER_QUERY]
                    found = {e.id: e for e in map(_entry_of, db.entries(part))}
                    for entry_id in part:
                        cache[entry_id] = found.get(entry_id)
        out: dict[int, _Entry] = {}
        for entry_id in ids:
            entry = cache.get(entry_id)
            if entry is not None and (self.banks is None or entry.bank in self.banks):
                out[entry_id] = entry
        return out

    def memory_entries(self) -> list[_Entry]:
        """The linear-type entries (``text_tlsh``, ``raw_text``: not in the files)."""
        names = [n for n in registry() if kind_of(n) == LINEAR]
        banks = None if self.banks is None else sorted(self.banks)
        with self.open() as db:
            return [_entry_of(row) for row in db.entries_of_types(names, banks)]


class _NoVideos(VideoFrameIndex):
    """The video index of a matcher whose entries in memory hold no video (built without
    numpy: a matcher over the persisted index starts with none)."""

    def __init__(self) -> None:
        pass

    def __len__(self) -> int:
        return 0

    def video_count(self) -> int:
        return 0

    def usable_count(self, entry_id: int) -> int:
        return 0

    def match_video(self, frames: Sequence[VPDQFrame]) -> list[VideoMatch]:
        return []

    def match_frame(self, pdq: bytes, distance: int) -> list[FrameMatch]:
        return []


class _VideoFrames:
    """A bank video's distinct frames by entry id, read from the database when a frame of it
    matched (for the frame's timestamp), cached for the index version they were read at."""

    def __init__(self, live: _LiveIndex) -> None:
        self.live = live
        self.generation = live.generation
        self.cache: dict[int, tuple[VPDQFrame, ...]] = {}

    def __call__(self, entry_id: int) -> tuple[VPDQFrame, ...]:
        if self.generation != self.live.generation or len(self.cache) > VIDEO_CACHE:
            self.cache, self.generation = {}, self.live.generation
        if entry_id not in self.cache:
            entry = self.live.entries([entry_id]).get(entry_id)
            frames: tuple[VPDQFrame, ...] = ()
            if entry is not None and entry.signal_type == "vpdq":
                value = entry.value
                if value.startswith("sha256:"):
                    with self.live.open() as db:
                        value = db.frame_lists([value]).get(value, value)
                if not value.startswith("sha256:"):
                    frames = tuple(distinct_frames(parse_vpdq(value)))
            self.cache[entry_id] = frames
        return self.cache[entry_id]

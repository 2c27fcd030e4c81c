"""Matching videos by vPDQ, and single pictures against video frames.

:class:`VideoFrameIndex` holds the usable frames (deduplicated, quality at or above the
minimum) of every bank video in one exact :class:`~tvec.matching.pdq_index.PDQIndex`, each
frame row remembering its video. It answers:

* :meth:`VideoFrameIndex.match_video`: python-threatexchange's vPDQ rule
  (``match_VPDQ_hash_brute``) for a query video against every bank video at once. Each usable
  query frame is looked up once; the index returns *every* bank frame within the frame
  distance, so the set of query frames with a hit in a video, and the set of that video's
  frames hit, are exactly those the brute-force rule counts, and both percentages equal
  :func:`tvec.signals.vpdq.match_percentages` (the oracle, tested side by side). A video
  with no frame hit never matches, even with a 0% query threshold.
* :meth:`VideoFrameIndex.match_frame`: bank videos having a frame within a distance of one
  PDQ hash (a photo, or a frame of a query video), nearest frame per video.

Each distinct frame of a video (python-threatexchange's ``dedupe``: the first of identical
hashes) is stored under a *frame id* (:func:`frame_id`) that carries the video's bank entry
id, the frame's quality and its position among the video's distinct frames. The quality
filter is therefore applied when answers are read, not when frames are stored, so the same
index (and the persisted one, :mod:`tvec.matching.shared`) serves any minimum quality: a
video's usable frames are the ids of one contiguous range, counted by binary search.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy and the index are imported when videos are indexed or counted
    import numpy as np
    import numpy.typing as npt

    from tvec.matching.pdq_index import PDQIndex
from tvec.signals.vpdq import (
    BANK_MATCH_PERCENT,
    DISTANCE_THRESHOLD,
    QUALITY_THRESHOLD,
    QUERY_MATCH_PERCENT,
    VPDQFrame,
    frame_rows,
    usable_frames,
)

#: A frame id is ``entry_id << ENTRY_SHIFT | quality << QUALITY_SHIFT | position``.
ENTRY_SHIFT = 32
QUALITY_SHIFT = 24
#: Largest position of a frame among its video's distinct frames (2**24 - 1: 194 days at
#: one frame a second); later frames are not indexed.
MAX_POSITION = (1 << QUALITY_SHIFT) - 1
#: Largest bank entry id whose frames can be indexed (ids stay positive ``int64``).
MAX_ENTRY_ID = (1 << 31) - 1


def frame_id(entry_id: int, quality: int, position: int) -> int:
    """The id of a video's frame: entry id (0..2**31-1), quality (0-100), position among the
    video's distinct frames (0..MAX_POSITION). Ids of one video sort by quality, then
    position, so its frames of quality >= q are one range (:func:`usable_range`)."""
    return (entry_id << ENTRY_SHIFT) | (quality << QUALITY_SHIFT) | position


def split_frame_id(value: int) -> tuple[int, int, int]:
    """(entry id, quality, position) of a :func:`frame_id`."""
    return value >> ENTRY_SHIFT, (value >> QUALITY_SHIFT) & 0xFF, value & MAX_POSITION


def usable_range(entry_id: int, min_quality: int) -> tuple[int, int]:
    """Frame ids ``[low, high)`` of a video's frames of quality ``min_quality`` or more."""
    return frame_id(entry_id, max(0, min_quality), 0), (entry_id + 1) << ENTRY_SHIFT


def distinct_frames(frames: Sequence[VPDQFrame]) -> list[VPDQFrame]:
    """pytx's ``dedupe``: the first frame of each distinct hash, in order."""
    return usable_frames(frames, 0)


def video_rows(
    videos: Iterable[tuple[int, Sequence[VPDQFrame]]],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    """Frame ids (shape (n,)) and hashes (shape (n, 32) ``uint8``) of the distinct frames
    of ``(bank entry id, frames)`` videos. Videos whose entry id is above
    :data:`MAX_ENTRY_ID` are left out; so are frames after :data:`MAX_POSITION`."""
    import numpy as np

    ids: list[int] = []
    kept: list[VPDQFrame] = []
    for entry_id, frames in videos:
        if not 0 <= entry_id <= MAX_ENTRY_ID:
            continue
        distinct = distinct_frames(frames)[: MAX_POSITION + 1]
        ids.extend(frame_id(entry_id, f.quality, i) for i, f in enumerate(distinct))
        kept.extend(distinct)
    if not kept:
        return np.empty(0, np.int64), np.empty((0, 32), np.uint8)
    return np.asarray(ids, dtype=np.int64), frame_rows(kept)


@dataclass(frozen=True)
class VPDQRule:
    """When two videos match (defaults: python-threatexchange's).

    Args:
        distance: largest frame distance in bits (0-256) that matches (``TVEC_VPDQ_DISTANCE``).
        min_quality: frames of lower quality (0-100) are not compared
            (``TVEC_VPDQ_MIN_QUALITY``).
        query_percent: least share of the query's frames that must match, 0-100
            (``TVEC_VPDQ_QUERY_MATCH_PERCENT``).
        bank_percent: least share of the bank video's frames that must match, 0-100
            (``TVEC_VPDQ_BANK_MATCH_PERCENT``).
    """

    distance: int = DISTANCE_THRESHOLD
    min_quality: int = QUALITY_THRESHOLD
    query_percent: float = QUERY_MATCH_PERCENT
    bank_percent: float = BANK_MATCH_PERCENT

    @classmethod
    def from_settings(cls, settings: Any) -> VPDQRule:
        """The rule from a :class:`tvec.settings.Settings` (``TVEC_VPDQ_*``)."""
        return cls(
            distance=settings.vpdq_distance,
            min_quality=settings.vpdq_min_quality,
            query_percent=settings.vpdq_query_match_percent,
            bank_percent=settings.vpdq_bank_match_percent,
        )


@dataclass(frozen=True)
class VideoMatch:
    """A bank video matched by the vPDQ rule: percentages of frames matched (0-100)."""

    entry_id: int
    query_percent: float
    bank_percent: float


@dataclass(frozen=True)
class FrameMatch:
    """A bank video with a frame within ``distance`` bits of a PDQ hash."""

    entry_id: int
    distance: int
    frame: VPDQFrame


class VideoFrameIndex:
    """The distinct frames of bank videos, in one exact PDQ index keyed by frame id.

    Args:
        videos: (bank entry id, frames) for each bank video.
        rule: the vPDQ rule; frames below ``rule.min_quality`` are not matched.
        max_distance: largest distance any query will ask for (the index's default).
    """

    def __init__(
        self,
        videos: Iterable[tuple[int, Sequence[VPDQFrame]]],
        rule: VPDQRule,
        max_distance: int,
    ) -> None:
        from tvec.matching.pdq_index import PDQIndex

        distinct = {entry_id: distinct_frames(frames) for entry_id, frames in videos}
        index = PDQIndex(threshold=max(max_distance, rule.distance))
        ids, rows = video_rows(distinct.items())
        if ids.size:
            index.add(ids, rows)
        self._setup(index, rule, lambda entry_id: distinct.get(entry_id, []))

    @classmethod
    def from_index(
        cls,
        index: PDQIndex,
        rule: VPDQRule,
        frames_of: Callable[[int], Sequence[VPDQFrame]],
    ) -> VideoFrameIndex:
        """Serve an index of :func:`video_rows` (e.g. the persisted one).

        Args:
            index: frame ids and hashes, as :func:`video_rows` makes them.
            rule: the vPDQ rule.
            frames_of: a video's distinct frames by its entry id (only called for the
                videos :meth:`match_frame` returns, for the matched frame's timestamp).
        """
        out = cls.__new__(cls)
        out._setup(index, rule, frames_of)
        return out

    def _setup(
        self,
        index: PDQIndex,
        rule: VPDQRule,
        frames_of: Callable[[int], Sequence[VPDQFrame]],
    ) -> None:
        self.rule = rule
        self._index = index
        self._frames_of = frames_of

    def __len__(self) -> int:
        """Number of distinct frames indexed (of any quality)."""
        return len(self._index)

    def video_count(self) -> int:
        """Number of bank videos with a frame indexed."""
        import numpy as np

        owners = [seg.ids[seg.alive] >> ENTRY_SHIFT for seg in self._index.segments()]
        return int(np.unique(np.concatenate(owners)).size) if owners else 0

    def usable_count(self, entry_id: int) -> int:
        """Number of the video's distinct frames of at least the rule's minimum quality."""
        low, high = usable_range(entry_id, self.rule.min_quality)
        return int(self._index.ids_between(low, high).size)

    def match_video(self, frames: Sequence[VPDQFrame]) -> list[VideoMatch]:
        """Bank videos that ``frames`` (a query video) match by the rule, best first."""
        query = usable_frames(frames, self.rule.min_quality)
        if not query or not len(self._index):
            return []
        answers = self._index.query_batch(frame_rows(query), threshold=self.rule.distance)
        query_hit: dict[int, set[int]] = defaultdict(set)
        bank_hit: dict[int, set[int]] = defaultdict(set)
        for position, found in enumerate(answers):
            for fid, _ in found:
                owner, quality, _ = split_frame_id(fid)
                if quality >= self.rule.min_quality:
                    query_hit[owner].add(position)
                    bank_hit[owner].add(fid)
        out: list[VideoMatch] = []
        for entry_id, positions in query_hit.items():
            query_percent = len(positions) * 100 / len(query)
            bank_percent = len(bank_hit[entry_id]) * 100 / self.usable_count(entry_id)
            if query_percent >= self.rule.query_percent and bank_percent >= self.rule.bank_percent:
                out.append(VideoMatch(entry_id, query_percent, bank_percent))
        return sorted(out, key=lambda m: (-m.query_percent, -m.bank_percent, m.entry_id))

    def match_frame(self, pdq: bytes, distance: int) -> list[FrameMatch]:
        """Bank videos with a frame of at least the minimum quality within ``distance``
        bits of ``pdq`` (32 bytes).

        Returns:
            one :class:`FrameMatch` per video (its nearest frame, the earliest on ties),
            nearest first.
        """
        if not len(self._index):
            return []
        best: dict[int, tuple[int, int]] = {}
        for fid, bits in self._index.query(pdq, threshold=distance):
            owner, quality, position = split_frame_id(fid)
            if quality < self.rule.min_quality:
                continue
            known = best.get(owner)
            if known is None or (bits, position) < known:
                best[owner] = (bits, position)
        out: list[FrameMatch] = []
        for owner, (bits, position) in best.items():
            frames = self._frames_of(owner)
            if position < len(frames):
                out.append(FrameMatch(owner, bits, frames[position]))
        return sorted(out, key=lambda m: (m.distance, m.entry_id))

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
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

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
    """The usable frames of bank videos, in one exact PDQ index.

    Args:
        videos: (bank entry id, frames) for each bank video.
        rule: the vPDQ rule; frames below ``rule.min_quality`` are not indexed.
        max_distance: largest distance any query will ask for (the index's default).
    """

    def __init__(
        self,
        videos: Iterable[tuple[int, Sequence[VPDQFrame]]],
        rule: VPDQRule,
        max_distance: int,
    ) -> None:
        self.rule = rule
        self._owner: list[int] = []
        self._frames: list[VPDQFrame] = []
        self._counts: dict[int, int] = {}
        for entry_id, frames in videos:
            usable = usable_frames(frames, rule.min_quality)
            self._counts[entry_id] = len(usable)
            self._owner.extend([entry_id] * len(usable))
            self._frames.extend(usable)
        self._index = PDQIndex(threshold=max(max_distance, rule.distance))
        if self._frames:
            self._index.add(np.arange(len(self._frames), dtype=np.int64), frame_rows(self._frames))

    def __len__(self) -> int:
        """Number of frames indexed."""
        return len(self._frames)

    def match_video(self, frames: Sequence[VPDQFrame]) -> list[VideoMatch]:
        """Bank videos that ``frames`` (a query video) match by the rule, best first."""
        query = usable_frames(frames, self.rule.min_quality)
        if not query or not self._frames:
            return []
        answers = self._index.query_batch(frame_rows(query), threshold=self.rule.distance)
        query_hit: dict[int, set[int]] = defaultdict(set)
        bank_hit: dict[int, set[int]] = defaultdict(set)
        for position, found in enumerate(answers):
            for row, _ in found:
                owner = self._owner[row]
                query_hit[owner].add(position)
                bank_hit[owner].add(row)
        out: list[VideoMatch] = []
        for entry_id, positions in query_hit.items():
            query_percent = len(positions) * 100 / len(query)
            bank_percent = len(bank_hit[entry_id]) * 100 / self._counts[entry_id]
            if query_percent >= self.rule.query_percent and bank_percent >= self.rule.bank_percent:
                out.append(VideoMatch(entry_id, query_percent, bank_percent))
        return sorted(out, key=lambda m: (-m.query_percent, -m.bank_percent, m.entry_id))

    def match_frame(self, pdq: bytes, distance: int) -> list[FrameMatch]:
        """Bank videos with a frame within ``distance`` bits of ``pdq`` (32 bytes).

        Returns:
            one :class:`FrameMatch` per video (its nearest frame, the earliest on ties),
            nearest first.
        """
        if not self._frames:
            return []
        best: dict[int, FrameMatch] = {}
        for row, bits in self._index.query(pdq, threshold=distance):
            owner = self._owner[row]
            if owner not in best:  # answers come nearest first, then by row (frame order)
                best[owner] = FrameMatch(owner, bits, self._frames[row])
        return sorted(best.values(), key=lambda m: (m.distance, m.entry_id))

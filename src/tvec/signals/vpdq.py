"""``vpdq``: video PDQ, a PDQ hash of each sampled frame of a video.

Algorithm: Meta's vPDQ (ThreatExchange ``vpdq/README.md``): the video is decoded, a frame is
taken every ``seconds_per_hash`` seconds (0: every frame) and hashed with PDQ, giving per
frame a 256-bit hash, a quality (0-100) and a timestamp. Hashes come from the ``vpdq``
package (the reference C++ hasher over FFmpeg's libav*), exactly as python-threatexchange's
``VPDQSignal.hash_from_file`` computes them (one frame per second by default).

Value format (python-threatexchange's ``vpdq_util.vpdq_to_json``): a JSON list with one string
per frame, ``"<64 hex digits>,<quality>,<timestamp>"``, the timestamp in seconds written with
three significant digits (``format(t, ".3")``, as pytx's ``VpdqCompactFeature.__str__``).

Match rule (pytx's ``vpdq_brute_matcher.match_VPDQ_hash_brute``): each side is deduplicated
(identical hashes once) and frames below the quality threshold are dropped; a frame matches
when some frame of the other side is within the distance threshold; the query's match
percentage is the share of its frames that match, the compared video's the share of its
frames that match. :func:`match_percentages` computes both; the thresholds are settings
(``TVEC_VPDQ_*``, applied by :class:`tvec.matching.vpdq_index.VPDQRule`).

:meth:`VPDQSignal.distance` is a symmetric summary for the signal-type contract: the percentage
of frames left unmatched on the worse side, under pytx's default thresholds (31 bits,
quality 50), rounded up; 0 means every frame on both sides matched.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from tvec.errors import CorruptMediaError, InvalidSignalError
from tvec.media import VIDEO
from tvec.signals.base import SignalType, SignalValue, VideoHasher

if TYPE_CHECKING:  # numpy is imported to compare frames: parsing a value needs none
    import numpy as np
    import numpy.typing as npt

#: pytx's ``VPDQ_DISTANCE_THRESHOLD``: largest frame distance (bits of 256) that matches.
DISTANCE_THRESHOLD = 31
#: pytx's ``VPDQ_QUALITY_THRESHOLD``: frames of lower quality (0-100) are not compared.
QUALITY_THRESHOLD = 50
#: pytx's ``VPDQ_QUERY_MATCH_THRESHOLD_PERCENT``.
QUERY_MATCH_PERCENT = 80.0
#: pytx's ``VPDQ_INDEX_MATCH_THRESHOLD_PERCENT``.
BANK_MATCH_PERCENT = 0.0
#: pytx's default for ``VPDQSignal.hash_from_file``: one frame hashed per second.
SECONDS_PER_HASH = 1.0


@dataclass(frozen=True)
class VPDQFrame:
    """One hashed frame: PDQ hash (64 lower-case hex digits), quality 0-100, time in seconds."""

    pdq_hex: str
    quality: int
    timestamp: float

    def __str__(self) -> str:
        """pytx's ``VpdqCompactFeature`` string: ``hex,quality,timestamp`` (3 significant)."""
        return f"{self.pdq_hex},{self.quality},{self.timestamp:.3}"


def parse_frame(text: str) -> VPDQFrame:
    """Parse one ``hex,quality,timestamp`` string.

    Raises:
        InvalidSignalError: not three fields, a hash that is not 64 hex digits, a quality
            outside 0-100 or a negative or non-finite timestamp.
    """
    parts = text.split(",")
    if len(parts) != 3:
        raise InvalidSignalError(repr(text), "a vpdq frame is 'pdq_hex,quality,timestamp'")
    pdq_hex = parts[0].strip().lower()
    if len(pdq_hex) != 64 or any(c not in "0123456789abcdef" for c in pdq_hex):
        raise InvalidSignalError(repr(text), "a vpdq frame's hash must be 64 hex digits")
    try:
        quality = int(parts[1])
        timestamp = float(parts[2])
    except ValueError:
        raise InvalidSignalError(repr(text), "bad vpdq frame quality or timestamp") from None
    if not 0 <= quality <= 100:
        raise InvalidSignalError(repr(text), "a vpdq frame's quality must be 0-100")
    if not math.isfinite(timestamp) or timestamp < 0:
        raise InvalidSignalError(repr(text), "a vpdq frame's timestamp must be >= 0 seconds")
    return VPDQFrame(pdq_hex, quality, timestamp)


def parse_vpdq(value: str) -> tuple[VPDQFrame, ...]:
    """The frames of a vpdq value (pytx's JSON list of frame strings).

    Raises:
        InvalidSignalError: not a JSON list of valid frame strings.
    """
    try:
        items = json.loads(value)
    except (ValueError, TypeError):
        raise InvalidSignalError(value[:80], "a vpdq value is a JSON list of frames") from None
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise InvalidSignalError(value[:80], "a vpdq value is a JSON list of strings")
    return tuple(parse_frame(item) for item in items)


def format_vpdq(frames: Sequence[VPDQFrame]) -> str:
    """pytx's serialisation of ``frames`` (``vpdq_to_json``), the canonical value."""
    return json.dumps([str(frame) for frame in frames])


def usable_frames(frames: Sequence[VPDQFrame], min_quality: int) -> list[VPDQFrame]:
    """pytx's ``quality_filter(dedupe(frames))``: first of identical hashes, then quality."""
    seen: set[str] = set()
    unique: list[VPDQFrame] = []
    for frame in frames:
        if frame.pdq_hex not in seen:
            seen.add(frame.pdq_hex)
            unique.append(frame)
    return [frame for frame in unique if frame.quality >= min_quality]


def frame_rows(frames: Sequence[VPDQFrame]) -> npt.NDArray[np.uint8]:
    """The frames' hashes as an (n, 32) ``uint8`` array of big-endian bytes."""
    import numpy as np

    data = b"".join(bytes.fromhex(frame.pdq_hex) for frame in frames)
    return np.frombuffer(data, dtype=np.uint8).reshape(-1, 32)


def match_percentages(
    query: Sequence[VPDQFrame],
    compared: Sequence[VPDQFrame],
    *,
    distance: int = DISTANCE_THRESHOLD,
    min_quality: int = QUALITY_THRESHOLD,
) -> tuple[float, float]:
    """pytx's ``match_VPDQ_hash_brute``: (query %, compared %) of frames matched (0-100).

    A side with no usable frames (none of ``min_quality`` or more) has 0%.
    """
    left = usable_frames(query, min_quality)
    right = usable_frames(compared, min_quality)
    if not left or not right:
        return 0.0, 0.0
    import numpy as np

    a = frame_rows(left).view(np.uint64)
    b = frame_rows(right).view(np.uint64)
    bits = np.bitwise_count(a[:, None, :] ^ b[None, :, :]).sum(axis=2)
    near = bits <= distance
    return (
        float(near.any(axis=1).sum()) * 100 / len(left),
        float(near.any(axis=0).sum()) * 100 / len(right),
    )


def hash_video_file(path: Path, seconds_per_hash: float = SECONDS_PER_HASH) -> list[VPDQFrame]:
    """vPDQ frames of the video file at ``path`` (the ``vpdq`` package).

    Args:
        path: a video file FFmpeg can read.
        seconds_per_hash: seconds between hashed frames; 0 hashes every frame.

    Raises:
        CorruptMediaError: FFmpeg cannot open or decode it.
        ModuleNotFoundError: the ``vpdq`` package is not installed.
    """
    import vpdq

    try:
        features = vpdq.computeHash(str(path), seconds_per_hash=seconds_per_hash)
    except Exception as exc:  # vpdq raises bare Exception("Fail to create VPDQ hash")
        raise CorruptMediaError(str(path), f"video cannot be decoded by vpdq: {exc}") from exc
    return [VPDQFrame(f.hex, int(f.quality), float(f.timestamp)) for f in features]


class VPDQSignal(SignalType, VideoHasher):
    """vPDQ of a video: pytx's JSON list of ``hex,quality,timestamp`` frames.

    ``distance`` is the percentage of frames unmatched on the worse side (0-100, see the
    module docstring); ``default_threshold`` 20 is pytx's 80% rule in that unit.
    """

    name: ClassVar[str] = "vpdq"
    content_types: ClassVar[frozenset[str]] = frozenset({VIDEO})
    default_threshold: ClassVar[int] = 20

    def validate(self, value: str) -> str:
        """pytx's JSON form with lower-case hashes and 3-significant-digit timestamps.

        Raises:
            tvec.errors.InvalidSignalError: not a JSON list of valid frame strings.
        """
        return format_vpdq(parse_vpdq(value))

    def distance(self, a: str, b: str) -> int:
        """Percent (0-100) of frames unmatched on the worse side, rounded up.

        Two values with the same usable frames (also: none) are at 0.
        """
        left, right = parse_vpdq(a), parse_vpdq(b)
        usable = {f.pdq_hex for f in usable_frames(left, QUALITY_THRESHOLD)}
        if usable == {f.pdq_hex for f in usable_frames(right, QUALITY_THRESHOLD)}:
            return 0
        query, compared = match_percentages(left, right)
        return math.ceil(100 - min(query, compared) - 1e-9)

    def hash_video(
        self, data: bytes, name: str, *, seconds_per_hash: float = SECONDS_PER_HASH
    ) -> SignalValue:
        """vPDQ of a video file's bytes (written to a temporary file for FFmpeg).

        Raises:
            CorruptMediaError: the video cannot be decoded.
            ModuleNotFoundError: the ``vpdq`` package is not installed.
        """
        suffix = Path(name).suffix.lower()[:10]
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
            handle.write(data)
            handle.flush()
            try:
                frames = hash_video_file(Path(handle.name), seconds_per_hash)
            except CorruptMediaError as exc:
                raise CorruptMediaError(name, exc.problem) from exc
        return SignalValue(self.name, format_vpdq(frames))

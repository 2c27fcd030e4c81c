"""Animated images (GIF, WebP, APNG) hashed frame by frame, as vPDQ hashes a video.

An animation's first frame says little about the rest: two different animations that share
their opening frame would be the same content by a first-frame PDQ hash (distance 0). tvec
hashes every frame of an animation with PDQ, as it is shown (composited on white, see
:mod:`tvec.signals.rendering`), and stores the frames as a ``vpdq`` value (frame hash,
quality, time the frame is first shown, in seconds). Matching then follows the vPDQ rule
(:mod:`tvec.signals.vpdq`): two animations are the same content only when their frames are,
and a still picture that is one of the frames matches with ``found_by: video_frame``.

Every frame is hashed (vPDQ's ``seconds_per_hash=0``), not one per second: animations are
short and each frame is content. Decoding is bounded: at most :data:`MAX_FRAMES` frames and
:data:`FRAME_PIXEL_FACTOR` times ``TVEC_MAX_IMAGE_PIXELS`` pixels in all; an animation over
either limit is hashed on its frames up to the limit (:attr:`AnimationHash.truncated`; the
value's length says how many frames were hashed).
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageSequence

from tvec.signals.base import SignalValue
from tvec.signals.pdq import pdq_hashes
from tvec.signals.rendering import rendered_rgb
from tvec.signals.vpdq import VPDQFrame, VPDQSignal, format_vpdq

#: Most frames of one animation that are hashed.
MAX_FRAMES = 1000
#: Pixels decoded over all frames, as a multiple of ``TVEC_MAX_IMAGE_PIXELS``.
FRAME_PIXEL_FACTOR = 20
#: Frame duration (milliseconds) assumed where a frame declares none or 0 (browsers show such
#: frames for about 100 ms).
DEFAULT_FRAME_MS = 100


@dataclass(frozen=True)
class AnimationHash:
    """The ``vpdq`` signal of an animation, and how much of it was hashed.

    ``frames_total`` is the animation's declared frame count; ``frames_hashed`` the number
    hashed (lower when a limit cut it short).
    """

    signal: SignalValue
    frames_total: int
    frames_hashed: int

    @property
    def truncated(self) -> bool:
        """True when the limits left frames unhashed."""
        return self.frames_hashed < self.frames_total


def is_animated(image: Image.Image) -> bool:
    """Whether ``image`` has more than one frame (Pillow's ``n_frames``)."""
    return bool(getattr(image, "is_animated", False)) and int(getattr(image, "n_frames", 1)) > 1


def hash_animation(image: Image.Image, max_pixels: int) -> AnimationHash:
    """PDQ of every frame of an animated image, as a ``vpdq`` signal value.

    Args:
        image: an opened animated image (:func:`tvec.media.open_image`); it is seeked
            through its frames and left on its last hashed frame.
        max_pixels: ``TVEC_MAX_IMAGE_PIXELS``; all frames together may decode at most
            :data:`FRAME_PIXEL_FACTOR` times this many pixels.

    Returns:
        An :class:`AnimationHash`; timestamps are the seconds at which each frame is first
        shown (the sum of the durations before it; 0 or missing durations count
        :data:`DEFAULT_FRAME_MS`).
    """
    total = int(getattr(image, "n_frames", 1))
    width, height = image.size
    budget = max(1, (FRAME_PIXEL_FACTOR * max_pixels) // max(1, width * height))
    limit = min(total, MAX_FRAMES, budget)
    frames: list[VPDQFrame] = []
    elapsed_ms = 0
    for index, frame in enumerate(ImageSequence.Iterator(image)):
        if index >= limit:
            break
        with rendered_rgb(frame) as shown:
            hashes, quality = pdq_hashes(shown)
        frames.append(VPDQFrame(hashes[0], quality, round(elapsed_ms / 1000, 3)))
        duration = frame.info.get("duration")
        step = duration if isinstance(duration, int | float) and duration > 0 else DEFAULT_FRAME_MS
        elapsed_ms += int(step)
    return AnimationHash(SignalValue(VPDQSignal.name, format_vpdq(frames)), total, len(frames))

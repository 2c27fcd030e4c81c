"""Turning content into signals: the one place that decides which signal types apply.

``hash_content`` takes a file's bytes and returns what the file is and every signal that
applies to it; ``hash_text`` does the same for message text. Both are pure (no store).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from PIL import Image

from tvec.errors import InputError
from tvec.media import PHOTO, VIDEO, MediaKind, open_image, sniff
from tvec.signals import (
    BytesHasher,
    ImageHasher,
    SignalType,
    SignalValue,
    TextHasher,
    VideoHasher,
    registry,
)
from tvec.signals.animation import hash_animation, is_animated
from tvec.signals.pdq import PYTX_MODES, PDQSignal
from tvec.signals.pdq_variants import AS_STORED, ON_WHITE, PDQOptions, PDQVariant, pdq_variants
from tvec.signals.rendering import has_transparency, oriented, rendered_rgb
from tvec.signals.vpdq import SECONDS_PER_HASH

if TYPE_CHECKING:
    from tvec.isolation import Helper


@dataclass
class HashResult:
    """What a file is, the signals computed, and the error that stopped further hashing.

    ``signals`` holds whatever could be computed: a corrupt image still has its MD5 and
    SHA-256, with ``error`` saying why it has no PDQ hash. ``pdq_variants`` are the
    rotated, mirrored or unletterboxed PDQ hashes asked for by :class:`PDQOptions`: looked
    up too, but not signals of the file (``docs/matching.md``).
    """

    kind: MediaKind
    signals: list[SignalValue] = field(default_factory=list)
    error: InputError | None = None
    pdq_variants: list[PDQVariant] = field(default_factory=list)


def hash_content(
    data: bytes,
    name: str,
    *,
    max_pixels: int,
    pdq: PDQOptions | None = None,
    helper: Helper | None = None,
) -> HashResult:
    """Every signal for a file's bytes.

    Args:
        data: the file's bytes.
        name: the file's name or path (extension checked against the bytes; used in errors).
        max_pixels: decompression-bomb limit for images (``TVEC_MAX_IMAGE_PIXELS``).
        pdq: fast mode and variants for photos (``TVEC_PDQ_*``); None: exact PDQ, no
            variants.
        helper: the helper process that decodes and hashes videos (:mod:`tvec.isolation`);
            a crash or timeout there is the file's ``media_crash``/``media_timeout`` error.
            None: videos are hashed in this process.

    Returns:
        A :class:`HashResult`; byte hashes (md5, sha256) are always present, ``video_md5``
        for videos only (a byte hasher runs for its declared content types), and ``vpdq``
        for videos (one frame per second, as python-threatexchange) when the ``vpdq``
        package is installed. If the file is not what its extension says, or an image or
        video cannot be decoded or an image is too large, the error is in
        ``HashResult.error`` (never raised).
    """
    types = registry()
    try:
        kind = sniff(data, name)
    except InputError as exc:
        kind = MediaKind("file", "application/octet-stream")
        result = HashResult(kind, _bytes_signals(data, kind.content_type, types), exc)
        return result
    result = HashResult(kind, _bytes_signals(data, kind.content_type, types))
    if kind.content_type == PHOTO:
        try:
            draft = pdq.draft_min_side if pdq is not None else None
            image = open_image(data, name, max_pixels, draft_min_side=draft)
        except InputError as exc:
            result.error = exc
            return result
        with image:
            _image_signals(image, types, pdq, max_pixels, result)
    if kind.content_type == VIDEO:
        result.error = _video_signals(data, name, types, result.signals, helper)
    return result


def _image_signals(
    image: Image.Image,
    types: Mapping[str, SignalType],
    pdq: PDQOptions | None,
    max_pixels: int,
    result: HashResult,
) -> None:
    """Add a decoded image's signals and PDQ variants to ``result`` (``docs/matching.md``).

    * An animation (more than one frame) gets a ``vpdq`` signal of every frame
      (:mod:`tvec.signals.animation`) and no single-frame PDQ signal.
    * A picture with an EXIF orientation is hashed upright; its hash as stored (what
      python-threatexchange computes for the file) is the ``as_stored`` variant.
    * A transparent picture in a mode pytx hashes as stored (``RGBA``, ``LA``) keeps pytx's
      hash; its rendering on white is the ``on_white`` variant.
    Both variants are always looked up; the optional ones follow ``pdq``.
    """
    if is_animated(image):
        animation = hash_animation(image, max_pixels)
        result.signals.append(animation.signal)
        return
    upright = oriented(image)
    shown = upright if upright is not None else image
    try:
        for signal_type in types.values():
            if isinstance(signal_type, ImageHasher) and PHOTO in signal_type.content_types:
                result.signals.append(signal_type.hash_image(shown))
        main = next((s.value for s in result.signals if s.signal_type == "pdq"), None)
        seen = {main}
        extra: list[tuple[str, Image.Image]] = []
        if upright is not None:
            extra.append((AS_STORED, image))
        if shown.mode in PYTX_MODES and has_transparency(shown):
            extra.append((ON_WHITE, rendered_rgb(shown)))
        for found_by, picture in extra:
            signal = PDQSignal().hash_image(picture)
            if signal.value not in seen:
                seen.add(signal.value)
                result.pdq_variants.append(PDQVariant(found_by, signal))
        if pdq is not None:
            result.pdq_variants.extend(
                v for v in pdq_variants(shown, pdq, main) if v.signal.value not in seen
            )
    finally:
        if upright is not None:
            upright.close()


#: The helper-process job that hashes a video (:func:`hash_video_job`); tests point it at a
#: job that crashes or hangs.
VIDEO_JOB = "tvec.signals.hashing:hash_video_job"


def hash_video_job(signal_type: str, data: bytes, name: str) -> SignalValue:
    """``signal_type``'s hash of a video's bytes (run in the helper process).

    Raises:
        CorruptMediaError: the video cannot be decoded.
        ModuleNotFoundError: the hasher's package is not installed.
    """
    hasher = registry()[signal_type]
    assert isinstance(hasher, VideoHasher)
    return hasher.hash_video(data, name, seconds_per_hash=SECONDS_PER_HASH)


def _video_signals(
    data: bytes,
    name: str,
    types: Mapping[str, SignalType],
    out: list[SignalValue],
    helper: Helper | None = None,
) -> InputError | None:
    """Append the video hashers' signals (``vpdq``) to ``out``; return the decoding error.

    A hasher whose package is missing (``vpdq`` not installed) is skipped, with one warning.
    With ``helper``, each hasher runs in the helper process.
    """
    for signal_type in types.values():
        if isinstance(signal_type, VideoHasher) and VIDEO in signal_type.content_types:
            try:
                if helper is not None:
                    out.append(helper.call(name, VIDEO_JOB, signal_type.name, data, name))
                else:
                    out.append(
                        signal_type.hash_video(data, name, seconds_per_hash=SECONDS_PER_HASH)
                    )
            except ModuleNotFoundError as exc:
                _warn_missing(signal_type.name, str(exc.name))
            except InputError as exc:
                return exc
    return None


@cache
def _warn_missing(signal_type: str, module: str) -> None:
    logging.getLogger(__name__).warning(
        "%s hashes are off: the %r package is not installed", signal_type, module
    )


def _bytes_signals(
    data: bytes, content_type: str, types: Mapping[str, SignalType]
) -> list[SignalValue]:
    out: list[SignalValue] = []
    for signal_type in types.values():
        if isinstance(signal_type, BytesHasher) and content_type in signal_type.content_types:
            out.append(signal_type.hash_bytes(data))
    return out


def hash_text(text: str) -> list[SignalValue]:
    """Every text signal for message text (empty when the text is too short to hash)."""
    out: list[SignalValue] = []
    for signal_type in registry().values():
        if isinstance(signal_type, TextHasher):
            value = signal_type.hash_text(text)
            if value is not None:
                out.append(value)
    return out

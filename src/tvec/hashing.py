"""Turning content into signals: the one place that decides which signal types apply.

``hash_content`` takes a file's bytes and returns what the file is and every signal that
applies to it; ``hash_text`` does the same for message text. Both are pure (no store).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tvec.errors import InputError
from tvec.media import PHOTO, MediaKind, open_image, sniff
from tvec.signals import BytesHasher, ImageHasher, SignalValue, TextHasher, registry


@dataclass
class HashResult:
    """What a file is, the signals computed, and the error that stopped further hashing.

    ``signals`` holds whatever could be computed: a corrupt image still has its MD5 and
    SHA-256, with ``error`` saying why it has no PDQ hash.
    """

    kind: MediaKind
    signals: list[SignalValue] = field(default_factory=list)
    error: InputError | None = None


def hash_content(data: bytes, name: str, *, max_pixels: int) -> HashResult:
    """Every signal for a file's bytes.

    Args:
        data: the file's bytes.
        name: the file's name or path (extension checked against the bytes; used in errors).
        max_pixels: decompression-bomb limit for images (``TVEC_MAX_IMAGE_PIXELS``).

    Returns:
        A :class:`HashResult`; byte hashes (md5, sha256) are always present. If the file is
        not what its extension says, or an image cannot be decoded or is too large, the
        error is in ``HashResult.error`` (never raised).
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
            image = open_image(data, name, max_pixels)
        except InputError as exc:
            result.error = exc
            return result
        with image:
            for signal_type in types.values():
                if isinstance(signal_type, ImageHasher) and PHOTO in signal_type.content_types:
                    result.signals.append(signal_type.hash_image(image))
    return result


def _bytes_signals(
    data: bytes, content_type: str, types: Mapping[str, object]
) -> list[SignalValue]:
    out: list[SignalValue] = []
    for signal_type in types.values():
        if isinstance(signal_type, BytesHasher):
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

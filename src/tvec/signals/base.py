"""The signal-type plug-in contract.

A signal type is a hashing or matching method with a stable name that is also its storage
key (as python-threatexchange's ``SignalType.get_name()``). Its interface is small; what it
can hash is added by capability mixins, as in pytx's ``signal_type/signal_base.py``:

* :class:`BytesHasher`  hashes the raw bytes of a file (``md5``, ``sha256``);
* :class:`ImageHasher`  hashes a decoded image (``pdq``);
* :class:`TextHasher`   hashes message text (``text``).
* :class:`VideoHasher`  hashes a video file's frames (``vpdq``).

Each type declares the content types it applies to (``tvec.media.CONTENT_TYPES``), validates
and normalises values (:meth:`SignalType.validate`), and measures distance between two values
(:meth:`SignalType.distance`) against a default threshold (0 means exact match only).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from PIL import Image


@dataclass(frozen=True)
class SignalValue:
    """One computed signal: type name, value (canonical string form) and quality (0-100)."""

    signal_type: str
    value: str
    quality: int | None = None


class SignalType(ABC):
    """Base of every signal type. Subclasses set the class variables below."""

    #: Stable name, also the storage key (python-threatexchange's name where it has one).
    name: ClassVar[str]
    #: Content types (``photo``, ``video``, ``text``, ``url``, ``file``) it applies to.
    content_types: ClassVar[frozenset[str]]
    #: Largest distance that counts as a match by default (0: exact only).
    default_threshold: ClassVar[int] = 0

    @abstractmethod
    def validate(self, value: str) -> str:
        """Return ``value`` in canonical form.

        Raises:
            tvec.errors.InvalidSignalError: ``value`` is not valid for this type.
        """

    def distance(self, a: str, b: str) -> int:
        """Distance between two canonical values (0 = equal). Exact types: 0 or 1."""
        return 0 if a == b else 1


class BytesHasher(ABC):
    """Capability: hash a file's raw bytes."""

    @abstractmethod
    def hash_bytes(self, data: bytes) -> SignalValue:
        """Hash ``data`` (the whole file)."""


class ImageHasher(ABC):
    """Capability: hash a decoded image."""

    @abstractmethod
    def hash_image(self, image: Image.Image) -> SignalValue:
        """Hash a decoded Pillow image (already loaded, first frame)."""


class VideoHasher(ABC):
    """Capability: hash a video file (decoded by FFmpeg, which reads from a file)."""

    @abstractmethod
    def hash_video(self, data: bytes, name: str, *, seconds_per_hash: float) -> SignalValue:
        """Hash the video whose file bytes are ``data`` (``name`` gives its extension).

        Raises:
            tvec.errors.CorruptMediaError: the video cannot be decoded.
        """


class TextHasher(ABC):
    """Capability: hash message text. Returns ``None`` when the text has nothing to hash."""

    @abstractmethod
    def hash_text(self, text: str) -> SignalValue | None:
        """Hash ``text``."""


_HEX_DIGITS = frozenset("0123456789abcdef")


def require_hex(value: str, length: int, type_name: str) -> str:
    """Lower-case ``value`` and check it is ``length`` hex digits.

    Raises:
        tvec.errors.InvalidSignalError: wrong length or a non-hex character.
    """
    from tvec.errors import InvalidSignalError

    cleaned = value.strip().lower()
    if len(cleaned) != length:
        raise InvalidSignalError(
            repr(value), f"a {type_name} value must be {length} hex digits, got {len(cleaned)}"
        )
    if not _HEX_DIGITS.issuperset(cleaned):
        raise InvalidSignalError(repr(value), f"a {type_name} value must be hexadecimal")
    return cleaned

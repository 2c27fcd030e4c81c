"""Signal types: the registry of plug-ins, keyed by their stable names.

Built in (names and value formats as python-threatexchange's where it has the type):
``sha256``, ``md5``, ``pdq``, ``text``, ``url``, ``video_md5``, ``text_tlsh``, ``raw_text``,
``url_md5`` and ``vpdq``. ``registry()`` returns every signal type by name; two plug-ins
with one name fail when the registry is built (at first use), not later.
"""

from __future__ import annotations

from functools import cache

from tvec.errors import UsageError
from tvec.signals.base import (
    BytesHasher,
    ImageHasher,
    SignalType,
    SignalValue,
    TextHasher,
    VideoHasher,
)
from tvec.signals.exact import MD5Signal, SHA256Signal
from tvec.signals.pdq import PDQSignal
from tvec.signals.raw_text import RawTextSignal
from tvec.signals.text import TextSignal
from tvec.signals.text_tlsh import TextTLSHSignal
from tvec.signals.url import URLSignal
from tvec.signals.url_md5 import UrlMD5Signal
from tvec.signals.video_md5 import VideoMD5Signal
from tvec.signals.vpdq import VPDQSignal

BUILTIN_SIGNAL_TYPES: tuple[type[SignalType], ...] = (
    SHA256Signal,
    MD5Signal,
    PDQSignal,
    TextSignal,
    URLSignal,
    VideoMD5Signal,
    TextTLSHSignal,
    RawTextSignal,
    UrlMD5Signal,
    VPDQSignal,
)


def build_registry(types: tuple[type[SignalType], ...]) -> dict[str, SignalType]:
    """Instantiate ``types`` into a name -> instance map.

    Raises:
        UsageError: two types share a name.
    """
    out: dict[str, SignalType] = {}
    for cls in types:
        if cls.name in out:
            raise UsageError(f"two signal types are named {cls.name!r}")
        out[cls.name] = cls()
    return out


@cache
def registry() -> dict[str, SignalType]:
    """Every built-in signal type, by name."""
    return build_registry(BUILTIN_SIGNAL_TYPES)


def get_signal_type(name: str) -> SignalType:
    """The signal type called ``name``.

    Raises:
        UsageError: no such signal type (the message lists the known ones).
    """
    try:
        return registry()[name]
    except KeyError:
        known = ", ".join(sorted(registry()))
        raise UsageError(f"unknown signal type {name!r} (known: {known})") from None


__all__ = [
    "BytesHasher",
    "ImageHasher",
    "SignalType",
    "SignalValue",
    "TextHasher",
    "VideoHasher",
    "build_registry",
    "get_signal_type",
    "registry",
]

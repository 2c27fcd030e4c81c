"""The platform registry: domain -> platform (kind, country, abuse-reporting routes).

Public API: :class:`PlatformRegistry` (``load_default()``, ``resolve(url)``,
``with_overrides(rows)``), :class:`Platform`, :class:`PlatformKind`,
:class:`PlatformResolution` and :func:`platform_from_row`. The default rows live in
``platforms.yaml`` beside this module.
"""

from __future__ import annotations

from tvec.platforms.files import PlatformKind, PlatformRow
from tvec.platforms.registry import (
    Platform,
    PlatformRegistry,
    PlatformResolution,
    platform_from_row,
)

__all__ = [
    "Platform",
    "PlatformKind",
    "PlatformRegistry",
    "PlatformResolution",
    "PlatformRow",
    "platform_from_row",
]

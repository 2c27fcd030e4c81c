"""``url``: the canonical form of an out-link (rules in :mod:`tvec.urls.canonical`)."""

from __future__ import annotations

from typing import ClassVar

from tvec.media import URL
from tvec.signals.base import SignalType


class URLSignal(SignalType):
    """A canonical URL; exact match only. Name and meaning as python-threatexchange's ``url``."""

    name: ClassVar[str] = "url"
    content_types: ClassVar[frozenset[str]] = frozenset({URL})

    def validate(self, value: str) -> str:
        """Canonicalise ``value``. Raises InvalidSignalError when it is not a URL."""
        from tvec.urls import canonicalize_url

        return canonicalize_url(value)

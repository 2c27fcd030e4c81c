"""``url_md5``: MD5 of a canonical URL, for lists that share hashed links instead of links.

Name and value format as python-threatexchange's ``UrlMD5Signal``
(``threatexchange/signal_type/url_md5.py``, ThreatExchange indicator type ``HASH_URL_MD5``):
32 lower-case hex digits. The hashed string is made as pytx's ``common.normalize_url`` makes
it: the URL lower-cased (all of it, path included), its ``scheme://`` removed, encoded as
UTF-8. tvec first puts the URL in canonical form (:func:`tvec.urls.canonicalize_url`), so
that spellings of one link share one MD5; for a URL already in canonical form the value is
exactly pytx's ``UrlMD5Signal.hash_from_str``. (pytx hashes what it is given: a bare
``https://example.com`` is ``example.com`` there, and ``example.com/`` here, because the
canonical form always has a path.)
"""

from __future__ import annotations

import hashlib
from typing import ClassVar
from urllib.parse import urlparse

from tvec.media import URL
from tvec.signals.base import SignalType, SignalValue, require_hex


def pytx_normalize_url(url: str) -> bytes:
    """The bytes python-threatexchange's ``common.normalize_url`` makes of ``url``.

    Lower-cases the URL, removes the first ``scheme://`` and encodes the rest as UTF-8.
    """
    url = url.lower()
    parsed = urlparse(url)
    return parsed.geturl().replace(f"{parsed.scheme}://", "", 1).encode("utf-8")


class UrlMD5Signal(SignalType):
    """MD5 (32 lower-case hex digits) of a canonical URL as pytx normalises it; exact only."""

    name: ClassVar[str] = "url_md5"
    content_types: ClassVar[frozenset[str]] = frozenset({URL})

    def validate(self, value: str) -> str:
        """Lower-case 32-hex-digit MD5.

        Raises:
            tvec.errors.InvalidSignalError: not 32 hex digits.
        """
        return require_hex(value, 32, self.name)

    def hash_url(self, url: str) -> SignalValue:
        """The ``url_md5`` of ``url`` (canonicalised first; see the module docstring).

        Raises:
            tvec.errors.InvalidSignalError: ``url`` is not an http, https or ftp URL.
        """
        from tvec.urls import canonicalize_url

        canonical = canonicalize_url(url)
        digest = hashlib.md5(pytx_normalize_url(canonical), usedforsecurity=False).hexdigest()
        return SignalValue(self.name, digest)


def url_md5_signal(url: str) -> SignalValue:
    """Shortcut for ``UrlMD5Signal().hash_url(url)``, for code that has URLs to hand.

    Raises:
        tvec.errors.InvalidSignalError: ``url`` is not an http, https or ftp URL.
    """
    return UrlMD5Signal().hash_url(url)

"""URLs: one canonical spelling of every URL, and registrable domains.

The bottom layer that out-links, platforms, URL signals, alerts and removal orders share:

- :func:`canonicalize_url` (rules in :mod:`tvec.urls.canonical`)
- :func:`registrable_domain`, :func:`public_suffix` and :func:`split_host`
  (:mod:`tvec.urls.suffixes`: the Public Suffix List snapshot bundled with tldextract, never
  fetched)

It imports no other tvec package but :mod:`tvec.errors`.
"""

from __future__ import annotations

from tvec.urls.canonical import (
    DEFAULT_PORTS,
    MAX_URL_BYTES,
    TRACKING_PARAMETER_PREFIXES,
    TRACKING_PARAMETERS,
    canonicalize_url,
)
from tvec.urls.suffixes import DomainParts, public_suffix, registrable_domain, split_host

__all__ = [
    "DEFAULT_PORTS",
    "MAX_URL_BYTES",
    "TRACKING_PARAMETERS",
    "TRACKING_PARAMETER_PREFIXES",
    "DomainParts",
    "canonicalize_url",
    "public_suffix",
    "registrable_domain",
    "split_host",
]

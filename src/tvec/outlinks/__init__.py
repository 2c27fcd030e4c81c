"""Out-links: find URLs in item text and HTML, and give each one canonical spelling.

Public API:

- :func:`canonicalize_url` (rules in :mod:`tvec.outlinks.canonical`)
- :func:`extract_outlinks` and :class:`FoundLink` (rules in :mod:`tvec.outlinks.extract`)
- :func:`extract_from_html` (:mod:`tvec.outlinks.html_links`)
- :func:`registrable_domain` and :func:`public_suffix` (:mod:`tvec.outlinks.suffixes`: the
  Public Suffix List snapshot bundled with tldextract, never fetched)
"""

from __future__ import annotations

from tvec.outlinks.canonical import (
    DEFAULT_PORTS,
    MAX_URL_BYTES,
    TRACKING_PARAMETER_PREFIXES,
    TRACKING_PARAMETERS,
    canonicalize_url,
)
from tvec.outlinks.extract import FoundLink, extract_outlinks
from tvec.outlinks.html_links import extract_from_html
from tvec.outlinks.suffixes import DomainParts, public_suffix, registrable_domain, split_host

__all__ = [
    "DEFAULT_PORTS",
    "MAX_URL_BYTES",
    "TRACKING_PARAMETERS",
    "TRACKING_PARAMETER_PREFIXES",
    "DomainParts",
    "FoundLink",
    "canonicalize_url",
    "extract_from_html",
    "extract_outlinks",
    "public_suffix",
    "registrable_domain",
    "split_host",
]

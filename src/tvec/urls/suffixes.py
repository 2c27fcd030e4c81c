"""Public Suffix List look-ups, offline.

Every look-up uses the snapshot of the Public Suffix List (https://publicsuffix.org/) that
ships inside the ``tldextract`` package: the extractor is built with no suffix-list URLs and
no cache directory, so it never touches the network or the disk. The snapshot is as new as
the installed ``tldextract``.

Two views of a host are given, because they answer different questions:

- the **registrable domain** under the ICANN section only (``x.blogspot.com`` ->
  ``blogspot.com``): which company runs the service;
- the **site** under the ICANN and private sections (``x.blogspot.com`` ->
  ``x.blogspot.com``, ``foo.github.io`` -> ``foo.github.io``): which account owns the content.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import tldextract


@dataclass(frozen=True)
class DomainParts:
    """A host split by the Public Suffix List.

    Attributes:
        host: the host as given (lower-case, ASCII/punycode expected).
        public_suffix: the ICANN public suffix (``co.uk``, ``com``), ``""`` if none.
        registrable_domain: one label plus the ICANN suffix (``bbc.co.uk``); ``""`` for
            hosts with no known suffix or that are a bare suffix; the host itself for IPs.
        site: one label plus the longest suffix including the private section
            (``x.blogspot.com``); equal to ``registrable_domain`` when no private suffix applies.
    """

    host: str
    public_suffix: str
    registrable_domain: str
    site: str


@cache
def _extractor() -> tldextract.TLDExtract:
    """The offline extractor (built on first use; no import-time work)."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


@lru_cache(maxsize=65536)
def split_host(host: str) -> DomainParts:
    """Split ``host`` (no scheme, no port) into its suffix, registrable domain and site."""
    icann = _extractor()(host, include_psl_private_domains=False)
    private = _extractor()(host, include_psl_private_domains=True)
    if icann.ipv4 or icann.ipv6:
        return DomainParts(host, "", host, host)
    registrable = icann.top_domain_under_public_suffix
    site = private.top_domain_under_public_suffix or registrable
    return DomainParts(host, icann.suffix, registrable, site)


def public_suffix(host: str) -> str:
    """Return the ICANN public suffix of ``host`` (``"co.uk"``), or ``""`` if it has none."""
    return split_host(host).public_suffix


def registrable_domain(host: str) -> str:
    """Return ``host``'s registrable domain under the ICANN section (``"bbc.co.uk"``).

    Returns ``""`` when the host has no known public suffix, and the host itself for IP
    addresses.
    """
    return split_host(host).registrable_domain

"""The names collection has always imported from here; the client lives in
:mod:`tvec.net.client` and the address rules in :mod:`tvec.net.addresses` (rules:
:mod:`tvec.net`)."""

from __future__ import annotations

from tvec.net.addresses import AddressPolicy, Resolver, is_public_address, system_resolver
from tvec.net.client import FetchAttempt, FetchResult, HttpClient, OutboundClient, PostResult
from tvec.net.retry import MAX_RETRY_AFTER_SECONDS, RETRY_STATUSES

__all__ = [
    "MAX_RETRY_AFTER_SECONDS",
    "RETRY_STATUSES",
    "AddressPolicy",
    "FetchAttempt",
    "FetchResult",
    "HttpClient",
    "OutboundClient",
    "PostResult",
    "Resolver",
    "is_public_address",
    "system_resolver",
]

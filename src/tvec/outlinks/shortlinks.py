"""Short links (bit.ly and the like) expanded to the address they stand for, so an out-link's
hosting platform is the one that holds the content, not the shortener.

A host is a shortener when the platform registry says so (rows of kind ``url_shortener`` in
``tvec/platforms/platforms.yaml``: bit.ly, t.co, tinyurl.com, is.gd, cutt.ly, ...).
:func:`expand_short_link` asks the shortener where the link points, hop by hop, through the
one outbound client (:class:`tvec.net.client.OutboundClient`):

1. ``HEAD`` the short URL, redirects not followed; if the shortener refuses HEAD (``405``,
   ``501``) or gives no answer, ``GET`` it once, again without following redirects;
2. a ``301/302/303/307/308`` with a ``Location`` gives the next URL (canonicalised, relative
   locations resolved); it is requested only if it is a shortener too (a chain
   ``bit.ly -> t.co -> host``); a URL on any other host is the final one and is **never
   requested**;
3. at most ``max_hops`` requests; more is an error.

Every request goes through the client's address policy, so a short link, or a redirect,
that leads to a private, loopback or link-local address is refused (``BlockedAddressError``)
and never requested. Errors never raise: the result carries them and its ``final`` is the
last URL reached. Successful expansions are cached (:class:`ShortLinkCache`, a JSON file)
so a short link is asked once.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from tvec.errors import FetchError, InvalidSignalError
from tvec.net.client import REDIRECT_STATUSES, OutboundClient
from tvec.platforms import PlatformRegistry
from tvec.platforms.files import PlatformKind
from tvec.urls.canonical import canonicalize_url

#: Requests made for one short link at most.
MAX_HOPS = 5
#: Statuses that mean "HEAD not supported here": the hop is asked again with GET.
HEAD_REFUSED = frozenset({405, 501})


@dataclass(frozen=True)
class Expansion:
    """Where a short link leads.

    Attributes:
        url: the canonical short URL asked about.
        final: the canonical URL it leads to (``url`` itself when it is not a short link,
            or the last URL reached when an error stopped the expansion).
        hops: the URLs redirected to, in order (``final`` last when there were any).
        requests: HTTP requests made (0 when answered from the cache or not a short link).
        error: why the expansion stopped early, else ``None``.
        cached: answered from the cache.
    """

    url: str
    final: str
    hops: tuple[str, ...] = ()
    requests: int = 0
    error: str | None = None
    cached: bool = False


def is_short_link(url: str, registry: PlatformRegistry) -> bool:
    """Whether the canonical ``url`` is on a host the registry lists as a URL shortener."""
    platform = registry.resolve(url).platform
    return platform is not None and platform.kind == PlatformKind.URL_SHORTENER


@dataclass
class ShortLinkCache:
    """Expansions already made, kept in a JSON file (``{short: {"final", "hops"}}``).

    Args:
        path: the file (created on the first :meth:`put`; written atomically); ``None`` keeps
            the cache in memory only.
    """

    path: Path | None = None
    _entries: dict[str, dict[str, object]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.path is not None and self.path.exists():
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                loaded = {}  # a damaged cache is only a cache: start again
            if isinstance(loaded, dict):
                self._entries = {k: v for k, v in loaded.items() if isinstance(v, dict)}

    def get(self, url: str) -> Expansion | None:
        """The cached expansion of ``url``, or ``None``."""
        entry = self._entries.get(url)
        if entry is None or not isinstance(entry.get("final"), str):
            return None
        hops = entry.get("hops")
        hop_list = tuple(str(h) for h in hops) if isinstance(hops, list) else ()
        return Expansion(url, str(entry["final"]), hop_list, cached=True)

    def put(self, expansion: Expansion) -> None:
        """Remember a successful ``expansion`` (and save the file)."""
        self._entries[expansion.url] = {"final": expansion.final, "hops": list(expansion.hops)}
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(self._entries, out, ensure_ascii=False, sort_keys=True)
        os.replace(temporary, self.path)


def expand_short_link(
    url: str,
    *,
    client: OutboundClient,
    registry: PlatformRegistry,
    cache: ShortLinkCache | None = None,
    max_hops: int = MAX_HOPS,
) -> Expansion:
    """Follow the short link ``url`` to the address it stands for (rules in the module
    docstring). Never raises: problems are in :attr:`Expansion.error`.

    Args:
        url: a URL (canonicalised first; one that does not canonicalise is returned as it is,
            with an error).
        client: the outbound client (address policy, limits, User-Agent).
        registry: which hosts are shorteners.
        cache: expansions already made; a successful one is added.
        max_hops: requests allowed for this link.
    """
    try:
        current = canonicalize_url(url)
    except InvalidSignalError as exc:
        return Expansion(url, url, error=str(exc))
    start = current
    if not is_short_link(current, registry):
        return Expansion(start, start)
    if cache is not None:
        known = cache.get(start)
        if known is not None:
            return known
    hops: list[str] = []
    requests = 0
    while is_short_link(current, registry):
        if requests >= max_hops:
            return Expansion(start, current, tuple(hops), requests, f"more than {max_hops} hops")
        try:
            answer = client.head(current)
            requests += 1
            if answer.status is None or answer.status in HEAD_REFUSED:
                answer = client.get(current)
                requests += 1
        except FetchError as exc:  # BlockedAddressError included: never requested
            return Expansion(start, current, tuple(hops), requests, str(exc))
        location = answer.headers.get("location")
        if answer.status not in REDIRECT_STATUSES or not location:
            problem = answer.error or f"HTTP {answer.status} without a redirect"
            return Expansion(start, current, tuple(hops), requests, problem)
        try:
            current = canonicalize_url(urljoin(current, location.strip()))
        except (InvalidSignalError, ValueError) as exc:
            return Expansion(start, current, tuple(hops), requests, f"bad redirect: {exc}")
        hops.append(current)
    result = Expansion(start, current, tuple(hops), requests)
    if cache is not None:
        cache.put(result)
    return result

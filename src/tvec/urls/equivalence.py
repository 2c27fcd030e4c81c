"""URL equivalence: the variants of one address that name the same content.

Tech Against Terrorism's TCAP URL lists, and the platforms that act on them, treat these
spellings of an address as one piece of content; a bank URL matches every one of them.
:func:`url_match_key` maps a canonical URL (:func:`tvec.urls.canonicalize_url`, which has
already lower-cased the scheme and host, removed default ports, tracking parameters and the
fragment) to the key that equivalent URLs share. Rules, each with an example of two URLs it
makes equal (``docs/outlinks.md``, "URL equivalence"):

1. **Scheme**: ``http`` and ``https`` are the same (``http://t.me/x`` = ``https://t.me/x``).
   ``ftp`` stays apart.
2. **www**: a leading ``www.`` (also ``www2.`` .. ``www9.``) is dropped when something is
   left below the registrable domain or it is the registrable domain's own subdomain
   (``www.example.com/a`` = ``example.com/a``).
3. **Mobile hosts**: a leading ``m.``, ``mobile.``, ``mbasic.`` or ``touch.`` subdomain is
   dropped (``m.facebook.com/p`` = ``facebook.com/p``, ``mobile.twitter.com/u`` =
   ``twitter.com/u``); never when that label is part of the registrable domain (``m.me``,
   Messenger's own domain, stays ``m.me``).
4. **Trailing slash**: one trailing ``/`` of a non-empty path is dropped (``t.me/x/`` =
   ``t.me/x``); the root ``/`` and an empty path are the same.
5. **Tracking parameters and fragments**: already removed by canonicalisation (a fragment
   kept there, on hosts where it names the content, stays part of the key).

The path's case and the query (order and values) are kept: on most hosts they name the
content. Keys are ``//host/path?query`` strings: not URLs, only for comparing.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tvec.urls.suffixes import split_host

#: Subdomain labels that only choose the mobile version of a site.
MOBILE_LABELS: frozenset[str] = frozenset({"m", "mobile", "mbasic", "touch"})
_WWW = re.compile(r"www\d?")
#: Schemes that name the same resource at the same host and path.
WEB_SCHEMES = frozenset({"http", "https"})


def _host_key(host: str) -> str:
    """``host`` without a leading ``www`` or mobile label above its registrable domain."""
    if host.startswith("[") or not host:
        return host
    parts = split_host(host)
    registrable = parts.site or parts.registrable_domain
    if not registrable or registrable == host or not host.endswith("." + registrable):
        return host
    labels = host[: -len(registrable) - 1].split(".")
    while labels and (_WWW.fullmatch(labels[0]) or labels[0] in MOBILE_LABELS):
        labels.pop(0)
    return ".".join([*labels, registrable])


def url_match_key(canonical: str) -> str:
    """The key that every equivalent spelling of ``canonical`` shares (rules above).

    Args:
        canonical: a URL already canonicalised by :func:`tvec.urls.canonicalize_url`.

    Returns:
        ``//host[:port]/path[?query]`` for http(s) URLs; other schemes keep theirs
        (``ftp://host/path``). Never raises: a string that does not split as a URL is its
        own key.
    """
    try:
        parts = urlsplit(canonical)
    except ValueError:
        return canonical
    if not parts.netloc:
        return canonical
    host = parts.hostname or ""
    netloc = parts.netloc
    if host:
        key_host = _host_key(host)
        if key_host != host:
            netloc = netloc.replace(host, key_host, 1) if "@" not in netloc else netloc
    path = parts.path
    if path.endswith("/"):
        path = path.rstrip("/")
    scheme = "" if parts.scheme in WEB_SCHEMES else parts.scheme + ":"
    query = f"?{parts.query}" if parts.query else ""
    fragment = f"#{parts.fragment}" if parts.fragment else ""  # kept only where it names content
    return f"{scheme}//{netloc}{path}{query}{fragment}"

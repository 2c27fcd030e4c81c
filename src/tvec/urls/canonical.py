"""One canonical spelling per URL, so that the same out-link is stored and matched once.

:func:`canonicalize_url` applies these rules, in this order (``docs/outlinks.md`` has the same
list with examples):

1. Surrounding whitespace is stripped; an empty string, or one with whitespace or control
   characters inside, is not a URL.
2. Defanged schemes are re-armed: ``hxxp``/``hxxps`` (any case) become ``http``/``https``.
   Backslashes become slashes, as browsers read them in web URLs (so
   ``https://example.com\\@evil.example/`` is a page on ``example.com``, not on
   ``evil.example``).
3. A URL without a scheme (``example.com/x``, as TCAP exports give them) gets ``https://``;
   so does a protocol-relative one (``//example.com/x``). A scheme-less host must contain a
   dot (or be an IP address), so a lone word is not taken for a URL.
4. Only ``http``, ``https`` and ``ftp`` are accepted; ``mailto:``, ``javascript:``,
   ``data:``, ``file:`` and the rest are not out-links.
5. The scheme and host are lower-cased; a trailing dot on the host is dropped.
6. A host with non-ASCII characters is converted to IDNA (punycode) with the ``idna``
   package (IDNA 2008 with UTS #46 mapping, so full-width letters and ``。`` are mapped
   first); a host that IDNA 2008 refuses (emoji domains, for instance) falls back to
   Python's built-in ``idna`` codec (IDNA 2003). ASCII hosts may hold letters, digits,
   ``-`` and ``_``; labels are 1 to 63 characters. IPv6 literals stay in brackets.
7. Default ports are removed (``:80`` for http, ``:443`` for https, ``:21`` for ftp); a port
   that is not a number from 0 to 65535 makes the input invalid.
8. Percent-encoding is normalised in the user info, path and query: escapes of unreserved
   characters (``A-Z a-z 0-9 - . _ ~``) are decoded, the other escapes get upper-case hex,
   and characters that may not appear literally (non-ASCII as UTF-8, ``"<>^`{|}``,
   a ``%`` that starts no escape) are encoded.
9. Dot segments (``/./``, ``/../``) are removed from the path (RFC 3986, 5.2.4); an empty
   path becomes ``/``. The path keeps its case.
10. Tracking parameters are removed from the query: every name in
    :data:`TRACKING_PARAMETERS` and every name that starts with a prefix in
    :data:`TRACKING_PARAMETER_PREFIXES`, compared case-insensitively. The other parameters
    keep their order and spelling; empty ``&&`` pieces go; an empty query is removed.
11. The fragment is dropped, except on hosts under :data:`CONTENT_FRAGMENT_DOMAINS`, where
    it names or unlocks the content (``mega.nz/#!id!key``, ``mega.nz/file/id#key``, Proton
    Drive and PrivateBin keys): there it is kept, its escapes normalised as in a query.
    That set mirrors the platform registry's ``content_fragment: true`` rows
    (``tvec/platforms/platforms.yaml``; a test keeps the two equal). Elsewhere this loses
    single-page-app routes such as ``#!/user``.

The rules are idempotent: ``canonicalize_url(canonicalize_url(u)) == canonicalize_url(u)``.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

import idna

from tvec.errors import InvalidSignalError

#: Longest URL tvec stores as an out-link, a ``url`` signal, a bank value or an order's URL,
#: in UTF-8 bytes: PostgreSQL's btree index rows hold at most about 2,700 bytes, and these
#: values are indexed. Longer URLs still match banks through their ``url_md5``.
MAX_URL_BYTES = 2048

#: Query parameters that only track the click, never name the content (compared in lower case).
TRACKING_PARAMETERS: frozenset[str] = frozenset(
    {
        "fbclid",  # Facebook click id
        "gclid",  # Google Ads click id
        "dclid",  # Google Display click id
        "gbraid",  # Google Ads (iOS) click id
        "wbraid",  # Google Ads (web to app) click id
        "msclkid",  # Microsoft Ads click id
        "yclid",  # Yandex click id
        "twclid",  # X/Twitter Ads click id
        "ttclid",  # TikTok Ads click id
        "si",  # YouTube and Spotify share id
        "igshid",  # Instagram share id
        "igsh",  # Instagram share id (newer)
        "mc_cid",  # Mailchimp campaign id
        "mc_eid",  # Mailchimp subscriber id
        "_ga",  # Google Analytics cross-domain id
        "_gl",  # Google Analytics cross-domain linker
        "ref_src",  # X/Twitter referrer source
        "ref_url",  # X/Twitter referrer URL
        "mkt_tok",  # Marketo
        "_hsenc",  # HubSpot
        "_hsmi",  # HubSpot
        "oly_anon_id",  # Omeda
        "oly_enc_id",  # Omeda
        "vero_id",  # Vero
        "rb_clickid",  # Rakuten
        "s_cid",  # Adobe campaign id
    }
)

#: Prefixes of tracking parameter names (compared in lower case).
TRACKING_PARAMETER_PREFIXES: tuple[str, ...] = ("utm_",)

#: Default port of each accepted scheme; these are the only schemes accepted.
#: Domains (and their sub-domains) whose URL fragment identifies the content (rule 11): the
#: platform registry's rows with ``content_fragment: true``.
CONTENT_FRAGMENT_DOMAINS: frozenset[str] = frozenset(
    {"mega.nz", "mega.co.nz", "mega.io", "drive.proton.me", "privatebin.net"}
)

DEFAULT_PORTS: dict[str, int] = {"http": 80, "https": 443, "ftp": 21}

_DEFANGED_SCHEME = re.compile(r"^hxxp(s?)(?=:)", re.IGNORECASE)
_HAS_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_PORT_ONLY = re.compile(r"^[^/?#:@]+:(?:\d+(?:[/?#]|$)|$)")
_ASCII_LABEL = re.compile(r"^[a-z0-9_-]{1,63}$")
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_IPV6 = re.compile(r"^\[[0-9a-f:.]+\]$")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_WHITESPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_SUB_DELIMS = frozenset("!$&'()*+,;=")
_PATH_SAFE = _UNRESERVED | _SUB_DELIMS | frozenset(":@/")
_QUERY_SAFE = _PATH_SAFE | frozenset("?")
_USERINFO_SAFE = _UNRESERVED | _SUB_DELIMS | frozenset(":")


def canonicalize_url(url: str) -> str:
    """Return the canonical form of ``url`` (rules in the module docstring).

    Args:
        url: an absolute URL, a scheme-less one (``example.com/x``) or a defanged one
            (``hxxps://example.com``).

    Returns:
        ``scheme://host[:port]/path[?query]`` with the rules applied.

    Raises:
        InvalidSignalError: ``url`` is not an http, https or ftp URL (source is the input,
            problem says what is wrong).
    """
    text = url.strip()
    if not text:
        raise InvalidSignalError(url, "empty URL")
    if _WHITESPACE_OR_CONTROL.search(text):
        raise InvalidSignalError(url, "URL contains whitespace or control characters")
    text = _DEFANGED_SCHEME.sub(lambda m: "http" + m.group(1), text).replace("\\", "/")
    text, had_scheme = _with_scheme(url, text)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise InvalidSignalError(url, f"cannot be parsed as a URL ({error})") from error
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidSignalError(url, f"scheme {scheme!r} is not http, https or ftp")
    host = _canonical_host(url, parts, had_scheme)
    netloc = host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{port}"
    userinfo = _userinfo(parts)
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    path = _remove_dot_segments(_normalise_escapes(parts.path, _PATH_SAFE)) or "/"
    if not path.startswith("/"):
        path = "/" + path
    query = _strip_tracking(parts.query)
    fragment = ""
    if parts.fragment and keeps_fragment(host):
        fragment = "#" + _normalise_escapes(parts.fragment, _QUERY_SAFE)
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "") + fragment


def keeps_fragment(host: str) -> bool:
    """Whether URLs on ``host`` (canonical, lower-case) keep their fragment (rule 11)."""
    labels = host.split(".")
    return any(".".join(labels[i:]) in CONTENT_FRAGMENT_DOMAINS for i in range(len(labels)))


def _with_scheme(original: str, text: str) -> tuple[str, bool]:
    """Return ``text`` with a scheme, and whether it had one (rule 3)."""
    if text.startswith("//"):
        return "https:" + text, False
    match = _HAS_SCHEME.match(text)
    if match and not _PORT_ONLY.match(text):
        if text[match.end() : match.end() + 2] != "//":
            raise InvalidSignalError(
                original, f"scheme {match.group(1).lower()!r} is not a web URL"
            )
        return text, True
    return "https://" + text, False


def _canonical_host(original: str, parts: SplitResult, had_scheme: bool) -> str:
    """Lower-case, IDNA-encode and check the host (rules 5 and 6)."""
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if netloc.startswith("["):
        host = netloc[: netloc.find("]") + 1].lower()
        if not _IPV6.match(host):
            raise InvalidSignalError(original, "invalid IPv6 host")
        return host
    host = parts.hostname or ""
    if "%" in host:
        host = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), host)
    if host.endswith("."):
        host = host[:-1]
    if not host:
        raise InvalidSignalError(original, "URL has no host")
    if not host.isascii():
        host = _idna_encode(original, host)
    host = host.lower()
    labels = host.split(".")
    if len(host) > 253 or not all(_ASCII_LABEL.match(label) for label in labels):
        raise InvalidSignalError(original, f"invalid host name {host!r}")
    if not had_scheme and len(labels) < 2:
        raise InvalidSignalError(original, "a URL without a scheme needs a dotted host name")
    if _IPV4.match(host) and any(int(label) > 255 for label in labels):
        raise InvalidSignalError(original, f"invalid IPv4 address {host!r}")
    return host


def _idna_encode(original: str, host: str) -> str:
    """Punycode ``host`` with the idna package, falling back to Python's IDNA 2003 codec."""
    try:
        return idna.encode(host, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError:
        pass
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise InvalidSignalError(original, f"host {host!r} is not a valid IDNA name") from error


def _userinfo(parts: SplitResult) -> str:
    if "@" not in parts.netloc:
        return ""
    return _normalise_escapes(parts.netloc.rsplit("@", 1)[0], _USERINFO_SAFE)


def _normalise_escapes(text: str, safe: frozenset[str]) -> str:
    """Decode escapes of unreserved characters, upper-case the others, encode the unsafe."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "%" and _ESCAPE.match(text, i):
            decoded = chr(int(text[i + 1 : i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else text[i : i + 3].upper())
            i += 3
            continue
        if ch in safe:
            out.append(ch)
        else:
            out.extend(f"%{byte:02X}" for byte in ch.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, on a path whose escapes are already normalised."""
    if "." not in path:
        return path
    segments = path.split("/")
    output: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    if path.startswith("/") and not result.startswith("/"):
        result = "/" + result
    return result


def _is_tracking(name: str) -> bool:
    key = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), name).lower()
    return key in TRACKING_PARAMETERS or key.startswith(TRACKING_PARAMETER_PREFIXES)


def _strip_tracking(query: str) -> str:
    """Drop tracking parameters and empty pieces; normalise escapes of the rest (rule 10)."""
    kept: list[str] = []
    for piece in query.split("&"):
        if not piece:
            continue
        if _is_tracking(piece.split("=", 1)[0]):
            continue
        kept.append(_normalise_escapes(piece, _QUERY_SAFE))
    return "&".join(kept)

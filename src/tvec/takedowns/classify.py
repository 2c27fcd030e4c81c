"""Classifying one visit to an alerted URL: online, removed, unreachable or unknown.

The result of one visit (:func:`classify`), in this order of precedence:

* an error before any answer: a refused address (the URL or a redirect leads to a private,
  loopback or link-local address such as ``169.254.169.254`` or ``10.0.0.1``), a connection
  failure, a timeout or an unresolvable host -> ``unreachable``; a bad URL or more than
  ``TVEC_HTTP_MAX_REDIRECTS`` redirects -> ``unknown``;
* HTTP ``404`` -> ``removed`` (route ``http_404``); ``410`` -> ``removed`` (``http_410``);
* ``429`` and ``5xx`` (after the HTTP client's retries) -> ``unreachable``;
* a redirect whose final URL has a login path of the platform -> ``removed``
  (``login_redirect``), unless the platform's row sets ``login_redirect: false``;
* a redirect to the home page (path ``/`` or empty, same registrable domain, the alerted URL
  not being the home page) -> ``removed`` (``home_redirect``), unless ``home_redirect: false``;
* a ``2xx`` text page holding a removal marker of the platform or of ``"*"`` -> ``removed``
  (``marker``); a ``2xx`` page cut at ``TVEC_HTTP_MAX_BYTES`` without a marker in what was
  read -> ``unknown``; any other ``2xx`` -> ``online``;
* anything else (``401``, ``403``, ``451``, other ``4xx``) -> ``unknown`` with the reason.

Removal markers and login paths are data (:mod:`tvec.takedowns.markers`, next to the platform
registry); the rules are in ``docs/status-checks.md``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from tvec.errors import BlockedAddressError, FetchError
from tvec.net.http import FetchAttempt, FetchResult
from tvec.takedowns.markers import PlatformRules
from tvec.urls.suffixes import split_host

#: Media types whose body is searched for removal markers (besides ``text/*``).
TEXT_MEDIA_TYPES = frozenset(
    {"application/json", "application/xhtml+xml", "application/xml", "application/javascript"}
)

#: A tag: no ``<`` inside, so a page of ``<`` without ``>`` costs linear time, not quadratic
#: (``<[^>]*>`` tried the rest of the page from every ``<``: hours for 50 MiB).
_TAG = re.compile(r"<[^<>]*>")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class CheckOutcome:
    """What one visit established.

    Attributes:
        result: ``online``, ``removed``, ``unreachable`` or ``unknown``
            (:data:`tvec.store.models.alerts.CHECK_RESULTS`).
        http_status: the final HTTP status, ``None`` when there was no answer.
        final_url: the URL after redirects (or the one refused or failing).
        route: how a removal was recognised (:data:`tvec.store.models.alerts.REMOVAL_ROUTES`),
            ``None`` for other results.
        reason: why, in words (the HTTP status, the marker found, the refused address...).
    """

    result: str
    http_status: int | None
    final_url: str | None
    route: str | None
    reason: str


def page_text(result: FetchResult) -> str | None:
    """The text searched for removal markers, ``None`` for a body that is not text.

    Two views joined by a newline: the body as decoded (charset of ``Content-Type``, else
    UTF-8, undecodable bytes replaced), for ``re:`` markers aimed at markup or embedded
    JSON; and the same with tags replaced by spaces, HTML entities and ``\\uXXXX`` escapes
    decoded and white space collapsed, for phrases.
    """
    content_type = result.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type and not (
        media_type.startswith("text/")
        or media_type in TEXT_MEDIA_TYPES
        or media_type.endswith(("+json", "+xml"))
    ):
        return None
    charset = "utf-8"
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    try:
        raw = result.content.decode(charset, errors="replace")
    except LookupError:
        raw = result.content.decode("utf-8", errors="replace")
    text = html.unescape(_TAG.sub(" ", raw))
    text = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return raw + "\n" + _SPACE.sub(" ", text)


def _site(host: str) -> str:
    parts = split_host(host.lower().rstrip("."))
    return parts.registrable_domain or parts.host


def _is_home_redirect(url: str, final_url: str) -> bool:
    before, after = urlsplit(url), urlsplit(final_url)
    if after.path not in ("", "/"):
        return False
    if before.path in ("", "/") and not before.query:
        return False  # the alerted URL is the home page itself
    return _site(before.hostname or "") == _site(after.hostname or "")


def _removed(result: FetchResult, route: str, reason: str) -> CheckOutcome:
    return CheckOutcome("removed", result.status, result.url, route, reason)


def _classify_error(attempt: FetchAttempt, error: FetchError) -> CheckOutcome:
    if isinstance(error, BlockedAddressError):
        where = "redirect to " if attempt.redirects else ""
        reason = f"{where}{attempt.url} {error.problem}"
        return CheckOutcome("unreachable", None, attempt.url, None, reason)
    cause = error.__cause__
    if isinstance(cause, httpx.TransportError | OSError):
        return CheckOutcome("unreachable", None, attempt.url, None, error.problem)
    return CheckOutcome("unknown", None, attempt.url, None, error.problem)


def classify(url: str, outcome: FetchAttempt, markers: PlatformRules) -> CheckOutcome:
    """Decide what one visit of ``url`` found (rules and precedence in the module docstring).

    Args:
        url: the URL visited (the alerted URL).
        outcome: the visit, from :meth:`tvec.net.http.HttpClient.try_fetch`.
        markers: the rules of the URL's platform (:meth:`RemovalMarkers.rules_for`).

    Pure: no I/O, no clock.
    """
    if outcome.error is not None or outcome.result is None:
        error = outcome.error or FetchError(url, "no answer")
        return _classify_error(outcome, error)
    result = outcome.result
    status = result.status
    if status == 404:
        return _removed(result, "http_404", "HTTP 404 Not Found")
    if status == 410:
        return _removed(result, "http_410", "HTTP 410 Gone")
    if status == 429 or status >= 500:
        return CheckOutcome("unreachable", status, result.url, None, f"HTTP {status}")
    if outcome.redirects:
        path = urlsplit(result.url).path
        if markers.login_redirect and markers.is_login_path(path):
            return _removed(result, "login_redirect", f"redirected to a login page ({path})")
        if markers.home_redirect and _is_home_redirect(url, result.url):
            return _removed(result, "home_redirect", "redirected to the home page")
    if 200 <= status < 300:
        text = page_text(result)
        if text is not None:
            marker = markers.marker_in(text)
            if marker is not None:
                return _removed(result, "marker", f"removal marker {marker.text!r} in the page")
            if result.truncated:
                return CheckOutcome(
                    "unknown",
                    status,
                    result.url,
                    None,
                    f"page cut at {len(result.content)} bytes (TVEC_HTTP_MAX_BYTES) with no "
                    "removal marker in what was read",
                )
        return CheckOutcome("online", status, result.url, None, f"HTTP {status}")
    if status in (401, 403):
        reason = f"HTTP {status}: access refused, cannot tell whether the content is online"
    elif status == 451:
        reason = (
            "HTTP 451: withheld for legal reasons where tvec checks from (not counted as removed)"
        )
    elif 300 <= status < 400:
        reason = f"HTTP {status} without a Location to follow"
    else:
        reason = f"HTTP {status}"
    return CheckOutcome("unknown", status, result.url, None, reason)

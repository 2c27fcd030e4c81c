"""The ``url`` and ``url_md5`` signals of an item's out-links: a pure function, so a scan's
workers compute them for posts and the writer for files with text."""

from __future__ import annotations

from tvec.errors import InputError, InvalidSignalError
from tvec.outlinks import extract_outlinks
from tvec.outlinks.sightings import MAX_OUTLINK_BYTES
from tvec.signals import SignalValue
from tvec.signals.url_md5 import url_md5_signal
from tvec.urls import canonicalize_url


def url_signals(
    locator: str, links: list[str], text: str
) -> tuple[list[SignalValue], list[dict[str, str]], list[InputError]]:
    """The out-link signals of an item with explicit ``links`` and ``text``.

    Returns ``(signals, outlinks, errors)``: the ``url`` and ``url_md5`` signals; the
    out-links to track, ``[{"url": canonical URL, "seen": text as written}]`` (the item's
    ``meta['outlinks']``); and one ``invalid_signal`` error (naming ``locator``) per URL
    longer than :data:`MAX_OUTLINK_BYTES`, which gets only its ``url_md5`` signal (it
    still matches banks) and is not tracked: PostgreSQL cannot index such values, and one
    of them must not stop a scan.
    """
    seen: dict[str, str] = {}
    for link in links:
        try:
            seen.setdefault(canonicalize_url(link), link)
        except InvalidSignalError:
            continue
    for found in extract_outlinks(text):
        if any(found.seen != link and found.seen.startswith(link) for link in links):
            # An explicit link (a Telegram ``link`` entity) says where the URL ends; the
            # entity after it ("...issue7" + "archive") is not part of it.
            continue
        seen.setdefault(found.canonical, found.seen)
    signals: list[SignalValue] = []
    tracked: dict[str, str] = {}
    errors: list[InputError] = []
    for url, text_seen in seen.items():
        size = len(url.encode("utf-8"))
        if size > MAX_OUTLINK_BYTES:
            errors.append(
                InvalidSignalError(
                    locator,
                    f"a URL of {size:,} bytes ({url[:60]}...) is longer than the "
                    f"{MAX_OUTLINK_BYTES:,}-byte limit of out-links: matched by its "
                    "url_md5 only, not tracked as an out-link",
                )
            )
            signals.append(url_md5_signal(url))
            continue
        tracked[url] = text_seen
        signals.extend((SignalValue("url", url), url_md5_signal(url)))
    outlinks = [{"url": url, "seen": text_seen} for url, text_seen in tracked.items()]
    return signals, outlinks, errors

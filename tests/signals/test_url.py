"""``url``: canonical out-link URL (exact); produced by scans, not by hashing."""

from __future__ import annotations

from tvec.media import URL
from tvec.signals.url import URLSignal

from .contract import SignalTypeContract


class TestURL(SignalTypeContract):
    signal_type = URLSignal
    content_types = frozenset({URL})
    valid = (
        ("https://example.com/a", "https://example.com/a"),
        ("HTTPS://Example.COM:443/a?utm_source=x&id=7#top", "https://example.com/a?id=7"),
        ("hxxp://example.org", "http://example.org/"),
        ("t.me/somechannel", "https://t.me/somechannel"),
    )
    invalid = ("", "mailto:someone@example.com", "javascript:alert(1)", "just words", "http://a b/")
    equal_pairs = (("https://example.com/a?fbclid=1", "HTTPS://EXAMPLE.com/a"),)
    far_pairs = (("https://example.com/a", "https://example.com/A", 1),)

"""URL equivalence (issue 15, part 8): the variants TCAP treats as one content, rule by rule."""

from __future__ import annotations

import pytest

from tvec.urls import canonicalize_url
from tvec.urls.equivalence import url_match_key


def key(url: str) -> str:
    return url_match_key(canonicalize_url(url))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("http://t.me/x", "https://t.me/x/"),  # scheme + trailing slash (the case)
        ("https://www.example.com/a", "https://example.com/a"),  # www
        ("https://www2.example.com/a", "https://example.com/a"),
        ("https://m.facebook.com/story?id=1", "https://www.facebook.com/story?id=1"),  # mobile
        ("https://mobile.twitter.com/user", "https://twitter.com/user"),
        ("https://mbasic.facebook.com/p", "https://facebook.com/p"),
        ("https://example.com", "http://example.com/"),  # root
        ("https://example.com/a?utm_source=x", "https://example.com/a"),  # tracking
        ("https://example.com/a#frag", "https://example.com/a"),  # fragment
        ("https://www.m.example.co.uk/a/", "http://example.co.uk/a"),
    ],
)
def test_equivalent_spellings_share_a_key(a: str, b: str) -> None:
    assert key(a) == key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://t.me/x", "https://t.me/X"),  # path case names the content
        ("https://example.com/a?id=1", "https://example.com/a?id=2"),
        ("ftp://example.com/a", "https://example.com/a"),
        ("https://files.example.com/a", "https://example.com/a"),  # other subdomains stay
        ("https://example.com:8443/a", "https://example.com/a"),
    ],
)
def test_different_content_keeps_different_keys(a: str, b: str) -> None:
    assert key(a) != key(b)


def test_m_me_is_not_stripped() -> None:
    assert key("https://m.me/page") == "//m.me/page"


def test_keys_are_idempotent_inputs() -> None:
    for url in ("http://WWW.Example.COM/A/", "https://m.facebook.com/x/?a=1"):
        assert key(url) == key(key(url).replace("//", "https://", 1))

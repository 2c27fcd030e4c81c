"""canonicalize_url: one table row per rule (numbers as in tvec.urls.canonical)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tvec.errors import InputError, InvalidSignalError
from tvec.urls import TRACKING_PARAMETERS, canonicalize_url

CANONICAL_CASES: list[tuple[str, str, str]] = [
    # (rule, input, canonical)
    ("1 strip", "  https://example.com/a  ", "https://example.com/a"),
    ("2 hxxp", "hxxp://example.com/a", "http://example.com/a"),
    ("2 hxxps", "hxxps://example.com/a", "https://example.com/a"),
    ("2 hXXps any case", "hXXps://example.com/", "https://example.com/"),
    (
        "2 backslash as browsers read it",
        "https://example.com\\@evil.example/a\\b",
        "https://example.com/@evil.example/a/b",
    ),
    ("3 no scheme", "example.com/x", "https://example.com/x"),
    ("3 no scheme, host only", "t.me", "https://t.me/"),
    ("3 no scheme with port", "example.com:8080/x", "https://example.com:8080/x"),
    ("3 protocol-relative", "//cdn.example.com/x.js", "https://cdn.example.com/x.js"),
    ("4 ftp kept", "FTP://files.example.com/a.zip", "ftp://files.example.com/a.zip"),
    ("5 scheme lower-case", "HTTPS://example.com/", "https://example.com/"),
    ("5 host lower-case", "https://ExAmPlE.COM/Path", "https://example.com/Path"),
    ("5 trailing dot", "https://example.com./a", "https://example.com/a"),
    ("6 IDNA umlaut", "https://bücher.de/", "https://xn--bcher-kva.de/"),
    ("6 IDNA Cyrillic", "пример.рф", "https://xn--e1afmkfd.xn--p1ai/"),
    (
        "6 IDNA Arabic",
        "https://موقع.وزارة-الاتصالات.مصر/",
        "https://xn--4gbrim.xn----ymcbaaajlc6dj7bxne2c.xn--wgbh1c/",
    ),
    ("6 full-width host", "https://ｅｘａｍｐｌｅ．ｃｏｍ/a", "https://example.com/a"),
    ("6 ideographic full stop", "https://example。com/", "https://example.com/"),
    ("6 upper-case A-label", "https://XN--BCHER-KVA.de/", "https://xn--bcher-kva.de/"),
    ("6 emoji falls back to IDNA 2003", "https://i❤.ws/", "https://xn--i-7iq.ws/"),
    ("6 IPv4 kept", "http://192.0.2.1/x", "http://192.0.2.1/x"),
    ("6 IPv6 kept", "http://[2001:DB8::1]:8080/", "http://[2001:db8::1]:8080/"),
    ("6 escaped host", "https://ex%61mple.com/", "https://example.com/"),
    ("7 http default port", "http://example.com:80/a", "http://example.com/a"),
    ("7 https default port", "https://example.com:443/a", "https://example.com/a"),
    ("7 ftp default port", "ftp://example.com:21/a", "ftp://example.com/a"),
    ("7 other port kept", "https://example.com:8443/a", "https://example.com:8443/a"),
    ("7 empty port", "https://example.com:/a", "https://example.com/a"),
    ("8 decode unreserved", "https://example.com/%7Euser/%41%2d", "https://example.com/~user/A-"),
    ("8 upper-case escapes", "https://example.com/a%2fb%3f", "https://example.com/a%2Fb%3F"),
    ("8 encode non-ASCII", "https://example.com/€", "https://example.com/%E2%82%AC"),
    (
        "8 encode Arabic path",
        "https://example.com/سلام",
        "https://example.com/%D8%B3%D9%84%D8%A7%D9%85",
    ),
    (
        "8 encode unsafe",
        'https://example.com/a"b<c>{d}|e^`',
        "https://example.com/a%22b%3Cc%3E%7Bd%7D%7Ce%5E%60",
    ),
    ("8 lone percent", "https://example.com/100%", "https://example.com/100%25"),
    (
        "8 query escapes",
        "https://example.com/?q=%e2%82%ac+x&r=%41",
        "https://example.com/?q=%E2%82%AC+x&r=A",
    ),
    ("8 user info", "https://us%65r:pa%73s@example.com/", "https://user:pass@example.com/"),
    (
        "8 sub-delims kept",
        "https://example.com/a;b=c,d!$&'()*+",
        "https://example.com/a;b=c,d!$&'()*+",
    ),
    ("9 dot segments", "https://example.com/a/./b/../c", "https://example.com/a/c"),
    ("9 dot segments above root", "https://example.com/../../a", "https://example.com/a"),
    ("9 encoded dot segments", "https://example.com/a/%2E%2E/b", "https://example.com/b"),
    ("9 trailing dot segment", "https://example.com/a/b/..", "https://example.com/a/"),
    ("9 empty path", "https://example.com", "https://example.com/"),
    ("9 empty path with query", "https://example.com?a=1", "https://example.com/?a=1"),
    ("9 path case kept", "https://t.me/ChannelName", "https://t.me/ChannelName"),
    (
        "10 utm_*",
        "https://example.com/a?utm_source=x&utm_medium=y&id=3",
        "https://example.com/a?id=3",
    ),
    ("10 fbclid", "https://example.com/?fbclid=IwAR0", "https://example.com/"),
    ("10 gclid", "https://example.com/?a=1&gclid=x", "https://example.com/?a=1"),
    ("10 si", "https://youtu.be/abc?si=xyz", "https://youtu.be/abc"),
    ("10 igshid", "https://www.instagram.com/p/x/?igshid=abc", "https://www.instagram.com/p/x/"),
    ("10 mc_cid mc_eid", "https://example.com/?mc_cid=1&mc_eid=2&p=3", "https://example.com/?p=3"),
    ("10 yclid", "https://example.com/?yclid=5", "https://example.com/"),
    ("10 _ga", "https://example.com/?_ga=2.1&x=1", "https://example.com/?x=1"),
    (
        "10 ref_src",
        "https://twitter.com/u/status/1?ref_src=twsrc%5Etfw",
        "https://twitter.com/u/status/1",
    ),
    (
        "10 case-insensitive names",
        "https://example.com/?UTM_Source=x&FBCLID=y&v=1",
        "https://example.com/?v=1",
    ),
    ("10 escaped name", "https://example.com/?utm%5Fsource=x&v=1", "https://example.com/?v=1"),
    ("10 order kept", "https://example.com/?b=2&utm_id=1&a=1", "https://example.com/?b=2&a=1"),
    ("10 empty pieces", "https://example.com/?a=1&&b=2&", "https://example.com/?a=1&b=2"),
    ("10 empty query removed", "https://example.com/a?", "https://example.com/a"),
    (
        "10 value-less parameter kept",
        "https://example.com/?flag&x=",
        "https://example.com/?flag&x=",
    ),
    ("11 fragment dropped", "https://example.com/a#section", "https://example.com/a"),
    ("11 mega key kept", "https://mega.nz/file/AbCd#key", "https://mega.nz/file/AbCd#key"),
    ("11 old mega link kept", "https://MEGA.nz/#!AbCd!k%7ey", "https://mega.nz/#!AbCd!k~y"),
    ("11 mega sub-domain", "https://www.mega.nz/folder/x#y", "https://www.mega.nz/folder/x#y"),
    (
        "11 proton key kept",
        "https://drive.proton.me/urls/AB#c",
        "https://drive.proton.me/urls/AB#c",
    ),
    ("11 not a lookalike", "https://notmega.nz/file/a#k", "https://notmega.nz/file/a"),
]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(raw, expected) for _rule, raw, expected in CANONICAL_CASES],
    ids=[rule for rule, _raw, _expected in CANONICAL_CASES],
)
def test_canonicalize_url(raw: str, expected: str) -> None:
    assert canonicalize_url(raw) == expected


@pytest.mark.parametrize(("_rule", "raw", "expected"), CANONICAL_CASES)
def test_canonical_form_is_a_fixed_point(_rule: str, raw: str, expected: str) -> None:
    assert canonicalize_url(expected) == expected


NOT_URLS: list[tuple[str, str]] = [
    ("", "empty"),
    ("   ", "empty"),
    ("https://exa mple.com/", "whitespace"),
    ("https://example.com/a\nb", "whitespace"),
    ("https://example.com/\x00", "control"),
    ("mailto:abuse@example.com", "scheme"),
    ("javascript:alert(1)", "scheme"),
    ("data:text/html,hi", "scheme"),
    ("file:///etc/passwd", "scheme"),
    ("gopher://example.com/", "scheme"),
    ("foo", "dotted"),
    ("localhost:8080", "dotted"),
    ("https://", "no host"),
    ("https:///path", "no host"),
    ("https://a..b/", "invalid host"),
    ("https://exa$mple.com/", "invalid host"),
    ("https://example.com:99999/", "parsed"),
    ("https://example.com:http/", "parsed"),
    ("https://999.1.1.1/", "IPv4"),
    ("https://" + "a" * 64 + ".com/", "invalid host"),
]


@pytest.mark.parametrize(("raw", "problem"), NOT_URLS)
def test_not_a_url_raises_invalid_signal_error(raw: str, problem: str) -> None:
    with pytest.raises(InvalidSignalError) as caught:
        canonicalize_url(raw)
    assert isinstance(caught.value, InputError)
    assert caught.value.source == raw
    assert problem in caught.value.problem


def test_tracking_parameter_list_is_documented() -> None:
    for name in ("fbclid", "gclid", "si", "igshid", "mc_cid", "mc_eid", "yclid", "_ga", "ref_src"):
        assert name in TRACKING_PARAMETERS
        assert canonicalize_url(f"https://example.com/?{name}=1") == "https://example.com/"


_host_label = st.text(alphabet=st.sampled_from("abcXYZ019-_äöüжبك"), min_size=1, max_size=10)
_path_text = st.text(
    alphabet=st.sampled_from("aZ09-._~%/!$&'()*+,;=:@?#[] \"<>\\^`{|}é€س"), max_size=30
)


@st.composite
def _url_like(draw: st.DrawFn) -> str:
    scheme = draw(
        st.sampled_from(["", "http://", "https://", "HTTPS://", "hxxps://", "ftp://", "//"])
    )
    host = ".".join(draw(st.lists(_host_label, min_size=1, max_size=4)))
    host += draw(st.sampled_from(["", ".", ".com", ".co.uk", ".рф"]))
    port = draw(st.sampled_from(["", ":80", ":443", ":8080", ":"]))
    return scheme + host + port + draw(st.sampled_from(["", "/"])) + draw(_path_text)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_url_like(), st.text(max_size=60)))
@example("https://example.com/a/%2E%2E/%2e/b?utm_source=1&x=%7e#f")
@example("hxxps://ｅｘａｍｐｌｅ．ｃｏｍ/%")
def test_canonicalize_url_is_idempotent(raw: str) -> None:
    try:
        once = canonicalize_url(raw)
    except InvalidSignalError:
        return
    assert canonicalize_url(once) == once
    assert once.isascii()

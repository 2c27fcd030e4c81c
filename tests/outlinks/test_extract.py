"""extract_outlinks and extract_from_html: table-driven, one row per trick or rule."""

from __future__ import annotations

import socket
from typing import NoReturn

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tvec.outlinks import FoundLink, extract_from_html, extract_outlinks
from tvec.urls import canonicalize_url
from tvec.urls import suffixes as suffixes_module

# (case id, text, [(canonical, seen), ...] in order). ``seen`` must equal text[start:end].
EXTRACT_CASES: list[tuple[str, str, list[tuple[str, str]]]] = [
    # --- ordinary links
    (
        "https",
        "see https://example.com/a for more",
        [("https://example.com/a", "https://example.com/a")],
    ),
    ("http", "http://example.org", [("http://example.org/", "http://example.org")]),
    (
        "ftp",
        "ftp://files.example.net/pub/a.zip",
        [("ftp://files.example.net/pub/a.zip", "ftp://files.example.net/pub/a.zip")],
    ),
    (
        "upper-case scheme",
        "HTTPS://EXAMPLE.COM/A",
        [("https://example.com/A", "HTTPS://EXAMPLE.COM/A")],
    ),
    ("www", "go to www.example.com now", [("https://www.example.com/", "www.example.com")]),
    (
        "www with path",
        "www.example.com/page?id=2",
        [("https://www.example.com/page?id=2", "www.example.com/page?id=2")],
    ),
    (
        "bare domain",
        "join t.me/channel_name today",
        [("https://t.me/channel_name", "t.me/channel_name")],
    ),
    ("bare domain no path", "mirror at example.org", [("https://example.org/", "example.org")]),
    (
        "co.uk suffix",
        "news.example.co.uk/story",
        [("https://news.example.co.uk/story", "news.example.co.uk/story")],
    ),
    (
        "port",
        "http://example.com:8080/x",
        [("http://example.com:8080/x", "http://example.com:8080/x")],
    ),
    (
        "ip with scheme",
        "http://192.0.2.7/a.mp4",
        [("http://192.0.2.7/a.mp4", "http://192.0.2.7/a.mp4")],
    ),
    (
        "query and fragment",
        "https://example.com/v?id=1&utm_source=tg#t=10",
        [("https://example.com/v?id=1", "https://example.com/v?id=1&utm_source=tg#t=10")],
    ),
    (
        "two links",
        "a https://a.example.com b https://b.example.com",
        [
            ("https://a.example.com/", "https://a.example.com"),
            ("https://b.example.com/", "https://b.example.com"),
        ],
    ),
    (
        "newline separated",
        "https://a.example.com\nhttps://b.example.com/x",
        [
            ("https://a.example.com/", "https://a.example.com"),
            ("https://b.example.com/x", "https://b.example.com/x"),
        ],
    ),
    (
        "text glued before scheme",
        "link:https://example.com/a",
        [("https://example.com/a", "https://example.com/a")],
    ),
    (
        "IDN bare",
        "пример.рф/путь",
        [("https://xn--e1afmkfd.xn--p1ai/%D0%BF%D1%83%D1%82%D1%8C", "пример.рф/путь")],
    ),
    ("IDN umlaut", "bücher.de", [("https://xn--bcher-kva.de/", "bücher.de")]),
    (
        "userinfo",
        "ftp://anon:x@files.example.com/a",
        [("ftp://anon:x@files.example.com/a", "ftp://anon:x@files.example.com/a")],
    ),
    # --- defanged schemes and separators
    ("hxxp", "hxxp://example.com/a", [("http://example.com/a", "hxxp://example.com/a")]),
    ("hxxps", "hxxps://example.com/a", [("https://example.com/a", "hxxps://example.com/a")]),
    ("hXXps", "hXXps://example.com/a", [("https://example.com/a", "hXXps://example.com/a")]),
    (
        "bracket colon",
        "hxxps[:]//example.com/a",
        [("https://example.com/a", "hxxps[:]//example.com/a")],
    ),
    (
        "bracket separator",
        "https[://]example.com/a",
        [("https://example.com/a", "https[://]example.com/a")],
    ),
    (
        "fxp",
        "fxp://files.example.com/a",
        [("ftp://files.example.com/a", "fxp://files.example.com/a")],
    ),
    # --- defanged dots
    ("[.]", "example[.]com/path", [("https://example.com/path", "example[.]com/path")]),
    ("(.)", "example(.)com/path", [("https://example.com/path", "example(.)com/path")]),
    ("{.}", "example{.}com", [("https://example.com/", "example{.}com")]),
    ("[dot]", "example[dot]com/x", [("https://example.com/x", "example[dot]com/x")]),
    ("(dot)", "example(dot)com/x", [("https://example.com/x", "example(dot)com/x")]),
    ("[DOT] upper", "example[DOT]com", [("https://example.com/", "example[DOT]com")]),
    ("[ . ] spaced", "example [ . ] com", [("https://example.com/", "example [ . ] com")]),
    ("( dot ) spaced", "example (dot) com/x", [("https://example.com/x", "example (dot) com/x")]),
    (" dot ", "visit example dot com today", [("https://example.com/", "example dot com")]),
    (" DOT ", "files DOT fm/u/abc", [("https://files.fm/u/abc", "files DOT fm/u/abc")]),
    (
        " dot twice",
        "news dot example dot org",
        [("https://news.example.org/", "news dot example dot org")],
    ),
    (
        "hxxp and [.]",
        "hxxps://evil[.]example[.]com/a",
        [("https://evil.example.com/a", "hxxps://evil[.]example[.]com/a")],
    ),
    (
        "space before dot",
        "example . com/path",
        [("https://example.com/path", "example . com/path")],
    ),
    ("space before dot only", "example .com", [("https://example.com/", "example .com")]),
    ("spaced t.me", "t . me/channel", [("https://t.me/channel", "t . me/channel")]),
    # --- prose that names a suffix is not a link (issue 15 part 7)
    ("the .int", "the .int domain is for treaties", []),
    ("ends with .com", "the address ends with .com or .org", []),
    ("files in .zip", "send files in .zip form", []),
    ("a .onion", "it runs as a .onion service", []),
    # --- spaced and split schemes
    (
        "fully spaced",
        "join h t t p s : / / t . m e / x today",
        [("https://t.me/x", "h t t p s : / / t . m e / x")],
    ),
    (
        "spaced scheme, plain host",
        "h t t p s : / / example.com/a b",
        [("https://example.com/a", "h t t p s : / / example.com/a")],
    ),
    ("split scheme", "ht tps:/ /t.me/z ok", [("https://t.me/z", "ht tps:/ /t.me/z")]),
    ("space before colon", "https ://t.me/y", [("https://t.me/y", "https ://t.me/y")]),
    ("spaced defanged", "h x x p s : / / t.me/q", [("https://t.me/q", "h x x p s : / / t.me/q")]),
    # --- full-width and look-alike characters
    ("full-width", "ｅｘａｍｐｌｅ．ｃｏｍ", [("https://example.com/", "ｅｘａｍｐｌｅ．ｃｏｍ")]),
    (
        "full-width path",
        "ｔ．ｍｅ／ｃｈａｎｎｅｌ",
        [("https://t.me/channel", "ｔ．ｍｅ／ｃｈａｎｎｅｌ")],
    ),
    (
        "full-width scheme",
        "ｈｔｔｐｓ：／／example.com/a",
        [("https://example.com/a", "ｈｔｔｐｓ：／／example.com/a")],
    ),
    ("ideographic full stop", "example。com/x", [("https://example.com/x", "example。com/x")]),
    ("math bold", "𝐞𝐱𝐚𝐦𝐩𝐥𝐞.com", [("https://example.com/", "𝐞𝐱𝐚𝐦𝐩𝐥𝐞.com")]),
    # --- invisible characters
    ("ZWSP in host", "exam\u200bple.com", [("https://example.com/", "exam\u200bple.com")]),
    ("ZWNJ", "t\u200c.me/x", [("https://t.me/x", "t\u200c.me/x")]),
    ("ZWJ", "https://exa\u200dmple.com", [("https://example.com/", "https://exa\u200dmple.com")]),
    ("word joiner", "example\u2060.com/a", [("https://example.com/a", "example\u2060.com/a")]),
    ("BOM", "\ufeffexample.com", [("https://example.com/", "example.com")]),
    (
        "soft hyphen",
        "exam\u00adple.com/a\u00adb",
        [("https://example.com/ab", "exam\u00adple.com/a\u00adb")],
    ),
    (
        "ZW in path",
        "https://t.me/chan\u200bnel",
        [("https://t.me/channel", "https://t.me/chan\u200bnel")],
    ),
    ("ZW around dot", "t\u200b.\u200bme/x", [("https://t.me/x", "t\u200b.\u200bme/x")]),
    # --- Arabic-script text
    (
        "arabic comma",
        "انظر https://t.me/channel، ثم",
        [("https://t.me/channel", "https://t.me/channel")],
    ),
    (
        "arabic comma glued",
        "https://t.me/channel،ثم",
        [("https://t.me/channel", "https://t.me/channel")],
    ),
    ("arabic full stop", "الرابط example.org۔", [("https://example.org/", "example.org")]),
    (
        "arabic question mark",
        "هل رأيت example.net/a؟",
        [("https://example.net/a", "example.net/a")],
    ),
    (
        "arabic semicolon",
        "t.me/x؛ t.me/y",
        [("https://t.me/x", "t.me/x"), ("https://t.me/y", "t.me/y")],
    ),
    ("arabic letters after host", "example.comثم", [("https://example.com/", "example.com")]),
    ("arabic letters before host", "موقعexample.com", [("https://example.com/", "example.com")]),
    ("RLM after link", "https://t.me/x\u200fقناة", [("https://t.me/x", "https://t.me/x")]),
    (
        "arabic path kept",
        "https://ar.example.com/wiki/سلام",
        [
            (
                "https://ar.example.com/wiki/%D8%B3%D9%84%D8%A7%D9%85",
                "https://ar.example.com/wiki/سلام",
            )
        ],
    ),
    (
        "arabic glued to path",
        "https://t.me/channelقناة",
        [("https://t.me/channel", "https://t.me/channel")],
    ),
    ("arabic glued to bare path", "t.me/xقناة", [("https://t.me/x", "t.me/x")]),
    ("arabic guillemets", "«https://t.me/x»", [("https://t.me/x", "https://t.me/x")]),
    # --- trailing punctuation, brackets, quotes
    (
        "trailing full stop",
        "Visit https://example.com/a.",
        [("https://example.com/a", "https://example.com/a")],
    ),
    (
        "trailing comma",
        "https://example.com/a, then",
        [("https://example.com/a", "https://example.com/a")],
    ),
    (
        "trailing ellipsis",
        "https://example.com/a...",
        [("https://example.com/a", "https://example.com/a")],
    ),
    (
        "trailing question",
        "seen https://example.com/a?",
        [("https://example.com/a", "https://example.com/a")],
    ),
    ("trailing exclamation", "example.com!", [("https://example.com/", "example.com")]),
    (
        "parentheses",
        "(see https://example.com/a)",
        [("https://example.com/a", "https://example.com/a")],
    ),
    (
        "balanced parens kept",
        "https://en.example.org/wiki/A_(b)",
        [("https://en.example.org/wiki/A_(b)", "https://en.example.org/wiki/A_(b)")],
    ),
    (
        "markdown link",
        "[here](https://example.com/x)",
        [("https://example.com/x", "https://example.com/x")],
    ),
    (
        "square brackets",
        "[https://example.com/x]",
        [("https://example.com/x", "https://example.com/x")],
    ),
    (
        "double quotes",
        '"https://example.com/x"',
        [("https://example.com/x", "https://example.com/x")],
    ),
    (
        "single quotes",
        "'https://example.com/x'",
        [("https://example.com/x", "https://example.com/x")],
    ),
    (
        "curly quotes",
        "“https://example.com/x”",
        [("https://example.com/x", "https://example.com/x")],
    ),
    (
        "angle brackets",
        "<https://example.com/x>",
        [("https://example.com/x", "https://example.com/x")],
    ),
    (
        "markdown bold",
        "**https://example.com/x**",
        [("https://example.com/x", "https://example.com/x")],
    ),
    ("sentence with domain", "It moved to example.com.", [("https://example.com/", "example.com")]),
    (
        "mixed-case word after",
        "see example.com.Next time",
        [("https://example.com/", "example.com")],
    ),
    # --- deduplication
    ("dedup same", "https://t.me/x and https://t.me/x", [("https://t.me/x", "https://t.me/x")]),
    (
        "dedup variants",
        "t.me/x HTTPS://T.ME/x?utm_source=a hxxps://t[.]me/x#f",
        [("https://t.me/x", "t.me/x")],
    ),
    # --- not links
    ("e.g. i.e.", "e.g. this and i.e. that", []),
    ("Mr.Smith", "Mr.Smith said hello", []),
    ("version", "upgrade to v1.2.3 or 2.0.1", []),
    ("decimal", "it costs 3.14 dollars", []),
    ("file name pdf", "read report.pdf today", []),
    ("file name py", "run setup.py and notes.md", []),
    ("file name zip", "download archive.zip now", []),
    (
        "zip with path is a link",
        "archive.zip/file",
        [("https://archive.zip/file", "archive.zip/file")],
    ),
    ("bare IPv4", "server 192.168.1.1 down", []),
    ("e-mail", "write to abuse@example.com", []),
    ("e-mail local part with dots", "john.smith@example.org", []),
    ("dot com bubble", "the dot com bubble", []),
    ("sentence break", "I went home. Com was there", []),
    ("unknown suffix", "see example.notatld", []),
    ("mailto not a link", "mailto:abuse@example.com", []),
    ("title case suffix", "Visit Example.Com", []),
    ("empty", "", []),
    ("only scheme", "https://", []),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [(text, expected) for _case, text, expected in EXTRACT_CASES],
    ids=[case for case, _text, _expected in EXTRACT_CASES],
)
def test_extract_outlinks(text: str, expected: list[tuple[str, str]]) -> None:
    found = extract_outlinks(text)
    assert [(link.canonical, link.seen) for link in found] == expected
    for link in found:
        assert text[link.start : link.end] == link.seen


def test_dedup_keeps_first_span() -> None:
    text = "first https://t.me/x then t.me/x"
    assert extract_outlinks(text) == [FoundLink("https://t.me/x", "https://t.me/x", 6, 20)]


def test_spans_point_into_original_after_invisible_characters() -> None:
    text = "\u200b\u200bx https://exa\u200bmple.com/a y"
    (link,) = extract_outlinks(text)
    assert (link.start, link.end) == (4, 26)
    assert link.seen == "https://exa\u200bmple.com/a"


def test_found_link_is_frozen() -> None:
    link = FoundLink("https://t.me/x", "t.me/x", 0, 6)
    with pytest.raises(AttributeError):
        link.start = 1  # type: ignore[misc]


def test_public_suffix_list_is_never_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> NoReturn:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    suffixes_module._extractor.cache_clear()
    suffixes_module.split_host.cache_clear()
    try:
        assert suffixes_module.split_host("news.bbc.co.uk").registrable_domain == "bbc.co.uk"
        assert [link.canonical for link in extract_outlinks("x.blogspot.com")] == [
            "https://x.blogspot.com/"
        ]
    finally:
        suffixes_module._extractor.cache_clear()
        suffixes_module.split_host.cache_clear()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "dot",
                " . ",
                "[.]",
                "hxxps://",
                "www.",
                ".com",
                "t.me/",
                "\u200b",
                "\u00ad",
                "\u200f",
                "a",
                "b",
                "x",
                "-",
                "_",
                ".",
                "/",
                ":",
                "?",
                "#",
                "(",
                ")",
                "[",
                "]",
                " ",
                "\n",
                "@",
                "%",
                "0",
                "9",
                "،",
                "؟",
                "۔",
                "قناة",
                "ｅ",
                "．",
                "／",
                "。",
                '"',
                "'",
            ]
        ),
        max_size=40,
    ).map("".join)
    | st.text(max_size=60)
)
def test_extraction_never_raises_and_spans_hold(text: str) -> None:
    found = extract_outlinks(text)
    canonicals = [link.canonical for link in found]
    assert len(canonicals) == len(set(canonicals))
    for link in found:
        assert 0 <= link.start < link.end <= len(text)
        assert text[link.start : link.end] == link.seen
        assert canonicalize_url(link.canonical) == link.canonical
    starts = [link.start for link in found]
    assert starts == sorted(starts)


# --- HTML -------------------------------------------------------------------------------------

HTML_CASES: list[tuple[str, str, str | None, list[str]]] = [
    ("a href", '<a href="https://t.me/x">x</a>', None, ["https://t.me/x"]),
    ("img src", "<img src='https://i.example.com/a.png'>", None, ["https://i.example.com/a.png"]),
    (
        "video src",
        '<video src="https://v.example.com/a.mp4"></video>',
        None,
        ["https://v.example.com/a.mp4"],
    ),
    (
        "video source",
        '<video><source src="https://v.example.com/b.webm"></video>',
        None,
        ["https://v.example.com/b.webm"],
    ),
    (
        "iframe",
        '<iframe src="https://www.youtube.com/embed/x"></iframe>',
        None,
        ["https://www.youtube.com/embed/x"],
    ),
    (
        "relative resolved",
        '<a href="/p/1?utm_source=x">1</a>',
        "https://example.com/a/b",
        ["https://example.com/p/1"],
    ),
    ("relative without base dropped", '<a href="/p/1">1</a>', None, []),
    (
        "protocol-relative",
        '<img src="//cdn.example.com/i.png">',
        None,
        ["https://cdn.example.com/i.png"],
    ),
    (
        "base tag",
        '<base href="https://base.example.org/d/"><a href="x">x</a>',
        None,
        ["https://base.example.org/d/x"],
    ),
    ("mailto dropped", '<a href="mailto:a@example.com">m</a>', "https://example.com/", []),
    ("javascript dropped", '<a href="javascript:alert(1)">j</a>', "https://example.com/", []),
    ("data dropped", '<img src="data:image/png;base64,AAAA">', "https://example.com/", []),
    ("ftp dropped", '<a href="ftp://example.com/a">f</a>', None, []),
    (
        "entities decoded",
        '<a href="https://example.com/?a=1&amp;b=2">e</a>',
        None,
        ["https://example.com/?a=1&b=2"],
    ),
    (
        "dedup",
        '<a href="https://t.me/x">1</a><a href="https://t.me/x#y">2</a>',
        None,
        ["https://t.me/x"],
    ),
    (
        "other tags ignored",
        '<link href="https://example.com/s.css"><script src="https://example.com/s.js">',
        None,
        [],
    ),
    (
        "unquoted and upper-case",
        "<A HREF=https://example.com/u>u</A>",
        None,
        ["https://example.com/u"],
    ),
    (
        "self-closing img",
        '<img src="https://example.com/i.png"/>',
        None,
        ["https://example.com/i.png"],
    ),
    (
        "malformed html",
        '<div><a href="https://example.com/m">m<p></div',
        None,
        ["https://example.com/m"],
    ),
]


@pytest.mark.parametrize(
    ("html", "base_url", "expected"),
    [(html, base, expected) for _case, html, base, expected in HTML_CASES],
    ids=[case for case, _html, _base, _expected in HTML_CASES],
)
def test_extract_from_html(html: str, base_url: str | None, expected: list[str]) -> None:
    found = extract_from_html(html, base_url)
    assert [link.canonical for link in found] == expected
    for link in found:
        assert html[link.start : link.end] == link.seen


def test_html_spans_on_later_lines() -> None:
    html = '<p>intro</p>\n<p>\n  <a class="x" href="https://t.me/y">y</a></p>'
    (link,) = extract_from_html(html, None)
    assert link.seen == "https://t.me/y"
    assert html[link.start : link.end] == "https://t.me/y"

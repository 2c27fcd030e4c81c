"""Fuzzing every input parser tvec owns (issue 16, acceptance: "a fuzzing run of each input
parser ... for a bounded time in CI, with any crash it finds fixed and kept as a test").

Each parser gets hypothesis-generated input: arbitrary text and bytes, and documents built
from a valid one with fields replaced by arbitrary JSON values or text. The property: the
parser answers (items, rows, a value) or raises tvec's root error
(:class:`tvec.errors.TvecError`, the documented subtypes for each parser); never another
exception, never a hang (each example has :data:`EXAMPLE_SECONDS`).

Bounded: :data:`EXAMPLES` examples per parser (``TVEC_FUZZ_EXAMPLES`` to run more locally),
no example database, no deadline. Crashes found so far are kept below as explicit
regression tests (``test_regression_*``).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tvec.banks.formats import FORMATS, detect_format, read_rows
from tvec.entities import EntityRegistry
from tvec.errors import ConfigError, InputError, InvalidSignalError, TvecError, UsageError
from tvec.orders.intake import read_order_file
from tvec.outlinks import extract_from_html, extract_outlinks
from tvec.platforms import PlatformRegistry
from tvec.settings import load_settings
from tvec.sources.feed import feed_items, parse_feed
from tvec.sources.jsonl import read_jsonl
from tvec.sources.mapping import JSONL_DEFAULT, PostMapping
from tvec.sources.posts_csv import read_posts_csv, read_posts_jsonl
from tvec.sources.telegram import read_export
from tvec.urls import canonicalize_url

EXAMPLES = int(os.environ.get("TVEC_FUZZ_EXAMPLES", "120"))
#: Most seconds one example may take before it counts as a hang.
EXAMPLE_SECONDS = 20

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@contextlib.contextmanager
def within(seconds: int = EXAMPLE_SECONDS) -> Iterator[None]:
    """Fail (TimeoutError) when the body runs longer than ``seconds``: a hang is a failure."""

    def hang(signum: int, frame: object) -> None:
        raise TimeoutError(f"one example ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def only_tvec_errors(call: Callable[[], Any], *allowed: type[TvecError]) -> Any:
    """``call()``; a TvecError of one of ``allowed`` (default: any) passes, anything else fails."""
    with within():
        try:
            return call()
        except TvecError as exc:
            if allowed and not isinstance(exc, allowed):
                raise AssertionError(f"{type(exc).__name__} not in {allowed}: {exc}") from exc
            assert str(exc).strip(), "an error without a message"
            return None


# --- strategies ------------------------------------------------------------------------------

#: JSON values, nested a little (what a hostile file may hold at any key).
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
#: Text that looks like what parsers meet: markup, URLs, separators, odd characters.
TRICKY_CHARS = [
    *string.printable,
    "\x00",
    "\ufeff",
    "\u200b",
    "\u202e",
    "\ud800",
    "é",
    "ß",
    "İ",
    "ـ",
    "字",
]
TRICKY_WORDS = ["http://", "https://", "hxxp://", "[.]", "%2", "%zz", "xn--", "://", ".."]
tricky_text = st.lists(st.sampled_from(TRICKY_CHARS + TRICKY_WORDS), max_size=60).map("".join)
any_text = st.one_of(st.text(max_size=300), tricky_text)


def mutated(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """``base`` with some keys replaced by arbitrary values, some removed, some added."""
    keys = sorted(base)
    return st.builds(
        lambda replace, drop, add: {
            **{k: v for k, v in base.items() if k not in drop},
            **replace,
            **add,
        },
        st.dictionaries(st.sampled_from(keys), json_values | any_text, max_size=3),
        st.sets(st.sampled_from(keys), max_size=2),
        st.dictionaries(st.text(max_size=8), json_values, max_size=1),
    )


# --- removal order files (orders/) ----------------------------------------------------------

ORDER = {
    "reference": "R-1",
    "authority": "Bundeskriminalamt",
    "member_state": "DE",
    "received_at": "2024-05-01T12:00:00+02:00",
    "urls": ["https://video.example/v/1"],
    "reasons": "Incites terrorist offences.",
}


@FUZZ
@given(document=mutated(ORDER) | json_values)
def test_order_files(tmp_path: Path, document: Any) -> None:
    path = tmp_path / "order.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    only_tvec_errors(lambda: read_order_file(path), UsageError)


@FUZZ
@given(data=st.binary(max_size=300) | any_text.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_order_files_of_any_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "order.json"
    path.write_bytes(data)
    only_tvec_errors(lambda: read_order_file(path), UsageError)


# --- entity and platform files (entities/files.py, platforms/files.py) ---------------------

ENTITY = {"id": "a", "name": "A", "ideology": "other", "source": "https://x.org"}
LISTS = {"UK": {"jurisdiction": "UK", "name": "Proscribed", "source": "https://x.org"}}


@FUZZ
@given(
    entity=mutated(ENTITY),
    extra=st.lists(json_values, max_size=2),
    lists=mutated(LISTS) | json_values,
)
def test_entity_files(entity: dict[str, Any], extra: list[Any], lists: Any) -> None:
    document = {"lists": lists, "entities": [entity, *extra]}
    only_tvec_errors(lambda: EntityRegistry.from_data(document, "fuzz.yaml"), ConfigError)
    text = yaml.safe_dump(document, allow_unicode=True)
    only_tvec_errors(lambda: EntityRegistry.from_yaml(text, "fuzz.yaml"), ConfigError)


@FUZZ
@given(text=any_text)
def test_entity_files_of_any_text(text: str) -> None:
    only_tvec_errors(lambda: EntityRegistry.from_yaml(text, "fuzz.yaml"), ConfigError)


PLATFORM = {
    "name": "Locker",
    "kind": "file_sharing",
    "domains": ["Locker.example"],
    "abuse_email": "abuse@locker.example",
    "source": "an analyst",
}


@FUZZ
@given(rows=st.lists(mutated(PLATFORM) | json_values, min_size=1, max_size=3))
def test_platform_files(rows: list[Any]) -> None:
    only_tvec_errors(lambda: PlatformRegistry.from_rows(rows), ConfigError)


# --- settings.env ----------------------------------------------------------------------------

SETTING_LINES = st.one_of(
    any_text,
    st.builds(
        lambda name, value: f"{name}={value}",
        st.sampled_from(
            [
                "TVEC_WORKERS",
                "TVEC_HTTP_MAX_BYTES",
                "TVEC_INCLUSION_POLICY",
                "TVEC_PDQ_THRESHOLD",
                "TVEC_CONFIDENCE_WEIGHTS",
                "TVEC_DATABASE_URL",
                "TVEC_OUTBOUND_ALLOW_HOSTS",
                "TVEC_HOME",
                "TVEC_SECRET_KEY",
                "TVEC_NOPE",
                "export TVEC_PROGRESS",
            ]
        ),
        any_text | json_values.map(json.dumps),
    ),
)


@FUZZ
@given(lines=st.lists(SETTING_LINES, max_size=4))
def test_settings_files(tmp_path_factory: pytest.TempPathFactory, lines: list[str]) -> None:
    home = tmp_path_factory.mktemp("home")
    (home / "settings.env").write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
    clean = {k: v for k, v in os.environ.items() if k.startswith("TVEC_")}
    try:
        for key in clean:
            del os.environ[key]
        only_tvec_errors(lambda: load_settings(home=home, progress=False), ConfigError)
    finally:
        os.environ.update(clean)


# --- bank files (banks/formats.py) ----------------------------------------------------------

BANK_LINES = st.one_of(
    any_text,
    st.builds(
        lambda kind, value, rest: ",".join([kind, value, *rest]),
        st.sampled_from(["pdq", "md5", "sha256", "url", "text", "signal_type", "video_md5", "x"]),
        any_text,
        st.lists(any_text, max_size=4),
    ),
    st.builds(
        lambda kind, value: f"{kind} {value}", st.sampled_from(["pdq", "url", "#"]), any_text
    ),
)


@FUZZ
@given(lines=st.lists(BANK_LINES, max_size=5), fmt=st.sampled_from([*FORMATS, "auto"]))
def test_bank_files(lines: list[str], fmt: str) -> None:
    text = "\n".join(lines)

    def read() -> list[Any]:
        chosen = detect_format(text) if fmt == "auto" else fmt
        return list(read_rows(text, chosen))

    only_tvec_errors(read, UsageError, InvalidSignalError)


@FUZZ
@given(
    rows=st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "ID",
                    "URL",
                    "Protocol",
                    "Created On",
                    "Description",
                    "Core Terrorist Group - Terrorist Group Fk → Name",
                ]
            ),
            any_text,
            max_size=6,
        ),
        max_size=4,
    )
)
def test_tcap_bank_files(rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    columns = [
        "ID",
        "URL",
        "Protocol",
        "Created On",
        "Description",
        "Core Terrorist Group - Terrorist Group Fk → Name",
    ]
    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    only_tvec_errors(
        lambda: list(read_rows(out.getvalue(), "tcap")), UsageError, InvalidSignalError
    )


# --- Telegram JSON exports, JSON Lines posts, CSV posts (sources/) --------------------------

MESSAGE = {
    "id": 1,
    "type": "message",
    "date": "2026-11-01T10:00:00",
    "date_unixtime": "1793527200",
    "from": "Channel",
    "text": ["see ", {"type": "link", "text": "https://files.fm/u/x"}],
    "text_entities": [{"type": "link", "text": "https://files.fm/u/x"}],
    "photo": "photos/photo_1.jpg",
}


def _items(items: Any) -> list[Any]:
    found = list(items)
    for item in found:
        assert item.locator and item.name
        assert item.error is None or isinstance(item.error, InputError)
    return found


@FUZZ
@given(
    message=mutated(MESSAGE),
    chat=mutated({"name": "Channel", "type": "public_channel", "id": 7}),
    shape=st.sampled_from(["chat", "chats", "raw"]),
)
def test_telegram_exports(
    tmp_path_factory: pytest.TempPathFactory,
    message: dict[str, Any],
    chat: dict[str, Any],
    shape: str,
) -> None:
    folder = tmp_path_factory.mktemp("export")
    one = {**chat, "messages": [message]}
    document: Any = {"chats": {"list": [one]}} if shape == "chats" else one
    if shape == "raw":
        document = message
    (folder / "result.json").write_text(json.dumps(document), encoding="utf-8")
    only_tvec_errors(lambda: _items(read_export(folder / "result.json")))


@FUZZ
@given(data=st.binary(max_size=300))
def test_telegram_exports_of_any_bytes(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    folder = tmp_path_factory.mktemp("export")
    (folder / "result.json").write_bytes(data)
    only_tvec_errors(lambda: _items(read_export(folder / "result.json")))


POST = {
    "id": "p1",
    "text": "see https://files.fm/u/x",
    "url": "https://t.me/c/1",
    "posted_at": "2026-11-01T10:00:00Z",
    "media": ["a.jpg"],
}


@FUZZ
@given(
    posts=st.lists(mutated(POST) | json_values, max_size=3),
    junk=st.lists(st.binary(max_size=40), max_size=2),
)
def test_json_lines_posts(
    tmp_path_factory: pytest.TempPathFactory, posts: list[Any], junk: list[bytes]
) -> None:
    folder = tmp_path_factory.mktemp("posts")
    path = folder / "posts.jsonl"
    lines = [json.dumps(p).encode() for p in posts] + junk
    path.write_bytes(b"\n".join(lines))
    only_tvec_errors(lambda: _items(read_jsonl(path)))
    only_tvec_errors(
        lambda: _items(read_posts_jsonl(path, JSONL_DEFAULT, origin="https://x.example/p"))
    )


@FUZZ
@given(
    mapping=st.dictionaries(
        st.sampled_from(["id", "text", "url", "posted_at", "links", "author", "media", "x"]),
        any_text,
        max_size=4,
    ),
    rows=st.lists(st.lists(any_text, max_size=4), max_size=3),
    raw=st.none() | any_text,
)
def test_csv_posts(
    tmp_path_factory: pytest.TempPathFactory,
    mapping: dict[str, str],
    rows: list[list[str]],
    raw: str | None,
) -> None:
    folder = tmp_path_factory.mktemp("posts")
    path = folder / "posts.csv"
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
    text = out.getvalue() if raw is None else raw + "\n" + out.getvalue()
    path.write_text(text, encoding="utf-8", errors="surrogatepass")

    def read() -> list[Any]:
        return _items(read_posts_csv(path, PostMapping.from_dict(mapping), origin=str(path)))

    only_tvec_errors(read)


# --- feeds (small documents, read in process) -------------------------------------------------

FEED_PARTS = st.sampled_from(
    [
        "<rss>",
        "</rss>",
        "<channel>",
        "<item>",
        "</item>",
        "<title>",
        "</title>",
        "<link>",
        "</link>",
        "<guid>",
        "<description>",
        "<![CDATA[",
        "]]>",
        "<entry>",
        "<feed xmlns=",
        "&amp;",
        "&#0;",
        "&#x110000;",
        "<a href='",
        "'>",
        "<!DOCTYPE x [<!ENTITY e 'x'>]>",
        "&e;",
        "<pubDate>",
        "Sun, 01 Nov 2026 10:00:00 GMT",
        "http://",
        "javascript:",
        "{",
        "}",
        '"items":',
        '"version": "https://jsonfeed.org/version/1.1"',
        "[",
        "]",
    ]
)


@FUZZ
@given(parts=st.lists(FEED_PARTS | tricky_text, max_size=12), json_type=st.booleans())
def test_feeds(parts: list[str], json_type: bool) -> None:
    data = "".join(parts).encode("utf-8", "surrogatepass")
    headers = {"content-type": "application/feed+json" if json_type else "application/rss+xml"}

    def read() -> list[Any]:
        parsed = parse_feed(data, url="https://x.example/feed", headers=headers)
        return _items(feed_items(parsed, "https://x.example/feed", "feed"))

    only_tvec_errors(read)


# --- URLs and out-links (urls/canonical.py, outlinks/) ---------------------------------------

URL_PARTS = st.sampled_from(
    [
        "http://",
        "https://",
        "HTTP://",
        "ftp://",
        "//",
        "hxxps://",
        "[",
        "]",
        "::1",
        "[::1]",
        "127.0.0.1",
        "0x7f.1",
        "xn--",
        "xn--zz",
        "example.com",
        "EXAMPLE.com.",
        "..",
        ".",
        "/",
        "?",
        "#",
        "&",
        "=",
        "utm_source=x",
        "%",
        "%2F",
        "%zz",
        "%00",
        ":",
        ":80",
        ":99999",
        "@",
        "user:pw@",
        "\\",
        " ",
        "\t",
        "é",
        "ß",
        "字",
        "\u200b",
        "\ufeff",
        "t.me",
        "a" * 70,
    ]
)
urls = st.lists(URL_PARTS | tricky_text, max_size=10).map("".join)


@FUZZ
@given(url=urls | any_text)
def test_url_canonicalisation(url: str) -> None:
    result = only_tvec_errors(lambda: canonicalize_url(url), InvalidSignalError)
    if result is not None:
        again = only_tvec_errors(lambda: canonicalize_url(result), InvalidSignalError)
        assert again == result, f"not idempotent: {url!r} -> {result!r} -> {again!r}"


@FUZZ
@given(text=st.lists(URL_PARTS | tricky_text, max_size=12).map(" ".join) | any_text)
def test_outlink_extraction(text: str) -> None:
    links = only_tvec_errors(lambda: extract_outlinks(text))
    for link in links or []:
        assert text[link.start : link.end] == link.seen
        assert canonicalize_url(link.canonical) == link.canonical


HTML_PARTS = st.sampled_from(
    [
        "<a href='",
        '<a href="',
        "'>",
        '">',
        "</a>",
        "<base href='",
        "<img src=",
        "<iframe src=",
        "<video><source src=",
        "<!--",
        "-->",
        "</",
        "<",
        ">",
        "&amp;",
        "javascript:",
        "data:",
    ]
)


@FUZZ
@given(
    parts=st.lists(HTML_PARTS | URL_PARTS | tricky_text, max_size=14),
    base=st.none() | urls,
)
def test_html_outlink_extraction(parts: list[str], base: str | None) -> None:
    html = "".join(parts)
    only_tvec_errors(lambda: extract_from_html(html, base))


# --- crashes the fuzzing found, kept as explicit tests ---------------------------------------


@pytest.mark.parametrize("row", [None, 7, "Locker", ["name", "Locker"]])
def test_regression_a_platform_row_that_is_not_a_mapping_is_a_config_error(row: Any) -> None:
    """A YAML list of platform rows holding ``null`` or a number raised AttributeError."""
    with pytest.raises(ConfigError, match=r"platform row 1: expected a mapping, not "):
        PlatformRegistry.from_rows([row])


def test_regression_an_unreadable_tcap_header_is_a_usage_error() -> None:
    """A bare carriage return inside the header row raised csv.Error out of the reader."""
    with pytest.raises(UsageError, match="header row cannot be read"):
        list(read_rows('a,b\rc"', "tcap"))


def test_regression_an_unreadable_csv_posts_header_is_an_item_error(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text('text,url\rx"\nhello,https://x.example/1\n', encoding="utf-8")
    (item,) = read_posts_csv(path, PostMapping(text="text"), origin=str(path))
    assert item.error is not None and "header row cannot be read" in str(item.error)


def test_regression_a_character_reference_out_of_range_keeps_the_item() -> None:
    """feedparser raised ValueError (chr() arg not in range) for ``&#x110000;``; the
    reference now becomes U+FFFD before parsing and the entry is kept (issue 15)."""
    data = b"<rss><channel><item><title>a&#x110000;b</title></item></channel></rss>"
    parsed = parse_feed(data, headers={"content-type": "application/rss+xml"})
    (item,) = feed_items(parsed, "https://x.example/feed", "feed")
    assert item.error is None and item.text == "a\ufffdb"


def test_yaml_text_with_a_lone_surrogate_is_a_config_error() -> None:
    # found by test_entity_files_of_any_text in CI: libyaml's loader (the fast one the
    # entities and removal markers are read with) encodes the text first and raised
    # UnicodeEncodeError, not a YAML error
    from tvec.takedowns.markers import _parse_text

    for text in ("\ud800", "lists: {}\nentities: []\n# \udcff\n"):
        with pytest.raises(ConfigError, match=r"fuzz\.yaml: not valid YAML.*surrogates"):
            EntityRegistry.from_yaml(text, "fuzz.yaml")
        with pytest.raises(ConfigError, match=r"fuzz\.yaml: not valid YAML.*surrogates"):
            _parse_text(text, "fuzz.yaml", None)

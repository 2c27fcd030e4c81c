"""The named profiles and the one definition of invisible characters.

The ``hashing`` profile is checked against a copy of the text signal's normalisation as it
was before the profiles existed: banks hold hashes computed with it, so it must not change.
The other tests show, one by one, what unifying the invisible characters changed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tvec.analysis.indicators import _visible
from tvec.errors import UsageError
from tvec.outlinks import extract_outlinks
from tvec.signals.text import TextSignal, normalize_text
from tvec.text import profiles
from tvec.text.characters import (
    BIDI_CONTROLS,
    HANGUL_FILLERS,
    TAGS,
    TEXT_SIGNAL_INVISIBLE,
    VARIATION_SELECTORS,
    is_blank_invisible,
    is_invisible,
)

# The text signal's normalisation before tvec.text.profiles, verbatim: the oracle.
_OLD_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
_OLD_SPACE = re.compile(r"\s+")


def _old_normalize_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    text = _OLD_INVISIBLE.sub("", text)
    return _OLD_SPACE.sub(" ", text).strip()


# (text, sha256 of its normal form), computed with the oracle above; texts full of the
# characters where the old and the unified invisible sets differ.
PINNED_HASHES = [
    (
        "\u202eＨｅｌｌｏ\u2066 İstanbul\u2069 ΣΑΣ\ufe0f\u3164 ﷲ\u00ad",
        "12ae9f309af91daf1f56865d5470e0512f932c2e2819c907835b4e8e4d94ef37",
    ),
    (
        "IS\u200bIS\u2061 e\u0301 \U000e0041 \u034f\u180e x",
        "5f802eb18f62055b6fbb63cf03981becf61e3efc401d1f48e1259a494b4677a3",
    ),
    (
        "دا\u200cعـش\u200f \u061c tag\U000e0020",
        "7fb56f220c3301f40b5b27bc21c873056228feb114e9c94267356864fbb7f017",
    ),
]


@pytest.mark.parametrize(("text", "digest"), PINNED_HASHES)
def test_text_signal_hashes_are_unchanged(text: str, digest: str) -> None:
    value = TextSignal().hash_text(text)
    assert value is not None
    assert value.value == digest
    assert hashlib.sha256(_old_normalize_text(text).encode()).hexdigest() == digest


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_the_hashing_profile_is_the_old_normalisation(text: str) -> None:
    assert profiles.hashing(text) == _old_normalize_text(text)
    assert normalize_text(text) == _old_normalize_text(text)


def test_the_hashing_set_is_frozen_and_inside_the_shared_definition() -> None:
    old = {chr(c) for c in range(0x110000) if _OLD_INVISIBLE.fullmatch(chr(c))}
    assert frozenset(old) == TEXT_SIGNAL_INVISIBLE
    # Every character of it is invisible, but U+2065, which Unicode has not assigned.
    assert {c for c in TEXT_SIGNAL_INVISIBLE if not is_invisible(c)} == {"\u2065"}


def test_the_shared_definition_follows_unicode_properties() -> None:
    assert all(unicodedata.category(c) == "Cf" for c in BIDI_CONTROLS | TAGS)
    for char in BIDI_CONTROLS | TAGS | VARIATION_SELECTORS | HANGUL_FILLERS:
        assert is_invisible(char)
    for char in "\u200b\u200c\u200d\u2060\ufeff\u00ad\u034f\u180e\u2064":
        assert is_invisible(char)
    for char in "a \u00a0\u3000\u0301\u064e\u0640\n\t\U0001f4a3\u2065":
        assert not is_invisible(char), repr(char)
    assert is_blank_invisible("\u202e") and is_blank_invisible("\u3164")
    assert not is_blank_invisible("\u200b")


# --- what unifying the invisible characters changed, profile by profile


@pytest.mark.parametrize(
    "hidden",
    [
        "\u2061",  # function application (Cf), kept before: the link was cut to mple.com
        "\U000e0041",  # tag letter A (Cf)
        "\ufe0f",  # variation selector 16 (Mn)
        "\u034f",  # combining grapheme joiner (Mn)
    ],
)
def test_outlinks_delete_every_invisible_character(hidden: str) -> None:
    text = f"see exa{hidden}mple.com now"
    assert profiles.outlinks(text).text == "see example.com now"
    [link] = extract_outlinks(text)
    assert link.canonical == "https://example.com/"
    assert link.seen == f"exa{hidden}mple.com"


def test_outlinks_turn_bidi_controls_and_hangul_fillers_into_spaces() -> None:
    assert profiles.outlinks("a\u202eb\u3164c\u200bd").text == "a b cd"
    [link] = extract_outlinks("go\u3164example.com/a")
    assert (link.canonical, link.seen) == ("https://example.com/a", "example.com/a")


def test_matching_reports_variation_selectors_as_invisible() -> None:
    # Before, the variation selector went in the diacritics step (and widened the span of
    # the letter before it); the match form itself is the same.
    result = profiles.matching("IS\ufe0fIS")
    assert result.text == "isis"
    assert result.steps == ("invisible", "casefold")
    assert result.original_span(0, 2) == (0, 2)
    assert profiles.matching("cafe\u0301").steps == ("diacritics",)


@pytest.mark.parametrize("hidden", ["\ufe0f", "\u3164", "\u034f", "\u200b", "\u202e"])
def test_display_refuses_invisible_characters_in_one_line_fields(hidden: str) -> None:
    with pytest.raises(UsageError, match=f"U\\+{ord(hidden):04X}, an invisible"):
        profiles.display(f"REF{hidden}1", "the reference", 50)
    assert profiles.display(f"line{hidden}\nnext", "the reasons", 50, multiline=True)


def test_display_keeps_the_other_rules() -> None:
    assert profiles.display("  RT-1 ", "the reference", 10) == "RT-1"
    with pytest.raises(UsageError, match="is empty"):
        profiles.display(" \t", "the reference", 10)
    with pytest.raises(UsageError, match="U\\+0000"):
        profiles.display("a\x00b", "the reference", 10)
    with pytest.raises(UsageError, match="longer than 3"):
        profiles.display("abcd", "the reference", 3)


def test_indicators_compare_exact_aliases_without_any_invisible_character() -> None:
    assert _visible("IS\u200bIS") == "ISIS"
    assert _visible("IS\ufe0fIS\u3164") == "ISIS"  # kept before: only Cf was dropped
    assert _visible("Ｉ") == "I"

"""The offset-mapped rewriter: exact maps on hard scripts, and properties for every input."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tvec.text import profiles
from tvec.text.rewrite import MappedText, Rewriter


def _spans(mapped: MappedText) -> list[str]:
    """The original slice each output character came from."""
    return [mapped.original[s:e] for s, e in zip(mapped.starts, mapped.ends, strict=True)]


def _assert_ordered(mapped: MappedText) -> None:
    """Every output offset maps into the input, and the mapped spans are ordered."""
    size = len(mapped.original)
    assert len(mapped.starts) == len(mapped.ends) == len(mapped.text)
    for start, end in zip(mapped.starts, mapped.ends, strict=True):
        assert 0 <= start <= end <= size
    assert list(mapped.starts) == sorted(mapped.starts)
    assert list(mapped.ends) == sorted(mapped.ends)


def test_an_untouched_text_maps_each_character_to_itself() -> None:
    mapped = Rewriter("a\u0301b", ("x",)).result()
    assert mapped.text == "a\u0301b"
    assert mapped.starts == (0, 1, 2)
    assert mapped.ends == (1, 2, 3)
    assert mapped.applied == ()


def test_a_fold_that_expands_maps_every_new_character_to_its_origin() -> None:
    rewriter = Rewriter("Straße", ("casefold",))
    assert rewriter.map_chars("casefold", str.casefold)
    mapped = rewriter.result()
    assert mapped.text == "strasse"
    assert _spans(mapped) == ["S", "t", "r", "a", "ß", "ß", "e"]
    assert mapped.applied == ("casefold",)
    assert mapped.rules_between(4, 6) == ("casefold",)
    assert mapped.rules_between(1, 3) == ()


def test_combining_marks_attach_to_their_base_letter() -> None:
    # e + combining acute, then an Arabic letter with fatha and shadda.
    text = "ke\u0301b \u0628\u064e\u0651x"
    rewriter = Rewriter(text, ("marks",))
    rewriter.map_chars("marks", lambda c: "" if c in "\u0301\u064e\u0651" else c, attach=True)
    mapped = rewriter.result()
    assert mapped.text == "keb \u0628x"
    assert _spans(mapped) == ["k", "e\u0301", "b", " ", "\u0628\u064e\u0651", "x"]
    assert mapped.removed == ((2, 1), (6, 1), (7, 1))
    assert mapped.original_span(4, 5) == (5, 8)


def test_astral_characters_count_as_one_offset() -> None:
    # Mathematical bold letters and an emoji are one code point each (no surrogates).
    text = "\U0001d408\U0001d412 \U0001f4a3 x"
    result = profiles.matching(text)
    assert result.text == "is x"
    assert _spans(result) == ["\U0001d408", "\U0001d412", " \U0001f4a3 ", "x"]
    assert result.original_span(0, 2) == (0, 2)
    assert text[slice(*result.original_span(3, 4))] == "x"


def test_right_to_left_text_maps_in_logical_order() -> None:
    # Arabic with an isolate around it and a zero-width non-joiner inside a word.
    text = "\u2067\u062f\u0627\u200c\u0639\u0634\u2069 ok"
    result = profiles.matching(text)
    assert result.text == "\u062f\u0627\u0639\u0634 ok"
    assert _spans(result) == ["\u062f", "\u0627", "\u0639", "\u0634", " ", "o", "k"]
    assert result.original_span(0, 4) == (1, 6)
    assert result.steps_between(0, 4) == ("invisible",)


def test_mixed_scripts_keep_exact_offsets() -> None:
    text = "Ｉｓｌａｍｉｃ ІЅІЅ دا‌عـش"
    result = profiles.matching(text)
    assert result.text == "isiamic isis \u062f\u0627\u0639\u0634"
    first = result.text.index("isis")
    assert text[slice(*result.original_span(first, first + 4))] == "ІЅІЅ"
    arabic = result.text.index("\u062f")
    low, high = result.original_span(arabic, len(result.text))
    assert text[low:high] == "دا‌عـش"
    assert set(result.steps_between(arabic, len(result.text))) == {"invisible", "arabic"}


def test_a_substitution_of_another_length_maps_to_the_whole_match() -> None:
    rewriter = Rewriter("a [dot] b", ("dot",))
    rewriter.substitute("dot", re.compile(r" \[dot\] "), lambda _m: ".")
    mapped = rewriter.result()
    assert mapped.text == "a.b"
    assert _spans(mapped) == ["a", " [dot] ", "b"]


def test_a_deletion_by_substitution_is_recorded_as_removed() -> None:
    rewriter = Rewriter("a--b", ("dash",))
    rewriter.substitute("dash", re.compile("-+"), lambda _m: "")
    mapped = rewriter.result()
    assert mapped.text == "ab"
    assert mapped.removed == ((1, 1), (2, 1))
    assert mapped.rules_between(0, 2) == ("dash",)


def test_an_insertion_maps_to_a_point_between_its_neighbours() -> None:
    rewriter = Rewriter("ab", ("insert",))
    rewriter.substitute("insert", re.compile(r"(?<=a)(?=b)"), lambda _m: "-")
    mapped = rewriter.result()
    assert mapped.text == "a-b"
    assert mapped.starts == (0, 1, 1)
    assert mapped.ends == (1, 1, 2)


def test_an_insertion_inside_an_expansion_keeps_the_map_ordered() -> None:
    rewriter = Rewriter("ßx", ("casefold", "insert"))
    rewriter.map_chars("casefold", str.casefold)
    rewriter.substitute("insert", re.compile(r"(?<=s)(?=s)"), lambda _m: "-")
    mapped = rewriter.result()
    assert mapped.text == "s-sx"
    _assert_ordered(mapped)


def test_collapse_leaves_one_separator_and_none_at_the_ends() -> None:
    rewriter = Rewriter("..a, -b!", ())
    rewriter.collapse(str.isalnum)
    mapped = rewriter.result()
    assert mapped.text == "a b"
    assert _spans(mapped) == ["a", ", -", "b"]


def test_an_unknown_rule_is_refused() -> None:
    with pytest.raises(KeyError):
        Rewriter("a", ("x",)).map_chars("y", str.upper)


def test_empty_and_outside_spans_are_refused() -> None:
    mapped = profiles.matching("isis")
    with pytest.raises(ValueError, match="bad span"):
        mapped.original_span(2, 2)
    with pytest.raises(ValueError, match="bad span"):
        mapped.original_span(0, 5)


_ANY_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),
    max_size=60,
)
# Mostly the characters that the rules act on, so that the properties meet them often.
_TRICKY = st.text(
    alphabet=st.sampled_from(
        [
            *"aIlS1 .-[]()hxpdot:/\n",
            *"\u200b\u200c\u200f\u202e\u2066\ufe0f\u0301\u064e\u3164\u0640\u034f",
            *"ßﷲＩİΐ\u0627\u0644\u06cc٣",
            "\U0001d408",
            "\U0001f4a3",
            "\U000e0041",
        ]
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_ANY_TEXT, _TRICKY))
def test_every_profile_maps_every_output_offset_into_the_input_in_order(text: str) -> None:
    for mapped in (profiles.matching(text), profiles.outlinks(text)):
        assert mapped.original == text
        _assert_ordered(mapped)
        if mapped.text:
            low, high = mapped.original_span(0, len(mapped.text))
            assert 0 <= low <= high <= len(text)


@settings(max_examples=200, deadline=None)
@given(st.one_of(_ANY_TEXT, _TRICKY), st.data())
def test_any_output_slice_maps_to_an_ordered_span(text: str, data: st.DataObject) -> None:
    mapped = profiles.matching(text)
    if not mapped.text:
        return
    start = data.draw(st.integers(0, len(mapped.text) - 1))
    end = data.draw(st.integers(start + 1, len(mapped.text)))
    low, high = mapped.original_span(start, end)
    assert low == min(mapped.starts[start:end])
    assert high == max(mapped.ends[start:end])
    assert 0 <= low <= high <= len(text)


@settings(max_examples=200, deadline=None)
@given(st.one_of(_ANY_TEXT, _TRICKY))
def test_a_rewriter_of_arbitrary_rules_keeps_its_maps_ordered(text: str) -> None:
    rewriter = Rewriter(text, ("fold", "drop", "sub", "insert"))
    rewriter.map_chars("fold", str.casefold)
    rewriter.map_chars("drop", lambda c: "" if c in " \u200b" else c, attach=True)
    rewriter.substitute("sub", re.compile(r"[.\-]+"), lambda m: "#" * (len(m.group()) % 3))
    rewriter.substitute("insert", re.compile(r"(?<=s)(?=[^s])"), lambda _m: "+")
    rewriter.keep(None, [c != "i" for c in rewriter.chars])
    rewriter.collapse(lambda c: c != "#")
    _assert_ordered(rewriter.result())

"""Normalisation: each step, the offset map, and properties that hold for any text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tvec.text.normalize import STEPS, normalize

DOC = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"


@pytest.mark.parametrize(
    ("text", "form", "step"),
    [
        ("IS\u200bIS", "isis", "invisible"),
        ("\u2066ISIS\u2069", "isis", "invisible"),
        ("ＩＳＩＳ", "isis", "nfkc"),
        ("ﷲ", "الله", "nfkc"),
        ("Estado Islámico", "estado isiamico", "diacritics"),
        ("أإآ", "ااا", "diacritics"),
        ("ІЅІЅ", "isis", "confusables"),
        ("Ηη", "hn", "confusables"),
        ("Straße", "strasse", "casefold"),
        ("ٱىیېۍكکہھەةؤ", "اييييككههههو", "arabic"),
        ("داعـــش", "داعش", "arabic"),
        ("۱۲۳ ٤٥٦", "123 456", "digits"),
        ("I.S.K.P", "iskp", "split_letters"),
        ("K h o r a s a n", "khorasan", "split_letters"),
        ("h4m4s", "hamas", "leet"),
        ("$hab@@b", "shabaab", "leet"),
    ],
)
def test_each_step(text: str, form: str, step: str) -> None:
    result = normalize(text)
    assert result.text == form
    assert step in result.steps


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("in 2014 and 1990", "in 2014 and 1990"),
        ("covid19 g20 2nd", "covid19 g20 2nd"),
        ("mp3", "mpe"),  # one digit at a token edge folds: the price of catching 1SIS
        ("1 2 3 4", "1 2 3 4"),
        ("$100 and 5%", "100 and 5"),
        ("@user hello!", "user heiio"),
        ("wow!!", "wow"),
        ("a, b and c", "a b and c"),
    ],
)
def test_ordinary_numbers_and_punctuation_survive(text: str, form: str) -> None:
    assert normalize(text).text == form


def test_offsets_point_back_to_the_original() -> None:
    text = "The I.S.K.P and ＩＳＩＳ"
    result = normalize(text)
    start = result.text.index("iskp")
    assert result.original_span(start, start + 4) == (4, 11)
    start = result.text.index("isis")
    low, high = result.original_span(start, start + 4)
    assert text[low:high] == "ＩＳＩＳ"


def test_expanding_characters_share_their_origin() -> None:
    result = normalize("xﷲy")
    assert result.text == "xاللهy"
    assert result.offsets == (0, 1, 1, 1, 1, 2)
    assert result.ends == (1, 2, 2, 2, 2, 3)


def test_steps_between_counts_removed_characters() -> None:
    result = normalize("ab IS\u200bIS cd")
    start = result.text.index("isis")
    assert "invisible" in result.steps_between(start, start + 4)
    assert "invisible" not in result.steps_between(0, 2)


def test_bad_span_raises() -> None:
    with pytest.raises(ValueError, match="bad span"):
        normalize("abc").original_span(2, 2)


def test_empty_and_separator_only_text() -> None:
    assert normalize("").text == ""
    assert normalize(" \u200b ... ").text == ""


@given(st.text(max_size=60))
def test_offset_map_is_well_formed_for_any_text(text: str) -> None:
    result = normalize(text)
    assert len(result.offsets) == len(result.ends) == len(result.step_masks) == len(result.text)
    assert all(0 <= s < e <= len(text) for s, e in zip(result.offsets, result.ends, strict=True))
    assert "  " not in result.text
    assert result.text == result.text.strip()
    assert set(result.steps) <= set(STEPS)
    if result.text:
        low, high = result.original_span(0, len(result.text))
        assert 0 <= low < high <= len(text)


def test_every_step_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for step in STEPS:
        assert f"| `{step}` |" in text, f"step {step} missing from docs/indicators.md"

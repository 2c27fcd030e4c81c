"""``raw_text``: the normalised text, matched by pytx's Levenshtein rule (percent, threshold 5)."""

from __future__ import annotations

import pytest
from threatexchange.signal_type.raw_text import RawTextSignal as PytxRawText

from tvec.errors import InvalidSignalError
from tvec.media import TEXT
from tvec.signals.hashing import hash_text
from tvec.signals.raw_text import MAX_BYTES, RawTextSignal, canonical_text, pytx_reduce

from .contract import SignalTypeContract

PREAMBLE = (
    "We the People of the United States, in Order to form a more perfect Union, establish "
    "Justice, insure domestic Tranquility, provide for the common defence, promote the general "
    "Welfare, and secure the Blessings of Liberty to ourselves and our Posterity, do ordain and "
    "establish this Constitution for the United States of America."
)
# 268 letters and digits once reduced. One edit: ceil(100 * 1 / 268) = 1 percent.
DEFENSE = PREAMBLE.replace("common defence", "common defense")
# Four edits (c->s, y->ee, U->O): ceil(400 / 269) = 2 percent.
TYPOS = PREAMBLE.replace("Justice", "Justise").replace("Liberty", "Libertee")
TYPOS = TYPOS.replace("Union", "Onion")
# The first 200 characters: 106 of 268 deleted, ceil(10600 / 268) = 40 percent.
TRUNCATED = PREAMBLE[:200]
FOX = "The quick brown fox jumps over the lazy dog"


class TestRawText(SignalTypeContract):
    signal_type = RawTextSignal
    content_types = frozenset({TEXT})
    valid = (
        (FOX, FOX.lower()),
        ("  Hello,\u200b   WORLD!\nagain  ", "hello, world! again"),
        ("\ufb01ne PRINT \u2460\u2461", "fine print 12"),  # NFKC: ligature, circled digits
        ("مرحبا بالعالم كله", "مرحبا بالعالم كله"),
        # NFKC, case folding, NFKC again: stable in one pass.
        ("\u1fc7\u0301 greek text", "\u1fc6\u03af greek text"),
    )
    invalid = ("", "short", "  \u200b  seven  ", "x" * (MAX_BYTES + 1), "é" * (MAX_BYTES // 2 + 1))
    equal_pairs = (
        ("Hello, World! Again", "hello world again"),
        (PREAMBLE, PREAMBLE.upper().replace("UNION", "UNIÓN")),  # accents are dropped
    )
    near_pairs = ((PREAMBLE, DEFENSE, 1), (TYPOS, PREAMBLE, 2))
    far_pairs = (
        (PREAMBLE, TRUNCATED, 40),
        (PREAMBLE, FOX, 91),
        ("!!!!!!!!!!", "??????????", 100),  # nothing left once reduced, and not equal
        ("مرحبا بالعالم كله", "مرحبا بالعالم كلها", 7),  # 1 edit in 16 letters
    )
    hash_cases = (
        (FOX, FOX.lower()),
        ("  Hello,\u200b   WORLD!\nagain  ", "hello, world! again"),
        ("tiny", None),
        ("x" * (MAX_BYTES + 1), None),
    )


@pytest.mark.parametrize(("a", "b"), [(PREAMBLE, DEFENSE), (PREAMBLE, TYPOS), (PREAMBLE, FOX)])
def test_matches_as_pytx_where_lengths_agree(a: str, b: str) -> None:
    ours = RawTextSignal().distance(RawTextSignal().validate(a), RawTextSignal().validate(b))
    assert PytxRawText.matches_str(a, b).match == (ours <= RawTextSignal.default_threshold)
    assert PytxRawText.get_name() == RawTextSignal.name


def test_reduction_is_pytx_s() -> None:
    from threatexchange.common import normalize_string

    for text in (PREAMBLE, "Ünïcödé & CrAzY cAsE!!", "w0000t_under score"):
        assert pytx_reduce(text) == normalize_string(text)


def test_canonical_text_is_idempotent_on_case_folding_edge_cases() -> None:
    from tvec.signals.text import normalize_text

    text = "\u1fc7\u0301 greek text"  # eta with perispomeni and ypogegrammeni, then acute
    once = normalize_text(text)
    assert normalize_text(once) == once  # NFKC after case folding makes one pass stable
    assert canonical_text(canonical_text(text)) == canonical_text(text) == once


def test_error_names_the_value_briefly() -> None:
    with pytest.raises(InvalidSignalError) as caught:
        RawTextSignal().validate("y" * 3000)
    assert len(caught.value.source) < 70
    assert "at most 2000 bytes" in caught.value.problem


def test_flows_through_hash_text() -> None:
    assert ("raw_text", FOX.lower()) in {(s.signal_type, s.value) for s in hash_text(FOX)}

"""``text_tlsh``: TLSH digest of text, as python-threatexchange's TextTLSHSignal."""

from __future__ import annotations

import tlsh
from threatexchange.extensions.tlsh.text_tlsh import TextTLSHSignal as PytxTextTLSH

from tvec.media import TEXT
from tvec.signals.hashing import hash_text
from tvec.signals.text_tlsh import TLSH_MIN_BYTES, TextTLSHSignal

from .contract import SignalTypeContract

PREAMBLE = (
    "We the People of the United States, in Order to form a more perfect Union, establish "
    "Justice, insure domestic Tranquility, provide for the common defence, promote the general "
    "Welfare, and secure the Blessings of Liberty to ourselves and our Posterity, do ordain and "
    "establish this Constitution for the United States of America."
)
DEFENSE = PREAMBLE.replace("common defence", "common defense")
LOWER = PREAMBLE.replace("general Welfare", "general welfare").replace("Posterity", "posterity")
FOX = (
    "The quick brown fox jumps over the lazy dog, then runs into the forest to find the hunter "
    "who hides there."
)
# Digests by py-tlsh 4.x/5.x; pytx's TextTLSHSignal.hash_from_str gives the same.
PREAMBLE_TLSH = "T118E0263B60802F6B4A001074629D39E0FA5D812E726B4A091C0A812783CAC26892EAC5"
DEFENSE_TLSH = "T107E0263B60802F6B4A001074668D39E0FA5D812E726B4A091C0A812783CBC26892EAC4"
LOWER_TLSH = "T180E0263B60803F6B4A001074659D39E0FA6D812EB26B4A0D1C1A812793CAC26892E9C5"
FOX_TLSH = "T1BEB0128B35651376B08E1CC403CE80F6C38DE6745161106058F9F03B348623099ED4F0"


class TestTextTLSH(SignalTypeContract):
    signal_type = TextTLSHSignal
    content_types = frozenset({TEXT})
    valid = (
        (PREAMBLE_TLSH, PREAMBLE_TLSH),
        (PREAMBLE_TLSH.lower(), PREAMBLE_TLSH),
        (f"  {FOX_TLSH}\n", FOX_TLSH),
    )
    invalid = ("", "TNULL", PREAMBLE_TLSH[2:], PREAMBLE_TLSH[:-1], "T2" + PREAMBLE_TLSH[2:])
    equal_pairs = ((PREAMBLE_TLSH, PREAMBLE_TLSH.lower()),)
    near_pairs = ((PREAMBLE_TLSH, DEFENSE_TLSH, 5), (PREAMBLE_TLSH, LOWER_TLSH, 10))
    far_pairs = ((PREAMBLE_TLSH, FOX_TLSH, 272),)
    hash_cases = (
        (PREAMBLE, PREAMBLE_TLSH),
        (DEFENSE, DEFENSE_TLSH),
        (LOWER, LOWER_TLSH),
        (FOX, FOX_TLSH),
        ("The quick brown fox jumps over the lazy dog", None),  # 43 bytes: too short
        ("a" * 200, None),  # too uniform
    )


def test_digests_and_scores_are_pytx_s() -> None:
    assert PytxTextTLSH.get_name() == TextTLSHSignal.name
    for text in (PREAMBLE, DEFENSE, LOWER, FOX):
        assert PytxTextTLSH.hash_from_str(text) == TextTLSHSignal().hash_text(text).value  # type: ignore[union-attr]
    for other in (DEFENSE_TLSH, LOWER_TLSH, FOX_TLSH):
        pytx = PytxTextTLSH.compare_hash(PREAMBLE_TLSH, other)
        ours = TextTLSHSignal().distance(PREAMBLE_TLSH, other)
        assert pytx.match == (ours <= TextTLSHSignal.default_threshold)
        assert ours >= tlsh.diffxlen(PREAMBLE_TLSH, other)


def test_minimum_length_is_tlsh_s() -> None:
    text = "abcdefghijklmnopqrstuvwxyz0123456789" * 2
    assert TextTLSHSignal().hash_text(text[: TLSH_MIN_BYTES - 1]) is None
    assert TextTLSHSignal().hash_text(text[:TLSH_MIN_BYTES]) is not None


def test_flows_through_hash_text() -> None:
    assert ("text_tlsh", PREAMBLE_TLSH) in {(s.signal_type, s.value) for s in hash_text(PREAMBLE)}

"""Names that survive OCR and transliteration (issue 15 part 6): the fuzzy pass of the
indicator matcher finds misread and transliterated names and leaves ordinary words alone."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tvec.analysis.indicators import IndicatorMatcher, skeleton
from tvec.entities.registry import EntityRegistry

ROOT = Path(__file__).resolve().parent.parent.parent
MATCHER = IndicatorMatcher.from_registry(EntityRegistry.load_default())


def _found(text: str) -> list[tuple[str, str | None, str, bool]]:
    return [
        (h.entity_id, h.outlet_id, h.matched_text, "fuzzy" in h.steps) for h in MATCHER.find(text)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("new video from Amag today", [("islamic-state", "amaq", "Amag", True)]),
        ("Daaaesh fighters", [("islamic-state", None, "Daaaesh", True)]),
        (
            "statement of ad-Dawla al-Islamiyya",
            [("islamic-state", None, "ad-Dawla al-Islamiyya", True)],
        ),
        ("the dawlah islamiyah said", [("islamic-state", None, "dawlah islamiyah", True)]),
        ("Hisbolla rally", [("hizballah", None, "Hisbolla", True)]),
        ("boko haran attack", [("boko-haram", None, "boko haran", True)]),
        # exact spellings stay exact
        ("Amaq News Agency", [("islamic-state", "amaq", "Amaq News Agency", False)]),
        ("the Islamic State claimed", [("islamic-state", None, "Islamic State", False)]),
    ],
)
def test_misread_and_transliterated_names_hit(
    text: str, expected: list[tuple[str, str | None, str, bool]]
) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I am going to amazon",
        "the damage was large",
        "a dash of salt",
        "islamic studies at the state university",
        "tamas and hamster",
        "fournit un accès à l'actualité",  # accès folds like AQIS: acronyms are not fuzzy
        "the hospital in Bokaro",
        "a dahlia in the garden",
        "amazing images",
        "die Dame aus Essen",
    ],
)
def test_ordinary_words_do_not_hit(text: str) -> None:
    assert _found(text) == []


def test_skeleton_rules() -> None:
    assert skeleton("ad") == skeleton("ai") == ""
    assert skeleton("daaaesh") == skeleton("daesh") == skeleton("daish")
    assert skeleton("amag") == skeleton("amaq")
    assert skeleton("dawlah") == skeleton("dawla")
    assert skeleton("isiamiyya") == skeleton("isiamiya")


def test_false_hits_on_ordinary_news_stay_below_the_bound() -> None:
    """docs/benchmarks.md: at most 3 fuzzy hits on the 3,143 news posts (< 10 per 10,000),
    and at most one in any language."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_names import measure

    result = measure()
    assert result["all"]["posts"] == 3143
    assert result["all"]["fuzzy_hits"] <= 3, json.dumps(result)
    assert all(v["fuzzy_hits"] <= 1 for v in result.values() if v is not result["all"])

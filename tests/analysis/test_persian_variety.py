"""The Dari / Iranian Persian model (tvec.analysis.persian_variety) and its training data."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tvec.analysis import persian_variety
from tvec.analysis.persian_variety import (
    MODEL_FILE,
    VarietyModel,
    VarietyModelError,
    features,
    load_model,
    marker_variety,
    normalise,
)

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ROOT / "tests" / "data" / "langid" / "persian_variety_train.jsonl"
HELDOUT = ROOT / "tests" / "data" / "langid" / "heldout.jsonl"


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_variety_model", ROOT / "scripts" / "build_variety_model.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_normalise_reads_arabic_letters_as_persian_and_drops_zwnj_and_digits() -> None:
    assert normalise("كابل يك") == "کابل یک"
    assert normalise("رسانه\u200cهای") == "رسانههای"
    assert normalise("۱۲ سند، همکاری!") == "سند همکاری"
    assert normalise("مُحَمَّد") == "محمد"


def test_features_are_words_and_optionally_character_ngrams() -> None:
    assert features("پولیس کابل", ngrams=False) == ["w:پولیس", "w:کابل"]
    found = features("در", ngrams=True)
    assert found[0] == "w:در"
    assert " د" in found and "در " in found and " در " in found


def _toy(threshold_short: float = 1.0, threshold_long: float = 3.0) -> VarietyModel:
    return VarietyModel(
        weights={"w:ولسوالی": 2.0, "w:شهرستان": -2.0, "w:دالر": 1.5},
        prior=0.0,
        ngrams=False,
        threshold_short=threshold_short,
        threshold_long=threshold_long,
    )


def test_model_scores_sum_the_weights_and_decide_by_length() -> None:
    model = _toy()
    assert model.score("ولسوالی و دالر") == pytest.approx(3.5)
    assert model.decide("ولسوالی کابل") == "prs"  # short: 2.0 >= 1.0
    assert model.decide("شهرستان کرج") == "pes"
    assert model.decide("مردم کابل") == "fas"  # no evidence
    # Five words or more: the long threshold (3.0) applies, one marker word is not enough.
    assert model.decide("در ولسوالی ما امروز باران بارید") == "fas"
    assert model.decide("در ولسوالی ما دالر امروز گران شد") == "prs"


def test_markers_decide_only_where_the_model_abstains() -> None:
    model = _toy()
    assert model.decide("پوهنتون کابل") == "fas"  # the toy model has no weight for it
    assert model.classify("پوهنتون کابل") == "prs"  # پوهنتون is a Dari marker word
    assert model.classify("شهرستان و پوهنتون") == "pes"  # the model decided first
    assert marker_variety("دانشگاه و بیمارستان") == "pes"
    assert marker_variety("دانشگاه و پوهنتون") == "fas"  # one each: not shown
    assert marker_variety("ولسوالی\u200cها") == "prs"  # the part before a ZWNJ counts


def test_shipped_model_is_small_and_loads() -> None:
    assert MODEL_FILE.stat().st_size < 300_000
    model = load_model()
    assert len(model.weights) > 500  # words seen twice or more in training (1,202 now)
    assert model.threshold_short > 0
    assert model.threshold_long > 0
    assert persian_variety.classify("شهرداری تهران") == "pes"
    assert persian_variety.classify("ولسوالی چهارآسیاب") == "prs"
    assert persian_variety.classify("این خبر") == "fas"


def test_a_missing_or_broken_model_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    with pytest.raises(VarietyModelError, match=r"none\.json"):
        load_model(missing)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(VarietyModelError, match=r"broken\.json"):
        load_model(broken)
    no_weights = tmp_path / "partial.json"
    no_weights.write_text(json.dumps({"prior": 0.0}), encoding="utf-8")
    with pytest.raises(VarietyModelError, match=r"partial\.json"):
        load_model(no_weights)
    negative = tmp_path / "negative.json"
    negative.write_text(
        json.dumps(
            {
                "weights": {},
                "prior": 0,
                "ngrams": False,
                "threshold_short": -1,
                "threshold_long": 1,
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(VarietyModelError, match="threshold"):
        load_model(negative)


def _jsonl(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def test_training_lines_are_labelled_news_sentences_with_their_page() -> None:
    rows = _jsonl(TRAIN)
    assert len(rows) >= 300
    assert {row["lang"] for row in rows} == {"prs", "pes"}
    assert all(row["url"].startswith(("http://", "https://")) for row in rows)
    # A sentence ("text"), or the sorted words of one ("words", lines added later).
    texts = [row.get("text") or row["words"] for row in rows]
    assert all(len(text.split()) >= 2 for text in texts)
    assert len(set(texts)) == len(rows)
    bags = [row["words"].split() for row in rows if "words" in row]
    assert len(bags) >= 90 and all(bag == sorted(bag) for bag in bags)


def test_nothing_from_the_heldout_set_is_trained_on() -> None:
    build = _build_script()
    heldout = _jsonl(HELDOUT)
    held_pages = {build._page(row["url"]) for row in heldout}
    held_texts = {normalise(row["text"]) for row in heldout}
    for name in ("persian", "malay"):
        rows, dropped = build.training_rows(build.PAIRS[name])
        assert not [row.page for row in rows if row.page in held_pages]
        assert not [row.text for row in rows if normalise(row.text) in held_texts]
        assert dropped["held-out page"] > 0  # the news corpus shares pages with the held-out set


@pytest.mark.slow
def test_the_build_is_deterministic_and_matches_the_shipped_model() -> None:
    build = _build_script()
    pair = build.PAIRS["persian"]
    model, report = build.build(pair)
    assert build.dump(model) == MODEL_FILE.read_text(encoding="utf-8")
    assert "chosen:" in report

"""The Malay / Indonesian model (tvec.analysis.malay_variety), the shared pair model
(tvec.analysis.variety_pair) and the Malay training data."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tvec.analysis import malay_variety
from tvec.analysis.malay_variety import LABELS, MODEL_FILE, classify, load_model, marker_variety
from tvec.analysis.variety_pair import PairModel, VarietyModelError, load_pair_model, normalise

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ROOT / "tests" / "data" / "langid" / "malay_variety_train.jsonl"


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_variety_model", ROOT / "scripts" / "build_variety_model.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_normalise_case_folds_latin_text() -> None:
    assert normalise("Kerajaan NEGERI, 2026!") == "kerajaan negeri"


def test_marker_words_of_the_two_standards() -> None:
    assert marker_variety("Menurutnya, kes itu") == "msa"
    assert marker_variety("Polisi menangani kasus itu") == "ind"
    assert marker_variety("kerana karena") == "und"  # one each: not shown
    assert marker_variety("Presiden juga") == "und"


def test_a_toy_pair_model_decides_by_threshold_and_labels() -> None:
    model = PairModel(
        weights={"w:beliau": 2.0, "w:pemkab": -2.0},
        prior=0.0,
        ngrams=False,
        threshold_short=1.5,
        threshold_long=3.0,
        labels=LABELS,
    )
    assert model.decide("Beliau hadir") == "msa"
    assert model.decide("Pemkab Jember") == "ind"
    assert model.decide("Presiden juga") == "und"
    assert classify("Presiden juga", model) == "und"
    assert classify("kes itu", model) == "msa"  # the model abstains, a marker word decides


def test_shipped_model_tells_short_malay_from_indonesian() -> None:
    assert MODEL_FILE.stat().st_size < 100_000
    model = load_model()
    assert model.labels == ("msa", "ind", "und")
    assert len(model.weights) > 500  # words seen twice or more in training (685 now)
    assert malay_variety.classify("Beliau berkata") == "msa"
    assert malay_variety.classify("Polis menahan suspek") == "msa"
    assert malay_variety.classify("Pemerintah kabupaten") == "ind"
    assert malay_variety.classify("harga beras naik") == "ind"


def test_a_model_file_for_another_pair_is_refused(tmp_path: Path) -> None:
    with pytest.raises(VarietyModelError, match="not"):
        load_pair_model(
            ROOT / "src" / "tvec" / "analysis" / "data" / "persian_variety.json", LABELS
        )
    broken = tmp_path / "malay.json"
    broken.write_text('{"weights": []}', encoding="utf-8")
    with pytest.raises(VarietyModelError, match=r"malay\.json"):
        load_model(broken)


def test_training_lines_are_sorted_words_of_news_sentences_with_their_page() -> None:
    with TRAIN.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    assert len(rows) >= 200
    assert {row["lang"] for row in rows} == {"zsm", "ind"}
    assert all(row["url"].startswith(("http://", "https://")) for row in rows)
    assert all(row["words"].split() == sorted(row["words"].split()) for row in rows)
    assert all("text" not in row for row in rows)  # not the sentences themselves


@pytest.mark.slow
def test_the_malay_build_is_deterministic_and_matches_the_shipped_model() -> None:
    build = _build_script()
    model, report = build.build(build.PAIRS["malay"])
    assert build.dump(model) == MODEL_FILE.read_text(encoding="utf-8")
    assert "full, short" in report and "no model, short" in report

"""The decompressed copy of py3langid's model gives the same answers as the shipped file."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from tvec.analysis import langid_cache
from tvec.analysis.language import _Model

HELDOUT = Path(__file__).resolve().parents[1] / "data" / "langid" / "heldout.jsonl"


def _texts() -> list[str]:
    lines = HELDOUT.read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines[::5]]
    return [*texts, "", "12345", "A", "https://example.org", "Ünïcödé ЖЖЖ ااا"]


@pytest.fixture(scope="module")
def shipped() -> Any:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _same(ident: Any, shipped: Any) -> None:
    assert ident.nb_classes == shipped.nb_classes
    for text in _texts():
        assert ident.rank(text) == shipped.rank(text), text


def test_the_cache_is_written_once_and_answers_as_the_shipped_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shipped: Any
) -> None:
    monkeypatch.setenv("TVEC_CACHE_DIR", str(tmp_path / "cache"))
    folder = langid_cache.cache_folder()
    assert folder.parent == tmp_path / "cache"
    first = langid_cache.load_identifier()  # writes the cache
    assert sorted(p.name for p in folder.iterdir()) == [
        "classes.json",
        "nextmove.npy",
        "nextmove_row.npy",
        "out_feat.npy",
        "pc.npy",
        "ptc.npy",
    ]
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no temporary left
    written = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    second = langid_cache.load_identifier()  # reads it
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == written
    _same(first, shipped)
    _same(second, shipped)


def test_a_damaged_cache_is_written_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shipped: Any
) -> None:
    monkeypatch.setenv("TVEC_CACHE_DIR", str(tmp_path / "cache"))
    langid_cache.load_identifier()
    folder = langid_cache.cache_folder()
    (folder / "ptc.npy").write_bytes(b"\x93NUMPY damaged")
    _same(langid_cache.load_identifier(), shipped)
    assert (folder / "ptc.npy").stat().st_size > 1_000_000


def test_an_unusable_cache_folder_falls_back_to_the_shipped_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shipped: Any
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("TVEC_CACHE_DIR", str(blocker))
    _same(langid_cache.load_identifier(), shipped)


def test_the_language_model_over_the_cache_ranks_as_over_the_shipped_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shipped: Any
) -> None:
    monkeypatch.setenv("TVEC_CACHE_DIR", str(tmp_path / "cache"))
    cached = _Model()
    reference = _Model.__new__(_Model)
    reference._ident = shipped
    reference._codes = cached._codes
    reference.labels = cached.labels
    reference._recent = threading.local()
    for text in _texts():
        assert cached.best(text, None) == reference.best(text, None)
        assert cached.log_ratio(text, "msa", "ind") == reference.log_ratio(text, "msa", "ind")

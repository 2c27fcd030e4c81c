"""The analysis pipeline: stages, settings, storage per item inside ``tvec scan``, migration."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from tvec.analysis.pipeline import Analyzer
from tvec.scan import run_scan
from tvec.settings import Settings, load_settings
from tvec.store import Store, open_store
from tvec.store.db import current_revision, make_engine, migrate
from tvec.store.models import Item
from tvec.store.models.analysis import ItemAnalysis, ItemIndicatorHit

from .ocr_support import LATIN_FONT, cer, render, require_ocr

POST = "Officials said the I.S.K.P claim could not be verified, the agency reported on Monday."


def test_text_gets_languages_and_hits_with_spans_and_steps() -> None:
    found = Analyzer().analyze(POST)
    assert found.stages == {"ocr": "n/a", "language": "done", "indicators": "done"}
    assert found.primary_language == "eng"
    assert [(s.code, s.share, s.script) for s in found.languages] == [("eng", 1.0, "Latn")]
    [hit] = found.hits
    assert (hit.field, hit.hit.entity_id, hit.hit.outlet_id, hit.hit.alias) == (
        "text",
        "islamic-state-khorasan",
        None,
        "ISKP",
    )
    assert POST[hit.hit.start : hit.hit.end] == "I.S.K.P" == hit.hit.matched_text
    assert "split_letters" in hit.hit.steps
    doc = found.view().model_dump(mode="json")
    assert doc["hits"][0]["start"] == POST.index("I.S.K.P")
    assert doc["ocr_text"] is None


def test_mixed_language_post_lists_each_language_with_its_share() -> None:
    english = "The regional council approved the new budget for schools and hospitals today."
    pashto = "د ښار شورا د دوشنبې په ورځ یو نوی عامه کتابتون پرانیست او خلک ډېر خوشاله وو."
    found = Analyzer(ocr=False).analyze(f"{english}\n{pashto}")
    codes = {s.code: s.share for s in found.languages}
    assert set(codes) == {"eng", "pus"}
    assert abs(sum(codes.values()) - 1.0) < 0.01
    assert all(0.3 < share < 0.7 for share in codes.values())


def test_stages_follow_the_settings() -> None:
    settings = load_settings(analysis_language=False, analysis_indicators=False)
    analyzer = Analyzer.from_settings(settings)
    found = analyzer.analyze(POST)
    assert found.stages == {"ocr": "n/a", "language": "off", "indicators": "off"}
    assert found.primary_language is None and found.hits == [] and found.languages == ()
    off = Analyzer.from_settings(load_settings(analysis_ocr=False))
    assert off.analyze(None, b"\x89PNG", content_type="photo").stages["ocr"] == "off"
    assert Analyzer(language=False, ocr=False, indicators=False).active is False


def test_corrupt_media_is_an_analysis_error_not_an_exception() -> None:
    found = Analyzer(tesseract_cmd="/nonexistent/tesseract").analyze(
        None, b"%PDF-1.4 broken", name="x.pdf", content_type="file", media_type="application/pdf"
    )
    assert found.stages["ocr"] == "failed"  # PDF text layers need no Tesseract
    assert found.errors and found.errors[0].startswith("x.pdf: PDF cannot be opened")


def _rows(store: Store) -> dict[str, tuple[ItemAnalysis, list[ItemIndicatorHit]]]:
    with store.session() as session:
        out = {}
        for item, row in session.execute(
            select(Item, ItemAnalysis).join(ItemAnalysis, ItemAnalysis.item_id == Item.id)
        ):
            out[Path(item.locator).name] = (row, list(row.hits))
        return out


def _scan_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "post.txt").write_text(POST, encoding="utf-8")
    return folder


def test_scan_stores_analysis_per_item_and_skips_unchanged(store: Store, tmp_path: Path) -> None:
    folder = _scan_folder(tmp_path)
    run_scan(store, [folder])
    rows = _rows(store)
    row, hits = rows["post.txt"]
    assert row.primary_language == "eng"
    assert row.languages == [{"code": "eng", "share": 1.0, "script": "Latn"}]
    assert row.stages["language"] == "done" and row.stages["indicators"] == "done"
    assert [(h.entity_id, h.field, h.span_start, h.span_end, h.matched_text) for h in hits] == [
        ("islamic-state-khorasan", "text", POST.index("I.S.K.P"), POST.index("I.S.K.P") + 7,
         "I.S.K.P"),
    ]  # fmt: skip
    assert "split_letters" in hits[0].steps
    first_time = row.analyzed_at
    run_scan(store, [folder])  # unchanged: not analysed again
    again, _ = _rows(store)["post.txt"]
    assert (again.id, again.analyzed_at) == (row.id, first_time)
    path = folder / "post.txt"
    path.write_text("The weather in Kabul was cold today, officials said.", encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a different fingerprint even within one clock tick
    run_scan(store, [folder])
    changed, hits = _rows(store)["post.txt"]
    assert changed.id == row.id and hits == []
    with store.session() as session:
        assert session.scalars(select(ItemIndicatorHit)).all() == []


def test_scan_with_every_stage_off_stores_nothing(tmp_path: Path) -> None:
    settings = load_settings(
        home=tmp_path / "home",
        progress=False,
        analysis_language=False,
        analysis_ocr=False,
        analysis_indicators=False,
    )
    opened = open_store(settings)
    try:
        run_scan(opened, [_scan_folder(tmp_path)])
        assert _rows(opened) == {}
    finally:
        opened.close()


def test_scan_without_tesseract_says_so_once_and_stores_the_rest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = _scan_folder(tmp_path)
    for n in range(3):
        render(f"Bulletin number {n} about the weather", LATIN_FONT).save(folder / f"p{n}.png")
    settings = load_settings(
        home=tmp_path / "home", progress=False, tesseract_cmd="/nonexistent/tesseract"
    )
    opened = open_store(settings)
    try:
        with caplog.at_level(logging.WARNING, logger="tvec.analysis"):
            result = run_scan(opened, [folder])
        assert result.errors == [] and result.counts.new == 4
        rows = _rows(opened)
        assert {name: row.stages["ocr"] for name, (row, _) in rows.items()} == {
            "post.txt": "n/a",
            "p0.png": "unavailable",
            "p1.png": "unavailable",
            "p2.png": "unavailable",
        }
        assert rows["post.txt"][1][0].entity_id == "islamic-state-khorasan"
    finally:
        opened.close()
    warnings = [r.getMessage() for r in caplog.records if r.name == "tvec.analysis"]
    assert len(warnings) == 1 and "'/nonexistent/tesseract' was not found" in warnings[0]


def test_scan_stores_ocr_text_and_hits_found_in_an_image(store: Store, tmp_path: Path) -> None:
    require_ocr()
    folder = tmp_path / "in"
    folder.mkdir()
    caption = "Reporters said the Amaq News Agency\nclaim could not be verified."
    render(caption, LATIN_FONT, size=48).save(folder / "poster.png")
    run_scan(store, [folder])
    row, hits = _rows(store)["poster.png"]
    assert row.stages == {"ocr": "done", "language": "done", "indicators": "done"}
    assert row.ocr_text is not None and cer(row.ocr_text, caption) <= 0.05  # measured 0.0
    assert row.ocr_text.count("\n") == 1
    assert row.primary_language == "eng"
    [part] = row.media_text
    assert (part["where"], part["method"], part["script"], part["packs"]) == (
        "image",
        "ocr",
        "Latn",
        ["eng"],
    )
    assert [(h.entity_id, h.outlet_id, h.field, h.matched_text) for h in hits] == [
        ("islamic-state", "amaq", "ocr_text", "Amaq News Agency")
    ]
    assert row.ocr_text[hits[0].span_start : hits[0].span_end] == "Amaq News Agency"


def test_database_at_0004_upgrades_to_0005_with_its_items(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0004")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO item (locator, media_type, content_type, collected_at, metadata) "
            "VALUES ('file:///old.txt', 'text/plain', 'text', '2025-01-01 00:00:00', '{}')"
        )
    migrate(engine, "0005")
    assert current_revision(engine) == "0005"
    migrate(engine)  # and on to head: later revisions keep the analysis tables
    engine.dispose()
    settings: Settings = load_settings(
        home=tmp_path, database_url=f"sqlite:///{tmp_path / 'old.db'}"
    )
    opened = open_store(settings)
    try:
        with opened.session() as session:
            item = session.scalars(select(Item)).one()
            item.text = POST
            Analyzer(ocr=False).analyze_item(session, item, None)
        row, hits = _rows(opened)["old.txt"]
        assert row.primary_language == "eng" and len(hits) == 1
    finally:
        opened.close()

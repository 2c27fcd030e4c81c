"""``tvec analyze``: texts, files and JSON Lines posts, human and JSON output, exit codes."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from .ocr_support import LATIN_FONT, NASKH_FONT, cer, render, require_ocr

POST = "Officials said the I.S.K.P claim could not be verified, the agency reported on Monday."
PASHTO = "د ښار شورا د دوشنبې په ورځ یو نوی عامه کتابتون پرانیست"


def test_text_prints_languages_and_hits(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("analyze", POST)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "languages: eng 100% (Latn) (primary: eng)"
    assert lines[1] == "hits: 1"
    start = POST.index("I.S.K.P")
    assert lines[2].startswith(
        f"  islamic-state-khorasan  alias 'ISKP'  text[{start}:{start + 7}] 'I.S.K.P'"
    )
    assert "split_letters" in lines[2]


def test_json_is_an_array_with_one_document_per_input(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    post = tmp_path / "post.txt"
    post.write_text(PASHTO, encoding="utf-8")
    result = cli("analyze", "--json", POST, post)
    assert result.code == 0, result.err
    docs = json.loads(result.out)
    assert [(d["input"], d["kind"], d["primary_language"]) for d in docs] == [
        (POST, "text", "eng"),
        (str(post), "file", "pus"),
    ]
    assert docs[0]["hits"] == [
        {
            "entity_id": "islamic-state-khorasan",
            "outlet_id": None,
            "alias": "ISKP",
            "field": "text",
            "start": POST.index("I.S.K.P"),
            "end": POST.index("I.S.K.P") + 7,
            "matched_text": "I.S.K.P",
            "steps": docs[0]["hits"][0]["steps"],
        }
    ]
    assert docs[1]["languages"] == [{"code": "pus", "share": 1.0, "script": "Arab"}]
    assert docs[1]["stages"] == {"ocr": "n/a", "language": "done", "indicators": "done"}


def test_image_file_prints_ocr_text(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    require_ocr()
    image = tmp_path / "pashto.png"
    render(PASHTO, NASKH_FONT).save(image)
    result = cli("analyze", "--json", image)
    assert result.code == 0, result.err
    [doc] = json.loads(result.out)
    assert doc["primary_language"] == "pus"
    assert cer(doc["ocr_text"], PASHTO) <= 0.05  # measured 0.0
    [part] = doc["media_text"]
    assert (part["where"], part["script"], part["packs"], part["script_by"]) == (
        "image",
        "Arab",
        ["pus"],
        "osd",
    )
    human = cli("analyze", image)
    assert "ocr text [image, Arab, pus, confidence" in human.out


def test_jsonl_prints_one_line_per_input_line_and_names_bad_lines(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        "\n".join(
            [
                json.dumps({"id": "a1", "text": POST}),
                "{not json",
                json.dumps({"id": 7, "text": PASHTO}, ensure_ascii=False),
                json.dumps({"id": "b2", "text": 12}),
                json.dumps({"id": "c3", "text": "ok"}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    result = cli("analyze", "--jsonl", posts)
    assert result.code == 1
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert len(lines) == 5
    assert (lines[0]["id"], lines[0]["line"], lines[0]["primary_language"]) == ("a1", 1, "eng")
    assert lines[0]["hits"][0]["entity_id"] == "islamic-state-khorasan"
    assert lines[1]["line"] == 2 and lines[1]["kind"] == "invalid_json"
    assert f"{posts}:2: invalid JSON" in lines[1]["error"]
    assert (lines[2]["id"], lines[2]["primary_language"]) == ("7", "pus")
    assert lines[3] == {
        "line": 4,
        "kind": "invalid_json",
        "error": f"{posts}:4: 'text' must be a string",
    }
    assert (lines[4]["id"], lines[4]["primary_language"], lines[4]["languages"]) == (
        "c3",
        "und",
        [],
    )


def test_usage_errors(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("analyze").code == 2
    assert cli("analyze", "--jsonl", tmp_path / "missing.jsonl").code == 2
    posts = tmp_path / "p.jsonl"
    posts.write_text("{}\n", encoding="utf-8")
    assert cli("analyze", "--jsonl", posts, "extra").code == 2


def test_corrupt_image_is_exit_1_with_the_reason(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    result = cli("analyze", bad)
    assert result.code == 1
    assert "bad.png" in result.err


def test_without_tesseract_ocr_is_off_and_text_still_analysed(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TVEC_TESSERACT_CMD", "/nonexistent/tesseract")
    image = tmp_path / "poster.png"
    render("Morning market prices rose slightly", LATIN_FONT).save(image)
    with caplog.at_level(logging.WARNING, logger="tvec.analysis"):
        result = cli("analyze", "--json", POST, image, image)
    assert result.code == 0, result.err
    docs = json.loads(result.out)
    assert [d["stages"]["ocr"] for d in docs] == ["n/a", "unavailable", "unavailable"]
    assert docs[0]["hits"][0]["entity_id"] == "islamic-state-khorasan"
    warnings = [r.getMessage() for r in caplog.records if r.name == "tvec.analysis"]
    assert len(warnings) == 1 and warnings[0].startswith("OCR is off")

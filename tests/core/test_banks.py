"""Bank import and export: plain CSV, the TCAP export, HMA lines; bad rows by line number."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tvec.banks import export_bank, import_bank, list_banks, show_bank
from tvec.banks.formats import detect_format, read_rows
from tvec.store import Store

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
PDQ = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"


def test_tcap_export_loads_completely(vectors: Path, store: Store) -> None:
    path = vectors / "tcap" / "fake_tcap_data.csv"
    with path.open(encoding="utf-8") as handle:
        source_rows = list(csv.DictReader(handle))
    report = import_bank(store, "tcap", path, "auto", create=True)
    assert report.problems == []
    assert report.added + report.already_present == len(source_rows)
    summary, entries = show_bank(store, "tcap", limit=100)
    assert summary.counts == {"url": report.added}
    first = next(e for e in entries if e["labels"].get("tcap_id") == "38965")
    assert first["value"] == "https://en.wikipedia.org/wiki/File:Grumpy_Cat_with_glasses.png"
    assert first["labels"]["entity"] == "Islamic State (IS)"
    assert first["labels"]["entity_type"] == "GRP"
    assert first["labels"]["ideology"] == "ISM"
    assert first["labels"]["source"] == "TCAP"
    assert first["labels"]["created_on"] == "2022-12-21T16:41:59+00:00"
    assert first["labels"]["pii"] == "NTS"


def test_plain_csv_with_bad_rows_reports_lines_and_loads_the_rest(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "bank.csv"
    path.write_text(
        "signal_type,value,entity,ideology,note\n"
        f"md5,{MD5},Group A,jihadist,first\n"
        "md5,not-hex\n"
        f"pdq,{PDQ.upper()}\n"
        "nosuchtype,abc\n"
        "onlyone\n"
        f"md5,{MD5}\n",
        encoding="utf-8",
    )
    report = import_bank(store, "b", path, "csv", create=True)
    assert report.added == 2
    assert report.already_present == 1
    assert [(p.line, p.message.split(":")[0]) for p in report.problems] == [
        (3, "'not-hex'"),
        (5, "unknown signal type 'nosuchtype' (known"),
        (6, "expected signal_type,value[,entity,ideology,note]"),
    ]
    _, entries = show_bank(store, "b")
    assert entries[0]["labels"] == {"entity": "Group A", "ideology": "jihadist", "note": "first"}
    assert entries[1]["value"] == PDQ  # lower-cased


def test_hma_lines_and_round_trip(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "hma.txt"
    path.write_text(
        f"# comment\npdq {PDQ}\n\nmd5 {MD5}\nurl HTTPS://Example.COM:443/a?utm_source=x\nbroken\n",
        encoding="utf-8",
    )
    report = import_bank(store, "h", path, "hma", create=True)
    assert (report.added, [p.line for p in report.problems]) == (3, [6])
    exported = export_bank(store, "h", "hma")
    assert exported.splitlines() == [f"pdq {PDQ}", f"md5 {MD5}", "url https://example.com/a"]
    csv_text = export_bank(store, "h", "csv")
    assert csv_text.splitlines()[0] == "signal_type,value,entity,ideology,note"
    again = tmp_path / "again.csv"
    again.write_text(csv_text, encoding="utf-8")
    report2 = import_bank(store, "copy", again, "auto", create=True)
    assert (report2.added, report2.problems) == (3, [])
    assert [b.total for b in list_banks(store)] == [3, 3]


def test_detect_format() -> None:
    assert detect_format("pdq abc\n") == "hma"
    assert detect_format("signal_type,value\n") == "csv"
    assert detect_format("ID,Description,URL,Domain,Created On,Pi I\n") == "tcap"
    assert [type(r).__name__ for r in read_rows("md5 x\n", "auto")] == ["EntryRow"]


def test_bank_cli_verbs(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("bank", "create", "one", "--description", "test bank").code == 0
    assert cli("bank", "create", "one").code == 2
    listed = json.loads(cli("bank", "list", "--json").out)
    assert listed[0]["name"] == "one" and listed[0]["description"] == "test bank"
    path = tmp_path / "x.txt"
    path.write_text(f"md5 {MD5}\nmd5 zz\n", encoding="utf-8")
    bad = cli("bank", "import", "one", path)
    assert bad.code == 1 and "line 2" in bad.err
    assert cli("bank", "show", "missing").code == 2
    out = cli("bank", "export", "one", "--format", "hma")
    assert out.out == f"md5 {MD5}\n"
    assert cli("bank", "delete", "one", "--yes").code == 0
    assert json.loads(cli("bank", "list", "--json").out) == []

"""Streamed bank import (SQLite and PostgreSQL): chunked writes give the same entries,
counts, labels and problems as a row-by-row load, duplicates in the file or the bank skipped
(the first occurrence wins), and one bank change per import."""

from __future__ import annotations

from pathlib import Path

import pytest

from tvec.banks import service
from tvec.errors import EncodingError
from tvec.store import Store
from tvec.store.bank_changes import changes_since, current_version

PDQ = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
PDQ2 = "f8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


@pytest.mark.parametrize("chunk", [2, 20_000])
def test_streamed_import_matches_row_by_row_semantics(
    any_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(service, "IMPORT_CHUNK", chunk)
    first = tmp_path / "first.csv"
    first.write_text(f"pdq,{PDQ},Group A,ideo,first note\n", encoding="utf-8")
    service.import_bank(any_store, "b", first, "csv", create=True, actor="test")
    path = tmp_path / "bank.csv"
    path.write_text(
        "signal_type,value,entity,ideology,note\r\n"
        f"pdq,{PDQ},Other,x,already in the bank\r\n"  # line 2: already present
        f"md5,{MD5.upper()},Group B,,md5 note\r\n"  # line 3: canonicalised to lower case
        "md5,nothex\r\n"  # line 4: invalid
        f"md5,{MD5},Group C,,dup in file\r\n"  # line 5: same as line 3 once canonical
        "\r\n"
        f"pdq,{PDQ2},Group D\r\n"  # line 7
        "nosuchtype,abc\r\n",  # line 8
        encoding="utf-8",
    )
    report = service.import_bank(any_store, "b", path, "auto", actor="test")
    assert (report.added, report.already_present) == (2, 2)
    assert [p.line for p in report.problems] == [4, 8]
    shown = service.show_bank(any_store, "b")
    assert shown.bank.counts == {"pdq": 2, "md5": 1}
    values = {(e.signal_type, e.value): e.labels for e in shown.entries}
    assert values[("pdq", PDQ)] == {"entity": "Group A", "ideology": "ideo", "note": "first note"}
    assert values[("md5", MD5)] == {"entity": "Group B", "note": "md5 note"}
    assert values[("pdq", PDQ2)] == {"entity": "Group D"}
    with any_store.engine.connect() as db:
        assert current_version(db) == 2  # one change per import
        (change,) = changes_since(db, 1)
    first_id = next(e.id for e in shown.entries if e.labels.get("entity") == "Group A")
    ids = sorted(e.id for e in shown.entries if e.id != first_id)
    # PostgreSQL's sequence may skip ids on conflicts: the range covers the new ids only.
    assert change.op == "add" and first_id < change.first_id <= ids[0]
    assert change.last_id == ids[-1]


def test_streamed_hma_import_keeps_line_numbers(any_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bank.txt"
    path.write_bytes(
        b"\xef\xbb\xbf# comment\n"
        + f"pdq {PDQ}\r\n".encode()
        + b"\n"
        + b"lonely\n"
        + f"md5 {MD5}".encode()
    )
    report = service.import_bank(any_store, "h", path, "auto", create=True, actor="test")
    assert report.added == 2
    assert [(p.line, p.message) for p in report.problems] == [
        (4, "expected '<signal_type> <value>'")
    ]


def test_a_file_that_is_not_utf8_names_the_byte(any_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"md5," + MD5.encode() + b"\n" + b"x" * 5 + b"\xff\n")
    with pytest.raises(EncodingError, match=r"byte 42"):
        service.import_bank(any_store, "bad", path, "csv", create=True, actor="test")
    assert service.list_banks(any_store) == []


@pytest.mark.parametrize(
    ("data", "offset"),
    [
        (b"md5,caf\xe9", 7),  # a lead byte cut off at the end of the file
        (b"\xef\xbb\xbfmd5,\x80", 7),  # after a BOM, counted from the file's first byte
    ],
)
def test_the_bad_byte_is_named_at_its_offset_in_the_file(
    any_store: Store, tmp_path: Path, data: bytes, offset: int
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    with pytest.raises(EncodingError, match=rf"\(byte {offset}\)"):
        service.import_bank(any_store, "bad", path, "csv", create=True, actor="test")

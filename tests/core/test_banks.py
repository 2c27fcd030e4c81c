"""Bank import and export: plain CSV, the TCAP export, HMA lines; bad rows by line number."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tvec.banks import export_bank, import_bank, list_banks, show_bank
from tvec.banks.formats import TCAP_GROUP, detect_format, read_rows
from tvec.store import Store

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
PDQ = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"


def test_tcap_export_loads_completely(vectors: Path, store: Store) -> None:
    path = vectors / "tcap" / "fake_tcap_data.csv"
    with path.open(encoding="utf-8") as handle:
        source_rows = list(csv.DictReader(handle))
    report = import_bank(store, "tcap", path, "auto", create=True, actor="cli")
    assert report.problems == []
    assert report.added + report.already_present == len(source_rows)
    shown = show_bank(store, "tcap", limit=100)
    assert shown.bank.counts == {"url": report.added}
    first = next(e for e in shown.entries if e.labels.get("tcap_id") == "38965")
    assert first.value == "https://en.wikipedia.org/wiki/File:Grumpy_Cat_with_glasses.png"
    assert first.labels["entity"] == "Islamic State (IS)"
    assert first.labels["entity_type"] == "GRP"
    assert first.labels["ideology"] == "ISM"
    assert first.labels["source"] == "TCAP"
    assert first.labels["created_on"] == "2022-12-21T16:41:59+00:00"
    assert first.labels["pii"] == "NTS"


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
    report = import_bank(store, "b", path, "csv", create=True, actor="cli")
    assert report.added == 2
    assert report.already_present == 1
    assert [(p.line, p.message.split(":")[0]) for p in report.problems] == [
        (3, "'not-hex'"),
        (5, "unknown signal type 'nosuchtype' (known"),
        (6, "expected signal_type,value[,entity,ideology,note]"),
    ]
    entries = show_bank(store, "b").entries
    assert entries[0].labels == {"entity": "Group A", "ideology": "jihadist", "note": "first"}
    assert entries[1].value == PDQ  # lower-cased


def test_hma_lines_and_round_trip(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "hma.txt"
    path.write_text(
        f"# comment\npdq {PDQ}\n\nmd5 {MD5}\nurl HTTPS://Example.COM:443/a?utm_source=x\nbroken\n",
        encoding="utf-8",
    )
    report = import_bank(store, "h", path, "hma", create=True, actor="cli")
    assert (report.added, [p.line for p in report.problems]) == (3, [6])
    exported = export_bank(store, "h", "hma")
    assert exported.splitlines() == [f"pdq {PDQ}", f"md5 {MD5}", "url https://example.com/a"]
    csv_text = export_bank(store, "h", "csv")
    assert csv_text.splitlines()[0] == "signal_type,value,entity,ideology,note"
    again = tmp_path / "again.csv"
    again.write_text(csv_text, encoding="utf-8")
    report2 = import_bank(store, "copy", again, "auto", create=True, actor="cli")
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


def test_values_over_their_signal_types_limit_are_refused_and_never_echoed(
    store: Store, tmp_path: Path
) -> None:
    """A megabyte "md5", a URL over 2 KiB, a raw_text over 64 KiB and an overlong label are
    refused, each by line with its limit; messages quote at most 80 characters of them."""
    huge = "a" * (1 << 20)
    long_url = "https://example.com/" + "b" * 2100
    fits_url = "https://example.com/" + "c" * (2048 - 20)
    path = tmp_path / "bank.csv"
    path.write_text(
        "signal_type,value,entity\n"
        f"md5,{'e' * 100_000}\n"
        f"url,{long_url}\n"
        f"url,{fits_url}\n"
        f"md5,{MD5},{'G' * 201}\n"
        f"sha256,{'f' * 65}\n",
        encoding="utf-8",
    )
    hma = tmp_path / "bank.txt"
    hma.write_text(f"md5 {huge}\nraw_text {'word ' * 14000}\n{'t' * 5000} x\n", encoding="utf-8")
    report = import_bank(store, "b", path, "csv", create=True, actor="cli")
    assert report.added == 1
    cut = "..."
    assert [(p.line, p.message) for p in report.problems] == [
        (2, f"'{'e' * 76}{cut}: md5 value of 100000 bytes is over the limit of 32 bytes for md5"),
        (
            3,
            f"'https://example.com/{'b' * 56}{cut}: url value of 2120 bytes is over the limit "
            "of 2048 bytes for url",
        ),
        (5, f"entity label '{'G' * 76}{cut} of 201 characters is over the limit of 200 characters"),
        (6, f"'{'f' * 65}': sha256 value of 65 bytes is over the limit of 64 bytes for sha256"),
    ]
    again = import_bank(store, "b", hma, "hma", actor="cli")
    assert again.added == 0
    assert [(p.line, p.message) for p in again.problems] == [
        (1, f"'{'a' * 76}{cut}: md5 value of 1048576 bytes is over the limit of 32 bytes for md5"),
        (
            2,
            f"'{'word ' * 15}w{cut}: raw_text value of 69999 bytes is over the limit of "
            "65536 bytes for raw_text",
        ),
        (
            3,
            f"unknown signal type '{'t' * 76}{cut} (known: md5, pdq, raw_text, sha256, text, "
            "text_tlsh, url, url_md5, video_md5, vpdq)",
        ),
    ]
    assert [e.value for e in show_bank(store, "b").entries] == [fits_url]


def test_value_limits_cover_every_signal_type_and_fixed_lengths_are_exact() -> None:
    from tvec.banks.service import VALUE_LIMITS
    from tvec.errors import InvalidSignalError
    from tvec.signals import registry

    assert set(VALUE_LIMITS) == set(registry())
    fixed = {"md5", "sha256", "pdq", "text", "url_md5", "video_md5", "text_tlsh"}
    for name in fixed:
        limit = VALUE_LIMITS[name]
        good = ("T1" + "A" * (limit - 2)) if name == "text_tlsh" else "0" * limit
        assert registry()[name].validate(good) == good
        try:
            registry()[name].validate(good[:-1])
        except InvalidSignalError:
            pass
        else:
            raise AssertionError(f"{name} accepted {limit - 1} characters")


def test_bank_import_cli_names_row_and_limit_without_echoing(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "big.txt"
    path.write_text(f"md5 {MD5}\nmd5 {'a' * (1 << 20)}\n", encoding="utf-8")
    result = cli("bank", "import", "one", path, "--create")
    assert result.code == 1
    assert "1 added" in result.out
    assert result.err.strip() == (
        f"line 2: '{'a' * 76}...: md5 value of 1048576 bytes is over the limit of 32 bytes for md5"
    )


def test_unreadable_csv_rows_are_reported_by_line_and_reading_goes_on(tmp_path: Path) -> None:
    """The one CSV loop (``csv_rows``) behind bank CSV, TCAP exports and CSV posts: a field
    over the csv module's limit (131,072 characters) is a problem, and the next row is still
    read. (Readers built on ``csv.DictReader`` name the line before the unreadable one: its
    ``line_num`` only moves on after a row that parses.)"""
    from tvec.banks.formats import RowProblem
    from tvec.sources.mapping import PostMapping
    from tvec.sources.posts_csv import read_posts_csv

    huge = "x" * 200_000
    too_long = "unreadable CSV: field larger than field limit (131072)"
    rows = list(read_rows(f"signal_type,value\nmd5,{huge}\nmd5,{MD5}\n", "csv"))
    assert rows[0] == RowProblem(2, too_long)
    assert [(r.line, r.value) for r in rows[1:] if not isinstance(r, RowProblem)] == [(3, MD5)]
    tcap = f"ID,URL,{TCAP_GROUP}\n1,{huge},G\n2,example.com/a,G\n"
    tcap_rows = list(read_rows(tcap, "tcap"))
    assert isinstance(tcap_rows[0], RowProblem) and tcap_rows[0].message == too_long
    assert [(r.line, r.value) for r in tcap_rows[1:] if not isinstance(r, RowProblem)] == [
        (3, "https://example.com/a")
    ]
    posts = tmp_path / "posts.csv"
    posts.write_text(f"id,text\na,{huge}\nb,second post\n", encoding="utf-8")
    items = list(read_posts_csv(posts, PostMapping(id="id", text="text")))
    assert items[0].error is not None and str(items[0].error).endswith(f": {too_long}")
    assert [(i.locator, i.text) for i in items[1:]] == [(f"csv:{posts.resolve()}#b", "second post")]

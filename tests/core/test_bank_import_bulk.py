"""Fast bank import (issue 17): the bulk reader gives exactly what the row-by-row reader
and check give; an import counts, skips duplicates and reports bad lines by number on
SQLite and PostgreSQL; a SIGKILLed import, run again, loads the file's rows exactly once;
the persisted index catches up once, after the import."""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from tvec.app.context import open_context
from tvec.app.index import rebuild, status
from tvec.banks import bulkread, service
from tvec.banks.bulk import BulkEntries, copy_text
from tvec.banks.bulkread import EMPTY_EXTRA, Row, extra_text, read_chunks
from tvec.banks.formats import EntryRow, RowProblem, read_rows
from tvec.errors import UsageError
from tvec.matching.shared import IndexFiles
from tvec.settings import load_settings
from tvec.signals import SignalValue
from tvec.store import Store, open_store
from tvec.store.bank_changes import changes_since, current_version
from tvec.store.models import AuditEvent, Bank, BankEntry

ROOT = Path(__file__).resolve().parents[2]


def _pdq(rng: np.random.Generator, n: int) -> list[str]:
    return [bytes(r).hex() for r in rng.integers(0, 256, size=(n, 32), dtype=np.uint8)]


def _check(row: EntryRow) -> Row | str:
    checked = service.check_row(row)
    if isinstance(checked, str):
        return checked
    return (
        row.line,
        checked[0].name,
        checked[1],
        row.entity,
        row.ideology,
        row.source,
        row.note,
        extra_text(row.extra),
    )


def _reference(text: str, fmt: str) -> tuple[list[Row], list[RowProblem]]:
    rows: list[Row] = []
    problems: list[RowProblem] = []
    for row in read_rows(io.StringIO(text, newline=""), fmt):
        if isinstance(row, RowProblem):
            problems.append(row)
            continue
        checked = _check(row)
        if isinstance(checked, str):
            problems.append(RowProblem(row.line, checked))
        else:
            rows.append(checked)
    return rows, problems


def _bulk(text: str, fmt: str, chunk: int) -> tuple[list[list[Row]], list[RowProblem]]:
    problems: list[RowProblem] = []
    handle = io.StringIO(text, newline="")
    return list(read_chunks(handle, fmt, _check, problems, chunk)), problems


def _mixed_lines(seed: int, fmt: str) -> list[str]:
    """Good and bad lines of every kind the fast path must tell apart."""
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    good = _pdq(rng, 400)
    sep = "," if fmt == "csv" else " "
    kinds = [
        lambda h: f"pdq{sep}{h}",
        lambda h: f"pdq{sep}{h.upper()}",  # canonicalised to lower case
        lambda h: f"md5{sep}{h[:32]}",
        lambda h: f"sha256{sep}{h}",
        lambda h: f"url_md5{sep}{h[:32]}",
        lambda h: f"pdq{sep}{h[:63]}",  # too short
        lambda h: f"pdq{sep}{h[:62]}zz",  # not hex
        lambda h: f"pdq{sep}{h[:31]} {h[32:]}",  # a space inside
        lambda h: f"pdq{sep}{h[:62]}\u0130",  # non-ASCII
        lambda h: f"md5{sep}{h}",  # sha256 length for md5
        lambda h: f"nosuchtype{sep}{h}",
        lambda h: f"PDQ{sep}{h}",
        lambda h: f"url{sep}https://example.org/{h[:8]}",
        lambda h: "",
        lambda h: f"#{sep}comment {h[:4]}",
        lambda h: f" pdq{sep}{h} ",
    ]
    if fmt == "csv":
        kinds += [
            lambda h: f"pdq,{h},Group A,ideo,a note",  # labels
            lambda h: f"pdq,{h},,,",
            lambda h: "signal_type,value,entity,ideology,note",
            lambda h: f"pdq,{h},a,b,c,d",  # too many columns
            lambda h: "pdq,",
            lambda h: " , ",
            lambda h: f"pdq,{h}\t",
        ]
    lines = [pick.choice(kinds)(pick.choice(good)) for _ in range(1500)]
    return lines


@pytest.mark.parametrize("fmt", ["csv", "hma"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_bulk_reader_equals_row_by_row_reader(
    fmt: str, newline: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulkread, "BLOCK_CHARS", 4096)  # many blocks
    text = "".join(line + newline for line in _mixed_lines(7, fmt))
    rows, problems = _reference(text, fmt)
    assert 300 < len(rows) < 1400 and len(problems) > 200  # both kinds, many of each
    chunks, bulk_problems = _bulk(text, fmt, chunk=97)
    assert [len(c) for c in chunks[:-1]] == [97] * (len(chunks) - 1)
    assert [r for c in chunks for r in c] == rows
    assert sorted(bulk_problems, key=lambda p: p.line) == problems


def test_a_quoted_field_sends_the_rest_of_the_file_to_the_csv_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bulkread, "BLOCK_CHARS", 300)
    hashes = _pdq(np.random.default_rng(3), 40)
    lines = [f"pdq,{h}" for h in hashes[:20]]
    lines.append(f'pdq,{hashes[20]},"Group\nover two lines",x,"note, with comma"')
    lines += [f"pdq,{h}" for h in hashes[21:]] + ["md5,bad"]
    text = "".join(line + "\n" for line in lines)
    rows, problems = _reference(text, "csv")
    chunks, bulk_problems = _bulk(text, "csv", chunk=1000)
    assert [r for c in chunks for r in c] == rows
    assert bulk_problems == problems == [RowProblem(42, problems[0].message)]
    assert rows[20][3] == "Group\nover two lines" and rows[21][0] == 23


def test_copy_text_escapes_what_postgresql_reads_specially() -> None:
    rows: list[Row] = [
        (1, "pdq", "ab" * 32, None, None, None, None, EMPTY_EXTRA),
        (2, "url", "https://x/a\\b", "tab\there", None, "line\nend\r", None, '{"k": 1}'),
    ]
    assert copy_text(rows) == (
        f"1\tpdq\t{'ab' * 32}\t\\N\t\\N\t\\N\t\\N\t{{}}\n"
        '2\turl\thttps://x/a\\\\b\ttab\\there\t\\N\tline\\nend\\r\t\\N\t{"k": 1}\n'
    )


def _values(store: Store, bank: str) -> list[tuple[str, str, str | None]]:
    with store.session() as session:
        found = session.execute(
            select(BankEntry.signal_type, BankEntry.value, BankEntry.entity).where(
                BankEntry.bank.has(name=bank)
            )
        )
        return sorted((t, v, e) for t, v, e in found)


def test_import_counts_skips_duplicates_and_reports_lines(
    any_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "IMPORT_CHUNK", 1000)
    monkeypatch.setattr(bulkread, "BLOCK_CHARS", 20_000)
    hashes = _pdq(np.random.default_rng(11), 5000)
    first = tmp_path / "first.csv"
    first.write_text("".join(f"pdq,{h},old\n" for h in hashes[:100]), encoding="utf-8")
    service.import_bank(any_store, "b", first, "csv", create=True, actor="test")
    lines = [f"pdq,{h.upper()}" for h in hashes]  # 100 already in the bank
    lines[2000] = f"pdq,{hashes[1999]},dup"  # a repeat of the line before: first wins
    lines[3000] = "pdq,123"  # line 3001
    lines[4500] = "md5,xyz"  # line 4501
    lines.append(f"pdq,{hashes[4999]}")  # a repeat at the end
    path = tmp_path / "bank.csv"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    report = service.import_bank(any_store, "b", path, "csv", actor="test")
    new = set(hashes[100:]) - {hashes[2000], hashes[3000], hashes[4500]}
    assert (report.added, report.already_present) == (len(new), 100 + 2)
    assert [p.line for p in report.problems] == [3001, 4501]
    assert "pdq" in report.problems[0].message and "64 hex digits" in report.problems[0].message
    stored = _values(any_store, "b")
    assert len(stored) == 100 + len(new) == len({v for _, v, _ in stored})
    assert {v for _, v, e in stored if e is None} == new
    assert {v for _, v, e in stored if e == "old"} == set(hashes[:100])
    with any_store.engine.connect() as db:
        assert current_version(db) == 2
        (change,) = changes_since(db, 1)
    with any_store.session() as session:
        ids = session.scalars(select(BankEntry.id).where(BankEntry.entity.is_(None))).all()
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "bank.import").order_by(AuditEvent.id)
        )
        details = [e.data for e in events]
    # ids are a base plus the place among the valid rows, in file order: the first 100
    # rows were already in the bank and the one at line 2001 repeats line 2000
    assert (change.op, change.first_id, change.last_id) == ("add", 101, max(ids))
    assert sorted(ids) == [100 + n for n in range(101, 4999) if n != 2001]
    with any_store.session() as session:  # the id sequence went past the imported ids
        later = BankEntry(bank_id=1, signal_type="md5", value="0" * 32)
        session.add(later)
        session.flush()
        assert later.id == 100 + 4998 + 1
    assert details[-1]["added"] == len(new) and details[-1]["existing"] == 102
    assert details[-1]["errors"] == 2 and len(details) == 2


def test_the_index_catches_up_once_after_an_import(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(
        home=tmp_path / "home", database_url=db_url, progress=False, index_check_seconds=0
    )
    ctx = open_context(settings, store=open_store(settings))
    hashes = _pdq(np.random.default_rng(5), 3000)
    path = tmp_path / "a.csv"
    path.write_text("".join(f"pdq,{h}\n" for h in hashes[:1000]), encoding="utf-8")
    service.import_bank(ctx.store, "b", path, "csv", create=True, actor="test")
    rebuild(ctx)
    files = IndexFiles(settings.index_folder)
    assert files.version() == 1
    monkeypatch.setattr(service, "IMPORT_CHUNK", 500)  # four chunks, one catch-up
    saves: list[int] = []
    original = IndexFiles.save

    def counted(self: IndexFiles, snapshot: object) -> None:
        saves.append(1)
        original(self, snapshot)  # type: ignore[arg-type]

    monkeypatch.setattr(IndexFiles, "save", counted)
    path.write_text("".join(f"pdq,{h}\n" for h in hashes[1000:]), encoding="utf-8")
    service.import_bank(ctx.store, "b", path, "csv", actor="test")
    assert saves == [1] and files.version() == 2
    view = status(ctx)
    assert (view.version, view.database_version, view.pdq_entries) == (2, 2, 3000)
    with ctx.read() as session:
        matcher = ctx.matcher(session)
    found = matcher.match(SignalValue("pdq", hashes[2999]))
    assert [(h.bank, h.distance, h.entry_value) for h in found] == [("b", 0, hashes[2999])]
    ctx.close()


KILLED_IMPORT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from tvec.banks import bulk, service
    from tvec.settings import load_settings
    from tvec.store import open_store

    service.IMPORT_CHUNK = 2000
    write = bulk.BulkEntries.write
    written = []
    def announced(self, rows):
        write(self, rows)
        written.append(len(rows))
        if len(written) == 2:
            print("written", sum(written), flush=True)
            sys.stdin.readline()  # wait to be killed
    bulk.BulkEntries.write = announced
    store = open_store(load_settings(home=Path(sys.argv[1]), database_url=sys.argv[2],
                                     progress=False))
    service.import_bank(store, "b", Path(sys.argv[3]), "csv", create=True, actor="test")
    """
)


def test_an_import_killed_half_way_and_run_again_loads_every_row_once(
    db_url: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    store = open_store(load_settings(home=home, database_url=db_url, progress=False))
    hashes = _pdq(np.random.default_rng(9), 10_000)
    path = tmp_path / "bank.csv"
    lines = [f"pdq,{h}" for h in hashes] + [f"pdq,{h}" for h in hashes[:500]]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    with subprocess.Popen(
        [sys.executable, "-c", KILLED_IMPORT, str(home), db_url, str(path)],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None
        # two chunks of rows written, in the import's transaction
        assert child.stdout.readline() == "written 4000\n"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait() == -signal.SIGKILL
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(BankEntry)) == 0
    report = service.import_bank(store, "b", path, "csv", create=True, actor="test")
    assert (report.added, report.already_present, report.problems) == (10_000, 500, [])
    stored = _values(store, "b")
    assert sorted(v for _, v, _ in stored) == sorted(hashes)
    with store.engine.connect() as db:
        assert current_version(db) == 1
        (change,) = changes_since(db, 0)
    with store.session() as session:
        low, high = session.execute(select(func.min(BankEntry.id), func.max(BankEntry.id))).one()
    assert change.first_id <= low and change.last_id == high
    store.close()


def test_a_new_bank_keeps_each_values_first_row_within_and_across_chunks(
    any_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new bank takes the fast paths (SQLite: plain chunks through json_each; PostgreSQL:
    COPY straight into bank_entry until a chunk repeats a stored value): repeats inside a
    chunk, across chunks, with and without labels, and one value under two signal types
    give what the general path gives: the first row of each (signal type, value), its id
    its place in the file."""
    monkeypatch.setattr(service, "IMPORT_CHUNK", 1000)
    monkeypatch.setattr(bulkread, "BLOCK_CHARS", 20_000)
    hashes = _pdq(np.random.default_rng(21), 3500)
    md5 = [h[:32] for h in _pdq(np.random.default_rng(22), 50)]
    lines = [f"pdq,{h}" for h in hashes]
    lines[9] = lines[4]  # in the first (plain) chunk
    lines[1499] = f"pdq,{hashes[1499]},E"
    lines[1599] = f"pdq,{hashes[1499]},F"  # a labelled repeat: E stays
    lines[1700] = f"md5,{md5[0]}"
    lines[1701] = f"url_md5,{md5[0]}"  # same value, another signal type: both kept
    lines[2499] = f"pdq,{hashes[99]},X"  # repeats the first chunk
    for i, value in enumerate(md5[1:20]):  # a plain chunk of three signal types
        lines[3100 + 2 * i] = f"md5,{value}"
        lines[3101 + 2 * i] = f"url_md5,{value}"
    lines[3300] = f"md5,{md5[1]}"  # a repeat inside that chunk
    lines[3400] = lines[20]  # and of the first chunk
    path = tmp_path / "bank.csv"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    expected: dict[tuple[str, str], tuple[int, str | None]] = {}
    for number, line in enumerate(lines, 1):
        kind, value, *entity = line.split(",")
        expected.setdefault((kind, value), (number, entity[0] if entity else None))
    report = service.import_bank(any_store, "b", path, "csv", create=True, actor="test")
    assert (report.added, report.already_present) == (len(expected), 3500 - len(expected))
    with any_store.session() as session:
        stored = session.execute(
            select(BankEntry.signal_type, BankEntry.value, BankEntry.id, BankEntry.entity)
        ).all()
    assert {(t, v): (i, e) for t, v, i, e in stored} == expected
    with any_store.engine.connect() as db:
        (change,) = changes_since(db, 0)
    assert (change.first_id, change.last_id) == (1, 3500)


def test_read_ahead_runs_calls_in_the_caller_and_hands_errors_over() -> None:
    callers: list[int] = []

    def chunks(in_caller: bulkread.InCaller) -> Iterator[list[Row]]:
        for n in range(3):
            caller = str(in_caller(threading.get_ident))
            yield [(n, "pdq", "0" * 64, caller, None, None, None, EMPTY_EXTRA)]
        raise UsageError("bad file")

    got: list[list[Row]] = []
    with pytest.raises(UsageError, match="bad file"):
        for chunk in bulkread.read_ahead(chunks):
            got.append(chunk)
            callers.append(int(chunk[0][3] or 0))
    assert [c[0][0] for c in got] == [0, 1, 2]
    assert callers == [threading.get_ident()] * 3
    assert not [t for t in threading.enumerate() if t.name == "tvec-bank-read"]


def test_read_ahead_stops_its_reader_when_the_caller_stops() -> None:
    def endless(in_caller: bulkread.InCaller) -> Iterator[list[Row]]:
        n = 0
        while True:
            n += 1
            in_caller(lambda: None)
            yield [(n, "pdq", "0" * 64, None, None, None, None, EMPTY_EXTRA)]

    reader = bulkread.read_ahead(endless)
    assert next(reader)[0][0] == 1
    reader.close()
    assert not [t for t in threading.enumerate() if t.name == "tvec-bank-read"]


def test_postgres_skips_row_by_row_foreign_key_checks_only_during_the_load(
    any_store: Store,
) -> None:
    """A role that may set ``session_replication_role`` (the tests' superuser) loads with
    it at ``replica``, the bank's row locked instead; the rest of the transaction checks
    foreign keys again."""
    if any_store.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    with any_store.session() as session:
        bank = Bank(name="b")
        session.add(bank)
        session.flush()
        role = "SELECT current_setting('session_replication_role')"
        load = BulkEntries(session, bank.id, datetime.now(UTC))
        assert session.scalar(text(role)) == "replica"
        load.write([(1, "pdq", "ab" * 32, None, None, None, None, EMPTY_EXTRA)])
        assert load.finish() == (1, (1, 1))
        assert session.scalar(text(role)) == "origin"
        with pytest.raises(IntegrityError), session.begin_nested():
            session.add(BankEntry(bank_id=bank.id + 1, signal_type="md5", value="0" * 32))

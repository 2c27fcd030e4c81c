"""Store faults (issue 16, finding 11): a corrupt or unreachable database is exit 3 with the
file and the fault named and no traceback; no folders are created for a database URL; two scans
of one folder started together both finish, and a scan row is never left ``running``."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tvec.errors import StoreError
from tvec.scan import run as scan_run
from tvec.scan import run_scan
from tvec.scan.bulk import BulkWriter
from tvec.settings import load_settings
from tvec.sources import RawItem
from tvec.store import Store, open_store
from tvec.store.models import Item, ItemError, Scan, ScanItem

NOT_A_DATABASE = {
    "random bytes": os.urandom(4096),
    "text file": b"bank,value\nterror,0123456789abcdef\n" * 10,
}


@pytest.mark.parametrize("content", NOT_A_DATABASE.values(), ids=list(NOT_A_DATABASE))
def test_a_file_that_is_not_a_database_is_exit_3_naming_it(
    cli: Any, tmp_path: Path, content: bytes
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    db = home / "tvec.db"
    db.write_bytes(content)
    media = tmp_path / "note.txt"
    media.write_text("hello\n")
    for args in (("bank", "list"), ("scan", media)):
        result = cli(*args)
        assert result.code == 3, (args, result.err)
        err: str = result.err
        assert f"{db.resolve()} is not a SQLite database (file is not a database)" in err
        assert "Traceback" not in err and "sqlalchemy" not in err.lower()
    assert db.read_bytes() == content  # nothing written over the file


def test_a_folder_in_place_of_the_database_is_exit_3_naming_it(cli: Any, tmp_path: Path) -> None:
    db = tmp_path / "home" / "tvec.db"
    db.mkdir(parents=True)
    result = cli("bank", "list")
    assert result.code == 3
    err: str = result.err
    assert f"cannot open database {db.resolve()} (unable to open database file)" in err
    assert "Traceback" not in err


def test_a_database_url_in_a_missing_folder_creates_nothing(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "x" / "nothere"
    monkeypatch.setenv("TVEC_DATABASE_URL", f"sqlite:///{missing / 'tvec.db'}")
    result = cli("bank", "list")
    assert result.code == 3
    err: str = result.err
    assert f"database folder {missing} does not exist" in err
    assert "Traceback" not in err
    assert not (tmp_path / "x").exists()
    with pytest.raises(StoreError, match="does not create folders"):
        open_store(
            load_settings(home=tmp_path / "home", database_url=f"sqlite:///{missing / 'a.db'}")
        )
    assert not (tmp_path / "x").exists()


def test_the_default_database_creates_home(tmp_path: Path) -> None:
    home = tmp_path / "a" / "b" / "home"
    store = open_store(load_settings(home=home))
    try:
        assert (home / "tvec.db").is_file()
        assert "scan" in store.table_names()
    finally:
        store.close()


def _notes(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    for n in range(count):
        (folder / f"note-{n:03d}.txt").write_text(f"note {n}: see https://example.org/{n}\n")


def test_two_scans_of_one_folder_started_together_both_finish(tmp_path: Path, db_url: str) -> None:
    folder = tmp_path / "in"
    _notes(folder, 60)
    settings = load_settings(home=tmp_path / "home", database_url=db_url, progress=False)
    stores = [open_store(settings), open_store(settings)]  # two writers, like two processes
    barrier = threading.Barrier(2)
    outcome: list[str] = ["", ""]

    def scan(n: int) -> None:
        barrier.wait()
        try:
            outcome[n] = run_scan(stores[n], [folder]).status
        except Exception as exc:  # the test reports it below
            outcome[n] = repr(exc)

    threads = [threading.Thread(target=scan, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    try:
        assert outcome == ["finished", "finished"]
        with stores[0].session() as session:
            scans = session.scalars(select(Scan).order_by(Scan.id)).all()
            assert [s.status for s in scans] == ["finished", "finished"]
            assert all(s.finished_at is not None and s.counts["items"] == 60 for s in scans)
            locators = session.scalars(select(Item.locator)).all()
            assert len(locators) == len(set(locators)) == 60
            assert session.scalar(select(func.count()).select_from(ItemError)) == 0
            for scan_row in scans:  # each scan lists every item it read
                listed = select(func.count()).where(ScanItem.scan_id == scan_row.id)
                assert session.scalar(listed) == 60
    finally:
        for store in stores:
            store.close()


def test_a_scan_ended_by_any_exception_does_not_stay_running(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    _notes(folder, 5)
    original = BulkWriter.write
    written: list[str] = []

    def fail_on_third(self: BulkWriter, session: Session, batch: list[RawItem], *args: Any) -> None:
        if len(written) == 2:
            raise RuntimeError("disk on fire")
        original(self, session, batch, *args)
        written.extend(raw.locator for raw in batch)

    monkeypatch.setattr(BulkWriter, "write", fail_on_third)
    monkeypatch.setattr(scan_run, "BATCH", 1)  # one item per transaction
    with pytest.raises(RuntimeError, match="disk on fire"):
        run_scan(store, [folder])
    with store.session() as session:
        scan = session.scalars(select(Scan)).one()
        assert scan.status == "failed"
        assert scan.finished_at is not None
        assert scan.counts["items"] == 2
        assert session.scalar(select(func.count()).select_from(Item)) == 2

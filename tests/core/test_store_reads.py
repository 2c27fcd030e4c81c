"""The reads port of the store (:mod:`tvec.store.reads`): the driver's reads (``sqlite3``,
``psycopg``, no SQLAlchemy) give the same rows as SQLAlchemy Core's, on SQLite and
PostgreSQL; a store at head opened with a plain URL reads through the driver, anything else
through SQLAlchemy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import insert, update

from tvec.banks import service
from tvec.errors import StoreError
from tvec.settings import load_settings
from tvec.store import Store, open_store
from tvec.store.light import driver_for
from tvec.store.models import Base
from tvec.store.reads import CoreReads, DriverReads, EntryRow
from tvec.store.vpdq import vpdq_ref

FRAMES = '[{"pdq":"' + "f" * 64 + '","quality":100,"timestamp":0.0}]'


def _fill(store: Store) -> list[int]:
    """Two banks, entries with and without labels (``extra`` JSON too), a vpdq frame list
    stored by reference; returns the entry ids."""
    service.create_bank(store, "a", actor="test")
    service.create_bank(store, "b", actor="test")
    entry = Base.metadata.tables["bank_entry"]
    bank = Base.metadata.tables["bank"]
    with store.engine.begin() as db:
        banks = bank.select().with_only_columns(bank.c.id, bank.c.name)
        ids = {name: i for i, name in db.execute(banks)}
        rows = [
            dict(bank_id=ids["a"], signal_type="pdq", value="f" * 64, extra={}),
            dict(
                bank_id=ids["a"],
                signal_type="md5",
                value="0" * 32,
                entity="Group A",
                ideology="jihadist",
                source="tcap",
                note="a note, with ünïcode",
                extra={"entity_type": "GRP", "n": 3, "nested": {"x": [1, 2]}},
            ),
            dict(bank_id=ids["b"], signal_type="text_tlsh", value="T1" + "A" * 70, extra={}),
            dict(bank_id=ids["b"], signal_type="raw_text", value="some words here", extra={}),
            dict(bank_id=ids["b"], signal_type="vpdq", value=vpdq_ref(FRAMES), extra={}),
        ]
        blank = dict(entity=None, ideology=None, source=None, note=None)
        db.execute(insert(entry), [{**blank, **row} for row in rows])  # one set of keys
        features = Base.metadata.tables["vpdq_features"]
        digest = vpdq_ref(FRAMES).removeprefix("sha256:")
        db.execute(insert(features).values(digest=digest, frame_count=1, features=FRAMES))
        db.execute(update(Base.metadata.tables["bank_version"]).values(version=7))
        found = [int(i) for (i,) in db.execute(entry.select().with_only_columns(entry.c.id))]
    return sorted(found)


@pytest.mark.postgres
def test_driver_reads_equal_core_reads(db_url: str, tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", database_url=db_url, progress=False)
    made = open_store(settings)  # a new database: migrated through SQLAlchemy
    try:
        assert made.driver is None
        ids = _fill(made)
    finally:
        made.close()
    store = open_store(settings)  # at head, plain URL: the driver
    try:
        assert store.driver is not None
        assert "engine" not in store.__dict__  # no SQLAlchemy engine made to open it
        with store.reads() as driver, store.connect() as connection:
            assert isinstance(driver, DriverReads)
            core = CoreReads(connection)
            assert driver.bank_version() == core.bank_version() == 7
            assert driver.bank_names(["a", "zz", "b", "a"]) == core.bank_names(["a", "zz", "b"])
            assert driver.bank_names(["a", "zz"]) == {"a"}
            got = sorted(driver.entries([*ids, 10**9]))
            assert got == sorted(core.entries(ids))
            assert len(got) == len(ids)
            labelled = next(e for e in got if e.signal_type == "md5")
            assert labelled == EntryRow(
                labelled.id,
                "a",
                "md5",
                "0" * 32,
                "Group A",
                "jihadist",
                "tcap",
                "a note, with ünïcode",
                {"entity_type": "GRP", "n": 3, "nested": {"x": [1, 2]}},
            )
            linear = ["text_tlsh", "raw_text"]
            assert sorted(driver.entries_of_types(linear)) == sorted(core.entries_of_types(linear))
            assert len(driver.entries_of_types(linear)) == 2
            assert (
                driver.entries_of_types(linear, ["a"]) == core.entries_of_types(linear, ["a"]) == []
            )
            assert driver.entries_of_types([]) == []
            refs = [vpdq_ref(FRAMES), vpdq_ref("[]"), "not a ref"]
            assert driver.frame_lists(refs) == core.frame_lists(refs) == {vpdq_ref(FRAMES): FRAMES}
            assert json.loads(FRAMES)  # the frame list comes back as stored
    finally:
        store.close()


def test_store_reads_through_sqlalchemy_when_not_at_head_or_not_plain(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = open_store(load_settings(home=home, progress=False))  # new: Alembic migrates
    assert store.driver is None
    with store.reads() as reads:
        assert isinstance(reads, CoreReads)
        assert reads.bank_version() == 0
    store.close()
    # a URL form the driver path does not take: SQLAlchemy opens it
    url = f"sqlite:///{(home / 'tvec.db').resolve()}?timeout=5"
    store = open_store(load_settings(home=home, database_url=url, progress=False))
    try:
        assert store.driver is None
        with store.reads() as reads:
            assert isinstance(reads, CoreReads)
    finally:
        store.close()
    store = open_store(load_settings(home=home, progress=False))
    try:
        assert store.driver is not None
        with store.reads() as reads:
            assert isinstance(reads, DriverReads)
            assert reads.bank_version() == 0
            assert reads.entries([1, 2]) == []
    finally:
        store.close()


def test_driver_errors_are_store_errors(tmp_path: Path) -> None:
    home = tmp_path / "home"
    open_store(load_settings(home=home, progress=False)).close()
    store = open_store(load_settings(home=home, progress=False))
    try:
        with store.reads() as reads, pytest.raises(StoreError, match="database error: no such"):
            assert isinstance(reads, DriverReads)
            reads._rows("SELECT * FROM no_such_table")
    finally:
        store.close()


@pytest.mark.parametrize(
    ("url", "want"),
    [
        ("sqlite:////abs/tvec.db", ("sqlite", "/abs/tvec.db")),
        ("sqlite:///rel/tvec.db", ("sqlite", "rel/tvec.db")),
        ("sqlite+pysqlite:////abs/tvec.db", ("sqlite", "/abs/tvec.db")),
        (
            "postgresql+psycopg://u:p%40ss@127.0.0.1:5432/db",
            ("postgresql", "postgresql://u:p%40ss@127.0.0.1:5432/db"),
        ),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:////abs/t%20vec.db", None),
        ("sqlite:////abs/tvec.db?timeout=5", None),
        ("postgresql+psycopg://u@h/db?sslmode=require", None),
        ("postgresql://u@h/db", None),
        ("mysql://u@h/db", None),
    ],
)
def test_driver_for_takes_only_plain_urls(url: str, want: tuple[str, str] | None) -> None:
    driver = driver_for(url)
    assert (None if driver is None else (driver.kind, driver.target)) == want


def test_entries_of_a_rare_type_are_found_through_the_index_not_a_scan(tmp_path: Path) -> None:
    # bank_entry has no index on signal_type alone (migration 0019): joining the bank let
    # SQLite scan all of bank_entry for the few text_tlsh entries, 1 s at 10 million
    import sqlite3

    settings = load_settings(home=tmp_path / "home", progress=False)
    open_store(settings).close()
    store = open_store(settings)
    try:
        _fill(store)
    finally:
        store.close()
    store = open_store(settings)
    try:
        with store.reads() as reads:
            assert isinstance(reads, DriverReads)
            seen: list[str] = []
            connection: sqlite3.Connection = reads.connection
            connection.set_trace_callback(seen.append)
            found = reads.entries_of_types(["text_tlsh", "raw_text"])
            connection.set_trace_callback(None)
            assert len(found) == 2
            selects = [s for s in seen if "FROM bank_entry" in s]
            assert len(selects) == 1
            plan = " ".join(
                str(row[3]) for row in connection.execute(f"EXPLAIN QUERY PLAN {selects[0]}")
            )
            assert "SEARCH e USING" in plan and "SCAN e" not in plan, plan
    finally:
        store.close()

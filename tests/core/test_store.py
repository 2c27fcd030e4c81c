"""The store on SQLite and PostgreSQL: migrations, constraints, evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from tvec.errors import ConfigError, NotFoundError, StoreError
from tvec.settings import load_settings
from tvec.store import Store, open_store
from tvec.store.db import current_revision, make_engine, migrate
from tvec.store.evidence import EvidenceStore
from tvec.store.models import Bank, BankEntry, Item, Signal

TABLES = [
    "alembic_version",
    "bank",
    "bank_entry",
    "item",
    "item_error",
    "match",
    "scan",
    "scan_item",
    "signal",
    "source",
]


def _head() -> str:
    """The newest revision in the migrations folder (later issues add revisions)."""
    from alembic.script import ScriptDirectory

    from tvec.store.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def test_migrates_to_head_on_both_backends(any_store: Store) -> None:
    assert set(TABLES) <= set(any_store.table_names())
    assert current_revision(any_store.engine) == _head()


def test_database_at_first_migration_upgrades_to_head_with_its_data(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine, "0001")
    assert current_revision(engine) == "0001"
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO bank (id, name, created_at) VALUES (1, 'old', CURRENT_TIMESTAMP)")
        )
        conn.execute(
            text(
                "INSERT INTO bank_entry (bank_id, signal_type, value, extra, created_at) "
                "VALUES (1, 'md5', 'd41d8cd98f00b204e9800998ecf8427e', '{}', CURRENT_TIMESTAMP)"
            )
        )
    migrate(engine)
    assert current_revision(engine) == _head()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM bank_entry")).scalar_one() == (
            "d41d8cd98f00b204e9800998ecf8427e"
        )
        assert conn.execute(text("SELECT count(*) FROM item_error")).scalar_one() == 0
    engine.dispose()


def test_unique_keys_and_cascades(any_store: Store) -> None:
    with any_store.session() as session:
        bank = Bank(name="b")
        session.add(bank)
        session.flush()
        session.add(BankEntry(bank_id=bank.id, signal_type="md5", value="a" * 32))
        item = Item(locator="file:///x", media_type="image/png", content_type="photo")
        item.signals.append(Signal(signal_type="md5", value="a" * 32))
        session.add(item)
    with pytest.raises(StoreError), any_store.session() as session:
        session.add(Item(locator="file:///x", media_type="image/png", content_type="photo"))
    with any_store.session() as session:
        session.add(BankEntry(bank_id=1, signal_type="md5", value="a" * 32))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
    with any_store.session() as session:
        session.delete(session.get_one(Bank, 1))
    with any_store.session() as session:
        assert session.query(BankEntry).count() == 0


def test_sqlite_uses_wal_and_foreign_keys(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1


def test_bad_database_url_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TVEC_DATABASE_URL"):
        load_settings(home=tmp_path, database_url="not a url")
    with pytest.raises(ConfigError):
        open_store(load_settings(home=tmp_path, database_url="nosuchdriver://x/y"))
    with pytest.raises(StoreError, match="cannot connect"):
        open_store(
            load_settings(
                home=tmp_path, database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"
            )
        )


def test_evidence_store_is_content_addressed_and_atomic(tmp_path: Path) -> None:
    evidence = EvidenceStore(tmp_path / "ev")
    digest = evidence.put(b"hello")
    assert digest == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    assert evidence.path_for(digest) == tmp_path / "ev" / "2c" / "f2" / digest
    assert evidence.put(b"hello") == digest and evidence.get(digest) == b"hello"
    assert digest in evidence
    assert [p.name for p in (tmp_path / "ev" / "2c" / "f2").iterdir()] == [digest]
    with pytest.raises(StoreError, match="mismatch"):
        evidence.put(b"hello", "0" * 64)
    with pytest.raises(NotFoundError):
        evidence.get("1" * 64)


def test_evidence_with_a_verified_digest_is_stored_under_it_without_hashing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scan worker hands over the ``sha256`` signal it computed from the same bytes: the
    store takes it as the key instead of hashing the bytes again."""
    import hashlib

    from tvec.store import evidence as module

    digest = hashlib.sha256(b"world").hexdigest()
    evidence = EvidenceStore(tmp_path / "ev")
    with monkeypatch.context() as patch:
        patch.setattr(module.hashlib, "sha256", lambda *a: pytest.fail("hashed again"))
        assert evidence.put(b"world", digest, sync=False, verified=True) == digest
    assert evidence.get(digest) == b"world"
    assert evidence.put(b"world", digest) == digest  # checked when not verified
    with pytest.raises(StoreError, match="mismatch"):
        evidence.put(b"world", "0" * 64, verified=False)


def test_timestamps_come_back_aware_utc(any_store: Store) -> None:
    with any_store.session() as session:
        session.add(Bank(name="t"))
    with any_store.session() as session:
        bank = session.query(Bank).one()
        assert bank.created_at.utcoffset() is not None
        assert bank.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_engine_for_postgres_url_does_not_connect_eagerly() -> None:
    engine = create_engine("postgresql+psycopg://u@127.0.0.1:1/db")
    assert engine.dialect.name == "postgresql"


def test_migrations_create_exactly_the_tables_of_the_models(any_store: Store) -> None:
    """Alembic's comparison of the migrated schema with the models finds no table, column,
    index or constraint missing on either side (the queue index's ``DESC`` expression and
    Float/Double spellings are reported by Alembic as changes, but are the same index and
    type, so they are left out)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from tvec.store.models import Base

    with any_store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    differences = []
    for change in diff:
        entry = change[0] if isinstance(change, list) else change
        if entry[0] == "modify_type":
            continue
        if entry[0] in ("remove_index", "add_index") and entry[1].name == "ix_review_case_queue":
            continue
        differences.append(entry[:2])
    assert differences == []

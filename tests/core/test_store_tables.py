"""The fast read path of the store: light bank tables and the schema check without Alembic.

:mod:`tvec.store.tables` must name the same tables and columns (with the same Python types)
as the models; :func:`tvec.store.db.head_revision` must find the head Alembic finds; and a
store opened on a database at head skips Alembic, one behind is still upgraded.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Table, text

from tvec.settings import load_settings
from tvec.store import open_store
from tvec.store import tables as light
from tvec.store.db import (
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
    migrate,
    schema_is_current,
)
from tvec.store.models import Base


@pytest.mark.parametrize(
    "clause",
    [light.BANK, light.BANK_ENTRY, light.BANK_VERSION, light.BANK_CHANGE, light.VPDQ_FEATURES],
    ids=lambda c: str(c.name),
)
def test_light_tables_match_the_models(clause: Table) -> None:
    model = Base.metadata.tables[clause.name]
    for column in clause.c:
        assert column.name in model.c, f"{clause.name}.{column.name} is not in the models"
        want = model.c[column.name].type.python_type
        assert column.type.python_type is want, f"{clause.name}.{column.name}"


def test_head_revision_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    assert head_revision() == head


def test_schema_check_without_alembic(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'tvec.db'}")
    with engine.connect() as connection:
        assert schema_is_current(connection) is False  # empty: no alembic_version table
    migrate(engine)
    with engine.connect() as connection:
        assert schema_is_current(connection) is True
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'zzzz'"))
    with engine.connect() as connection:
        assert schema_is_current(connection) is False  # a revision this code does not know
    engine.dispose()


@pytest.mark.postgres
def test_database_one_revision_behind_is_upgraded(db_url: str, tmp_path: Path) -> None:
    head = head_revision()
    assert head is not None
    engine = make_engine(db_url)
    migrate(engine, "0010")  # an older revision
    with engine.connect() as connection:
        assert schema_is_current(connection) is False
    engine.dispose()
    store = open_store(load_settings(home=tmp_path / "home", database_url=db_url))
    try:
        assert current_revision(store.engine) == head
        with store.connect() as connection:
            assert schema_is_current(connection) is True
    finally:
        store.close()

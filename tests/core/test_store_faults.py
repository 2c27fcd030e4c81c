"""Store faults (issue 16, finding 11): a corrupt or unreachable database is exit 3 with the
file and the fault named and no traceback; no folders are created for a database URL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tvec.errors import StoreError
from tvec.settings import load_settings
from tvec.store import open_store

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

"""Shared fixtures: third-party vectors, stores on SQLite and PostgreSQL, and the CLI.

Environment:
    TVEC_REQUIRE_VECTORS=1   a missing ../shared/vectors folder fails instead of skipping.
    TVEC_TEST_POSTGRES_URL   server for the PostgreSQL runs (default
                             postgresql+psycopg://postgres@127.0.0.1:5432/test); each test
                             session creates and drops its own database there.
    TVEC_REQUIRE_POSTGRES=1  an unreachable server fails instead of skipping (CI sets it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tvec.cli import context
from tvec.cli.app import run
from tvec.settings import Settings, load_settings
from tvec.store import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT.parent / "shared" / "vectors"
POSTGRES_URL = os.environ.get(
    "TVEC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def require_module(module: str, env: str, how: str) -> None:
    """Skip the calling test module when ``module`` is not installed, or fail when ``env``=1.

    Call at module level, after the imports.
    """
    import importlib.util

    if importlib.util.find_spec(module) is not None:
        return
    reason = f"the {module} package is not installed ({how})"
    if os.environ.get(env) == "1":
        pytest.fail(f"{env}=1 but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="session")
def vectors() -> Path:
    """The third-party test vectors folder (../shared/vectors)."""
    if not VECTORS.is_dir():
        if os.environ.get("TVEC_REQUIRE_VECTORS") == "1":
            pytest.fail(f"TVEC_REQUIRE_VECTORS=1 but {VECTORS} is missing")
        pytest.skip(f"third-party vectors not found at {VECTORS}")
    return VECTORS


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database for this test session (dropped at the end)."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"tvec_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        message = f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}"
        if os.environ.get("TVEC_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL, once for SQLite and once for PostgreSQL (an empty database each)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tvec.db'}"
    url: str = request.getfixturevalue("postgres_server_url")
    _reset_postgres(url)
    return url


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh home under tmp_path (SQLite)."""
    return load_settings(home=tmp_path / "home", progress=False)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    """A migrated SQLite store in a fresh home."""
    opened = open_store(settings)
    yield opened
    opened.close()


@pytest.fixture
def any_store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    """A migrated store on SQLite and on PostgreSQL (parametrised)."""
    opened = open_store(load_settings(home=tmp_path / "home", database_url=db_url, progress=False))
    yield opened
    opened.close()


@dataclass
class CliResult:
    """Exit code and captured output of one in-process CLI run."""

    code: int
    out: str
    err: str


@pytest.fixture
def cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[object]:
    """Run ``tvec ARGS...`` in-process with TVEC_HOME under tmp_path; returns CliResult."""
    monkeypatch.setenv("TVEC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TVEC_PROGRESS", "false")
    monkeypatch.delenv("TVEC_DATABASE_URL", raising=False)

    def invoke(*args: str | Path) -> CliResult:
        context.reset()
        capsys.readouterr()
        code = run([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    yield invoke
    context.reset()

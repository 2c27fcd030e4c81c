"""Engine, sessions and migrations for tvec's database.

SQLite (default) is opened with WAL journaling, ``foreign_keys=ON`` and a busy timeout, so a
scan killed half-way leaves a consistent database (each item is committed in its own
transaction). PostgreSQL works through ``postgresql+psycopg://`` URLs with the same schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from tvec.errors import ConfigError, StoreError
from tvec.settings import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def sqlite_file(url: str) -> Path | None:
    """The database file a ``sqlite`` URL names, or ``None`` (not SQLite, in memory, URI form).

    Raises:
        ConfigError: the URL cannot be parsed.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"TVEC_DATABASE_URL {url!r}: {exc}") from exc
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout.

    No folder is created for a database URL: a SQLite file whose folder does not exist is a
    :class:`StoreError` (exit 3, like a PostgreSQL URL naming a database that does not exist:
    the URL is well formed, the database it names cannot be reached). The default database
    inside ``TVEC_HOME`` is covered because :func:`open_store` creates HOME first.

    Raises:
        ConfigError: the URL cannot be parsed or names an unknown driver.
        StoreError: the folder of the SQLite file does not exist (or is not a folder).
    """
    path = sqlite_file(url)
    if path is not None and not path.parent.is_dir():
        raise StoreError(
            f"database folder {path.parent} does not exist "
            "(tvec does not create folders for a database URL)"
        )
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        raise ConfigError(f"TVEC_DATABASE_URL {url!r}: {exc}") from exc
    return engine


def open_fault(url: str, exc: SQLAlchemyError) -> StoreError:
    """A :class:`StoreError` naming the database and what is wrong with it (no SQL, no secrets).

    A SQLite file that is not a database (random bytes, a text file) reads "PATH is not a SQLite
    database (file is not a database)"; a damaged one "PATH is a damaged SQLite database (...)";
    any other fault "cannot open database PATH (driver message)".
    """
    fault = _short(exc)
    path = sqlite_file(url)
    if path is None:
        name = make_url(url).render_as_string(hide_password=True)
        return StoreError(f"cannot connect to {name} ({fault})")
    if "file is not a database" in fault:
        return StoreError(f"{path} is not a SQLite database ({fault})")
    if "malformed" in fault or "corrupt" in fault:
        return StoreError(f"{path} is a damaged SQLite database ({fault})")
    return StoreError(f"cannot open database {path} ({fault})")


def alembic_config(url: str) -> Any:
    """An Alembic ``Config`` for tvec's migrations pointed at ``url``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision`` (default: the newest).

    Raises:
        StoreError: the database cannot be reached or a migration fails.
    """
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    except (OperationalError, SQLAlchemyError) as exc:
        raise StoreError(f"cannot migrate database {engine.url!r}: {exc}") from exc


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at, or ``None`` for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _short(exc: SQLAlchemyError) -> str:
    """The driver's message without SQL text or parameters (they may hold password hashes)."""
    orig = getattr(exc, "orig", None)
    text = str(orig) if orig is not None else type(exc).__name__
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


#: Key of :attr:`Session.info` that holds the store's settings (read by ``tvec.audit``).
SETTINGS_INFO = "tvec_settings"


@dataclass
class Store:
    """The database (engine + session factory) and where evidence is kept.

    Use :func:`open_store` to build one; it migrates the database to head.
    """

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error.

        Raises:
            StoreError: the database failed (wrapping SQLAlchemy's error).
        """
        session = self.sessions()
        try:
            yield session
            session.commit()
        except SQLAlchemyError as exc:
            session.rollback()
            raise StoreError(f"database error: {_short(exc)}") from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def table_names(self) -> list[str]:
        """Names of the tables that exist in the database."""
        return sorted(inspect(self.engine).get_table_names())

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()


def open_store(settings: Settings, *, upgrade: bool = True) -> Store:
    """Open (and by default migrate to head) the database named by ``settings``.

    Raises:
        ConfigError: the database URL is invalid, or HOME cannot be created.
        StoreError: the database cannot be reached or migrated, is not a database (a corrupt
            SQLite file) or its folder does not exist (the message names the file and fault).
    """
    try:
        settings.home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"TVEC_HOME {settings.home}: cannot create: {exc.strerror}") from exc
    url = settings.resolved_database_url
    engine = make_engine(url)
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as exc:
        engine.dispose()
        raise open_fault(url, exc) from exc
    if upgrade:
        migrate(engine)
    # The settings ride on every session, so the audit log finds its key file.
    sessions = sessionmaker(engine, expire_on_commit=False, info={SETTINGS_INFO: settings})
    return Store(settings=settings, engine=engine, sessions=sessions)

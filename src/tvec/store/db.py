"""Engine, sessions and migrations for tvec's database.

SQLite (default) is opened with WAL journaling, ``foreign_keys=ON`` and a busy timeout, so a
scan killed half-way leaves a consistent database (each item is committed in its own
transaction). PostgreSQL works through ``postgresql+psycopg://`` URLs with the same schema.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tvec.errors import ConfigError, StoreError
from tvec.settings import Settings
from tvec.store.light import Driver, driver_for
from tvec.store.reads import BankReads, CoreReads

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session, sessionmaker

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
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

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
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import ArgumentError

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
    from sqlalchemy.engine import make_url

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
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    except (OperationalError, SQLAlchemyError) as exc:
        raise StoreError(f"cannot migrate database {engine.url!r}: {exc}") from exc


#: ``revision = "0017"`` (optionally annotated) at the start of a line of a migration file.
_REVISION = re.compile(r"""^revision\s*(?::[^=\n]*)?=\s*["']([^"'\n]+)["']\s*$""", re.MULTILINE)
#: ``down_revision = ...``: None, a string, or a tuple of strings (a merge).
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=\n]*)?=\s*(.+)$", re.MULTILINE)


@functools.cache
def head_revision() -> str | None:
    """The revision of the newest migration in :data:`MIGRATIONS_DIR`, read from the text of
    the migration files (``revision = "..."`` and ``down_revision = ...`` lines) without
    importing Alembic: the one revision no other names as its ``down_revision``.

    ``None`` when that cannot be told from the text alone (a file without a plain
    ``revision`` line, no head or several heads): callers then let Alembic decide.
    Read once per process.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        if path.name.startswith("_"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        revision = _REVISION.findall(text)
        down = _DOWN_REVISION.findall(text)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        parents.update(re.findall(r"""["']([^"']+)["']""", down[0]))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def schema_is_current(connection: Connection) -> bool:
    """Whether the database behind ``connection`` is at :func:`head_revision`, read with one
    plain query of ``alembic_version`` (no Alembic import: a read-only command that finds the
    schema current never loads Alembic or the migrations). ``False`` whenever in doubt: no
    such table (an empty database), another revision, several rows, or no head known.
    """
    from sqlalchemy.exc import SQLAlchemyError

    head = head_revision()
    if head is None:
        return False
    try:
        rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except SQLAlchemyError:
        connection.rollback()
        return False
    return [str(row[0]) for row in rows] == [head]


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


class Store:
    """The database (engine + session factory) and where evidence is kept.

    Use :func:`open_store` to build one; it migrates the database to head. The engine, and
    with it SQLAlchemy, is made on first use (:attr:`engine`), the ORM when the first session
    is made (:attr:`sessions`): a one-shot reader of a current store
    (:meth:`reads`, ``tvec match``) reads through the database's driver alone.

    Args:
        settings: the settings (the database URL, HOME).
        engine: the engine (default: made from the settings on first use).
        driver: a DB-API driver for :meth:`reads` (:func:`tvec.store.light.driver_for`;
            default: none, :meth:`reads` goes through the engine).
    """

    def __init__(
        self, settings: Settings, engine: Engine | None = None, driver: Driver | None = None
    ) -> None:
        self.settings = settings
        self.driver = driver
        if engine is not None:
            self.__dict__["engine"] = engine

    def __repr__(self) -> str:
        return f"Store(url={self.settings.resolved_database_url!r})"

    @cached_property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (made on first use).

        Raises:
            ConfigError: the database URL is invalid.
            StoreError: the folder of a SQLite file does not exist.
        """
        return make_engine(self.settings.resolved_database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory (sessions carry the settings in ``info``, so the audit log
        finds its key file)."""
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(
            self.engine, expire_on_commit=False, info={SETTINGS_INFO: self.settings}
        )

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A Core connection for reading (no ORM; rolled back at the end).

        Raises:
            StoreError: the database failed (wrapping SQLAlchemy's error).
        """
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self.engine.connect() as connection:
                yield connection
        except SQLAlchemyError as exc:
            raise StoreError(f"database error: {_short(exc)}") from exc

    @contextmanager
    def reads(self) -> Iterator[BankReads]:
        """The reads a matcher needs (:class:`tvec.store.reads.BankReads`): through the
        database's driver when the store was opened with one (no SQLAlchemy), else through a
        Core connection (:meth:`connect`).

        Raises:
            StoreError: the database failed.
        """
        if self.driver is not None:
            with self.driver.reads(self.connect, self.reads) as found:
                yield found
            return
        with self.connect() as connection:  # SQLAlchemy's errors become StoreError
            yield CoreReads(connection, self.connect, self.reads)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error.

        Raises:
            StoreError: the database failed (wrapping SQLAlchemy's error).
        """
        from sqlalchemy.exc import SQLAlchemyError

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
        from sqlalchemy import inspect

        return sorted(inspect(self.engine).get_table_names())

    def close(self) -> None:
        """Release the engine's connections (and the driver's)."""
        if self.driver is not None:
            self.driver.close()
        if "engine" in self.__dict__:
            self.engine.dispose()


def open_store(settings: Settings, *, upgrade: bool = True) -> Store:
    """Open (and by default migrate to head) the database named by ``settings``.

    A database already at head is not handed to Alembic at all: one query of
    ``alembic_version`` tells. When the URL has a plain form (:func:`tvec.store.light.driver_for`)
    that query runs through the driver alone and the store is returned without SQLAlchemy
    (its engine is made on first use); otherwise, or when that fails, through the engine
    (:func:`schema_is_current`).

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
    driver = driver_for(url) if upgrade else None
    if driver is not None:
        head = head_revision()
        current = head is not None and driver.schema_revisions() == [head]
        driver.close()  # reopened by the first reads: most commands never read this way
        if current:
            return Store(settings, driver=driver)
        # not current, or not readable this way: SQLAlchemy's path decides
    from sqlalchemy.exc import SQLAlchemyError

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = upgrade and schema_is_current(connection)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise open_fault(url, exc) from exc
    if upgrade and not current:  # Alembic is imported only when there is work for it
        migrate(engine)
    return Store(settings, engine)

"""The application context: what every use case needs, built once and passed explicitly.

:func:`open_context` reads nothing from the environment: the adapter (``cli/``, ``web/``)
loads the settings once (:func:`tvec.settings.load_settings`) and hands them over. The
context then holds:

* ``settings``: the one typed settings object;
* ``store``: the database (migrated to head) and the evidence store's folder;
* ``clock``: the current time (:data:`tvec.clock.Clock`; tests and replays pass their own);
* the outbound client (:meth:`AppContext.http`): every request that leaves the machine goes
  through :mod:`tvec.net` with the settings' address rules, caps and retries; tests pass a
  transport and a resolver to :func:`open_context` instead of patching;
* the matcher (:meth:`AppContext.matcher`) over the banks, with the ``TVEC_PDQ_*`` and
  ``TVEC_VPDQ_*`` settings, mapping the persisted index and following bank changes;
* the entity registry in force (:meth:`AppContext.entities`): the packaged one plus
  ``TVEC_ENTITIES_FILE`` plus the imported designation lists;
* a write lock (:meth:`AppContext.write`): writers in this process append to the audit log's
  hash chain one at a time (``prev_sha256`` is unique, so writers in other processes can
  never fork it either).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from tvec.clock import Clock, utcnow
from tvec.settings import Settings
from tvec.store import Store, open_store

if TYPE_CHECKING:
    import httpx
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from tvec.entities import EntityRegistry
    from tvec.matching.matcher import Matcher
    from tvec.net.addresses import Resolver
    from tvec.net.client import OutboundClient
    from tvec.store.reads import BankReads


@dataclass
class AppContext:
    """Settings, store, clock, outbound client and matcher of one process (see the module
    docstring). Build with :func:`open_context`; close with :meth:`close`."""

    settings: Settings
    store: Store
    clock: Clock = utcnow
    transport: httpx.BaseTransport | None = None
    resolver: Resolver | None = None
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    _matcher: tuple[tuple[object, ...], Matcher] | None = field(default=None, repr=False)
    _matcher_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def now(self) -> datetime:
        """The current time by the context's clock (timezone-aware UTC)."""
        return self.clock()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading (committed at the end like any other).

        Raises:
            StoreError: the database failed.
        """
        with self.store.session() as session:
            yield session

    @contextmanager
    def reads(self) -> Iterator[BankReads]:
        """The reads a matcher needs (:meth:`tvec.store.Store.reads`), without the ORM and,
        on a store opened at the newest schema, without SQLAlchemy: ``tvec match`` starts
        faster through them.

        Raises:
            StoreError: the database failed.
        """
        with self.store.reads() as found:
            yield found

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session for writing, holding the write lock until it commits or rolls back.

        Raises:
            StoreError: the database failed.
        """
        with self.write_lock, self.store.session() as session:
            yield session

    def http(self) -> OutboundClient:
        """A new outbound client (:class:`tvec.net.client.OutboundClient`: GET, POST and
        SMTP under the settings' address rules, caps and retries, with the context's
        transport and resolver); use it as a context manager."""
        from tvec.net.client import OutboundClient

        return OutboundClient(self.settings, transport=self.transport, resolver=self.resolver)

    def entities(self, session: Session | None = None) -> EntityRegistry:
        """The entity registry in force: packaged plus ``TVEC_ENTITIES_FILE`` plus the
        imported designation lists (cached until the file or the imports change); read in
        ``session``, or in a session of its own.

        Raises:
            ConfigError: the entities file is unreadable or invalid.
            StoreError: the database failed.
        """
        from tvec.entities.resolve import entity_registry

        if session is not None:
            return entity_registry(self.settings, session)
        with self.read() as own:
            return entity_registry(self.settings, own)

    def matcher(
        self, session: Session | Connection | BankReads, banks: list[str] | None = None
    ) -> Matcher:
        """A matcher over ``banks`` (default: every bank) with the matching settings, read
        through ``session`` (or a Core connection, or the reads port, :meth:`reads`).

        The matcher maps the persisted index (``TVEC_INDEX_DIR``) and follows bank changes
        by itself (it checks the bank change counter every ``TVEC_INDEX_CHECK_SECONDS``); the
        all-banks matcher is kept for the life of the context, a matcher of named banks is
        made for the call (mapping the same files). A change of the matching settings makes
        a new one.

        Raises:
            NotFoundError: a named bank does not exist.
            StoreError: the index folder cannot be read or written.
        """
        from tvec.matching.matcher import Matcher

        if banks:
            return Matcher.for_settings(session, self.settings, banks)
        current = self.settings
        key = (
            current.pdq_threshold,
            current.pdq_min_quality,
            current.vpdq_distance,
            current.vpdq_min_quality,
            current.vpdq_query_match_percent,
            current.vpdq_bank_match_percent,
            current.index_folder,
            current.index_check_seconds,
        )
        with self._matcher_lock:
            if self._matcher is None or self._matcher[0] != key:
                self._matcher = (key, Matcher.for_settings(session, current))
            return self._matcher[1]

    def close(self) -> None:
        """Release the store's connections."""
        self.store.close()


def open_context(
    settings: Settings,
    *,
    store: Store | None = None,
    clock: Clock = utcnow,
    transport: httpx.BaseTransport | None = None,
    resolver: Resolver | None = None,
) -> AppContext:
    """The context of one process over ``settings`` (and ``store``, default: open the store
    the settings name, migrated to head).

    Args:
        clock: the current time (default: the system clock, UTC).
        transport: an httpx transport for every outbound request (tests; default: the
            network).
        resolver: host name resolution for the outbound address rules (tests; default: the
            system resolver).

    Raises:
        ConfigError: the database URL is invalid.
        StoreError: the database cannot be reached or migrated.
    """
    return AppContext(
        settings=settings,
        store=store or open_store(settings),
        clock=clock,
        transport=transport,
        resolver=resolver,
    )

"""Polling: fetch what is new from sources and feed it through the scan pipeline.

:func:`poll_sources` polls the named sources (default: every enabled source), one after the
other. For each source:

1. **URL locator**: fetch it through :class:`~tvec.net.http.HttpClient` with the
   ``ETag``/``Last-Modified`` validators stored in the source's ``state``. ``304 Not
   Modified`` ends the poll (status ``not_modified``). Otherwise the body is written to a
   temporary file under ``TVEC_HOME/tmp`` and read by the kind's reader, with locators
   based on the source URL (so they stay the same from one poll to the next).
   **Local locator**: the file (for a Telegram export folder, its ``result.json``) is read
   again only when its size or modification time changed since the last complete poll.
2. The items go through :func:`tvec.scan.run_scan` with the source's id: items, signals,
   matches and out-link sightings, each top-level item in its own transaction. Items that
   are already stored unchanged are skipped, so a poll adds only what is new.
3. Only when every item was written are the new validators (or file fingerprint) saved in
   ``state``. A poll killed half-way therefore leaves whole items and old validators: the
   next poll fetches again, skips what was stored and adds the rest, so nothing is lost and
   nothing is duplicated.

A source that cannot be fetched or read is reported (status ``error``, its ``state`` keeps
``last_error``) and the other sources are still polled. A response cut at
``TVEC_HTTP_MAX_BYTES`` is read as far as it goes and reported as an item error; its
validators are not saved.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tvec.clock import rfc3339
from tvec.collection.kinds import is_url, read_source
from tvec.collection.registry import get_source
from tvec.errors import FetchError, TvecError
from tvec.net.http import FetchResult, HttpClient
from tvec.scan import run_scan
from tvec.sources.base import RawItem
from tvec.store.db import Store
from tvec.store.models import Source, utcnow
from tvec.views.collection import PollOutcomeView

#: What polling one source did (a result model; see :class:`PollOutcomeView`).
PollOutcome = PollOutcomeView


def _fingerprint(path: Path) -> dict[str, int] | None:
    target = path / "result.json" if path.is_dir() else path
    try:
        stat = target.stat()
    except OSError:
        return None
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _until_stopped(items: Iterable[RawItem], stop: threading.Event | None) -> Iterator[RawItem]:
    for raw in items:
        if stop is not None and stop.is_set():
            return
        yield raw


#: How many polls each source keeps in ``state["polls"]`` (newest last).
POLL_HISTORY = 100
#: The counts of a poll's scan that its history entry keeps.
_POLL_COUNTS = ("items", "new", "changed", "unchanged", "errors")


def _save_state(store: Store, name: str, changes: dict[str, Any]) -> None:
    """Save ``changes`` to the source's state, and this poll as the last entry of
    ``state["polls"]`` (at most :data:`POLL_HISTORY`): when, status, scan, counts, problem."""
    now = rfc3339(utcnow())
    counts = changes.get("last_counts") or changes.get("poll_counts") or {}
    entry = {
        "at": now,
        "status": changes.get("last_status"),
        "scan_id": changes.get("last_scan_id"),
        "counts": {k: int(counts.get(k, 0)) for k in _POLL_COUNTS},
        "problem": changes.get("last_error"),
    }
    changes = {k: v for k, v in changes.items() if k != "poll_counts"}
    with store.session() as session:
        source = get_source(session, name)
        state = dict(source.state or {})
        polls = [*list(state.get("polls") or []), entry][-POLL_HISTORY:]
        source.state = {**state, **changes, "last_polled_at": now, "polls": polls}


def poll_sources(
    store: Store,
    names: Iterable[str] | None = None,
    *,
    client: HttpClient | None = None,
    banks: list[str] | None = None,
    stop: threading.Event | None = None,
) -> list[PollOutcome]:
    """Poll ``names`` (default: every enabled source, by name); see the module docstring.

    A disabled source is ``skipped``, even when named.

    Raises:
        NotFoundError: a named source does not exist (before anything is polled).
        StoreError: the database fails.
    """
    with store.session() as session:
        if names:
            wanted = [get_source(session, n).name for n in names]
        else:
            wanted = list(
                session.scalars(
                    select(Source.name).where(Source.enabled.is_(True)).order_by(Source.name)
                )
            )
    own_client = client is None
    http = client or HttpClient(store.settings)
    outcomes: list[PollOutcome] = []
    try:
        for name in wanted:
            if stop is not None and stop.is_set():
                break
            try:
                outcomes.append(poll_source(store, name, http, banks=banks, stop=stop))
            except (TvecError, OSError, ValueError) as exc:
                # one bad source never stops the poll; OSError/ValueError: a file or reader
                # problem no reader turned into an item error
                problem = str(exc) if isinstance(exc, TvecError) else f"{type(exc).__name__}: {exc}"
                _save_state(store, name, {"last_status": "error", "last_error": problem})
                outcomes.append(PollOutcome(source=name, status="error", problem=problem))
    finally:
        if own_client:
            http.close()
    return outcomes


def poll_source(
    store: Store,
    name: str,
    client: HttpClient,
    *,
    banks: list[str] | None = None,
    stop: threading.Event | None = None,
) -> PollOutcome:
    """Poll one source (module docstring). Raises TvecError subtypes for source failures."""
    with store.session() as session:
        source = get_source(session, name)
        kind, locator, source_id = source.kind, source.locator, source.id
        options, state, enabled = dict(source.options), dict(source.state), source.enabled
    if not enabled:
        return PollOutcome(source=name, status="skipped", problem="disabled")
    if is_url(locator):
        return _poll_url(store, name, kind, locator, source_id, options, state, client, banks, stop)
    path = Path(locator)
    fingerprint = _fingerprint(path)
    if fingerprint is None:
        raise FetchError(locator, "no such file or folder")
    if state.get("fingerprint") == fingerprint:
        _save_state(store, name, {"last_status": "not_modified", "last_error": None})
        return PollOutcome(source=name, status="not_modified")
    items = read_source(kind, path, origin=locator, options=options, **_limits(store))
    return _run(store, name, source_id, items, banks, stop, {"fingerprint": fingerprint})


def _poll_url(
    store: Store,
    name: str,
    kind: str,
    locator: str,
    source_id: int,
    options: dict[str, Any],
    state: dict[str, Any],
    client: HttpClient,
    banks: list[str] | None,
    stop: threading.Event | None,
) -> PollOutcome:
    result = client.fetch(locator, etag=state.get("etag"), last_modified=state.get("last_modified"))
    if result.not_modified:
        _save_state(store, name, {"last_status": "not_modified", "last_error": None})
        return PollOutcome(source=name, status="not_modified")
    tmp_dir = store.settings.home / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix="poll-", dir=tmp_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(result.content)
        items: Iterable[RawItem] = read_source(
            kind,
            tmp,
            origin=locator,
            options=options,
            url=result.url,
            headers=result.headers,
            **_limits(store),
        )
        changes: dict[str, Any] = {"etag": result.etag, "last_modified": result.last_modified}
        if result.truncated:
            items = [_cut_item(locator, result, store.settings.http_max_bytes), *items]
            changes = {"etag": None, "last_modified": None}
        return _run(store, name, source_id, items, banks, stop, changes)
    finally:
        tmp.unlink(missing_ok=True)


def _limits(store: Store) -> dict[str, Any]:
    """The size and time limits of the source readers, from the settings."""
    settings = store.settings
    return {
        "max_bytes": settings.http_max_bytes,
        "feed_max_bytes": settings.feed_max_bytes,
        "parse_timeout": settings.parse_timeout_seconds,
    }


def _cut_item(locator: str, result: FetchResult, cap: int) -> RawItem:
    problem = f"response cut at {cap} bytes (TVEC_HTTP_MAX_BYTES); only the start was read"
    return RawItem(f"fetch:{locator}", locator, error=FetchError(result.url, problem))


def _run(
    store: Store,
    name: str,
    source_id: int,
    items: Iterable[RawItem],
    banks: list[str] | None,
    stop: threading.Event | None,
    changes: dict[str, Any],
) -> PollOutcome:
    result = run_scan(
        store, [], banks=banks, items=_until_stopped(items, stop), source_id=source_id
    )
    counts = result.counts.model_dump()
    errors = [e.model_dump() for e in result.errors]
    if stop is not None and stop.is_set():
        _save_state(
            store,
            name,
            {"last_status": "stopped", "last_scan_id": result.scan_id, "poll_counts": counts},
        )
        return PollOutcome(
            source=name,
            status="stopped",
            scan_id=result.scan_id,
            counts=counts,
            errors=errors,
        )
    _save_state(
        store,
        name,
        {
            **changes,
            "last_status": "fetched",
            "last_error": None,
            "last_scan_id": result.scan_id,
            "last_counts": counts,
        },
    )
    return PollOutcome(
        source=name,
        status="fetched",
        scan_id=result.scan_id,
        counts=counts,
        errors=errors,
    )

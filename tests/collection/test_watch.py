"""``tvec watch`` as a real process: SIGKILL mid-poll loses and duplicates nothing; SIGTERM
stops it cleanly."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tvec.collection import registry
from tvec.collection.poll import poll_sources
from tvec.store import Store, open_store
from tvec.store.models import Item, Outlink, OutlinkSighting, Scan
from tvec.views.collection import SourceView

from .conftest import LocalServer, Route, collection_settings
from .feeds import rss


def add_source(store: Store, name: str, kind: str, locator: str, **given: Any) -> SourceView:
    """Add a source in its own transaction (as ``tvec source add`` does)."""
    with store.session() as session:
        return registry.add_source(session, name, kind, locator, actor="cli", **given)


ENTRIES = 400


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "TVEC_HOME": str(home),
            "TVEC_PROGRESS": "false",
            "TVEC_OUTBOUND_ALLOW_HOSTS": json.dumps(["127.0.0.1"]),
            "TVEC_HTTP_HOST_INTERVAL_SECONDS": "0",
            "TVEC_WORKERS": "1",
        }
    )
    env.pop("TVEC_DATABASE_URL", None)
    return env


def _wait(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _items_in(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM item").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow
def test_sigkill_mid_poll_loses_nothing_and_duplicates_nothing(
    http_server: LocalServer, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    http_server.routes["/feed.xml"] = Route(
        rss(ENTRIES), etag='"full"', headers={"Content-Type": "application/rss+xml"}
    )
    store = open_store(collection_settings(home))
    add_source(store, "beacon", "feed", http_server.url("/feed.xml"))
    store.close()
    db = home / "tvec.db"

    process = subprocess.Popen(
        [sys.executable, "-m", "tvec", "watch", "--interval", "3600"],
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait(lambda: _items_in(db) >= 20 or process.poll() is not None, 120, "items")
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    stored_before = _items_in(db)
    assert 20 <= stored_before < ENTRIES, "the kill must land mid-poll"

    store = open_store(collection_settings(home))
    try:
        (outcome,) = poll_sources(store)
        assert outcome.status == "fetched"  # validators were not saved by the killed poll
        assert outcome.counts["new"] == ENTRIES - stored_before
        assert outcome.counts["unchanged"] == stored_before
        with store.session() as session:
            assert session.scalar(select(func.count(Item.id))) == ENTRIES
            assert session.scalar(select(func.count(func.distinct(Item.locator)))) == ENTRIES
            assert session.scalar(select(func.count(Outlink.id))) == 3 * ENTRIES
            assert session.scalar(select(func.count(OutlinkSighting.id))) == 3 * ENTRIES
            statuses = sorted(session.scalars(select(Scan.status)))
            assert statuses == ["finished", "interrupted"]
        (again,) = poll_sources(store)
        assert again.status == "not_modified"
    finally:
        store.close()


@pytest.mark.slow
def test_sigterm_stops_watch_cleanly(http_server: LocalServer, tmp_path: Path) -> None:
    home = tmp_path / "home"
    http_server.routes["/feed.xml"] = Route(rss(3), etag='"a"')
    store = open_store(collection_settings(home))
    add_source(store, "beacon", "feed", http_server.url("/feed.xml"))
    store.close()
    process = subprocess.Popen(
        [sys.executable, "-m", "tvec", "watch", "--interval", "3600"],
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait(lambda: _items_in(home / "tvec.db") == 3, 60, "the first round")
        _wait(lambda: len(http_server.requests) == 1, 5, "the request")
        time.sleep(0.5)  # now waiting for the next round
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert "stopped after 1 round(s)" in stderr


def test_watch_rounds_in_process(cli: object, tmp_path: Path) -> None:
    feed = tmp_path / "f.xml"
    feed.write_bytes(rss(2))
    run: Callable[..., object] = cli  # type: ignore[assignment]
    run("source", "add", "f", "feed", feed)
    result = run("watch", "--interval", "0.01", "--rounds", "2")
    assert result.code == 0  # type: ignore[attr-defined]
    assert "stopped after 2 round(s)" in result.err  # type: ignore[attr-defined]
    assert "not_modified" in result.out  # type: ignore[attr-defined]

"""`tvec scan` on a real Dask cluster (scheduler + two workers on 127.0.0.1) into PostgreSQL:
item for item the same result as an in-process scan, also when a worker dies half-way
(issue 17, part 4)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.core.test_scan import make_images
from tests.review_data import fast_settings
from tvec.banks import add_files, create_bank
from tvec.scan import run as scan_run
from tvec.scan import run_scan
from tvec.store import Store, open_store
from tvec.store.models import Item, Match, ScanItem

IMAGES = 30
POSTS = 10
DASK = Path(sys.executable).parent / "dask"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env() -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}


class Cluster:
    """A Dask scheduler and two workers (--nthreads 1, --no-nanny: killing one loses it)."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        common = {"env": _env(), "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        self.scheduler = subprocess.Popen(
            [
                str(DASK),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-dashboard",
            ],
            **common,  # type: ignore[call-overload]
        )
        self.workers = [
            subprocess.Popen(
                [
                    str(DASK),
                    "worker",
                    self.address,
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                ],
                **common,  # type: ignore[call-overload]
            )
            for _ in range(2)
        ]
        from distributed import Client

        deadline = time.monotonic() + 60
        with Client(self.address, timeout=60) as client:
            while len(client.scheduler_info()["workers"]) < 2:
                assert time.monotonic() < deadline, "the Dask workers did not start"
                time.sleep(0.1)

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                proc.kill()
        for proc in [*self.workers, self.scheduler]:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    running = Cluster()
    yield running
    running.stop()


def _input(folder: Path) -> tuple[Path, list[Path]]:
    images = make_images(folder / "in", IMAGES)
    for n in range(POSTS):
        (folder / "in" / f"post-{n:03d}.txt").write_text(
            f"post {n}: see https://example.org/p/{n} and the flag of Islamic State\n",
            encoding="utf-8",
        )
    return folder / "in", images[::10]


def _store(url: str, home: Path, known: list[Path]) -> Store:
    store = open_store(fast_settings(home, database_url=url, workers=1))
    create_bank(store, "known", actor="cli")
    add_files(store, "known", known, actor="cli")
    return store


def _result(store: Store) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], int]:
    """(items with their signals, matches, scan-item rows): the stored result, item by item."""
    with store.session() as session:
        items = [
            (
                item.locator,
                item.sha256,
                item.media_type,
                item.text,
                sorted((s.signal_type, s.value) for s in item.signals),
            )
            for item in session.scalars(select(Item).order_by(Item.locator))
        ]
        matches = sorted(
            (m.item.locator, m.signal_type, m.value, m.distance)
            for m in session.scalars(select(Match))
        )
        links = len(session.scalars(select(ScanItem)).all())
    return items, matches, links


@pytest.fixture
def pg_url(postgres_server_url: str) -> str:
    from tests.conftest import _reset_postgres

    _reset_postgres(postgres_server_url)
    return postgres_server_url


@pytest.mark.postgres
def test_a_dask_scan_equals_an_in_process_scan(
    cluster: Cluster, pg_url: str, tmp_path: Path
) -> None:
    folder, known = _input(tmp_path)
    local = _store(f"sqlite:///{tmp_path / 'local.db'}", tmp_path / "local", known)
    run_scan(local, [folder])
    expected = _result(local)
    local.close()
    store = _store(pg_url, tmp_path / "dask", known)
    seen: list[int] = []
    result = run_scan(
        store, [folder], scheduler=cluster.address, progress=lambda n, _: seen.append(n)
    )
    assert _result(store) == expected
    assert len(expected[0]) == IMAGES + POSTS and len(expected[1]) == 3 * 3
    assert result.counts.new == IMAGES + POSTS and seen[-1] == IMAGES + POSTS
    again = run_scan(store, [folder], scheduler=cluster.address)
    assert again.counts.unchanged == IMAGES + POSTS and again.counts.new == 0
    store.close()


@pytest.mark.postgres
def test_a_dask_worker_killed_half_way_costs_nothing(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scan_run, "BATCH", 4)  # many batches: the kill lands with work queued
    folder, known = _input(tmp_path)
    local = _store(f"sqlite:///{tmp_path / 'local.db'}", tmp_path / "local", known)
    run_scan(local, [folder])
    expected = _result(local)
    local.close()
    own = Cluster()  # its own cluster: this test kills one of its workers
    try:
        store = _store(pg_url, tmp_path / "dask", known)
        victim = own.workers[0]

        def kill_half_way(done: int, name: str) -> None:
            if done >= (IMAGES + POSTS) // 3 and victim.poll() is None:
                victim.send_signal(signal.SIGKILL)
                victim.wait()

        result = run_scan(store, [folder], scheduler=own.address, progress=kill_half_way)
        assert victim.returncode == -signal.SIGKILL
        assert _result(store) == expected  # every item once, nothing stored twice
        assert result.counts.new == IMAGES + POSTS
        store.close()
    finally:
        own.stop()

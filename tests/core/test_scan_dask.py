"""`tvec scan` on a real Dask cluster (scheduler + two workers on 127.0.0.1) into PostgreSQL:
item for item the same result as an in-process scan, also when a worker dies half-way or the
scanning client is killed and run again; the workers match; inputs and evidence in S3 (a
local moto server) (issue 17, part 4)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy import select

from tests.core.test_scan import make_images
from tests.core.test_scan_fsspec import s3_endpoint, upload  # noqa: F401  (a fixture)
from tests.review_data import fast_settings
from tvec.app.scan import local_path
from tvec.banks import add_files, create_bank
from tvec.matching.candidates import IndexLookups
from tvec.scan import cluster as scan_cluster
from tvec.scan import run as scan_run
from tvec.scan import run_scan
from tvec.store import Store, open_store
from tvec.store.evidence import open_evidence
from tvec.store.models import Item, Match, Scan, ScanItem

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
def cluster(s3_endpoint: str) -> Iterator[Cluster]:  # noqa: F811
    running = Cluster()  # started with the S3 environment: the workers read s3:// too
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


def _store(url: str, home: Path, known: list[Path], **overrides: object) -> Store:
    store = open_store(fast_settings(home, database_url=url, workers=1, **overrides))
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


class SpyLookups(IndexLookups):
    """The scan's :class:`IndexLookups`, kept so that a test can see what the workers did."""

    made: ClassVar[list[IndexLookups]] = []

    def __init__(self) -> None:
        super().__init__()
        SpyLookups.made.append(self)


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[IndexLookups]:
    SpyLookups.made = []
    monkeypatch.setattr(scan_cluster, "IndexLookups", SpyLookups)
    return SpyLookups.made


@pytest.mark.postgres
def test_a_dask_scan_equals_an_in_process_scan(
    cluster: Cluster, pg_url: str, tmp_path: Path, lookups: list[IndexLookups]
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
    assert result.counts.new == IMAGES + POSTS and seen == list(range(1, IMAGES + POSTS + 1))
    # The workers looked up every picture's pdq, md5 and sha256 and every text's exact
    # signals; the scan's process only resolved them (and looked up the url signals).
    assert len(lookups) == 1 and lookups[0].used >= 3 * IMAGES + POSTS
    again = run_scan(store, [folder], scheduler=cluster.address)
    assert again.counts.unchanged == IMAGES + POSTS and again.counts.new == 0
    store.close()


@pytest.mark.postgres
def test_a_dask_worker_killed_half_way_costs_nothing(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lookups: list[IndexLookups]
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
        assert lookups[0].used >= 3 * IMAGES  # the tasks run again matched too
        store.close()
    finally:
        own.stop()


def _scan_command(
    address: str, folder: Path, home: Path, url: str, log: Path
) -> subprocess.Popen[bytes]:
    """``tvec scan --scheduler ADDRESS FOLDER`` in its own process, with batches of 2 items
    (many commits, so that a kill lands between two of them); its stderr goes to ``log``."""
    code = (
        "import sys; import tvec.scan.run as run; run.BATCH = 2; "
        "from tvec.cli.app import main; sys.argv = ['tvec', *sys.argv[1:]]; main()"
    )
    env = {**_env(), "TVEC_HOME": str(home), "TVEC_DATABASE_URL": url, "TVEC_PROGRESS": "0"}
    env.update({"TVEC_WORKERS": "1", "TVEC_ANALYSIS_OCR": "false"})
    with log.open("wb") as errors:
        return subprocess.Popen(
            [sys.executable, "-c", code, "scan", "--scheduler", address, str(folder)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )


def _count_items(store: Store) -> int:
    with store.session() as session:
        return len(session.scalars(select(Item.id)).all())


@pytest.mark.postgres
def test_a_killed_dask_client_resumes_without_duplicates(
    cluster: Cluster, pg_url: str, tmp_path: Path
) -> None:
    folder, known = _input(tmp_path)
    local = _store(f"sqlite:///{tmp_path / 'local.db'}", tmp_path / "local", known)
    run_scan(local, [folder])
    expected = _result(local)
    local.close()
    home = tmp_path / "dask"
    store = _store(pg_url, home, known)
    log = tmp_path / "scan.log"
    first = _scan_command(cluster.address, folder, home, pg_url, log)
    deadline = time.monotonic() + 300
    while _count_items(store) < 4:  # some batches are stored: kill it half-way
        assert first.poll() is None, log.read_text(encoding="utf-8")
        assert time.monotonic() < deadline, "the scan stored nothing"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    stored = _count_items(store)
    assert first.returncode == -signal.SIGKILL and 4 <= stored < IMAGES + POSTS
    second = _scan_command(cluster.address, folder, home, pg_url, log)
    assert second.wait(timeout=600) == 0, log.read_text(encoding="utf-8")
    items, matches, _ = _result(store)
    assert (items, matches) == expected[:2]  # every item once, every match once
    with store.session() as session:
        scans = session.scalars(select(Scan).order_by(Scan.id)).all()
        assert [s.status for s in scans] == ["interrupted", "finished"]
        assert (scans[1].counts or {}).get("unchanged") == stored
    store.close()


@pytest.mark.postgres
def test_s3_inputs_and_evidence_on_the_cluster(
    cluster: Cluster, pg_url: str, tmp_path: Path, lookups: list[IndexLookups]
) -> None:
    folder, known = _input(tmp_path)
    upload(folder, "cluster-in")
    local = _store(f"sqlite:///{tmp_path / 'local.db'}", tmp_path / "local", known)
    run_scan(local, [folder])
    expected_items, expected_matches, _ = _result(local)
    local.close()
    evidence = "s3://tvec-test/cluster-evidence"
    store = _store(pg_url, tmp_path / "dask", known, evidence_url=evidence)
    result = run_scan(store, [local_path("s3://tvec-test/cluster-in")], scheduler=cluster.address)
    assert result.counts.new == IMAGES + POSTS and not result.errors
    items, matches, _ = _result(store)
    name = lambda locator: str(locator).rsplit("/", 1)[1]  # noqa: E731
    assert [(name(i[0]), *i[1:]) for i in items] == [(name(i[0]), *i[1:]) for i in expected_items]
    assert sorted((name(m[0]), *m[1:]) for m in matches) == sorted(
        (name(m[0]), *m[1:]) for m in expected_matches
    )
    kept = open_evidence(evidence)
    assert all(i[1] in kept for i in items if i[1])  # written by the workers, in S3
    assert lookups[0].used >= 3 * IMAGES
    store.close()

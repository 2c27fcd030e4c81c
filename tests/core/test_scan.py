"""`tvec scan`: the JSON result, idempotency, resumption after SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

import pytest
from PIL import Image
from sqlalchemy import func, select

from tvec.banks import add_files, create_bank
from tvec.scan import run_scan
from tvec.settings import load_settings
from tvec.store import Store, open_store
from tvec.store.models import Item, Match, Scan, Signal


def make_images(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        img = Image.new("RGB", (128, 128))
        for x in range(0, 128, 16):
            for y in range(0, 128, 16):
                img.paste(
                    ((x * (n + 3)) % 256, (y * (n + 7)) % 256, (x * y + n) % 256),
                    (x, y, x + 16, y + 16),
                )
        path = folder / f"img-{n:04d}.png"
        img.save(path)
        paths.append(path)
    return paths


def counts(store: Store) -> tuple[int, int, int]:
    with store.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Item)) or 0,
            session.scalar(select(func.count()).select_from(Signal)) or 0,
            session.scalar(select(func.count()).select_from(Match)) or 0,
        )


def test_json_result_shape_and_idempotency(store: Store, tmp_path: Path) -> None:
    images = make_images(tmp_path / "in", 4)
    create_bank(store, "known", actor="cli")
    add_files(store, "known", images[:2], entity="Example Group", ideology="test", actor="cli")
    first = run_scan(store, [tmp_path / "in"], banks=["known"]).model_dump(mode="json")
    assert set(first) == {"scan_id", "status", "counts", "matches", "errors", "outlinks"}
    assert first["status"] == "finished" and first["errors"] == []
    matched = {(Path(m["item"]).name, m["signal_type"]) for m in first["matches"]}
    assert matched == {(p.name, t) for p in images[:2] for t in ("md5", "sha256", "pdq")}
    match = first["matches"][0]
    assert set(match) == {
        "item",
        "signal_type",
        "value",
        "bank",
        "entry_id",
        "entry_value",
        "distance",
        "labels",
    }
    assert match["bank"] == "known" and match["labels"]["entity"] == "Example Group"
    assert first["counts"]["new"] == 4 and first["counts"]["new_matches"] == 6
    before = counts(store)
    second = run_scan(store, [tmp_path / "in"]).model_dump(mode="json")
    assert counts(store) == before
    assert second["counts"]["unchanged"] == 4 and second["counts"]["new_matches"] == 0
    assert len(second["matches"]) == 6


def test_changed_file_is_rehashed(store: Store, tmp_path: Path) -> None:
    path = make_images(tmp_path / "in", 1)[0]
    run_scan(store, [path])
    Image.new("RGB", (64, 64), (1, 2, 3)).save(path)
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    result = run_scan(store, [path])
    assert result.counts.changed == 1
    with store.session() as session:
        item = session.scalars(select(Item)).one()
        assert len([s for s in item.signals if s.signal_type == "md5"]) == 1


def test_cli_json_to_file_and_stdout(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    make_images(tmp_path / "in", 2)
    out_file = tmp_path / "result.json"
    result = cli("scan", tmp_path / "in", "--json", out_file)
    assert result.code == 0
    assert "no matches" in result.out
    doc = json.loads(out_file.read_text(encoding="utf-8"))
    assert doc["counts"]["items"] == 2
    stdout = cli("scan", tmp_path / "in", "--json", "-")
    assert json.loads(stdout.out)["counts"]["unchanged"] == 2


def test_sigkill_half_way_then_resume(tmp_path: Path) -> None:
    """A scan killed with SIGKILL leaves whole items only; running again finishes the work."""
    folder = tmp_path / "in"
    make_images(folder, 160)
    home = tmp_path / "home"
    env = {**os.environ, "TVEC_HOME": str(home), "TVEC_PROGRESS": "false"}
    env.pop("TVEC_DATABASE_URL", None)
    store = open_store(load_settings(home=home, progress=False))
    create_bank(store, "known", actor="cli")
    add_files(store, "known", sorted(folder.iterdir())[::10], actor="cli")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tvec", "scan", str(folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 600  # generous: the machine may be busy
    items = 0
    while time.monotonic() < deadline:
        items = counts(store)[0]
        if items >= 40:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    partial = counts(store)[0]
    assert 40 <= partial < 160, partial
    with store.session() as session:
        # Every stored item is whole: it has its three signals.
        per_item = session.execute(
            select(Signal.item_id, func.count()).group_by(Signal.item_id)
        ).all()
        assert len(per_item) == partial and all(n == 3 for _, n in per_item)
    resumed = subprocess.run(
        [sys.executable, "-m", "tvec", "scan", str(folder), "--json", "-"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    doc = json.loads(resumed.stdout)
    assert doc["counts"]["unchanged"] == partial and doc["counts"]["new"] == 160 - partial
    items_after, signals_after, matches_after = counts(store)
    assert (items_after, signals_after) == (160, 480)
    assert matches_after == 16 * 3  # md5, sha256 and pdq of 16 known images, once each
    with store.session() as session:
        statuses = sorted(s.status for s in session.scalars(select(Scan)))
    assert statuses == ["finished", "interrupted"]


class _FakeExecutor:
    """Stands in for :class:`tvec.scan.cluster.DaskExecutor`: records whether it was closed."""

    made: ClassVar[list[_FakeExecutor]] = []

    def __init__(self, address: str) -> None:
        self.address = address
        self.closed = False
        _FakeExecutor.made.append(self)

    def match_on_workers(self, matcher: object, settings: object) -> None:
        raise RuntimeError("the cluster refused the index spec")

    def close(self) -> None:
        self.closed = True


def test_a_scan_that_fails_before_reading_closes_its_dask_client(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tvec.errors import NotFoundError
    from tvec.scan import cluster

    monkeypatch.setattr(cluster, "DaskExecutor", _FakeExecutor)
    _FakeExecutor.made.clear()
    # an unknown bank: raised before any scan row exists, and the client is closed
    with pytest.raises(NotFoundError):
        run_scan(store, [tmp_path], banks=["no-such-bank"], scheduler="tcp://127.0.0.1:1")
    assert [e.closed for e in _FakeExecutor.made] == [True]
    with store.session() as session:
        assert session.scalars(select(Scan)).all() == []
    # a failure once the scan row exists: the client is closed and the row says "failed"
    with pytest.raises(RuntimeError, match="refused the index spec"):
        run_scan(store, [tmp_path], scheduler="tcp://127.0.0.1:1")
    assert [e.closed for e in _FakeExecutor.made] == [True, True]
    with store.session() as session:
        assert [s.status for s in session.scalars(select(Scan))] == ["failed"]

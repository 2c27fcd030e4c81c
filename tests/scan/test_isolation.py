"""Issue 15 part 3: video hashing and OCR run in a helper process with time and memory limits;
a crash or timeout is an error on that file and the scan goes on."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from tests.conftest import require_module
from tests.scan import jobs
from tvec.errors import CorruptMediaError, MediaCrashError, MediaTimeoutError
from tvec.isolation import Helper, MediaLimits
from tvec.scan import run_scan
from tvec.settings import Settings, load_settings
from tvec.store import open_store
from tvec.store.models import Item, ItemError, Signal
from tvec.store.models.analysis import ItemAnalysis

JOBS = "tests.scan.jobs"


@pytest.fixture
def helper() -> Iterator[Helper]:
    made = Helper(MediaLimits(timeout=60, memory_bytes=1024**3), (JOBS,))
    yield made
    made.close()


def test_a_job_runs_in_one_long_lived_child(helper: Helper) -> None:
    import os

    first = helper.call("a", f"{JOBS}:pid")
    assert first != os.getpid()
    assert helper.call("b", f"{JOBS}:echo", {"x": [1, 2]}) == {"x": [1, 2]}
    assert helper.call("c", f"{JOBS}:pid") == first
    assert helper.starts == 1


def test_a_job_s_input_error_is_raised_again(helper: Helper) -> None:
    with pytest.raises(CorruptMediaError, match=r"clip\.mp4: bad frame"):
        helper.call("clip.mp4", f"{JOBS}:corrupt", "clip.mp4")
    assert helper.call("next", f"{JOBS}:echo", 1) == 1
    assert helper.starts == 1


def test_a_segfault_is_an_error_on_that_file_and_the_next_job_gets_a_new_child(
    helper: Helper,
) -> None:
    before = helper.call("a", f"{JOBS}:pid")
    with pytest.raises(
        MediaCrashError, match=r"bad\.mp4: media reading crashed \(killed by SIGSEGV\)"
    ):
        helper.call("bad.mp4", f"{JOBS}:segfault")
    after = helper.call("b", f"{JOBS}:pid")
    assert after != before
    assert helper.starts == 2


def test_a_job_over_the_time_limit_is_stopped() -> None:
    helper = Helper(MediaLimits(timeout=0.5, memory_bytes=0), (JOBS,))
    try:
        with pytest.raises(MediaTimeoutError, match=r"longer than 0\.5 s"):
            helper.call("slow.mp4", f"{JOBS}:hang", 3600)
        assert helper.call("next", f"{JOBS}:echo", 2) == 2
        assert helper.starts == 2
    finally:
        helper.close()


def test_a_job_over_the_memory_limit_is_an_error(helper: Helper) -> None:
    assert helper.call("small", f"{JOBS}:allocate", 10 * 1024**2) == 10 * 1024**2
    with pytest.raises(MediaCrashError, match="out of memory under the limit of 1073741824"):
        helper.call("big.mp4", f"{JOBS}:allocate", 2 * 1024**3)
    assert helper.call("next", f"{JOBS}:echo", 3) == 3


def _name(locator: str) -> str:
    return locator.rsplit("/", 1)[-1]


def _settings(tmp_path: Path, **extra: object) -> Settings:
    return load_settings(home=tmp_path / "home", progress=False, workers=1, **extra)


def test_a_video_that_crashes_the_hasher_costs_no_good_file(
    tmp_path: Path, vectors: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_module("vpdq", "TVEC_REQUIRE_VIDEO", "pip install '.[video]'")
    monkeypatch.setattr("tvec.signals.hashing.VIDEO_JOB", f"{JOBS}:hash_video")
    folder = tmp_path / "in"
    folder.mkdir()
    clip = vectors / "vpdq" / "doorknob-hd-no-bar.mp4"
    for name in ("a-good.mp4", "b-crash.mp4", "c-good.mp4", "d-hang.mp4", "e-good.mp4"):
        shutil.copy(clip, folder / name)
    store = open_store(_settings(tmp_path, media_timeout_seconds=20, analysis_ocr=False))
    try:
        result = run_scan(store, [folder])
        with store.session() as session:
            items = {_name(i.locator): i for i in session.scalars(select(Item))}
            types = {
                name: {
                    s.signal_type
                    for s in session.scalars(select(Signal).where(Signal.item_id == item.id))
                }
                for name, item in items.items()
            }
            errors = {
                _name(e.locator): (e.kind, e.message) for e in session.scalars(select(ItemError))
            }
    finally:
        store.close()
    assert sorted(items) == ["a-good.mp4", "b-crash.mp4", "c-good.mp4", "d-hang.mp4",
                             "e-good.mp4"]  # fmt: skip
    for good in ("a-good.mp4", "c-good.mp4", "e-good.mp4"):
        assert "vpdq" in types[good] and good not in errors, (types, errors)
    assert types["b-crash.mp4"] == {"md5", "sha256", "video_md5"}
    assert errors["b-crash.mp4"][0] == "media_crash"
    assert "killed by SIGSEGV" in errors["b-crash.mp4"][1]
    assert errors["d-hang.mp4"][0] == "media_timeout"
    assert result.status == "finished_with_errors"


def test_ocr_that_crashes_is_an_analysis_error_on_that_image_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tvec.analysis.pipeline.MEDIA_TEXT_JOB", f"{JOBS}:media_text")
    folder = tmp_path / "in"
    folder.mkdir()
    for index, name in enumerate(("a.png", "b-crash.png", "c.png")):
        Image.new("RGB", (64, 64), (index * 60, 90, 200)).save(folder / name)
    store = open_store(_settings(tmp_path))
    try:
        run_scan(store, [folder])
        with store.session() as session:
            rows = {
                _name(item.locator): (row.stages["ocr"], row.errors)
                for item, row in session.execute(
                    select(Item, ItemAnalysis).join(ItemAnalysis, ItemAnalysis.item_id == Item.id)
                )
            }
            hashed = {_name(i.locator) for i in session.scalars(select(Item)) if i.sha256}
    finally:
        store.close()
    assert hashed == {"a.png", "b-crash.png", "c.png"}
    assert rows["b-crash.png"][0] == "failed"
    assert "killed by SIGSEGV" in rows["b-crash.png"][1][0]
    assert rows["a.png"][0] in {"done", "unavailable"} and rows["a.png"][1] == []
    assert rows["c.png"][0] in {"done", "unavailable"} and rows["c.png"][1] == []


def test_scan_workers_with_helpers_exit_when_the_pool_shuts_down() -> None:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        pids = set(pool.map(jobs.helper_pid_in_worker, range(4)))
    # Leaving the block joined the workers: each one's helper (daemonic) ended with it.
    assert 1 <= len(pids) <= 2

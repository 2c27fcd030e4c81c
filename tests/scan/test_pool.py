"""The scan's local pool: workers forked from a warmed fork server, posts sent several per
task, the same answers as inline (issue 17, part 3)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.test_scan import make_images
from tvec.scan import hasher
from tvec.scan.hasher import FILES_PER_TASK, POSTS_PER_TASK, Hasher, pool_context
from tvec.scan.prepare import PreparedFile, PreparedPost, prepare_file, prepare_post
from tvec.settings import load_settings
from tvec.signals.pdq_variants import PDQOptions
from tvec.sources import RawItem
from tvec.store import open_store

TEXTS = [
    "The weather was calm this morning and the market opened as on any other day.",
    "Le marché a ouvert comme tous les jours, voir https://example.org/marche ce matin.",
    "Der Markt hat heute wie jeden Tag geöffnet, mehr unter www.example.net/markt bitte.",
    "نشرت قناة على تلغرام https://t.me/example_channel/12 بيانا جديدا هذا الصباح",
    "A statement attributed to Al-Shabaab was shared in the channel this morning.",
    "",
]


def _posts(count: int) -> list[RawItem]:
    return [
        RawItem(
            locator=f"jsonl:/posts.jsonl#{i}",
            name=f"posts.jsonl#{i}",
            text=f"{TEXTS[i % len(TEXTS)]} ({i})",
            links=["https://example.com/a"] if i % 4 == 0 else [],
            media_type="text/plain",
        )
        for i in range(count)
    ]


def _forkserver_children() -> list[int]:
    """Live child processes of this process that run multiprocessing's fork server."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == os.getpid() and stat[0] != "Z" and b"forkserver" in cmdline:
            found.append(int(entry.name))
    return found


def test_the_preload_warms_every_step_in_a_fresh_process() -> None:
    code = (
        "import json, tvec.scan.preload as p, tvec.analysis.language as l;"
        "print(json.dumps([p.FAILED, l._model is not None]))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == [[], True]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forkserver and /proc")
def test_posts_prepared_in_grouped_tasks_are_the_inline_answers(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", progress=False, workers=2)
    store = open_store(settings)
    posts = _posts(2 * POSTS_PER_TASK + 7)  # tasks of 32, 32 and 7 posts... split over workers
    assert pool_context().get_start_method() == "forkserver"
    pool_hasher = Hasher(settings)
    try:
        with store.session() as session:
            prepared = pool_hasher.submit(session, posts)
        assert pool_hasher._pool is not None  # enough work for the pool
        got = [prepared.post(raw.locator) for raw in posts]
        assert _forkserver_children()  # the workers came from a fork server
    finally:
        pool_hasher.close()
    assert _forkserver_children() == []  # stopped with the pool
    expected = [
        prepare_post(raw.text or "", raw.locator, "text/plain", settings, list(raw.links))
        for raw in posts
    ]
    assert all(isinstance(post, PreparedPost) for post in got)
    for mine, inline in zip(got, expected, strict=True):
        assert mine is not None
        assert mine.signals == inline.signals
        assert mine.outlinks == inline.outlinks
        assert [str(e) for e in mine.errors] == [str(e) for e in inline.errors]
        assert mine.analysis is not None and inline.analysis is not None
        assert mine.analysis.primary_language == inline.analysis.primary_language
        assert mine.analysis.languages == inline.analysis.languages
        assert [h.hit for h in mine.analysis.hits] == [h.hit for h in inline.analysis.hits]
    assert {p.analysis.primary_language for p in got if p and p.analysis} >= {"eng", "fra", "deu"}
    assert any(p and p.analysis and p.analysis.hits for p in got)  # Al-Shabaab named
    store.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forkserver")
def test_files_prepared_in_grouped_tasks_are_the_inline_answers(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", progress=False, workers=2)
    store = open_store(settings)
    paths = make_images(tmp_path / "in", 8 * FILES_PER_TASK + 3)
    (tmp_path / "in" / "broken.jpg").write_bytes(b"\xff\xd8\xff not a jpeg")
    paths.append(tmp_path / "in" / "broken.jpg")
    files = [RawItem(locator=p.as_uri(), name=str(p), path=p) for p in paths]
    pool_hasher = Hasher(settings)
    try:
        with store.session() as session:
            prepared = pool_hasher.submit(session, files)
        assert pool_hasher._pool is not None
        got = [prepared.get(raw.locator) for raw in files]
    finally:
        pool_hasher.close()
    for raw, mine in zip(files, got, strict=True):
        assert raw.path is not None
        inline = prepare_file(
            raw.path,
            raw.name,
            settings.max_file_bytes,
            settings.max_image_pixels,
            None,
            PDQOptions.from_settings(settings),
            settings,
        )
        assert isinstance(mine, PreparedFile)
        assert mine.fingerprint == inline.fingerprint and mine.size == inline.size
        assert mine.hashed is not None and inline.hashed is not None
        assert mine.hashed.signals == inline.hashed.signals
        assert str(mine.hashed.error) == str(inline.hashed.error)
    assert sum(1 for f in got if f and f.hashed and f.hashed.error) == 1  # broken.jpg
    store.close()


def test_a_worker_exits_when_the_scan_process_is_gone() -> None:
    # The watchdog of a worker whose scan process has already exited ends it at once.
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    code = (
        "import sys; from tvec.scan.hasher import worker_init;"
        f"worker_init({child.pid}); print('still here')"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0
    assert "still here" not in out.stdout


def test_the_fork_server_is_kept_while_another_pool_uses_it(tmp_path: Path) -> None:
    users = hasher._forkserver_users[0]
    hasher._forkserver_acquire()
    hasher._forkserver_acquire()
    hasher._forkserver_release()
    assert hasher._forkserver_users[0] == users + 1
    hasher._forkserver_release()
    assert hasher._forkserver_users[0] == users

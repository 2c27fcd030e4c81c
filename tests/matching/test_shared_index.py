"""The persisted match index: incremental updates, pickup by other processes, atomic saves,
rebuild equals incremental, verify finds damage (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from tvec.app.context import AppContext, open_context
from tvec.app.index import rebuild, status, verify
from tvec.banks import service
from tvec.banks.formats import write_csv
from tvec.errors import StoreError
from tvec.matching import index_sync
from tvec.matching.matcher import Matcher
from tvec.matching.pdq_hash import pdq_bytes_to_hex
from tvec.matching.shared import IndexFiles, IndexSnapshot
from tvec.settings import load_settings
from tvec.signals import SignalValue
from tvec.signals.vpdq import VPDQFrame, format_vpdq
from tvec.store import open_store

MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def _hashes(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    return [pdq_bytes_to_hex(bytes(r)) for r in rows]


def _context(tmp_path: Path, db_url: str) -> AppContext:
    settings = load_settings(
        home=tmp_path / "home", database_url=db_url, progress=False, index_check_seconds=0
    )
    return open_context(settings, store=open_store(settings))


def _import(ctx: AppContext, bank: str, lines: list[str], tmp_path: Path) -> None:
    path = tmp_path / f"{bank}-{len(lines)}.csv"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    service.import_bank(ctx.store, bank, path, "csv", create=True, actor="test")


def _hits(ctx: AppContext, signal_type: str, value: str) -> list[tuple[str, int]]:
    with ctx.read() as session:
        matcher = ctx.matcher(session)
    return [(h.bank, h.distance) for h in matcher.match(SignalValue(signal_type, value))]


def test_add_delete_and_re_add_update_the_index_incrementally(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = _context(tmp_path, db_url)
    pdq = _hashes(5, seed=1)
    _import(ctx, "one", [f"pdq,{pdq[0]}", f"md5,{MD5}"], tmp_path)
    assert _hits(ctx, "pdq", pdq[0]) == [("one", 0)]
    # From here on no process may build the index afresh: only catch up.
    built = IndexFiles(ctx.settings.index_folder).version()
    assert built == 1

    def no_rebuild(db: object) -> IndexSnapshot:
        raise AssertionError("full rebuild")

    monkeypatch.setattr(index_sync, "build_snapshot", no_rebuild)
    assert _hits(ctx, "md5", MD5) == [("one", 0)]
    _import(ctx, "two", [f"pdq,{pdq[1]}", f"md5,{MD5}"], tmp_path)
    assert _hits(ctx, "pdq", pdq[1]) == [("two", 0)]
    assert sorted(_hits(ctx, "md5", MD5)) == [("one", 0), ("two", 0)]
    service.delete_bank(ctx.store, "one", actor="test")
    assert _hits(ctx, "pdq", pdq[0]) == []
    assert _hits(ctx, "md5", MD5) == [("two", 0)]
    _import(ctx, "one", [f"pdq,{pdq[0]}"], tmp_path)  # re-added, under a new id
    assert _hits(ctx, "pdq", pdq[0]) == [("one", 0)]
    view = status(ctx)
    assert (view.version, view.database_version) == (4, 4)
    assert (view.pdq_entries, view.exact_entries) == (2, 1)
    ctx.close()


def test_a_second_context_picks_up_bank_changes(db_url: str, tmp_path: Path) -> None:
    writer = _context(tmp_path, db_url)
    reader = _context(tmp_path, db_url)
    pdq = _hashes(3, seed=2)
    _import(writer, "b", [f"pdq,{pdq[0]}"], tmp_path)
    with reader.read() as session:
        matcher = reader.matcher(session)
    query = SignalValue("pdq", pdq[1])
    assert matcher.match(query) == []
    _import(writer, "b", [f"pdq,{pdq[1]}"], tmp_path)
    assert [h.entry_value for h in matcher.match(query)] == [pdq[1]]
    writer.close()
    reader.close()


def test_rebuild_equals_incremental(db_url: str, tmp_path: Path) -> None:
    ctx = _context(tmp_path, db_url)
    pdq = _hashes(6000, seed=3)  # enough for an indexed segment
    _import(ctx, "big", [f"pdq,{h}" for h in pdq[:5000]], tmp_path)
    _hits(ctx, "pdq", pdq[0])
    _import(ctx, "small", [f"pdq,{h}" for h in pdq[5000:]] + [f"md5,{MD5}"], tmp_path)
    service.delete_bank(ctx.store, "small", actor="test")
    _import(ctx, "again", [f"pdq,{h}" for h in pdq[5500:5600]], tmp_path)
    assert _hits(ctx, "pdq", pdq[5550]) == [("again", 0)]
    files = IndexFiles(ctx.settings.index_folder)
    incremental = files.load()
    assert incremental is not None
    rebuilt = rebuild(ctx)
    fresh = files.load()
    assert fresh is not None
    assert rebuilt.version == incremental.version == fresh.version
    for part in ("pdq", "exact"):
        have_ids, have_hashes = getattr(incremental, part).live_rows()
        want_ids, want_hashes = getattr(fresh, part).live_rows()
        assert np.array_equal(have_ids, want_ids)
        assert np.array_equal(have_hashes, want_hashes)
    assert len(incremental.pdq) == 5100
    assert verify(ctx).problems == []
    ctx.close()


def test_verify_finds_a_damaged_index_file(tmp_path: Path) -> None:
    ctx = _context(tmp_path, f"sqlite:///{tmp_path / 'tvec.db'}")
    _import(ctx, "big", [f"pdq,{h}" for h in _hashes(5000, seed=4)], tmp_path)
    rebuild(ctx)
    assert verify(ctx).ok
    folder = ctx.settings.index_folder / "pdq"
    entries = next(folder.glob("*.entries.npy"))
    data = bytearray(entries.read_bytes())
    data[-400:-200] = bytes(200)  # zeroes over part of a table
    entries.write_bytes(bytes(data))
    problems = verify(ctx).problems
    assert len(problems) == 1 and "multi-index tables are damaged" in problems[0]
    words = max(folder.glob("*.words.npy"), key=lambda p: p.stat().st_size)
    data = bytearray(words.read_bytes())
    data[200] ^= 0xFF  # one hash changed
    words.write_bytes(bytes(data))
    assert any("1 entries with the wrong value" in p for p in verify(ctx).problems)
    ids = max(folder.glob("*.ids.npy"), key=lambda p: p.stat().st_size)
    ids.write_bytes(ids.read_bytes()[:100])  # cut short
    assert any("cannot load" in p for p in verify(ctx).problems)
    rebuild(ctx)
    assert verify(ctx).ok
    ctx.close()


def _snapshot(version: int, rows: int) -> IndexSnapshot:
    """An index at ``version`` holding ids 0..rows-1, each hash filled with the version."""
    snapshot = IndexSnapshot.empty(version)
    ids = np.arange(rows, dtype=np.int64)
    snapshot.pdq.add(ids, np.full((rows, 32), version % 256, dtype=np.uint8))
    snapshot.exact.add(ids, np.full((rows, 32), version % 256, dtype=np.uint8))
    return snapshot


def test_readers_never_see_a_half_written_index(tmp_path: Path) -> None:
    files = IndexFiles(tmp_path / "index")
    with files.locked():
        files.save(_snapshot(1, 5000))
    stop = threading.Event()
    seen: list[int] = []

    def write() -> None:
        version = 2
        while not stop.is_set() and version < 40:
            with files.locked():
                files.save(_snapshot(version, 5000 + version))
            version += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while writer.is_alive():
            loaded = files.load()
            assert loaded is not None
            for part in (loaded.pdq, loaded.exact):
                ids, hashes = part.live_rows()
                assert ids.size == 5000 + (loaded.version if loaded.version > 1 else 0)
                assert np.all(hashes == loaded.version % 256)
            seen.append(loaded.version)
    finally:
        stop.set()
        writer.join()
    assert seen == sorted(seen) and len(set(seen)) > 1


def test_a_save_that_fails_half_way_leaves_the_old_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = IndexFiles(tmp_path / "index")
    files.save(_snapshot(1, 100))
    original = IndexFiles.save

    def exact_only(self: IndexFiles, snapshot: IndexSnapshot) -> None:
        snapshot.exact.save(self.exact_dir, {"version": snapshot.version})
        raise StoreError("disk full")

    monkeypatch.setattr(IndexFiles, "save", exact_only)
    with pytest.raises(StoreError):
        files.save(_snapshot(2, 200))
    monkeypatch.setattr(IndexFiles, "save", original)
    monkeypatch.setattr("tvec.matching.shared.LOAD_ATTEMPTS", 3)
    # The parts now disagree: a reader refuses the mix rather than match against it.
    with pytest.raises(StoreError, match="tvec index rebuild"):
        files.load()
    files.save(_snapshot(3, 300))
    loaded = files.load()
    assert loaded is not None and loaded.version == 3 and len(loaded.pdq) == 300


def test_a_matcher_recovers_from_parts_left_at_two_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = _context(tmp_path, f"sqlite:///{tmp_path / 'tvec.db'}")
    pdq = _hashes(2, seed=5)
    _import(ctx, "b", [f"pdq,{pdq[0]}"], tmp_path)
    assert _hits(ctx, "pdq", pdq[0]) == [("b", 0)]
    files = IndexFiles(ctx.settings.index_folder)
    # A writer died after saving the exact part of a later version only.
    snapshot = files.load()
    assert snapshot is not None
    snapshot.exact.save(files.exact_dir, {"version": snapshot.version + 5})
    monkeypatch.setattr("tvec.matching.shared.LOAD_ATTEMPTS", 2)
    _import(ctx, "b", [f"pdq,{pdq[1]}"], tmp_path)
    assert _hits(ctx, "pdq", pdq[1]) == [("b", 0)]
    assert verify(ctx).ok
    ctx.close()


def _video(rng: np.random.Generator, n: int, base: list[str] | None = None) -> list[VPDQFrame]:
    """``n`` frames: random hashes of mixed qualities (some below the default minimum of
    50), or near copies of ``base`` (0-12 bits away, quality 100); the first one repeated."""
    frames = []
    for i in range(n):
        if base is not None:
            value = int(base[i % len(base)], 16)
            for bit in rng.choice(256, size=int(rng.integers(0, 13)), replace=False):
                value ^= 1 << int(bit)
            pdq = f"{value:064x}"
        else:
            pdq = pdq_bytes_to_hex(bytes(rng.integers(0, 256, size=32, dtype=np.uint8)))
        quality = 100 if base is not None else int(rng.choice([20, 60, 100]))
        frames.append(VPDQFrame(pdq, quality, float(i)))
    return [*frames, frames[0]]


def _import_videos(ctx: AppContext, bank: str, videos: list[list[VPDQFrame]], path: Path) -> None:
    rows = [("vpdq", format_vpdq(v), None, None, None) for v in videos]
    path.write_text(write_csv(rows), encoding="utf-8")
    service.import_bank(ctx.store, bank, path, "csv", create=True, actor="test")


def _answers(matcher: Matcher, signals: list[SignalValue]) -> list[list[tuple[object, ...]]]:
    return [
        [(h.entry_id, h.bank, h.signal_type, h.distance, sorted(h.labels.items())) for h in hits]
        for hits in (matcher.match(s) for s in signals)
    ]


def test_video_entries_are_in_the_persisted_index_and_caught_up(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = _context(tmp_path, db_url)
    rng = np.random.default_rng(12)
    a, b, c = _video(rng, 40), _video(rng, 25), _video(rng, 30)
    _import_videos(ctx, "videos", [a, b], tmp_path / "ab.csv")
    _import(ctx, "pictures", [f"pdq,{b[3].pdq_hex}"], tmp_path)
    with ctx.read() as session:
        persisted = ctx.matcher(session)  # a running matcher: built the files once
    files = IndexFiles(ctx.settings.index_folder)
    snapshot = files.load()
    assert snapshot is not None
    assert len(snapshot.vpdq) == 40 + 25  # distinct frames of every quality
    monkeypatch.setattr(index_sync, "build_snapshot", lambda db: pytest.fail("full rebuild"))

    usable_a = [f.pdq_hex for f in a if f.quality >= 50]
    usable_c = [f.pdq_hex for f in c if f.quality >= 50]

    def queries() -> list[SignalValue]:
        near_a = _video(rng, 30, usable_a)
        near_c = _video(rng, 20, usable_c)
        return [
            SignalValue("vpdq", format_vpdq(near_a)),
            SignalValue("vpdq", format_vpdq(near_c)),
            SignalValue("vpdq", format_vpdq(b)),
            SignalValue("pdq", usable_a[5]),  # a picture: found among the video frames
            SignalValue("pdq", usable_c[7]),
        ]

    def in_memory() -> Matcher:
        with ctx.read() as session:
            return Matcher.from_session(session)  # no index folder: built in memory

    signals = queries()
    before = _answers(persisted, signals)
    assert before == _answers(in_memory(), signals)
    assert before[0] and before[0][0][2] == "vpdq" and before[3] and before[2]
    assert before[1] == [] and before[4] == []
    _import_videos(ctx, "more", [c], tmp_path / "c.csv")  # added: seen after catch-up
    signals = queries()
    after_add = _answers(persisted, signals)
    assert after_add == _answers(in_memory(), signals)
    assert after_add[1] and after_add[1][0][1] == "more" and after_add[4]
    service.delete_bank(ctx.store, "videos", actor="test")  # removed: tombstoned
    signals = queries()
    after_delete = _answers(persisted, signals)
    assert after_delete == _answers(in_memory(), signals)
    assert after_delete[0] == [] and after_delete[3] == [] and after_delete[1]
    assert [h[1] for h in after_delete[2]] == ["pictures"]  # b's frame in the picture bank
    fresh = files.load()
    assert fresh is not None and len(fresh.vpdq) == 30
    view = status(ctx)
    assert (view.vpdq_frames, view.tombstones) == (30, 0)  # a half-removed segment is rebuilt
    monkeypatch.undo()  # verify compares with a fresh build
    assert verify(ctx).problems == []
    ctx.close()


def test_an_index_without_the_vpdq_part_is_rebuilt_and_verify_says_so(tmp_path: Path) -> None:
    ctx = _context(tmp_path, f"sqlite:///{tmp_path / 'tvec.db'}")
    pdq = _hashes(1, seed=9)
    _import(ctx, "b", [f"pdq,{pdq[0]}"], tmp_path)
    assert _hits(ctx, "pdq", pdq[0]) == [("b", 0)]
    files = IndexFiles(ctx.settings.index_folder)
    for path in files.vpdq_dir.iterdir():  # as an older tvec left it
        path.unlink()
    files.vpdq_dir.rmdir()
    [problem] = verify(ctx).problems
    assert "older format" in problem and "tvec index rebuild" in problem
    other = _context(tmp_path, f"sqlite:///{tmp_path / 'tvec.db'}")  # a new process
    assert _hits(other, "pdq", pdq[0]) == [("b", 0)]  # its first match rebuilds
    assert files.exists() and verify(ctx).problems == []
    other.close()
    ctx.close()


def test_an_index_of_the_older_format_version_is_rebuilt_and_verify_says_so(
    tmp_path: Path,
) -> None:
    """Format version 1 stored each table as a bare permutation (``perm.npy``); this tvec
    reads version 2 (entries with fragments) and rebuilds an index left by an older one."""
    import json

    ctx = _context(tmp_path, f"sqlite:///{tmp_path / 'tvec.db'}")
    pdq = _hashes(5000, seed=12)
    _import(ctx, "big", [f"pdq,{h}" for h in pdq], tmp_path)
    rebuild(ctx)
    assert _hits(ctx, "pdq", pdq[17]) == [("big", 0)]
    files = IndexFiles(ctx.settings.index_folder)
    for part in (files.pdq_dir, files.exact_dir, files.vpdq_dir):  # as an older tvec left it
        for entries in part.glob("*.entries.npy"):
            perm = np.ascontiguousarray(np.load(entries)[:, 0])
            np.save(entries.with_name(entries.name.replace(".entries.", ".perm.")), perm)
            entries.unlink()
        meta = json.loads((part / "meta.json").read_text())
        (part / "meta.json").write_text(json.dumps({**meta, "version": 1}))
    assert list(files.pdq_dir.glob("*.perm.npy"))
    assert files.load() is None
    [problem] = verify(ctx).problems
    assert "older format" in problem and "version 1" in problem
    assert "tvec index rebuild" in problem
    other = _context(tmp_path, f"sqlite:///{tmp_path / 'tvec.db'}")  # a new process
    assert _hits(other, "pdq", pdq[17]) == [("big", 0)]  # its first match rebuilds
    assert verify(ctx).problems == []
    assert not list(files.pdq_dir.glob("*.perm.npy"))
    assert list(files.pdq_dir.glob("*.entries.npy"))
    other.close()
    ctx.close()

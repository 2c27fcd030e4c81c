"""Bounded segments: a PDQ index cut into segments of at most ``max_segment_rows`` answers as
one, and the persisted index's catch-up builds such segments (a rebuild builds one), written
as they are built, without a reader ever seeing them before the new version is complete (SQLite and
PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tvec.app.context import AppContext, open_context
from tvec.app.index import compact, rebuild, status, verify
from tvec.banks import service
from tvec.matching import index_sync, pdq_build, shared
from tvec.matching.pdq_hash import pdq_bytes_to_hex
from tvec.matching.pdq_index import INDEX_MIN_ROWS, BruteForcePDQIndex, PDQIndex
from tvec.matching.pdq_segment import Segment
from tvec.matching.shared import IndexFiles
from tvec.settings import load_settings
from tvec.signals import SignalValue
from tvec.store import open_store

MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def _near(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` hashes in clusters (each a random hash and copies with a few bits flipped), so
    that lookups at PDQ's thresholds have several answers spread over segments."""
    centres = rng.integers(0, 256, size=(max(1, n // 8), 32), dtype=np.uint8)
    rows = np.repeat(centres, 8, axis=0)[:n].copy()
    bits = np.unpackbits(rows, axis=1)
    flips = rng.random(bits.shape) < 0.04
    return np.packbits(bits ^ flips, axis=1)


def _answers(index: PDQIndex | BruteForcePDQIndex, queries: np.ndarray, t: int) -> list:
    return [index.query(bytes(q), t) for q in queries]


def test_an_index_of_bounded_segments_answers_as_one() -> None:
    rng = np.random.default_rng(7)
    hashes = _near(rng, 2400)
    ids = rng.permutation(10_000)[:2400].astype(np.int64)
    built: list[int] = []

    def builder(ids: np.ndarray, words: np.ndarray) -> Segment:
        built.append(int(ids.size))
        return Segment.build(ids, words, indexed=True)

    bounded = PDQIndex(min_indexed_rows=100, max_segment_rows=500, allow_scan=False, workers=1)
    bounded.builder = builder
    oracle = BruteForcePDQIndex()
    for start in (0, 1500, 1520, 2000):  # one large addition, a small one, then more
        end = {0: 1500, 1500: 1520, 1520: 2000, 2000: 2400}[start]
        bounded.add(ids[start:end], hashes[start:end])
        oracle.add(ids[start:end], hashes[start:end])
    sizes = [int(s.ids.size) for s in bounded.segments()]
    assert max(sizes) <= 500 and len(sizes) >= 6
    assert built and max(built) <= 500
    assert len(bounded) == len(oracle) == 2400
    queries = np.concatenate([hashes[::97], rng.integers(0, 256, (5, 32), dtype=np.uint8)])
    for threshold in (0, 31, 48):
        want = _answers(oracle, queries, threshold)
        assert _answers(bounded, queries, threshold) == want
        if threshold:  # a cluster's other hashes are some 20 bits away
            assert sum(map(len, want)) > 3 * len(queries)
    gone = ids[:1300]  # most of the first segments: they are rebuilt, still bounded
    assert bounded.remove(gone) == oracle.remove(gone) == 1300
    assert max(int(s.ids.size) for s in bounded.segments()) <= 500
    for threshold in (0, 31):
        assert _answers(bounded, queries, threshold) == _answers(oracle, queries, threshold)
    whole = PDQIndex(allow_scan=False, workers=1)
    whole.add(*bounded.live_rows())
    assert _answers(whole, queries, 31) == _answers(bounded, queries, 31)


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
    return sorted((h.bank, h.distance) for h in matcher.match(SignalValue(signal_type, value)))


def _expected(ctx: AppContext, banks: dict[str, list[str]], value: str) -> list[tuple[str, int]]:
    """What a brute-force scan of ``banks`` finds for ``value`` at the PDQ threshold."""
    query = np.unpackbits(np.frombuffer(bytes.fromhex(value), np.uint8))
    out = []
    for bank, values in banks.items():
        rows = np.unpackbits(np.frombuffer(bytes.fromhex("".join(values)), np.uint8))
        distances = np.count_nonzero(rows.reshape(-1, 256) != query, axis=1)
        limit = ctx.settings.pdq_threshold
        out += [(bank, int(d)) for d in distances if d <= limit]
    return sorted(out)


def _pdq_sizes(files: IndexFiles) -> list[int]:
    """Rows of the saved pdq part's indexed segments (the brute-force tail, below
    ``INDEX_MIN_ROWS`` rows, left out)."""
    loaded = files.load()
    assert loaded is not None
    assert loaded.pdq.segments()[-1].ids.size < INDEX_MIN_ROWS
    return [int(s.ids.size) for s in loaded.pdq.segments() if s.index is not None]


def test_rebuild_writes_one_segment_and_catch_up_bounded_ones(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared, "SEGMENT_ROWS", 1000)
    monkeypatch.setattr(index_sync, "CHUNK_ROWS", 250)
    rng = np.random.default_rng(11)
    pdq = [pdq_bytes_to_hex(bytes(r)) for r in _near(rng, 11_000)]
    ctx = _context(tmp_path, db_url)
    _import(ctx, "first", [f"pdq,{h}" for h in pdq[:4500]] + [f"md5,{MD5}"], tmp_path)
    files = IndexFiles(ctx.settings.index_folder)
    rebuild(ctx)
    # A full rebuild writes one segment (a lookup then probes one multi-index)...
    assert _pdq_sizes(files) == [4500]
    assert verify(ctx).problems == []
    banks = {"first": pdq[:4500]}
    assert _hits(ctx, "pdq", pdq[10]) == _expected(ctx, banks, pdq[10])
    assert ("first", 0) in _hits(ctx, "pdq", pdq[10])
    # ...and the import into the home with an index brings it up to date in bounded ones.
    _import(ctx, "second", [f"pdq,{h}" for h in pdq[4500:]] + [f"md5,{MD5}"], tmp_path)
    view = status(ctx)
    assert view.version == view.database_version
    sizes = _pdq_sizes(files)
    assert sum(sizes) > 11_000 - INDEX_MIN_ROWS and sizes[0] == 4500 and max(sizes[1:]) <= 1000
    assert verify(ctx).problems == []
    assert _hits(ctx, "md5", MD5) == [("first", 0), ("second", 0)]
    # Near neighbours across segments and banks, as a scan finds them, and the same from one
    # segment after compaction.
    banks["second"] = pdq[4500:]
    queries = pdq[::550]
    before = [_hits(ctx, "pdq", q) for q in queries]
    assert before == [_expected(ctx, banks, q) for q in queries]
    assert sum(map(len, before)) > 3 * len(queries)
    compact(ctx)
    assert len(_pdq_sizes(files)) == 1
    assert [_hits(ctx, "pdq", q) for q in queries] == before
    assert verify(ctx).problems == []
    ctx.close()


def test_a_catch_up_never_exposes_its_segments_before_it_is_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared, "SEGMENT_ROWS", 600)
    monkeypatch.setattr(index_sync, "CHUNK_ROWS", 150)
    rng = np.random.default_rng(12)
    pdq = [pdq_bytes_to_hex(bytes(r)) for r in _near(rng, 6000)]
    ctx = _context(tmp_path, f"sqlite:///{tmp_path / 'tvec.db'}")
    _import(ctx, "old", [f"pdq,{h}" for h in pdq[:1000]], tmp_path)
    files = IndexFiles(ctx.settings.index_folder)
    rebuild(ctx)
    old = files.load()
    assert old is not None and len(old.pdq) == 1000
    old_ids = old.pdq.live_rows()[0]
    seen: list[tuple[int, int]] = []
    original = pdq_build.write_segment

    def write_then_read(folder: Path, ids: np.ndarray, words: np.ndarray) -> Segment:
        written = original(folder, ids, words)
        # Another process loading now sees the old version whole, not the new segments.
        now = IndexFiles(ctx.settings.index_folder).load()
        assert now is not None
        seen.append((now.version, len(now.pdq)))
        assert np.array_equal(now.pdq.live_rows()[0], old_ids)  # none of the new entries
        return written

    monkeypatch.setattr(pdq_build, "write_segment", write_then_read)
    _import(ctx, "new", [f"pdq,{h}" for h in pdq[1000:]], tmp_path)
    assert len(seen) >= 3 and set(seen) == {(old.version, 1000)}
    fresh = files.load()
    assert fresh is not None and fresh.version > old.version and len(fresh.pdq) == 6000
    indexed = [int(s.ids.size) for s in fresh.pdq.segments() if s.index is not None]
    assert sum(indexed) >= 6000 - INDEX_MIN_ROWS and max(indexed) <= 600
    assert verify(ctx).problems == []
    assert ("new", 0) in _hits(ctx, "pdq", pdq[2500])
    ctx.close()


def test_a_segment_written_a_table_at_a_time_equals_one_built_in_memory(tmp_path: Path) -> None:
    rng = np.random.default_rng(13)
    hashes = _near(rng, 5000)
    ids = rng.permutation(50_000)[:5000].astype(np.int64)
    words = hashes.view(">u8").astype(np.uint64)
    written = pdq_build.write_segment(tmp_path / "pdq", ids, words)
    built = Segment.build(ids, words, indexed=True)
    assert written.index is not None and built.index is not None
    assert written.index.layout == built.index.layout
    for mine, theirs in (
        (written.ids, built.ids),
        (written.words, built.words),
        (written.index.entries, built.index.entries),
        (written.index.offsets, built.index.offsets),
    ):
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs)
    assert written.alive.all() and written.live == 5000
    names = sorted(p.name for p in (tmp_path / "pdq").iterdir())
    fields = ("ids", "words", "entries", "offsets")
    assert names == sorted(f"{written.name}.{f}.npy" for f in fields)

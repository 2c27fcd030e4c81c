"""The plain-Python reader of a saved PDQ index (:mod:`tvec.matching.light_index`) gives the
same answers as :class:`~tvec.matching.pdq_index.PDQIndex` loaded from the same folder:
near and far hashes, several thresholds, indexed segments, the brute-force tail, removed
rows (tombstones) and segments appended after the first save."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tvec.errors import InvalidSignalError, UsageError
from tvec.matching import light_index
from tvec.matching.light_index import LightIndex
from tvec.matching.pdq_index import PDQIndex
from tvec.matching.shared import IndexFiles, IndexSnapshot


def _flip(row: np.ndarray, bits: int, rng: np.random.Generator) -> bytes:
    out = np.unpackbits(row.copy())
    where = rng.choice(256, size=bits, replace=False)
    out[where] ^= 1
    return np.packbits(out).tobytes()


def _queries(hashes: np.ndarray, rng: np.random.Generator) -> list[bytes]:
    """Near-duplicates of stored hashes (0-40 bits flipped) and random hashes."""
    near = [_flip(hashes[i], int(rng.integers(0, 41)), rng) for i in rng.choice(len(hashes), 40)]
    far = [rng.integers(0, 256, 32, dtype=np.uint8).tobytes() for _ in range(10)]
    return near + far


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, np.ndarray]:
    """An index of 9,000 hashes in several segments (one brute-force tail), rows removed,
    then appended to and saved again (new segments beside the old files)."""
    rng = np.random.default_rng(7)
    hashes = rng.integers(0, 256, size=(9_000, 32), dtype=np.uint8)
    # clusters: many hashes near a few, so queries find several rows at small distances
    for i in range(0, 600, 3):
        hashes[i + 1] = np.frombuffer(_flip(hashes[i], 3, rng), np.uint8)
        hashes[i + 2] = np.frombuffer(_flip(hashes[i], 9, rng), np.uint8)
    index = PDQIndex(min_indexed_rows=1_000)
    ids = np.arange(1, 9_001, dtype=np.int64) * 3
    index.add(ids[:5_000], hashes[:5_000])
    index.add(ids[5_000:7_500], hashes[5_000:7_500])
    folder = tmp_path / "pdq"
    index.save(folder, {"version": 1})
    index.remove(ids[::7])  # tombstones in every segment
    index.add(ids[7_500:], hashes[7_500:])
    index.add(ids[7_500:7_600] + 1, hashes[100:200])  # the same hashes under other ids
    index.save(folder, {"version": 2})
    assert len(index.segments()) >= 3  # indexed segments and the tail
    return folder, hashes


@pytest.mark.parametrize("threshold", [0, 8, 31, 48])
def test_light_index_answers_as_the_numpy_index(
    saved: tuple[Path, np.ndarray], threshold: int
) -> None:
    folder, hashes = saved
    numpy_index = PDQIndex.load(folder, mmap=True)
    light = LightIndex.load(folder)
    assert light.extra == numpy_index.extra == {"version": 2}
    assert len(light) == len(numpy_index)
    rng = np.random.default_rng(threshold)
    found = 0
    for query in _queries(hashes, rng)[: light_index.LIGHT_LOOKUPS]:
        want = numpy_index.query(query, threshold)
        assert light.query(query, threshold) == want
        found += len(want)
    assert light._full is None  # answered in plain Python
    if threshold:
        assert found > 0


def test_light_index_hands_over_to_numpy(saved: tuple[Path, np.ndarray]) -> None:
    folder, hashes = saved
    numpy_index = PDQIndex.load(folder, mmap=True)
    light = LightIndex.load(folder)
    queries = _queries(hashes, np.random.default_rng(3))
    for query in queries:  # more than LIGHT_LOOKUPS: the later ones through numpy
        assert light.query(query) == numpy_index.query(query)
    assert light._full is not None

    def shape(index: PDQIndex) -> list[tuple[str | None, int]]:  # the tail is named anew
        return [(s.name if s.index else None, s.live) for s in index.segments()]

    assert shape(light.full()) == shape(numpy_index)
    ids, rows = light.live_rows()
    want_ids, want_rows = numpy_index.live_rows()
    assert np.array_equal(ids, want_ids) and np.array_equal(rows, want_rows)


def test_large_scanned_segment_goes_to_numpy(
    saved: tuple[Path, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, hashes = saved
    monkeypatch.setattr(light_index, "LIGHT_SCAN_ROWS", 10)
    light = LightIndex.load(folder)
    query = hashes[5].tobytes()
    assert light.query(query, 200) == PDQIndex.load(folder).query(query, 200)  # a scan
    assert light._full is not None


def test_light_index_checks_its_input(saved: tuple[Path, np.ndarray]) -> None:
    folder, _ = saved
    light = LightIndex.load(folder)
    with pytest.raises(InvalidSignalError):
        light.query(b"\x00" * 31)
    with pytest.raises(UsageError):
        light.query(b"\x00" * 32, 257)


def test_index_files_load_light_gives_the_same_matches(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    hashes = rng.integers(0, 256, size=(3_000, 32), dtype=np.uint8)
    snapshot = IndexSnapshot.empty(4)
    snapshot.pdq.add(np.arange(1, 3_001, dtype=np.int64), hashes)
    keys = rng.integers(0, 256, size=(50, 32), dtype=np.uint8)
    snapshot.exact.add(np.arange(5_000, 5_050, dtype=np.int64), keys)
    files = IndexFiles(tmp_path / "index")
    files.save(snapshot)
    full, light = files.load(), files.load(light=True)
    assert full is not None and light is not None
    assert light.version == full.version == 4
    assert isinstance(light.pdq, LightIndex) and isinstance(light.exact, LightIndex)
    for query in _queries(hashes, rng)[:10]:
        assert light.pdq.query(query, 31) == full.pdq.query(query, 31)
    assert light.exact.query(keys[7].tobytes(), 0) == [(5_007, 0)]
    assert light.exact.query(hashes[0].tobytes(), 0) == full.exact.query(hashes[0].tobytes(), 0)
    assert len(light.vpdq) == 0


def test_damaged_files_are_store_errors(saved: tuple[Path, np.ndarray]) -> None:
    from tvec.errors import StoreError

    folder, _ = saved
    victim = next(folder.glob("*.ids.npy"))
    victim.write_bytes(victim.read_bytes()[:-8])
    with pytest.raises(StoreError):
        LightIndex.load(folder)
    (folder / "meta.json").write_text("{}", encoding="utf-8")
    with pytest.raises(StoreError):
        LightIndex.load(folder)

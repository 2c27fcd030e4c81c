"""PDQIndex against its brute-force oracle, plus unit tests of the pieces.

The property test plants near-duplicates of each query at every distance 0..32 bits, mixes
adds, removes and save/load round trips, and requires PDQIndex's answers to equal
BruteForcePDQIndex's every time. Small banks use ``allow_scan=False`` so the multi-index path
(not the planner's brute-force fallback) is what gets checked.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tvec.errors import InvalidSignalError, StoreError, UsageError
from tvec.matching.mih import (
    MultiIndex,
    fragment_words,
    hash_word32,
    plan_radii,
    query_fragments,
    substring_keys,
    table_layout,
)
from tvec.matching.pdq_index import (
    BruteForcePDQIndex,
    PDQIndex,
    pdq_bytes_to_hex,
    pdq_hex_to_bytes,
)
from tvec.matching.pdq_segment import Segment, hamming, hashes_to_words

HEX_A = "f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339e4e9c9b22"


def random_hashes(rng: np.random.Generator, n: int) -> npt.NDArray[np.uint8]:
    return rng.integers(0, 256, size=(n, 32), dtype=np.uint8)


def flip_bits(
    rng: np.random.Generator, pdq: npt.NDArray[np.uint8], distance: int
) -> npt.NDArray[np.uint8]:
    """A copy of ``pdq`` (shape (32,)) with exactly ``distance`` distinct bits flipped."""
    bits = np.unpackbits(pdq)
    bits[rng.choice(256, size=distance, replace=False)] ^= 1
    return np.packbits(bits)


def planted_bank(
    rng: np.random.Generator, queries: npt.NDArray[np.uint8], clustered: bool
) -> npt.NDArray[np.uint8]:
    """For each query, one hash at every distance 0..32 (clustered: several per distance)."""
    copies = 3 if clustered else 1
    return np.array(
        [flip_bits(rng, q, d) for q in queries for d in range(33) for _ in range(copies)]
    )


def assert_same(fast: PDQIndex, slow: BruteForcePDQIndex, queries: npt.NDArray[np.uint8]) -> None:
    for threshold in (None, 0, 1, 15, 31, 32):
        assert fast.query_batch(queries, threshold) == slow.query_batch(queries, threshold)
    for q in queries[:3]:
        assert fast.query(q.tobytes()) == slow.query(q.tobytes())
        assert fast.query(q, 32) == slow.query(q, 32)
    assert len(fast) == len(slow)


@pytest.mark.parametrize("accelerate", [True, False])
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2**32 - 1),
    base_size=st.integers(0, 300),
    n_queries=st.integers(1, 4),
    clustered=st.booleans(),
    min_indexed_rows=st.sampled_from([1, 40, 5000]),
    steps=st.lists(st.sampled_from(["add", "remove", "readd", "save_load"]), max_size=5),
)
def test_pdq_index_equals_brute_force(
    accelerate: bool,
    seed: int,
    base_size: int,
    n_queries: int,
    clustered: bool,
    min_indexed_rows: int,
    steps: list[str],
) -> None:
    rng = np.random.default_rng(seed)
    queries = random_hashes(rng, n_queries)
    bank = np.concatenate([random_hashes(rng, base_size), planted_bank(rng, queries, clustered)])
    ids = rng.permutation(10 * bank.shape[0])[: bank.shape[0]].astype(np.int64)
    fast = PDQIndex(
        min_indexed_rows=min_indexed_rows, allow_scan=False, workers=2, accelerate=accelerate
    )
    slow = BruteForcePDQIndex()
    half = bank.shape[0] // 2
    fast.add(ids[:half], bank[:half])
    slow.add(ids[:half], bank[:half])
    assert_same(fast, slow, queries)
    fast.add(ids[half:], bank[half:])
    slow.add(ids[half:], bank[half:])
    assert_same(fast, slow, queries)
    for step in steps:
        if step == "add":
            extra = planted_bank(rng, queries[:1], clustered=False)
            new_ids = rng.integers(-(2**40), 2**40, size=extra.shape[0])
            fast.add(new_ids, extra)
            slow.add(new_ids, extra)
        elif step == "remove":
            gone = rng.choice(ids, size=int(rng.integers(0, ids.size + 1)), replace=False)
            assert fast.remove(gone) == slow.remove(gone)
        elif step == "readd":  # same ids, new hashes: replaces
            some = rng.choice(ids, size=min(20, ids.size), replace=False)
            moved = np.array([flip_bits(rng, queries[0], int(d)) for d in rng.integers(0, 33, 20)])
            fast.add(some, moved[: some.size])
            slow.add(some, moved[: some.size])
        else:
            with tempfile.TemporaryDirectory() as folder:
                fast.save(Path(folder))
                fast = PDQIndex.load(
                    Path(folder),
                    mmap=bool(rng.integers(2)),
                    allow_scan=False,
                    accelerate=accelerate,
                )
        assert_same(fast, slow, queries)


@pytest.mark.parametrize("n_tables", [12, 13, 16, 21, 32])
def test_multi_index_finds_every_row_within_threshold(n_tables: int) -> None:
    rng = np.random.default_rng(n_tables)
    queries = random_hashes(rng, 3)
    bank = np.concatenate([random_hashes(rng, 500), planted_bank(rng, queries, clustered=False)])
    bank_words = hashes_to_words(bank)
    query_words = hashes_to_words(queries)
    index = MultiIndex.build(bank_words, n_tables)
    keys = substring_keys(query_words, index.layout)
    for threshold in (0, 5, 31, 32, 40):
        plan = index.plan(threshold, allow_scan=False)
        assert plan is not None
        qi, rows = index.candidates(keys, plan)
        for q in range(queries.shape[0]):
            dist = hamming(bank_words, query_words[q])
            expected = set(np.flatnonzero(dist <= threshold).tolist())
            assert expected <= set(rows[qi == q].tolist())


def test_substring_keys_single_and_batch_agree() -> None:
    words = hashes_to_words(random_hashes(np.random.default_rng(3), 5))
    for m in (8, 11, 13, 16):
        layout = table_layout(m)
        assert sum(w for _, w in layout) == 256
        batch = substring_keys(words, layout)
        for i in range(5):
            assert np.array_equal(substring_keys(words[i : i + 1], layout)[0], batch[i])


@pytest.mark.parametrize("widths", [table_layout(11), table_layout(13), table_layout(16)])
def test_plans_cover_every_threshold(widths: tuple[tuple[int, int], ...]) -> None:
    w = tuple(width for _, width in widths)
    for threshold in range(0, 65):
        radii = plan_radii(w, 10_000_000, threshold, allow_scan=False)
        if radii is not None:
            assert sum(r + 1 for r in radii) > threshold


def test_ten_million_layout_probes_rather_than_scans_up_to_32() -> None:
    widths = tuple(w for _, w in table_layout(11))
    for threshold in range(33):
        assert plan_radii(widths, 10_000_000, threshold) is not None


def test_hamming_handles_distance_256() -> None:
    a = hashes_to_words(np.zeros((1, 32), np.uint8))
    b = hashes_to_words(np.full((1, 32), 255, np.uint8))
    assert hamming(a, b).tolist() == [256]


def test_hex_round_trip_and_bad_hex() -> None:
    assert pdq_bytes_to_hex(pdq_hex_to_bytes(HEX_A)) == HEX_A
    assert pdq_hex_to_bytes(HEX_A.upper()) == pdq_hex_to_bytes(HEX_A)
    for bad in ["", HEX_A[:-1], HEX_A + "0", "g" * 64, " " + HEX_A[1:], HEX_A[:62] + " 0"]:
        with pytest.raises(InvalidSignalError):
            pdq_hex_to_bytes(bad)
    with pytest.raises(InvalidSignalError):
        pdq_bytes_to_hex(b"\x00" * 31)


def test_empty_index() -> None:
    index = PDQIndex()
    assert len(index) == 0
    assert index.query(pdq_hex_to_bytes(HEX_A)) == []
    assert index.query_batch(np.zeros((3, 32), np.uint8)) == [[], [], []]
    assert index.remove(np.array([1, 2], np.int64)) == 0


def test_replace_on_re_add_and_remove() -> None:
    a = np.frombuffer(pdq_hex_to_bytes(HEX_A), np.uint8)
    b = 255 - a
    index = PDQIndex()
    index.add(np.array([7, 8]), np.stack([a, a]))
    index.add(np.array([7]), b[None, :])
    assert len(index) == 2
    assert index.query(a) == [(8, 0)]
    assert index.query(b, 0) == [(7, 0)]
    assert index.remove(np.array([7, 7, 99])) == 1
    assert index.query(b, 0) == []
    index.add(np.array([5, 5]), np.stack([a, b]))  # last one wins within a call
    assert index.query(b, 0) == [(5, 0)]


def test_thresholds_0_and_32() -> None:
    rng = np.random.default_rng(7)
    a = random_hashes(rng, 1)[0]
    index = PDQIndex(threshold=0)
    index.add(np.arange(4), np.stack([a, flip_bits(rng, a, 1), flip_bits(rng, a, 32), 255 - a]))
    assert index.query(a) == [(0, 0)]
    assert index.query(a, 32) == [(0, 0), (1, 1), (2, 32)]
    assert index.query(a, 256) == [(0, 0), (1, 1), (2, 32), (3, 256)]
    with pytest.raises(UsageError):
        index.query(a, 257)
    with pytest.raises(UsageError):
        PDQIndex(threshold=-1)


def test_bad_inputs() -> None:
    index = PDQIndex()
    with pytest.raises(InvalidSignalError):
        index.query(b"\x00" * 31)
    with pytest.raises(InvalidSignalError):
        index.add(np.arange(2), np.zeros((2, 31), np.uint8))
    with pytest.raises(UsageError):
        index.add(np.arange(3), np.zeros((2, 32), np.uint8))


def test_large_segment_save_writes_only_changes(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    bank = random_hashes(rng, 40_000)
    index = PDQIndex()
    index.add(np.arange(40_000), bank)
    index.save(tmp_path)
    big = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.entries.npy")}
    index.add(np.array([10**6]), bank[:1])
    index.remove(np.array([3]))
    index.save(tmp_path)
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.entries.npy")} == big
    meta = json.loads((tmp_path / "meta.json").read_text())
    referenced = {f"{s['name']}.{f}.npy" for s in meta["segments"] for f in ("ids", "words")}
    assert referenced <= {p.name for p in tmp_path.iterdir()}
    loaded = PDQIndex.load(tmp_path)
    assert len(loaded) == 40_000
    assert loaded.query(bank[0]) == [(0, 0), (10**6, 0)]
    assert loaded.query(bank[3], 0) == []
    assert not list(tmp_path.glob("*.tmp-*"))


def test_load_rejects_a_folder_that_is_not_an_index(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        PDQIndex.load(tmp_path)
    (tmp_path / "meta.json").write_text('{"format": "something-else"}')
    with pytest.raises(StoreError):
        PDQIndex.load(tmp_path)


@pytest.mark.parametrize("accelerate", [True, False])
def test_large_bank_equals_brute_force_with_planted_near_duplicates(accelerate: bool) -> None:
    """200,000 random hashes plus, for each of 40 queries, hashes at every distance 0..33:
    the index (one multi-indexed segment, 15 tables) gives exactly the oracle's ids and
    distances, one query at a time and in batches, at the default threshold and others."""
    rng = np.random.default_rng(20261207)
    queries = random_hashes(rng, 40)
    planted = np.array([flip_bits(rng, q, d) for q in queries for d in range(34)])
    bank = np.concatenate([random_hashes(rng, 200_000), planted])
    ids = rng.permutation(3 * bank.shape[0])[: bank.shape[0]].astype(np.int64) - 1000
    fast = PDQIndex(accelerate=accelerate)
    fast.add(ids, bank)
    slow = BruteForcePDQIndex()
    slow.add(ids, bank)
    assert [s.index is not None for s in fast.segments() if s.live] == [True]
    expected = slow.query_batch(queries)
    assert all(len(found) >= 32 for found in expected)  # the planted ones at 0..31, at least
    assert [fast.query(q) for q in queries] == expected
    assert fast.query_batch(queries) == expected
    for threshold in (0, 7, 16, 32, 33):
        assert fast.query_batch(queries, threshold) == slow.query_batch(queries, threshold)
    gone = ids[-34 * 40 :: 3]  # remove every third planted hash
    assert fast.remove(gone) == slow.remove(gone)
    assert [fast.query(q) for q in queries] == slow.query_batch(queries)


def test_auto_acceleration_switches_to_the_compiled_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    from tvec.matching import pdq_index

    rng = np.random.default_rng(8)
    bank = random_hashes(rng, 5000)
    index = PDQIndex(allow_scan=False)
    index.add(np.arange(5000), bank)
    used: list[bool] = []
    original = pdq_index.Segment.search

    def spy(self: object, *args: object, **kwargs: object) -> object:
        used.append(bool(args[-1]))
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pdq_index.Segment, "search", spy)
    monkeypatch.setattr(pdq_index, "numba_imported", lambda: False)
    for _ in range(pdq_index.AUTO_ACCELERATE_AFTER):
        assert index.query(bank[1])[0] == (1, 0)
    assert used and not any(used)
    used.clear()
    assert index.query(bank[2])[0] == (2, 0)
    assert used and all(used)


@pytest.mark.parametrize("n_tables", [11, 13, 16, 21, 32])
def test_fragment_words_never_overlap_their_table_substring(n_tables: int) -> None:
    layout = table_layout(n_tables)
    for (start, width), numbers in zip(layout, fragment_words(layout, 6), strict=True):
        substring = set(range(start, start + width))
        fragment = {32 * int(w) + b for w in numbers for b in range(32)}
        assert len(fragment) == 6 * 32 and not substring & fragment


def test_fragment_words_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="fragment words"):
        fragment_words(table_layout(11), 7)


@pytest.mark.parametrize("fragment_count", [0, 2, 3])
def test_entries_hold_each_tables_rows_in_bucket_order_with_their_fragments(
    fragment_count: int,
) -> None:
    words = hashes_to_words(random_hashes(np.random.default_rng(31), 3000))
    index = MultiIndex.build(words, 13, fragment_count=fragment_count)
    n = words.shape[0]
    assert index.entries.shape == (13 * n, 1 + fragment_count)
    assert index.fragment_count == fragment_count
    numbers = fragment_words(index.layout, fragment_count)
    for t in range(len(index.layout)):
        table = index.entries[t * n : (t + 1) * n]
        rows = table[:, 0].astype(np.int64)
        assert np.array_equal(np.sort(rows), np.arange(n))  # a permutation of the rows
        keys = substring_keys(words, index.layout)[rows, t]
        assert np.all(np.diff(keys.astype(np.int64)) >= 0)  # sorted by the table's substring
        base = index.bases[t]
        assert index.offsets[base + keys[0]] <= t * n
        for k, number in enumerate(numbers[t].tolist()):
            assert np.array_equal(table[:, 1 + k], hash_word32(words[rows], number))


@pytest.mark.parametrize("accelerate", [True, False])
@pytest.mark.parametrize("fragment_count", [0, 2, 3])
def test_fragment_bound_keeps_every_hash_at_the_threshold(
    fragment_count: int, accelerate: bool
) -> None:
    """Hashes whose differing bits all sit in one table's fragment words, at exactly the
    threshold and one past it, plus near-duplicates at 0..33 bits: the segment finds exactly
    what a full comparison finds, whatever the fragment width."""
    rng = np.random.default_rng(7 + fragment_count)
    queries = random_hashes(rng, 4)
    layout = table_layout(13)
    numbers = fragment_words(layout, 3)
    planted = []
    for q in queries:
        planted.extend(flip_bits(rng, q, d) for d in range(34))
        for t in range(len(layout)):
            bits = np.array([32 * int(w) + b for w in numbers[t] for b in range(32)])
            for distance in (31, 32):
                row = np.unpackbits(q)
                row[rng.choice(bits, size=distance, replace=False)] ^= 1
                planted.append(np.packbits(row))
    bank = np.concatenate([random_hashes(rng, 6000), np.array(planted)])
    ids = np.arange(bank.shape[0], dtype=np.int64) * 3 + 5
    segment = Segment.build(ids, hashes_to_words(bank), True, 13, fragment_count)
    assert segment.index is not None and segment.index.layout == layout
    query_words = hashes_to_words(queries)
    keys = substring_keys(query_words, layout)
    for threshold in (0, 15, 31, 32):
        hits = segment.search(query_words, keys, threshold, False, accelerate)
        found = sorted(
            zip(hits.query.tolist(), hits.ids.tolist(), hits.distance.tolist(), strict=True)
        )
        expected = []
        for q in range(queries.shape[0]):
            dist = hamming(hashes_to_words(bank), query_words[q])
            near = np.flatnonzero(dist <= threshold)
            expected.extend((q, int(ids[r]), int(dist[r])) for r in near)
        assert found == sorted(expected)
        if threshold == 31:
            assert sum(d == 31 for _, _, d in found) >= 13 * 4  # the planted ones at 31


@pytest.mark.parametrize("n_tables", [11, 12, 13, 16, 21, 32])
def test_compiled_loop_takes_the_numpy_paths_substrings_and_fragments(n_tables: int) -> None:
    """The compiled loop takes each query's substrings and fragment words itself: the same
    values as substring_keys and query_fragments, for every layout and fragment width."""
    mih_kernel = pytest.importorskip("tvec.matching.mih_kernel")
    if not mih_kernel.AVAILABLE:
        pytest.skip("numba is not installed")
    rng = np.random.default_rng(n_tables)
    words = hashes_to_words(random_hashes(rng, 50))
    words[0] = 0
    words[1] = np.uint64(2**64 - 1)
    layout = table_layout(n_tables)
    keys = substring_keys(words, layout)
    for count in range(7):
        index_words = hashes_to_words(random_hashes(rng, 10))
        index = MultiIndex.build(index_words, n_tables, fragment_count=count)
        fragments = query_fragments(words, layout, count)
        got_keys = np.empty(n_tables, dtype=np.uint64)
        got_frags = np.empty((n_tables, max(1, count)), dtype=np.uint64)
        for q in range(words.shape[0]):
            mih_kernel._query_keys(
                words,
                q,
                index.layout_start,
                index.layout_width,
                index.fragment_word,
                got_keys,
                got_frags,
            )
            assert np.array_equal(got_keys, keys[q])
            assert np.array_equal(got_frags[:, :count], fragments[q])


def test_compiled_loop_with_more_hits_than_its_output_room(monkeypatch: pytest.MonkeyPatch) -> None:
    """A query with more hits than the output arrays hold (here 1 per query, and 300 copies
    of a hash in the bank) gets them all: the loop runs again with room for every hit."""
    mih_kernel = pytest.importorskip("tvec.matching.mih_kernel")
    if not mih_kernel.AVAILABLE:
        pytest.skip("numba is not installed")
    monkeypatch.setattr(mih_kernel, "OUTPUT_ROWS", 1)
    rng = np.random.default_rng(17)
    queries = random_hashes(rng, 3)
    copies = np.repeat(queries[:1], 300, axis=0)
    bank = np.concatenate([random_hashes(rng, 20_000), copies, planted_bank(rng, queries, True)])
    ids = np.arange(bank.shape[0], dtype=np.int64)
    fast = PDQIndex(accelerate=True, allow_scan=False)
    fast.add(ids, bank)
    slow = BruteForcePDQIndex()
    slow.add(ids, bank)
    expected = slow.query_batch(queries)
    assert len(expected[0]) > 300
    assert fast.query_batch(queries) == expected
    assert [fast.query(q) for q in queries] == expected

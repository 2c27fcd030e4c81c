"""The saved index's files mapped read-only with 2 MiB pages asked for
(tvec.matching.file_map, tvec.matching.pdq_store.read_npy)."""

from __future__ import annotations

import mmap
import sys
from pathlib import Path

import numpy as np
import pytest

from tvec.matching.file_map import HUGE_PAGE_BYTES, map_read_only
from tvec.matching.light_index import LightIndex
from tvec.matching.pdq_index import PDQIndex
from tvec.matching.pdq_store import read_npy

THP = Path("/sys/kernel/mm/transparent_hugepage/enabled")


def vm_flags(at: int) -> list[str]:
    """The ``VmFlags`` of this process's mapping that holds address ``at``."""
    lines = Path("/proc/self/smaps").read_text().splitlines()
    inside = False
    for line in lines:
        head = line.split(" ", 1)[0]
        if "-" in head and ":" not in head:
            low, high = (int(x, 16) for x in head.split("-"))
            inside = low <= at < high
        elif inside and line.startswith("VmFlags:"):
            return line.split()[1:]
    raise AssertionError(f"no mapping at {at:#x}")


def address(array: np.ndarray) -> int:
    return int(array.__array_interface__["data"][0])


@pytest.mark.parametrize(
    ("array", "version"),
    [
        (np.arange(3 * HUGE_PAGE_BYTES // 8, dtype=np.uint64).reshape(-1, 4), (1, 0)),
        (np.arange(12, dtype=np.int64).reshape(3, 4), (2, 0)),
        (np.asfortranarray(np.arange(12, dtype=np.uint32).reshape(3, 4)), (1, 0)),
        (np.array([True, False, True]), (1, 0)),
        (np.empty((0, 4), dtype=np.uint64), (1, 0)),
    ],
)
def test_read_npy_maps_the_same_array_as_numpy(
    tmp_path: Path, array: np.ndarray, version: tuple[int, int]
) -> None:
    path = tmp_path / "a.npy"
    with open(path, "wb") as f:
        np.lib.format.write_array(f, array, version=version)
    mapped = read_npy(path, True)
    assert mapped.dtype == array.dtype and mapped.shape == array.shape
    assert np.array_equal(mapped, array)
    assert not mapped.flags.writeable
    assert np.array_equal(read_npy(path, False), array)


def test_read_npy_refuses_a_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "a.npy"
    np.save(path, np.arange(1000, dtype=np.int64))
    data = path.read_bytes()
    path.write_bytes(data[:-8])
    with pytest.raises(ValueError):
        read_npy(path, True)


@pytest.mark.skipif(
    sys.platform != "linux" or not THP.exists(), reason="needs Linux transparent huge pages"
)
def test_large_files_are_mapped_with_the_huge_page_advice(tmp_path: Path) -> None:
    """A file of at least 2 MiB is marked MADV_HUGEPAGE ("hg" in smaps' VmFlags), a small
    one is not; the numpy reader's mapped index arrays carry the mark and answer as the
    index in memory does."""
    big = tmp_path / "big"
    big.write_bytes(bytes(HUGE_PAGE_BYTES))
    small = tmp_path / "small"
    small.write_bytes(bytes(4096))
    with open(big, "rb") as f:
        big_map = map_read_only(f.fileno(), HUGE_PAGE_BYTES)
    with open(small, "rb") as f:
        small_map = map_read_only(f.fileno(), 4096)
    big_view = np.frombuffer(big_map, dtype=np.uint8)
    small_view = np.frombuffer(small_map, dtype=np.uint8)
    assert "hg" in vm_flags(address(big_view))
    assert "hg" not in vm_flags(address(small_view))
    with pytest.raises(TypeError):
        big_map[0] = 1  # type: ignore[index]
    assert big_map.read(4) == b"\0\0\0\0"
    assert isinstance(big_map, mmap.mmap)

    rng = np.random.default_rng(3)
    bank = rng.integers(0, 256, size=(40_000, 32), dtype=np.uint8)
    index = PDQIndex()
    index.add(np.arange(40_000), bank)
    index.save(tmp_path / "index")
    loaded = PDQIndex.load(tmp_path / "index", mmap=True)
    (segment,) = [s for s in loaded.segments() if s.index is not None]
    assert segment.index is not None
    assert "hg" in vm_flags(address(segment.index.entries))
    queries = [bank[7], bank[123], rng.integers(0, 256, 32, dtype=np.uint8)]
    light = LightIndex.load(tmp_path / "index")
    for q in queries:
        assert loaded.query(q) == index.query(q) == light.query(q.tobytes())

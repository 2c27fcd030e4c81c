"""The obviously correct PDQ index: compare the query with every stored hash.

It is the oracle that :class:`tvec.matching.pdq_index.PDQIndex` is tested against, and the
"plain numpy brute force" of the benchmark. Cost: one 256-bit popcount per stored hash per
query; 40 bytes per hash. Hashes are stored word-major (shape (4, n)) so that each of the four
XOR-and-popcount passes runs over contiguous memory.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tvec.errors import StoreError
from tvec.matching.pdq_hash import DEFAULT_THRESHOLD, as_hash_rows, as_ids, check_threshold
from tvec.matching.pdq_segment import hashes_to_words, words_to_hashes
from tvec.matching.pdq_store import write_json, write_npy

_ROWS_PER_BLOCK = 1 << 16  # 2 MiB of hashes: scratch arrays stay in cache


class BruteForcePDQIndex:
    """Exact PDQ matching by a full scan; same interface as ``PDQIndex``.

    Args:
        threshold: default largest matching distance, in bits (0..256).
    """

    def __init__(self, threshold: int = DEFAULT_THRESHOLD) -> None:
        self.threshold = check_threshold(threshold)
        self._ids = np.empty(0, dtype=np.int64)
        self._columns = np.empty((4, 0), dtype=np.uint64)  # word k of hash i at [k, i]

    def __len__(self) -> int:
        return int(self._ids.size)

    def add(self, ids: npt.NDArray[np.int64], hashes: npt.NDArray[np.uint8]) -> None:
        """Add hashes (shape (n, 32) bytes) under ``ids`` (shape (n,)); a known id is replaced.

        Within one call, the last of repeated ids wins.
        """
        rows = as_hash_rows(hashes)
        new_ids = as_ids(ids, rows.shape[0])
        last = new_ids.size - 1 - np.unique(new_ids[::-1], return_index=True)[1]
        self.remove(new_ids)
        self._ids = np.concatenate([self._ids, new_ids[last]])
        new_columns = hashes_to_words(rows[last]).T
        self._columns = np.ascontiguousarray(np.concatenate([self._columns, new_columns], axis=1))

    def remove(self, ids: npt.NDArray[np.int64]) -> int:
        """Remove ``ids``; return how many were present."""
        gone = np.isin(self._ids, np.asarray(ids, dtype=np.int64))
        self._ids = self._ids[~gone]
        self._columns = np.ascontiguousarray(self._columns[:, ~gone])
        return int(np.count_nonzero(gone))

    def query(
        self, pdq: bytes | npt.NDArray[np.uint8], threshold: int | None = None
    ) -> list[tuple[int, int]]:
        """Return (id, distance in bits) of every hash within ``threshold`` of ``pdq``.

        Sorted by distance, then id. ``pdq``: 32 bytes or shape (32,) ``uint8``.
        """
        return self.query_batch(as_hash_rows(pdq, "pdq query"), threshold)[0]

    def query_batch(
        self, hashes: npt.NDArray[np.uint8], threshold: int | None = None
    ) -> list[list[tuple[int, int]]]:
        """:meth:`query` for each row of ``hashes`` (shape (q, 32))."""
        limit = self.threshold if threshold is None else check_threshold(threshold)
        out = []
        for q in hashes_to_words(as_hash_rows(hashes, "pdq queries")):
            ids, dists = [], []
            for r0 in range(0, self._ids.size, _ROWS_PER_BLOCK):
                block = self._columns[:, r0 : r0 + _ROWS_PER_BLOCK]
                d = np.bitwise_count(block[0] ^ q[0]).astype(np.uint32)
                for k in (1, 2, 3):
                    d += np.bitwise_count(block[k] ^ q[k])
                hit = np.flatnonzero(d <= limit)
                ids.append(self._ids[r0 + hit])
                dists.append(d[hit])
            all_ids = np.concatenate(ids) if ids else np.empty(0, np.int64)
            all_d = np.concatenate(dists) if dists else np.empty(0, np.uint32)
            order = np.lexsort((all_ids, all_d))
            out.append(list(zip(all_ids[order].tolist(), all_d[order].tolist(), strict=True)))
        return out

    def save(self, folder: Path) -> None:
        """Save to ``folder`` (``ids.npy``, ``hashes.npy``, ``meta.json``, each atomically)."""
        folder.mkdir(parents=True, exist_ok=True)
        write_npy(folder / "ids.npy", self._ids)
        write_npy(folder / "hashes.npy", words_to_hashes(np.ascontiguousarray(self._columns.T)))
        write_json(folder / "meta.json", {"format": "tvec-pdq-brute", "threshold": self.threshold})

    @classmethod
    def load(cls, folder: Path) -> BruteForcePDQIndex:
        """Load what :meth:`save` wrote. Raises ``StoreError`` if it cannot be read."""
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            index = cls(int(meta["threshold"]))
            index.add(np.load(folder / "ids.npy"), np.load(folder / "hashes.npy"))
        except (OSError, ValueError, KeyError) as e:
            raise StoreError(f"{folder}: cannot load the brute-force PDQ index: {e}") from e
        return index

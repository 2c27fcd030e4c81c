"""Bank changes while a scan matches: never a match against a half-written index (issue 17).

Two levels: the index files themselves (a writer applying appends and tombstones version
after version, as a catch-up does, while reader *processes* load and check every version
they see), and a real scan with two worker processes that match against the persisted
index while banks are added to and deleted under it.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sqlalchemy import select

from tests.core.test_scan import make_images
from tvec.banks import add_files, create_bank
from tvec.banks.service import delete_bank, import_bank
from tvec.matching.matcher import Matcher
from tvec.matching.pdq_hash import pdq_hex_to_bytes
from tvec.matching.pdq_index import PDQIndex
from tvec.matching.shared import IndexFiles, IndexSnapshot
from tvec.scan import run_scan
from tvec.settings import load_settings
from tvec.signals import SignalValue
from tvec.store import open_store
from tvec.store.models import BankEntry, Item, Match

#: Versions the writer goes through.
VERSIONS = 60


def _live(version: int) -> npt.NDArray[np.int64]:
    """The ids live at ``version``: 0..100+20v-1, less every third id below 20v (removed)."""
    ids = np.arange(100 + 20 * version, dtype=np.int64)
    removed = (ids < 20 * version) & (ids % 3 == 0)
    live: npt.NDArray[np.int64] = ids[~removed]
    return live


def _rows(ids: npt.NDArray[np.int64], salt: int) -> npt.NDArray[np.uint8]:
    """The hash of each id (a function of the id only, so appends never change old rows)."""
    return ((ids[:, None] * 37 + np.arange(32) + salt) % 256).astype(np.uint8)


def _check(snapshot: IndexSnapshot) -> str | None:
    """What is wrong with ``snapshot`` against the rows its version must hold, or None."""
    want = _live(snapshot.version)
    for salt, part in ((0, snapshot.pdq), (1, snapshot.exact)):
        ids, hashes = part.live_rows()
        order = np.argsort(ids)
        if not np.array_equal(ids[order], want):
            return f"version {snapshot.version}: {ids.size} live ids, want {want.size}"
        if not np.array_equal(hashes[order], _rows(want, salt)):
            return f"version {snapshot.version}: rows with the wrong hash"
    return None


def _reader(folder: str, stop: str, out: str) -> None:
    """Load the index until ``stop`` exists; write the versions seen and problems to ``out``."""
    files = IndexFiles(Path(folder))
    seen: list[int] = []
    problems: list[str] = []
    while not Path(stop).exists() and len(problems) < 5:
        try:
            loaded = files.load()
        except Exception as exc:  # every failure is a finding here
            problems.append(f"load failed: {exc}")
            continue
        if loaded is None:
            problems.append("no index")
            continue
        problem = _check(loaded)
        if problem:
            problems.append(problem)
        if not seen:
            Path(f"{out}.ready").touch()  # the writer starts once every reader reads
        seen.append(loaded.version)
    Path(out).write_text(json.dumps({"seen": seen, "problems": problems}), encoding="utf-8")


def test_reader_processes_see_whole_versions_while_a_writer_appends_and_tombstones(
    tmp_path: Path,
) -> None:
    files = IndexFiles(tmp_path / "index")
    # Small segments so that appends write new segment files, not only the tail.
    pdq = PDQIndex(min_indexed_rows=16)
    exact = PDQIndex(threshold=0, min_indexed_rows=16)
    first = _live(1)
    pdq.add(first, _rows(first, 0))
    exact.add(first, _rows(first, 1))
    with files.locked():
        files.save(IndexSnapshot(1, pdq, exact))
    stop = tmp_path / "stop"
    context = multiprocessing.get_context("spawn")
    outs = [tmp_path / f"reader-{n}.json" for n in range(2)]
    readers = [
        context.Process(target=_reader, args=(str(files.folder), str(stop), str(out)))
        for out in outs
    ]
    for reader in readers:
        reader.start()
    try:
        deadline = time.monotonic() + 120
        while not all(Path(f"{out}.ready").exists() for out in outs):
            if time.monotonic() > deadline:
                raise AssertionError("the readers did not start")
            time.sleep(0.05)
        for version in range(2, VERSIONS + 1):
            before, after = _live(version - 1), _live(version)
            added = np.setdiff1d(after, before)
            removed = np.setdiff1d(before, after)
            pdq.remove(removed)
            exact.remove(removed)
            pdq.add(added, _rows(added, 0))
            exact.add(added, _rows(added, 1))
            with files.locked():  # as index_sync.up_to_date saves a catch-up
                files.save(IndexSnapshot(version, pdq, exact))
    finally:
        stop.touch()
        for reader in readers:
            reader.join(timeout=120)
    for out in outs:
        report = json.loads(out.read_text(encoding="utf-8"))
        assert report["problems"] == []
        seen = report["seen"]
        assert seen and seen == sorted(seen)  # never back to an older version
    assert len({v for out in outs for v in json.loads(out.read_text())["seen"]}) > 1


def _hamming(a: str, b: str) -> int:
    x = np.frombuffer(pdq_hex_to_bytes(a), dtype=np.uint8)
    y = np.frombuffer(pdq_hex_to_bytes(b), dtype=np.uint8)
    return int(np.unpackbits(x ^ y).sum())


def test_a_scan_with_workers_matches_only_whole_index_versions_while_banks_change(
    tmp_path: Path,
) -> None:
    settings = load_settings(
        home=tmp_path / "home",
        progress=False,
        workers=2,
        index_check_seconds=0,  # look for a newer version before every lookup
        analysis_ocr=False,
    )
    store = open_store(settings)
    images = make_images(tmp_path / "in", 256)
    create_bank(store, "known", actor="cli")
    add_files(store, "known", images[:4], actor="cli")  # builds the index
    done = threading.Event()
    changes = 0

    def churn() -> None:
        nonlocal changes
        step = 0
        while not done.is_set() and step * 8 < len(images):
            add_files(store, "known", images[step * 8 : step * 8 + 8], actor="cli")
            create_bank(store, "churn", actor="cli")  # added, then deleted: tombstones
            add_files(store, "churn", images[step * 8 : step * 8 + 16], actor="cli")
            delete_bank(store, "churn", actor="cli")
            changes += 1
            step += 1

    writer = threading.Thread(target=churn)
    writer.start()
    try:
        result = run_scan(store, [tmp_path / "in"])
    finally:
        done.set()
        writer.join()
    assert result.status == "finished" and result.errors == []
    assert result.counts.new == 256 and changes > 0
    with store.session() as session:
        rows = session.execute(
            select(Match.signal_type, Match.value, Match.distance, BankEntry.value)
            .join(BankEntry, Match.bank_entry_id == BankEntry.id)
            .join(Item, Match.item_id == Item.id)
        ).all()
    # Every match the workers stored is right for the entry it names.
    for signal_type, value, distance, entry_value in rows:
        if signal_type == "pdq":
            assert distance == _hamming(value, entry_value) <= settings.pdq_threshold
        else:
            assert (value, distance) == (entry_value, 0)
    # The index ends whole: scanning again matches every image the bank holds.
    again = run_scan(store, [tmp_path / "in"])
    in_bank = {m.item for m in again.matches if m.bank == "known" and m.signal_type == "sha256"}
    with store.session() as session:
        known = set(
            session.scalars(select(BankEntry.value).where(BankEntry.signal_type == "sha256"))
        )
    assert len(in_bank) == len(known) > 4
    store.close()


def test_a_matcher_behind_the_banks_never_pairs_a_hash_with_the_entry_that_took_its_id(
    tmp_path: Path,
) -> None:
    settings = load_settings(home=tmp_path / "home", progress=False, index_check_seconds=3600)
    store = open_store(settings)
    rng = np.random.default_rng(3)
    old, new = (bytes(rng.integers(0, 256, 32, dtype=np.uint8)) for _ in range(2))
    near = bytearray(old)
    near[0] ^= 0b111  # 3 bits from ``old``, about 128 from ``new``
    csv = tmp_path / "a.csv"
    csv.write_text(f"pdq,{old.hex()}\n", encoding="utf-8")
    import_bank(store, "a", csv, "csv", create=True, actor="test")
    with store.session() as session:
        matcher = Matcher.for_settings(session, settings)  # maps the index as it is now
        first = session.scalars(select(BankEntry.id)).one()
    delete_bank(store, "a", actor="test")
    csv.write_text(f"pdq,{new.hex()}\n", encoding="utf-8")
    import_bank(store, "b", csv, "csv", create=True, actor="test")
    with store.session() as session:
        assert session.scalars(select(BankEntry.id)).one() == first  # SQLite reused the id
    # The matcher's index still has ``old`` under that id; the entry now holds ``new``.
    assert matcher.match(SignalValue("pdq", bytes(near).hex())) == []
    exact = matcher.match(SignalValue("pdq", new.hex()))
    assert exact == []  # not in this (older) index at all: found after the next check
    store.close()

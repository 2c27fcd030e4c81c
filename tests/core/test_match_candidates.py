"""Index look-ups made elsewhere (a Dask worker) and resolved by the matcher: used only at the
matcher's own index version, same answers as the matcher's own look-ups (issue 17, part 4)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tests.core.test_scan import make_images
from tests.review_data import fast_settings
from tvec.banks import add_files, create_bank
from tvec.matching.candidates import IndexLookups, IndexSpec, look_up
from tvec.matching.matcher import Matcher
from tvec.matching.pdq_hash import pdq_hex_to_bytes
from tvec.scan.cluster import run_task
from tvec.scan.prepare import PreparedFile, prepare_file
from tvec.signals import SignalValue
from tvec.signals.hashing import hash_content
from tvec.store import open_store


def _hashes(path: Path) -> list[SignalValue]:
    return list(hash_content(path.read_bytes(), path.name, max_pixels=10**8).signals)


def test_workers_candidates_give_the_matchers_own_answers(tmp_path: Path) -> None:
    images = make_images(tmp_path / "in", 4)
    store = open_store(fast_settings(tmp_path / "home"))
    create_bank(store, "known", actor="cli")
    add_files(store, "known", images[:2], actor="cli")
    settings = store.settings
    with store.session() as session:
        matcher = Matcher.for_settings(session, settings)
    version = matcher.index_version()
    assert version is not None and version > 0
    spec = IndexSpec(
        str(settings.index_folder), version, settings.pdq_threshold, settings.pdq_min_quality
    )
    for path in images:
        signals = _hashes(path)
        own = [matcher.match(s) for s in signals]
        found = look_up(spec, signals)
        assert found is not None and found.version == version
        pdq = next(s for s in signals if s.signal_type == "pdq")
        assert pdq_hex_to_bytes(pdq.value) in found.pdq and len(found.exact) == 2  # md5, sha256
        lookups = IndexLookups()
        lookups.add(found)
        matcher.lookups = lookups
        assert [matcher.match(s) for s in signals] == own
        assert lookups.used == 3 and lookups.missed == 0
        matcher.lookups = None
    assert sum(bool(matcher.match(s)) for p in images for s in _hashes(p)) == 2 * 3

    # Another version: the worker gives nothing, and the matcher ignores stale candidates.
    assert look_up(IndexSpec(spec.folder, version + 1, 31, 50), _hashes(images[0])) is None
    stale = look_up(spec, _hashes(images[2]))
    assert stale is not None
    forged = IndexLookups()
    stale.version = version + 1
    stale.pdq = {key: [(999_999, 0)] for key in stale.pdq}  # would be a hit at this version
    forged.add(stale)
    matcher.lookups = forged
    assert not any(matcher.match(s) for s in _hashes(images[2]))
    assert forged.used == 0 and forged.missed == 3
    store.close()


def test_a_task_prepares_and_looks_up_each_input_in_order(tmp_path: Path) -> None:
    images = make_images(tmp_path / "in", 3)
    Image.new("RGB", (4, 4)).save(tmp_path / "in" / "tiny.png")
    store = open_store(fast_settings(tmp_path / "home"))
    create_bank(store, "known", actor="cli")
    add_files(store, "known", images[:1], actor="cli")
    settings = store.settings
    with store.session() as session:
        version = Matcher.for_settings(session, settings).index_version()
    assert version is not None
    spec = IndexSpec(str(settings.index_folder), version, 31, 50)
    paths = [*images, tmp_path / "in" / "tiny.png", tmp_path / "in" / "missing.png"]
    jobs = [(prepare_file, (p, p.name, 10**8, 10**8, None)) for p in paths]
    results = run_task(jobs, spec)  # type: ignore[arg-type]
    assert [type(r[0]) for r in results] == [PreparedFile] * 5
    first, found = results[0]
    assert first.hashed is not None and found is not None
    assert next(iter(found.pdq.values()))[0][1] == 0  # the bank's own picture
    assert results[4][0].error is not None and results[4][1] is not None
    assert results[4][1].pdq == {} and results[4][1].exact == {}  # nothing to look up
    assert run_task(jobs[:1], None)[0][1] is None  # no index named: no look-ups
    store.close()

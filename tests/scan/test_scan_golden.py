"""A scan stores the same rows as it did before the scan was made faster (issue 17, part 3).

The committed input (``tests/data/scan_golden/in``: JPEGs, one greyscale, one letterboxed,
one turned by its EXIF orientation, a transparent PNG, a corrupt image, a text file and posts
in three languages, one naming a designated entity) is scanned with one worker (inline) and
with two (the pool), against a bank holding two of its pictures. Every stored row (items,
signals bit for bit, PDQ variants, errors, matches, analyses, indicator hits, out-links,
sightings, cases and their evidence) and the scan's result must equal
``tests/data/scan_golden/expected.json``, which was written by this test at commit
``c42649a`` (main before the worker's CPU was cut), with::

    TVEC_WRITE_GOLDEN=1 python -m pytest tests/scan/test_scan_golden.py -k inline

Rewrite it that way only for a change that is meant to change what a scan stores.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.scan.test_bulk_writer import _dump
from tvec.banks import add_files, create_bank
from tvec.scan import run_scan
from tvec.settings import load_settings
from tvec.store import Store, open_store
from tvec.store.models import Item, Match
from tvec.store.models.cases import CaseEvidence, ReviewCase

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "scan_golden"
#: Modification time given to every input file (it is stored in each file item's meta).
MTIME_NS = 1_700_000_000_000_000_000
#: Pictures put in the bank before the scan.
BANKED = ("photo-1.jpg", "blocks.png")


def _cases(store: Store) -> list[Any]:
    """Every case and its evidence, with ids replaced by what they name."""
    with store.session() as session:
        locator = {i: loc for i, loc in session.execute(select(Item.id, Item.locator))}
        match = {
            m.id: (locator[m.item_id], m.signal_type, m.value, m.distance)
            for m in session.scalars(select(Match))
        }
        out = []
        for case in session.scalars(select(ReviewCase)):
            evidence = sorted(
                (
                    (e.kind, match.get(e.match_id or 0), e.confidence, e.severity, e.detail)
                    for e in session.scalars(
                        select(CaseEvidence).where(CaseEvidence.case_id == case.id)
                    )
                ),
                key=repr,
            )
            out.append(
                (
                    locator[case.item_id],
                    case.status,
                    case.priority,
                    case.priority_parts,
                    case.entity,
                    case.signal_type,
                    case.source,
                    case.platform,
                    case.language,
                    evidence,
                )
            )
        return sorted(out, key=repr)


def _scan(tmp_path: Path, workers: int, monkeypatch: pytest.MonkeyPatch) -> str:
    """Scan a copy of the golden input; every stored row and the result as JSON text, the
    input folder written as ``IN``."""
    folder = tmp_path / "in"
    shutil.copytree(GOLDEN / "in", folder)
    for path in folder.rglob("*"):
        os.utime(path, ns=(MTIME_NS, MTIME_NS))
    settings = load_settings(
        home=tmp_path / f"home-{workers}", progress=False, workers=workers, analysis_ocr=False
    )
    store = open_store(settings)
    try:
        create_bank(store, "known", actor="cli")
        add_files(store, "known", [folder / "files" / name for name in BANKED], actor="cli")
        with monkeypatch.context() as patch:
            patch.setattr("tvec.scan.hasher.MIN_PARALLEL", 1)  # small batches use the pool too
            result = run_scan(store, [folder])
        found = {
            "rows": _dump(store),
            "cases": _cases(store),
            "result": result.model_dump(mode="json", exclude={"scan_id"}),
        }
    finally:
        store.close()
    text = json.dumps(found, indent=1, sort_keys=True, default=str, ensure_ascii=False)
    return text.replace(str(folder), "IN")


@pytest.mark.parametrize("workers", [1, 2], ids=["inline", "pool"])
def test_a_scan_stores_what_it_stored_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    found = _scan(tmp_path, workers, monkeypatch)
    expected_file = GOLDEN / "expected.json"
    if os.environ.get("TVEC_WRITE_GOLDEN") == "1":
        expected_file.write_text(found + "\n", encoding="utf-8")
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    got = json.loads(found)
    for part in ("rows", "cases", "result"):
        if part == "rows":
            for table in expected[part]:
                assert got[part][table] == expected[part][table], table
        assert got[part] == expected[part], part
    # The input exercises what the faster paths touch: variants, matches, hits, cases.
    signals = got["rows"]["signals"]
    assert sum(1 for s in signals if s[1] == "pdq") >= 8
    assert got["rows"]["matches"] and got["rows"]["hits"] and got["cases"]
    metas = [json.dumps(row) for row in got["rows"]["items"]]
    for variant in ("unletterboxed", "as_stored", "on_white"):
        assert any(variant in meta for meta in metas), variant

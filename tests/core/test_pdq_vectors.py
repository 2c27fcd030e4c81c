"""PDQ against the third-party vectors (../shared/vectors/pdq/expected.csv) via `tvec hash`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tvec.signals.pdq import hamming_hex


def _rows(vectors: Path) -> list[dict[str, str]]:
    with (vectors / "pdq" / "expected.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_tvec_hash_meets_every_expected_row(vectors: Path, cli) -> None:  # type: ignore[no-untyped-def]
    rows = _rows(vectors)
    assert len(rows) >= 25
    files = sorted({vectors / "pdq" / r["file"] for r in rows})
    result = cli("hash", "--json", *files)
    assert result.code == 0, result.err
    by_file = {d["file"]: d for d in json.loads(result.out)}
    for row in rows:
        doc = by_file[str(vectors / "pdq" / row["file"])]
        pdq = next(s for s in doc["signals"] if s["signal_type"] == "pdq")
        distance = hamming_hex(pdq["value"], row["pdq"])
        assert distance <= int(row["max_distance"]), (row, pdq)
        if row["quality"]:
            assert pdq["quality"] == int(row["quality"]), (row, pdq)


def test_hash_prints_signal_type_value_quality(vectors: Path, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("hash", vectors / "pdq" / "pytx" / "rgb.jpeg")
    assert result.code == 0
    lines = dict(line.split(" ", 1) for line in result.out.splitlines())
    assert set(lines) == {"sha256", "md5", "pdq"}
    pdq_value, quality = lines["pdq"].split()
    assert quality == "100"
    expected = next(r for r in _rows(vectors) if r["file"] == "pytx/rgb.jpeg")["pdq"]
    assert pdq_value == expected


def test_bank_of_original_matches_all_bridge_mods(vectors: Path, cli) -> None:  # type: ignore[no-untyped-def]
    mods = vectors / "pdq" / "bridge-mods"
    assert cli("bank", "create", "bridge").code == 0
    added = cli("bank", "add", "bridge", mods / "aaa-orig.jpg", "--entity", "test")
    assert added.code == 0, added.err
    result = cli("scan", mods, "--bank", "bridge", "--json", "-")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    pdq_matches = {Path(m["item"]).name for m in doc["matches"] if m["signal_type"] == "pdq"}
    assert len(list(mods.iterdir())) == 12
    assert pdq_matches == {p.name for p in mods.iterdir()}
    assert all(m["distance"] <= 31 for m in doc["matches"])
    assert all(m["labels"]["entity"] == "test" for m in doc["matches"])


@pytest.mark.parametrize("name", ["misc/small.jpg", "labelme/q0003.jpg"])
def test_low_quality_hashes_do_not_match(vectors: Path, cli, name: str) -> None:  # type: ignore[no-untyped-def]
    path = vectors / "pdq" / name
    hashed = json.loads(cli("hash", "--json", path).out)[0]
    pdq = next(s for s in hashed["signals"] if s["signal_type"] == "pdq")
    assert pdq["quality"] < 50
    bank_file = path.parent.parent / "expected.csv"
    assert bank_file.exists()
    # A bank holding the very same PDQ hash: quality below 50 means no PDQ match.
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(f"pdq {pdq['value']}\n")
    assert cli("bank", "import", "low", handle.name, "--create").code == 0
    doc = json.loads(cli("scan", path, "--json", "-").out)
    assert [m for m in doc["matches"] if m["signal_type"] == "pdq"] == []

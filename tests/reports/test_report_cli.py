"""``tvec report transparency|scoreboard``: files written, formats, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

from tests.reports.report_data import PRIVATE, seed
from tvec.settings import load_settings
from tvec.store import open_store


def _seed(home: Path) -> None:
    store = open_store(load_settings(home=home, progress=False))
    with store.session() as session:
        seed(session)
    store.close()


def test_transparency_and_scoreboard_files(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _seed(tmp_path / "home")
    out = tmp_path / "report.json"
    period = ("--from", "2024-02-01", "--to", "2024-03-31")
    result = cli("report", "transparency", *period, "--format", "json", "--out", out)
    assert result.code == 0, result.err
    assert f"wrote {out}" in result.err
    data = json.loads(out.read_text())
    assert data["content"]["items_scanned"] == 4
    assert data["orders"]["late"] == 3  # made now: o7's restarted deadline has passed too
    assert data["urls"] is None
    csv_text = cli("report", "transparency", *period, "--format", "csv").out
    assert "review,reinstatements,,2" in csv_text
    assert not any(private in csv_text for private in PRIVATE)
    internal = cli("report", "transparency", *period, "--format", "json", "--internal").out
    assert "https://content.example/u5" in internal
    board = cli("report", "scoreboard", *period, "--format", "csv", "--min-alerts", "3").out
    assert board.splitlines()[1].startswith("1,JustPaste.it,ranked,63.5,3,2,")
    html = cli("report", "scoreboard", "--format", "html").out  # last 30 days: none
    assert "No platform received alerts in this period." in html


def test_errors_name_the_input(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = cli("report", "transparency", "--from", "2024-02-01")
    assert missing.code == 2 and "to is required" in missing.err
    bad = cli("report", "transparency", "--from", "2024-02-30", "--to", "2024-03-01")
    assert bad.code == 2 and "from '2024-02-30' is not a date" in bad.err
    backwards = cli("report", "transparency", "--from", "2024-03-01", "--to", "2024-02-01")
    assert backwards.code == 2 and "is not before" in backwards.err
    unwritable = cli(
        "report", "scoreboard", "--format", "json", "--out", tmp_path / "no" / "such" / "f.json"
    )
    assert unwritable.code == 2 and "cannot be written" in unwritable.err
    assert cli("report", "scoreboard", "--min-alerts", "0").code == 2

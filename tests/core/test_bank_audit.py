"""Every change a person makes to banks is in the audit log as a typed event, with its data
and the actor (``cli`` from the command line): create, import, add, delete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.review_data import gradient_image
from tvec.audit.log import verify_chain
from tvec.settings import load_settings
from tvec.store import open_store
from tvec.store.models.audit import AuditEvent

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
OTHER_MD5 = "0cc175b9c0f1b6a831c399e269772661"


def _events(home: Path) -> list[tuple[str, str, str | None, dict[str, Any]]]:
    store = open_store(load_settings(home=home, progress=False))
    try:
        with store.session() as session:
            assert verify_chain(session).ok
            return [
                (e.actor, e.kind, e.target, e.data)
                for e in session.scalars(
                    select(AuditEvent).where(AuditEvent.kind.like("bank.%")).order_by(AuditEvent.id)
                )
            ]
    finally:
        store.close()


def test_bank_changes_from_the_cli_are_audited_with_their_data(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    assert cli("bank", "create", "posters", "--description", "known posters").code == 0
    lines = tmp_path / "hashes.txt"
    lines.write_text(f"md5 {MD5}\nmd5 not-hex\nmd5 {MD5}\n", encoding="utf-8")
    assert cli("bank", "import", "posters", lines).code == 1  # one bad row
    picture = gradient_image(tmp_path / "poster.png", 3)
    missing = tmp_path / "gone.png"
    added = cli(
        "bank", "add", "posters", picture, missing, "--entity", "Group A", "--source", "TCAP"
    )
    assert added.code == 1  # the missing file is a problem; the picture still loads
    table = tmp_path / "more.csv"
    table.write_text(f"signal_type,value\nmd5,{OTHER_MD5}\n", encoding="utf-8")
    assert cli("bank", "import", "copies", table, "--create", "--format", "csv").code == 0
    assert cli("bank", "delete", "posters", "--yes").code == 0

    events = _events(home)
    assert [(actor, kind, target) for actor, kind, target, _ in events] == [
        ("cli", "bank.create", "bank:posters"),
        ("cli", "bank.import", "bank:posters"),
        ("cli", "bank.add", "bank:posters"),
        ("cli", "bank.create", "bank:copies"),
        ("cli", "bank.import", "bank:copies"),
        ("cli", "bank.delete", "bank:posters"),
    ]
    data = [d for _, _, _, d in events]
    assert data[0] == {"description": "known posters"}
    assert data[1] == {
        "file": str(lines),
        "format": "hma",  # detected ("auto")
        "added": 1,
        "existing": 1,
        "errors": 1,
    }
    assert data[2]["files"] == 2
    assert data[2]["labels"] == {"entity": "Group A", "source": "TCAP"}
    assert data[2]["added"] >= 3  # md5, sha256, pdq of the picture
    assert data[3] == {"description": None}
    assert data[4] == {"file": str(table), "format": "csv", "added": 1, "existing": 0, "errors": 0}
    assert data[5] == {"entries": 1 + data[2]["added"]}


def test_a_refused_change_is_not_audited(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("bank", "create", "one").code == 0
    assert cli("bank", "create", "one").code == 2  # exists
    assert cli("bank", "delete", "nope", "--yes").code == 2
    assert [kind for _, kind, _, _ in _events(tmp_path / "home")] == ["bank.create"]

"""The audit log: a hash chain that names the first broken event; JSON Lines export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tvec.audit import GENESIS, AuditKind, event_digest, record, verify_chain
from tvec.store import Store


def _append(store: Store, n: int) -> list[int]:
    ids = []
    with store.session() as session:
        for i in range(n):
            ids.append(record(session, f"user{i}", AuditKind.DECISION, f"case:{i}", {"i": i}).id)
    return ids


def test_chain_links_each_event_to_the_one_before(any_store: Store) -> None:
    ids = _append(any_store, 3)
    with any_store.session() as session:
        report = verify_chain(session)
        rows = session.execute(
            text("SELECT id, prev_sha256, sha256 FROM audit_event ORDER BY id")
        ).all()
    assert report.ok and report.checked == 3
    assert [r.id for r in rows] == ids
    assert rows[0].prev_sha256 == GENESIS
    assert rows[1].prev_sha256 == rows[0].sha256
    assert rows[2].prev_sha256 == rows[1].sha256


def test_digest_is_sha256_of_canonical_json() -> None:
    import hashlib
    from datetime import UTC, datetime

    at = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    expected = hashlib.sha256(
        b'{"actor":"ana","at":"2026-01-02T03:04:05.000006+00:00","data":{"a":1},'
        b'"kind":"media.reveal","prev_sha256":"' + GENESIS.encode() + b'","target":"item:1"}'
    ).hexdigest()
    assert event_digest(at, "ana", "media.reveal", "item:1", {"a": 1}, GENESIS) == expected


@pytest.mark.parametrize(
    ("statement", "broken", "problem"),
    [
        ("UPDATE audit_event SET data = '{\"i\": 99}' WHERE id = :id", 0, "was edited"),
        ("UPDATE audit_event SET actor = 'mallory' WHERE id = :id", 0, "was edited"),
        ("DELETE FROM audit_event WHERE id = :id", 1, "earlier event was edited or deleted"),
    ],
)
def test_editing_or_deleting_one_row_names_the_first_broken_event(
    store: Store, statement: str, broken: int, problem: str
) -> None:
    ids = _append(store, 5)
    target = ids[2]
    engine = create_engine(store.settings.resolved_database_url)
    with engine.begin() as conn:
        conn.execute(text(statement), {"id": target})
    engine.dispose()
    with store.session() as session:
        report = verify_chain(session)
    assert not report.ok
    assert report.broken_id == ids[2 + broken]
    assert report.checked == 2
    assert problem in (report.problem or "")


def test_cli_verify_names_the_edited_row_and_export_writes_jsonl(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("user", "add", "ana", "--role", "analyst").code == 0
    assert cli("user", "add", "bo", "--role", "viewer").code == 0
    ok = cli("audit", "verify")
    assert ok.code == 0 and "intact: 2 events" in ok.out
    out = tmp_path / "audit.jsonl"
    assert cli("audit", "export", "-o", out).code == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [e["kind"] for e in lines] == ["user.add", "user.add", "audit.export"]
    assert lines[1]["prev_sha256"] == lines[0]["sha256"]
    assert set(lines[0]) == {"id", "at", "actor", "kind", "target", "data", "prev_sha256", "sha256"}
    db = tmp_path / "home" / "tvec.db"
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET target = 'user:eve' WHERE id = 2"))
    engine.dispose()
    broken = cli("audit", "verify")
    assert broken.code == 1
    assert "broken at event 2" in broken.err
    assert "1 events before it are intact" in broken.err

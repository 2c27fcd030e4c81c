"""Every change a person makes to sources and platforms is in the audit log, as the typed
events of :mod:`tvec.audit.events`, with the actor ``cli`` from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from tvec.settings import load_settings
from tvec.store import open_store
from tvec.store.models import AuditEvent


def _events(tmp_path: Path, prefix: str) -> list[tuple[str, str, str | None, dict[str, Any]]]:
    """``(actor, kind, target, data)`` of the audit events whose kind starts with
    ``prefix``, oldest first."""
    store = open_store(load_settings(home=tmp_path / "home"))
    try:
        with store.session() as session:
            rows = session.scalars(
                select(AuditEvent).where(AuditEvent.kind.startswith(prefix)).order_by(AuditEvent.id)
            )
            return [(e.actor, e.kind, e.target, dict(e.data)) for e in rows]
    finally:
        store.close()


def test_source_add_enable_disable_remove_are_audited(cli: Any, tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("https://t.me/s/beacon\n", encoding="utf-8")
    added = cli(
        "source", "add", "list", "url-list", urls, "--entity", "Group X", "--language", "ar"
    )
    assert added.code == 0, added.err
    assert cli("source", "disable", "list").code == 0
    assert cli("source", "disable", "list").code == 0  # no change: nothing to audit
    assert cli("source", "enable", "list").code == 0
    assert cli("source", "remove", "list", "--yes").code == 0
    events = _events(tmp_path, "source.")
    assert [(actor, kind, target) for actor, kind, target, _ in events] == [
        ("cli", "source.add", "source:list"),
        ("cli", "source.change", "source:list"),
        ("cli", "source.change", "source:list"),
        ("cli", "source.remove", "source:list"),
    ]
    assert events[0][3] == {
        "kind": "url-list",
        "locator": str(urls.resolve()),
        "platform": None,
        "entity": "Group X",
        "language": "ar",
        "notes": None,
        "options": {},
    }
    assert [e[3] for e in events[1:3]] == [{"enabled": False}, {"enabled": True}]
    assert events[3][3] == {"kind": "url-list", "locator": str(urls.resolve())}


def test_platform_add_and_update_are_audited_with_the_rows_and_moved_outlinks(
    cli: Any, tmp_path: Path
) -> None:
    posts = tmp_path / "posts.jsonl"
    posts.write_text('{"id": 1, "text": "get it: https://files.fm/u/clf7"}\n', encoding="utf-8")
    assert cli("scan", posts).code == 0
    added = cli(
        "platform",
        "add",
        "Mirror Locker",
        "--kind",
        "file_sharing",
        "--domain",
        "files.fm",
        "--abuse-email",
        "abuse@mirror.example",
        "--source",
        "test",
    )
    assert added.code == 0, added.err
    updated = cli("platform", "update", "mirror locker", "--abuse-email", "reports@mirror.example")
    assert updated.code == 0, updated.err
    (add, update) = _events(tmp_path, "platform.")
    assert add[:3] == ("cli", "platform.change", "platform:Mirror Locker")
    assert add[3]["action"] == "add" and add[3]["old"] is None
    assert add[3]["new"]["abuse_email"] == "abuse@mirror.example"
    assert add[3]["new"]["domains"] == ["files.fm"]
    assert add[3]["outlinks_moved"] == 1  # the scanned files.fm link moved from Files.fm
    assert update[:3] == ("cli", "platform.change", "platform:Mirror Locker")
    assert update[3]["action"] == "update"
    assert update[3]["old"]["abuse_email"] == "abuse@mirror.example"
    assert update[3]["new"]["abuse_email"] == "reports@mirror.example"
    assert update[3]["outlinks_moved"] == 0

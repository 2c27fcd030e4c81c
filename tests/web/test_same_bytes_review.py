"""One result model for review: ``tvec audit list --json`` and ``GET /api/audit`` print the
same bytes for the same events (same context, same frozen clock)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.web.same_bytes import Both, both
from tvec.audit.events import MediaRevealed, SettingChanged, record_event
from tvec.store import Store

NOW = datetime(2026, 11, 3, 10, 30, 15, 250_000, tzinfo=UTC)


def _events(store: Store) -> None:
    """Two events by a reviewer whose name is not ASCII (before the users and token)."""
    with store.session() as session:
        record_event(session, "rëviewer-ü", MediaRevealed(item_id=7, revealed_today=3))
        record_event(
            session,
            "rëviewer-ü",
            SettingChanged(username="rëviewer-ü", blur_px=24, greyscale=True),
        )


@pytest.fixture
def audit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Both]:
    with both(tmp_path, monkeypatch, capsys, NOW, _events) as pair:
        yield pair


@pytest.mark.parametrize(
    ("cli", "api"),
    [
        (("audit", "list", "--json"), "/api/audit"),
        (
            ("audit", "list", "--after-id", "1", "--limit", "3", "--json"),
            "/api/audit?after_id=1&limit=3",
        ),
        (("audit", "list", "--limit", "1", "--json"), "/api/audit?limit=1"),
    ],
)
def test_audit_list_json_and_api_are_the_same_bytes(
    audit: Both, cli: tuple[str, ...], api: str
) -> None:
    printed = audit.cli(*cli)
    served = audit.api(api)
    assert printed == served
    assert b'"prev_sha256": ' in printed  # real events, not an empty list
    assert b"+00:00" not in printed  # one timestamp format: RFC 3339 with Z


def test_audit_list_pages_by_id_oldest_first(audit: Both) -> None:
    events = json.loads(audit.cli("audit", "list", "--json"))
    first, second = events[0], events[1]
    assert (first["id"], first["kind"], first["target"]) == (1, "media.reveal", "item:7")
    assert first["actor"] == "rëviewer-ü"
    assert first["data"] == {"revealed_today": 3}
    assert first["at"].endswith("Z")
    assert second["prev_sha256"] == first["sha256"]
    assert second["data"] == {"blur_px": 24, "greyscale": True}
    kinds = [e["kind"] for e in events]
    assert kinds.count("user.add") == 4 and kinds[-1] == "token.create"
    page = json.loads(audit.cli("audit", "list", "--after-id", "1", "--limit", "3", "--json"))
    assert [e["id"] for e in page] == [2, 3, 4]


def test_api_and_cli_unicode_is_kept_unescaped(audit: Both) -> None:
    assert "rëviewer-ü".encode() in audit.api("/api/audit?limit=1")


def test_audit_list_table_names_each_event(audit: Both) -> None:
    table = audit.cli("audit", "list", "--limit", "2").decode()
    assert "media.reveal" in table and "item:7" in table
    assert "setting.change" in table and "user:rëviewer-ü" in table
    assert "user.add" not in table  # --limit 2: the first two events only

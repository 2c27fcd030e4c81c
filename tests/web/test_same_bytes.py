"""One result model: every resource that the CLI prints with ``--json`` and the web API serves
comes out in the same bytes from both (same context, same frozen clock)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.web.same_bytes import Both, both
from tvec.orders.impossibility import reject_order
from tvec.orders.service import act_on_order, record_order
from tvec.store import Store

NOW = datetime(2026, 11, 3, 10, 30, 15, 250_000, tzinfo=UTC)


def _orders(store: Store) -> None:
    """Three orders: open (received 10 minutes ago), done (acted on), rejected."""
    with store.session() as session:
        for reference, minutes in (("DE-OPEN-1", 10), ("FR/DONE?2", 50), ("EL#REJ-3", 5)):
            record_order(
                session,
                reference=reference,
                authority="Bundeskriminalamt" if reference.startswith("DE") else "Autorité",
                member_state=reference[:2],
                received_at=NOW - timedelta(minutes=minutes),
                urls=[f"https://video.example/v/{reference.lower()}", "https://files.example/x"],
                reasons="Propaganda of a designated group (Crimson Lantern Front), Ünïcödé ✓",
                actor="cli",
                now=NOW,
            )
        act_on_order(
            session, store.settings, "FR/DONE?2", actor="cli", now=NOW - timedelta(minutes=20)
        )
        reject_order(
            session,
            store.settings,
            "EL#REJ-3",
            ground="manifest_error",
            explanation="The URL names no content of ours.",
            actor="cli",
            now=NOW - timedelta(minutes=1),
        )


@pytest.fixture
def orders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Both]:
    with both(tmp_path, monkeypatch, capsys, NOW, _orders) as pair:
        yield pair


@pytest.mark.parametrize(
    ("cli", "api"),
    [
        (("order", "list", "--json"), "/api/orders"),
        (("order", "list", "--status", "all", "--json"), "/api/orders?status=all"),
        (("order", "list", "--status", "done", "--json"), "/api/orders?status=done"),
        (("order", "show", "DE-OPEN-1", "--json"), "/api/orders/DE-OPEN-1"),
        (("order", "show", "FR/DONE?2", "--json"), "/api/orders/FR%2FDONE%3F2"),
        (("order", "show", "EL#REJ-3", "--json"), "/api/orders/EL%23REJ-3"),
    ],
)
def test_cli_json_and_api_answer_are_the_same_bytes(
    orders: Both, cli: tuple[str, ...], api: str
) -> None:
    printed = orders.cli(*cli)
    served = orders.api(api)
    assert printed == served
    assert b'"status": ' in printed  # a real document, not an empty list
    assert b"+00:00" not in printed  # one timestamp format: RFC 3339 with Z


def test_timestamps_are_rfc3339_utc_with_z(orders: Both) -> None:
    shown = orders.api("/api/orders/DE-OPEN-1").decode()
    assert '"received_at": "2026-11-03T10:20:15.250000Z"' in shown
    assert '"deadline_at": "2026-11-03T11:20:15.250000Z"' in shown
    assert '"seconds_left": 3000.0' in shown

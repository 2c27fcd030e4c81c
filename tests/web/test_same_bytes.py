"""One result model: every resource that the CLI prints with ``--json`` and the web API serves
comes out in the same bytes from both (same context, same frozen clock)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.review_data import fast_settings, make_users
from tvec.accounts import create_token
from tvec.app.context import AppContext, open_context
from tvec.cli import context as cli_context
from tvec.cli.app import run
from tvec.orders.impossibility import reject_order
from tvec.orders.service import act_on_order, record_order
from tvec.store import Store, open_store
from tvec.web import create_app

NOW = datetime(2026, 11, 3, 10, 30, 15, 250_000, tzinfo=UTC)


@dataclass
class Both:
    """The CLI (in-process) and the API over one context whose clock stands at :data:`NOW`."""

    ctx: AppContext
    client: TestClient
    capsys: pytest.CaptureFixture[str]

    def cli(self, *args: str) -> bytes:
        cli_context.install(self.ctx)
        self.capsys.readouterr()
        code = run(list(args))
        captured = self.capsys.readouterr()
        assert code == 0, captured.err
        return captured.out.encode("utf-8")

    def api(self, path: str) -> bytes:
        response = self.client.get(path)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        return response.content + b"\n"  # the CLI ends its output with a newline


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
def both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Both]:
    settings = fast_settings(tmp_path / "home", secret_key="test-secret-key-0123456789")
    monkeypatch.setenv("TVEC_HOME", str(settings.home))
    store = open_store(settings)
    _orders(store)
    users = make_users(store)
    with store.session() as session:
        token = create_token(session, users["admin"].username, "same-bytes")
    ctx = open_context(settings, store=store, clock=lambda: NOW)
    client = TestClient(create_app(ctx))
    client.headers["Authorization"] = f"Bearer {token}"
    yield Both(ctx, client, capsys)
    cli_context.install(None)
    store.close()


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
    both: Both, cli: tuple[str, ...], api: str
) -> None:
    printed = both.cli(*cli)
    served = both.api(api)
    assert printed == served
    assert b'"status": ' in printed  # a real document, not an empty list
    assert b"+00:00" not in printed  # one timestamp format: RFC 3339 with Z


def test_timestamps_are_rfc3339_utc_with_z(both: Both) -> None:
    shown = both.api("/api/orders/DE-OPEN-1").decode()
    assert '"received_at": "2026-11-03T10:20:15.250000Z"' in shown
    assert '"deadline_at": "2026-11-03T11:20:15.250000Z"' in shown
    assert '"seconds_left": 3000.0' in shown

"""One result model for removal metrics: ``tvec stats removals --format json`` and
``GET /api/takedowns/metrics`` print the same bytes (same context, same frozen clock)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.alerts.removal_data import at, insert_removals
from tests.alerts.test_metrics import OVERALL
from tests.web.same_bytes import Both, both
from tvec.store import Store

NOW = at("2024-06-01 00:00")


def _removals(store: Store) -> None:
    with store.session() as session:
        insert_removals(session)


@pytest.fixture
def removals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Both]:
    with both(tmp_path, monkeypatch, capsys, NOW, _removals) as pair:
        yield pair


@pytest.mark.parametrize(
    ("cli", "api"),
    [
        (("stats", "removals", "--format", "json"), "/api/takedowns/metrics"),
        (
            ("stats", "removals", "--format", "json", "--since", "2024-02-01"),
            "/api/takedowns/metrics?since=2024-02-01",
        ),
        (
            ("stats", "removals", "--format", "json", "--until", "2024-01-31T12:00:00+01:00"),
            "/api/takedowns/metrics?until=2024-01-31T12:00:00%2B01:00",
        ),
    ],
)
def test_cli_json_and_api_answer_are_the_same_bytes(
    removals: Both, cli: tuple[str, ...], api: str
) -> None:
    printed = removals.cli(*cli)
    served = removals.api(api)
    assert printed == served
    assert b'"alerts_sent": ' in printed  # a real document
    assert b"+00:00" not in printed  # one timestamp format: RFC 3339 with Z


def test_the_document_holds_the_hand_computed_figures_and_z_times(removals: Both) -> None:
    document = json.loads(removals.api("/api/takedowns/metrics"))
    assert document["overall"] == OVERALL
    until = json.loads(removals.api("/api/takedowns/metrics?until=2024-01-31T12:00:00%2B01:00"))
    assert until["period"] == {"since": None, "until": "2024-01-31T11:00:00Z"}
    assert all(u["sent_at"].endswith("Z") for u in document["urls"])

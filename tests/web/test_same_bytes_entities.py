"""One result model for entities: ``tvec entity list|search|show --json`` and
``GET /api/entities[/ID]`` print the same bytes (same context), imported lists included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.web.same_bytes import Both, both
from tvec.app import entities as use
from tvec.app.context import open_context
from tvec.store import Store

DATA = Path(__file__).parent.parent / "data" / "designations"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _imported(store: Store) -> None:
    ctx = open_context(store.settings, store=store, clock=lambda: NOW)
    use.import_list(ctx, "un", DATA / "un.xml", "admin")


@pytest.fixture
def pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Both]:
    with both(tmp_path, monkeypatch, capsys, NOW, _imported) as made:
        yield made


@pytest.mark.parametrize(
    ("cli", "api"),
    [
        (("entity", "list", "--json"), "/api/entities"),
        (("entity", "list", "--json", "--jurisdiction", "UN"), "/api/entities?jurisdiction=UN"),
        (("entity", "search", "Jabhat Fath al-Sham", "--json"),
         "/api/entities?q=Jabhat+Fath+al-Sham"),
        (("entity", "show", "katibat-al-imam-al-bukhari", "--json"),
         "/api/entities/katibat-al-imam-al-bukhari"),
        (("entity", "show", "islamic-state-khorasan", "--json"),
         "/api/entities/islamic-state-khorasan"),
    ],
)  # fmt: skip
def test_cli_json_and_api_answer_are_the_same_bytes(
    pair: Both, cli: tuple[str, ...], api: str
) -> None:
    printed = pair.cli(*cli)
    assert printed == pair.api(api)
    assert json.loads(printed)  # a real answer, not an empty one

"""One result model for statements of reasons: ``tvec sor list --json`` and
``GET /api/statements`` print the same bytes (same context, same frozen clock)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sor.conftest import NOW, seed_decisions
from tests.web.same_bytes import Both, both
from tvec.store import Store


def _seed(store: Store) -> None:
    seed_decisions(store, 4)


@pytest.fixture
def pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Both]:
    with both(tmp_path, monkeypatch, capsys, NOW, _seed) as made:
        yield made


def test_statements_same_bytes(pair: Both) -> None:
    from_api = pair.api("/api/statements")
    from_cli = pair.cli("sor", "list", "--json")
    assert from_cli == from_api
    assert len(json.loads(from_cli)) == 4
    assert pair.cli("sor", "list", "--json", "--state", "pending") == pair.api(
        "/api/statements?state=pending"
    )

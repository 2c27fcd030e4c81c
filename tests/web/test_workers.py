"""``tvec serve --workers N``: each worker (tvec.web.worker.create) opens its own context on
the same database and maps the same index files; a bank change made elsewhere reaches a
running worker's lookups without a full rebuild."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tvec.accounts import create_token
from tvec.accounts.service import add_user
from tvec.app.context import open_context
from tvec.banks import service
from tvec.matching import index_sync
from tvec.matching.pdq_hash import pdq_bytes_to_hex
from tvec.matching.shared import IndexSnapshot
from tvec.settings import load_settings
from tvec.web import worker


def test_a_bank_change_reaches_a_running_worker_without_a_rebuild(
    postgres_server_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import _reset_postgres

    _reset_postgres(postgres_server_url)
    monkeypatch.setenv("TVEC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TVEC_DATABASE_URL", postgres_server_url)
    monkeypatch.setenv("TVEC_INDEX_CHECK_SECONDS", "0")
    monkeypatch.setenv("TVEC_SECRET_KEY", "k" * 40)
    rows = np.random.default_rng(7).integers(0, 256, size=(1001, 32), dtype=np.uint8)
    hashes = [pdq_bytes_to_hex(bytes(r)) for r in rows]
    settings = load_settings()
    admin = open_context(settings)
    first = tmp_path / "first.csv"
    first.write_text(f"pdq,{hashes[0]}\n", encoding="utf-8")
    service.import_bank(admin.store, "b", first, "csv", create=True, actor="test")
    with admin.store.session() as session:
        add_user(session, "viewer", "viewer", "a long enough password 1")
        token = create_token(session, "viewer", "hma-client")
    workers = [worker.create(), worker.create()]
    clients = [TestClient(app, headers={"Authorization": f"Bearer {token}"}) for app in workers]

    def lookup(client: TestClient, value: str) -> list[int]:
        answer = client.get("/m/raw_lookup", params={"signal_type": "pdq", "signal": value})
        assert answer.status_code == 200
        found: list[int] = answer.json()["matches"]
        return found

    assert [len(lookup(c, hashes[0])) for c in clients] == [1, 1]
    assert lookup(clients[1], hashes[500]) == []

    def no_rebuild(db: object) -> IndexSnapshot:
        raise AssertionError("full rebuild")

    monkeypatch.setattr(index_sync, "build_snapshot", no_rebuild)
    more = tmp_path / "more.csv"
    more.write_text("".join(f"pdq,{h}\n" for h in hashes[1:]), encoding="utf-8")
    report = service.import_bank(admin.store, "b", more, "csv", actor="test")
    assert report.added == 1000
    for client in clients:
        assert len(lookup(client, hashes[500])) == 1
        assert len(lookup(client, hashes[1000])) == 1
    service.delete_bank(admin.store, "b", actor="test")
    assert [lookup(c, hashes[500]) for c in clients] == [[], []]
    for app in workers:
        app.state.ctx.app.close()
    admin.close()

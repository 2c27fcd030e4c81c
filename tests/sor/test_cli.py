"""``tvec sor list|show|export|check|submit`` and ``tvec report tco-annual`` on the command
line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tvec.settings import load_settings
from tvec.store import open_store

from .conftest import seed_decisions
from .dsa_server import DsaApi


def test_sor_commands(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dsa_api: DsaApi
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TVEC_OUTBOUND_ALLOW_HOSTS", "127.0.0.1")
    monkeypatch.setenv("TVEC_HTTP_BACKOFF_SECONDS", "0")
    monkeypatch.setenv("TVEC_SOR_SANDBOX_URL", dsa_api.url)
    store = open_store(load_settings(home=tmp_path / "home", progress=False))
    ids = seed_decisions(store, 3)
    store.close()

    listed = cli("sor", "list")
    assert listed.code == 0, listed.err
    assert "3 statement(s) of reasons" in listed.out
    assert f"tvec-decision-{ids[0]}" in listed.out
    rows = json.loads(cli("sor", "list", "--json").out)
    assert [r["state"] for r in rows] == ["pending"] * 3
    shown = cli("sor", "show", f"tvec-decision-{ids[2]}")
    assert "state: pending" in shown.out
    assert "DECISION_GROUND_INCOMPATIBLE_CONTENT" in shown.out
    assert cli("sor", "show", "nope").code == 2

    exported = tmp_path / "statements.json"
    assert cli("sor", "export", "--out", exported).code == 0
    body = json.loads(exported.read_text())
    assert len(body["statements"]) == 3
    assert cli("sor", "check", exported).code == 0
    body["statements"][1]["puid"] = "not valid!"
    del body["statements"][2]["category"]
    exported.write_text(json.dumps(body))
    checked = cli("sor", "check", exported)
    assert checked.code == 2
    assert "statement 1 puid: The puid format is invalid." in checked.out
    assert "statement 2 category: The category field is required." in checked.out
    assert "2 of 3 statement(s)" in checked.err

    # no token: a configuration error naming the settings
    missing = cli("sor", "submit")
    assert missing.code == 2 and "TVEC_SOR_TOKEN" in missing.err
    monkeypatch.setenv("TVEC_SOR_TOKEN", "wrong")
    refused = cli("sor", "submit")
    assert refused.code == 2 and "HTTP 401" in refused.err
    monkeypatch.setenv("TVEC_SOR_TOKEN", dsa_api.token)
    submitted = json.loads(cli("sor", "submit", "--json").out)
    assert (submitted["submitted"], submitted["batches"]) == (3, 1)
    assert submitted["counts"]["submitted"] == 3
    assert json.loads(cli("sor", "list", "--state", "pending", "--json").out) == []


def test_report_tco_annual_command(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(load_settings(home=tmp_path / "home", progress=False))
    seed_decisions(store, 4)
    store.close()
    result = cli("report", "tco-annual", "--year", "2026", "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    figures = {(i["key"], f["label"]): f["value"] for i in report["items"] for f in i["figures"]}
    assert figures[("c", "removed after specific measures (remove decisions)")] == 4
    assert figures[("f", "review proceedings")] is None
    out = tmp_path / "tco.html"
    written = cli("report", "tco-annual", "--year", "2026", "--out", out)
    assert written.code == 0 and "wrote the 2026 TCO annual report (html)" in written.out
    assert "<h1>Transparency report 2026</h1>" in out.read_text()
    assert "secret-channel" not in out.read_text()
    assert cli("report", "tco-annual", "--year", "2026", "--format", "xml").code == 2

"""The demo end to end: generate the demo data, import the bank, scan, replay the takedown
work (examples/demo_takedowns.py), then ``tvec stats removals --format json`` gives the same
numbers as the web app's API and Takedowns page."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.review_data import PASSWORD
from tests.web.test_takedowns import SHOWN, _Tables
from tvec.accounts import add_user
from tvec.app.context import open_context
from tvec.cli import context
from tvec.cli.app import run
from tvec.reports.metrics import display_value
from tvec.settings import load_settings
from tvec.store import open_store
from tvec.store.models.alerts import Alert, Attribution, StatusCheck, Takedown
from tvec.web import create_app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tvec(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    context.reset()
    capsys.readouterr()
    code = run([str(a) for a in args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo folder after make_demo.py (the rest runs in the test, in order)."""
    out = tmp_path_factory.mktemp("demo") / "demo-data"
    _example("make_demo").main(out)
    return out


def test_demo_replay_figures_are_the_same_in_the_cli_the_api_and_the_page(
    demo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = demo / ".tvec"
    monkeypatch.chdir(demo)
    monkeypatch.setenv("TVEC_HOME", str(home))
    monkeypatch.setenv("TVEC_PROGRESS", "false")
    monkeypatch.setenv("TVEC_ANALYSIS_OCR", "false")
    monkeypatch.delenv("TVEC_DATABASE_URL", raising=False)
    _tvec(capsys, "bank", "import", "demo-posters", "bank.csv", "--create")
    _tvec(capsys, "scan", "channel", "posts/posts.jsonl", "unrelated", "--bank", "demo-posters")
    replay = _example("demo_takedowns")
    assert replay.replay(demo) == 0
    printed = capsys.readouterr().out
    assert "22 alerts sent" in printed
    assert "21 removals confirmed" in printed

    settings = load_settings(secret_key="demo-test-secret-key-0123456789")
    store = open_store(settings)
    try:
        with store.session() as session:
            # Every alert went out once, as CSV digests; 21 of 22 links came down.
            assert session.scalar(select(func.count()).select_from(Alert)) == 22
            assert set(session.scalars(select(Alert.status))) == {"sent"}
            assert set(session.scalars(select(Alert.entity))) == {"crimson-lantern-front"}
            methods = dict(
                session.execute(
                    select(Attribution.method, func.count()).group_by(Attribution.method)
                ).all()
            )
            assert methods == {"person": 16, "rule": 8}
            assert not session.scalar(
                select(func.count())
                .select_from(Attribution)
                .where(Attribution.outlink.has(url="https://rumble.com/"))
            )
            states = dict(
                session.execute(select(Takedown.state, func.count()).group_by(Takedown.state)).all()
            )
            assert states == {"removed": 21, "tracking": 1}
            routes = set(
                session.scalars(select(StatusCheck.route).where(StatusCheck.route.is_not(None)))
            )
            assert routes == {"http_404", "http_410", "login_redirect", "home_redirect", "marker"}
            flaky = session.scalars(
                select(StatusCheck).where(StatusCheck.result == "unreachable")
            ).all()
            assert [(c.http_status, c.final_url) for c in flaky] == [
                (503, "https://archive.org/details/clf-m08")
            ]
        digests = sorted((demo / "alerts").glob("*.csv"))
        rows = [
            row
            for path in digests
            for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
        ]
        assert len(rows) == 22

        from_cli = json.loads(_tvec(capsys, "stats", "removals", "--format", "json"))
        assert from_cli["overall"]["alerts_sent"] == 22
        assert from_cli["overall"]["removed"] == 21
        assert from_cli["overall"]["still_online"] == 1
        assert [row["key"] for row in from_cli["by"]["month"]] == ["2026-09", "2026-10", "2026-11"]

        with store.session() as session:
            add_user(session, "demo-viewer", "viewer", PASSWORD)
        client = TestClient(create_app(open_context(settings, store=store)))
        page_login = client.get("/login").text
        token = page_login.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        client.post(
            "/login",
            data={"username": "demo-viewer", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert client.get("/api/takedowns/metrics").json() == from_cli
        page = client.get("/takedowns")
        assert page.status_code == 200
        parsed = _Tables()
        parsed.feed(page.text)
        expected = {"overall": {"all": from_cli["overall"]}} | {
            f"table-{dim}": {row["key"]: row for row in rows}
            for dim, rows in from_cli["by"].items()
        }
        assert set(parsed.tables) == set(expected)
        for table, rows_by_key in expected.items():
            assert set(parsed.tables[table]) == set(rows_by_key), table
            for key, row in rows_by_key.items():
                for field in SHOWN:
                    value, text = parsed.tables[table][key][field]
                    assert value == row[field], (table, key, field)
                    assert text == display_value(field, row[field]), (table, key, field)
        # A second replay on the same database changes nothing.
        assert replay.replay(demo) == 0
        assert "has run on this demo database already" in capsys.readouterr().out
        assert json.loads(_tvec(capsys, "stats", "removals", "--format", "json")) == from_cli
    finally:
        store.close()

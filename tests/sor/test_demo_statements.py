"""The demo's scan path, every case then removed (on each ground kind): 100% of the remove
decisions produce a statement of reasons that the local validator accepts, with no personal
data, and the local DSA API takes them all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.alerts.test_demo_replay import _example, _tvec
from tests.review_data import PASSWORD
from tvec.accounts import Principal, add_user
from tvec.app import review
from tvec.app import sor as use
from tvec.app.context import open_context
from tvec.cases import DecisionRequest
from tvec.cases.queue import QueueFilter
from tvec.sor.schema import validate

from .conftest import NOW, sor_settings
from .dsa_server import DsaApi


def test_every_demo_removal_makes_a_valid_statement(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    dsa_api: DsaApi,
) -> None:
    demo = tmp_path / "demo-data"
    _example("make_demo").main(demo)
    home = demo / ".tvec"
    monkeypatch.chdir(demo)
    monkeypatch.setenv("TVEC_HOME", str(home))
    monkeypatch.setenv("TVEC_PROGRESS", "false")
    monkeypatch.setenv("TVEC_ANALYSIS_OCR", "false")
    monkeypatch.delenv("TVEC_DATABASE_URL", raising=False)
    _tvec(capsys, "bank", "import", "demo-posters", "bank.csv", "--create")
    _tvec(capsys, "scan", "channel", "posts/posts.jsonl", "unrelated", "--bank", "demo-posters")

    ctx = open_context(sor_settings(home, sor_sandbox_url=dsa_api.url), clock=lambda: NOW)
    try:
        with ctx.write() as session:
            account = add_user(session, "demo-admin", "admin", PASSWORD)
            admin = Principal(account.id, account.username, account.role)
        cases = review.queue_page(ctx, QueueFilter(), limit=500).cases
        assert len(cases) >= 4
        kinds: dict[str, int] = {}
        registry = ctx.entities()
        for number, row in enumerate(cases):
            case = review.show_case(ctx, row.id)
            offered = review.grounds(case, ctx.settings.tos_grounds, registry)
            designations = [v for v, _ in offered if v.startswith("designated_entity|")]
            choice = designations[0] if designations and number % 2 == 0 else None
            choice = choice or next(v for v, _ in offered if v.startswith("tos|"))
            kind, _, ground = choice.partition("|")
            kinds[kind] = kinds.get(kind, 0) + 1
            review.decide(
                ctx,
                row.id,
                admin,
                DecisionRequest(outcome="remove", ground_kind=kind, ground=ground),
            )
        assert set(kinds) == {"designated_entity", "tos"}, kinds
        statements = use.list_statements(ctx)
        assert len(statements) == len(cases)
        assert all(validate(s.statement) == {} for s in statements)
        grounds = {s.statement["decision_ground"] for s in statements}
        assert grounds == {
            "DECISION_GROUND_ILLEGAL_CONTENT",
            "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        }
        text = json.dumps([s.statement for s in statements])
        for locator in ("http", "demo-admin", "posts.jsonl", "t.me"):
            assert locator not in text
        result = use.submit(ctx)
        assert (result.submitted, result.rejected, result.stopped) == (len(cases), 0, None)
    finally:
        ctx.close()

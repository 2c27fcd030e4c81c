"""Statements of reasons: made from every remove decision, accepted by the local validator,
and submitted to a local DSA API (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from tvec.app import sor as use
from tvec.app.context import AppContext, open_context
from tvec.errors import ConfigError, FetchError
from tvec.sor.schema import validate
from tvec.store import open_store
from tvec.store.models import AuditEvent, StatementOfReasons

from .conftest import KINDS, NOW, PERSONAL, seed_decisions, sor_settings
from .dsa_server import DsaApi

ROOT = Path(__file__).resolve().parents[2]


def test_every_remove_decision_makes_a_valid_statement(sor_ctx: AppContext) -> None:
    ids = seed_decisions(sor_ctx.store, 2 * len(KINDS))
    views = use.list_statements(sor_ctx)
    assert [v.decision_id for v in views] == ids  # no statement for no_violation/escalate
    for view in views:
        assert validate(view.statement) == {}, view.puid
        text = json.dumps(view.statement)
        for word in PERSONAL:
            assert word not in text
        assert view.statement["category"] == "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY"
        assert view.statement["category_specification"] == ["KEYWORD_TERRORIST_CONTENT"]
        assert view.statement["application_date"] == "2026-11-15"
    by_id = {v.decision_id: v.statement for v in views}
    first, second, third, fourth, fifth, sixth = (by_id[i] for i in ids[:6])
    assert first["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert "UN-QDe (UN, 2014-05-22)" in first["illegal_content_explanation"]
    assert first["content_type"] == ["CONTENT_TYPE_IMAGE"]
    assert first["automated_detection"] == "Yes"
    assert first["content_language"] == "EN"
    assert first["content_date"] == "2026-10-31"  # collected_at: no posted_at
    assert second["content_date"] == "2026-10-20"  # posted_at
    assert second["content_type"] == ["CONTENT_TYPE_TEXT"]
    assert third["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert third["incompatible_content_ground"] == "ToS 4.1 terrorist content"
    assert "illegal_content_legal_ground" not in third
    assert third["content_type"] == ["CONTENT_TYPE_VIDEO"]
    assert fourth["source_type"] == "SOURCE_TRUSTED_FLAGGER"
    assert fourth["automated_detection"] == "No"
    assert fourth["content_type"] == ["CONTENT_TYPE_AUDIO"]
    assert "content_language" not in fourth
    assert fifth["content_type"] == ["CONTENT_TYPE_OTHER"]
    assert fifth["content_type_other"] == "File"
    assert "content_language" not in fifth  # "xx" is not a language
    assert sixth["source_type"] == "SOURCE_VOLUNTARY"
    # listing again makes nothing new
    assert len(use.list_statements(sor_ctx)) == len(ids)


def _states(ctx: AppContext) -> dict[str, str]:
    return {v.puid: v.state for v in use.list_statements(ctx)}


def test_submits_in_batches_of_100_once_each(sor_ctx: AppContext, dsa_api: DsaApi) -> None:
    seed_decisions(sor_ctx.store, 250, others=False)
    result = use.submit(sor_ctx)
    assert (result.batches, result.submitted, result.stopped) == (3, 250, None)
    assert [len(b) for b in dsa_api.posted] == [100, 100, 50]
    assert len(dsa_api.sent_puids()) == len(set(dsa_api.sent_puids())) == 250
    views = use.list_statements(sor_ctx)
    assert {v.state for v in views} == {"submitted"}
    assert all(v.uuid == dsa_api.held[v.puid]["uuid"] for v in views)
    again = use.submit(sor_ctx)
    assert (again.batches, again.submitted) == (0, 0)
    assert len(dsa_api.sent_puids()) == 250
    with sor_ctx.read() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "sor.submit").order_by(AuditEvent.id)
        ).all()
        assert [
            (e.actor, e.data["statements"], e.data["submitted"], e.data["status"]) for e in events
        ] == [("cli", 100, 100, 201), ("cli", 100, 100, 201), ("cli", 50, 50, 201)]


def test_5xx_is_retried(sor_ctx: AppContext, dsa_api: DsaApi) -> None:
    seed_decisions(sor_ctx.store, 3, others=False)
    dsa_api.fail_next = 2  # http_retries is 2: the third attempt succeeds
    result = use.submit(sor_ctx)
    assert (result.submitted, result.stopped) == (3, None)
    assert len(dsa_api.posted) == 3


def test_a_lost_answer_is_retried_and_the_duplicate_422_counts_as_submitted(
    sor_ctx: AppContext, dsa_api: DsaApi
) -> None:
    seed_decisions(sor_ctx.store, 3, others=False)
    dsa_api.drop_after_store = 1  # stored, then the connection drops: tvec.net retries
    result = use.submit(sor_ctx)
    assert (result.submitted, result.duplicates, result.stopped) == (0, 3, None)
    assert len(dsa_api.posted) == 2 and len(dsa_api.held) == 3  # created once
    assert set(_states(sor_ctx).values()) == {"submitted"}


def test_an_unresolvable_host_sends_nothing_and_keeps_statements_pending(
    db_url: str, tmp_path: Path
) -> None:
    settings = sor_settings(
        tmp_path / "home", database_url=db_url, sor_sandbox_url="http://sor.invalid"
    )
    ctx = open_context(settings, clock=lambda: NOW)
    try:
        seed_decisions(ctx.store, 2, others=False)
        with pytest.raises(FetchError):
            use.submit(ctx)
        assert set(_states(ctx).values()) == {"pending"}
    finally:
        ctx.close()


def test_5xx_after_retries_keeps_the_batch_unresolved_then_resumes(
    sor_ctx: AppContext, dsa_api: DsaApi
) -> None:
    seed_decisions(sor_ctx.store, 3, others=False)
    dsa_api.fail_next = 3
    result = use.submit(sor_ctx)
    assert result.stopped is not None and "HTTP 503" in result.stopped
    assert set(_states(sor_ctx).values()) == {"submitting"}
    result = use.submit(sor_ctx)
    assert (result.checked, result.found, result.submitted) == (3, 0, 3)
    assert set(_states(sor_ctx).values()) == {"submitted"}


def test_422_keeps_the_api_field_errors_and_sends_the_rest(
    sor_ctx: AppContext, dsa_api: DsaApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_decisions(sor_ctx.store, 4, others=False)
    use.make_statements(sor_ctx)
    # a statement the local validator passes but the API refuses (its rules changed)
    with sor_ctx.write() as session:
        row = session.scalars(select(StatementOfReasons).order_by(StatementOfReasons.id)).all()[1]
        row.payload = {**row.payload, "category": "STATEMENT_CATEGORY_FUTURE"}
        bad = row.puid
    monkeypatch.setattr("tvec.sor.outbox.validate", lambda statement: {})
    result = use.submit(sor_ctx)
    assert (result.submitted, result.rejected, result.batches) == (3, 1, 2)
    view = use.show_statement(sor_ctx, bad)
    assert view.state == "rejected"
    assert view.errors == {"api": {"category": ["The selected category is invalid."]}}


def test_local_validator_refuses_before_sending(sor_ctx: AppContext, dsa_api: DsaApi) -> None:
    seed_decisions(sor_ctx.store, 2, others=False)
    use.make_statements(sor_ctx)
    with sor_ctx.write() as session:
        row = session.scalars(select(StatementOfReasons)).first()
        assert row is not None
        row.payload = {**row.payload, "puid": "bad puid"}
        bad = row.puid
    result = use.submit(sor_ctx)
    assert (result.submitted, result.rejected) == (1, 1)
    assert use.show_statement(sor_ctx, bad).errors == {
        "local": {"puid": ["The puid format is invalid."]}
    }
    assert bad not in dsa_api.sent_puids()


def test_401_stops_and_keeps_statements_pending(
    db_url: str, tmp_path: Path, dsa_api: DsaApi
) -> None:
    settings = sor_settings(
        tmp_path / "home", database_url=db_url, sor_sandbox_url=dsa_api.url, sor_token="wrong"
    )
    ctx = open_context(settings, clock=lambda: NOW)
    try:
        seed_decisions(ctx.store, 2, others=False)
        result = use.submit(ctx)
        assert result.stopped is not None and "HTTP 401" in result.stopped
        assert "token was refused" in result.stopped
        assert set(_states(ctx).values()) == {"pending"}
    finally:
        ctx.close()


def test_token_from_a_file_and_missing_settings(
    db_url: str, tmp_path: Path, dsa_api: DsaApi
) -> None:
    token_file = tmp_path / "token.txt"
    token_file.write_text(dsa_api.token + "\n")
    settings = sor_settings(
        tmp_path / "home",
        database_url=db_url,
        sor_token=None,
        sor_auth_file=token_file,
        sor_sandbox_url=dsa_api.url,
    )
    ctx = open_context(settings, clock=lambda: NOW)
    try:
        seed_decisions(ctx.store, 1, others=False)
        assert use.submit(ctx).submitted == 1
    finally:
        ctx.close()
    for overrides, words in (
        ({"sor_token": None}, "TVEC_SOR_TOKEN"),
        ({"sor_sandbox_url": None}, "TVEC_SOR_SANDBOX_URL"),
    ):
        values: dict[str, object] = {"database_url": db_url, "sor_sandbox_url": dsa_api.url}
        values.update(overrides)
        ctx = open_context(sor_settings(tmp_path / "home", **values), clock=lambda: NOW)
        try:
            with pytest.raises(ConfigError, match=words):
                use.submit(ctx)
        finally:
            ctx.close()


def test_a_duplicate_puid_422_counts_as_submitted(sor_ctx: AppContext, dsa_api: DsaApi) -> None:
    seed_decisions(sor_ctx.store, 5, others=False)
    assert use.submit(sor_ctx).submitted == 5
    # tvec lost its record of two of them (a restored backup): the API refuses them as
    # duplicates, tvec records them as submitted and sends the others
    seed_decisions(sor_ctx.store, 3, others=False, start=100)
    with sor_ctx.write() as session:
        first_two = session.scalars(
            select(StatementOfReasons.id).order_by(StatementOfReasons.id).limit(2)
        ).all()
        session.execute(
            update(StatementOfReasons)
            .where(StatementOfReasons.id.in_(first_two))
            .values(state="pending", uuid=None)
        )
    result = use.submit(sor_ctx)
    assert (result.duplicates, result.submitted) == (2, 3)
    assert set(_states(sor_ctx).values()) == {"submitted"}
    assert len(dsa_api.held) == 8


class _KillAfterAnswer(httpx.HTTPTransport):
    """Lets the first POST reach the server, then dies before tvec sees the answer."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.method == "POST":
            response.close()
            raise _Killed
        return response


class _Killed(BaseException):
    pass


def test_a_killed_submission_resumes_without_sending_twice(
    db_url: str, tmp_path: Path, dsa_api: DsaApi
) -> None:
    settings = sor_settings(tmp_path / "home", database_url=db_url, sor_sandbox_url=dsa_api.url)
    store = open_store(settings)
    seed_decisions(store, 150, others=False)
    killed = open_context(settings, store=store, clock=lambda: NOW, transport=_KillAfterAnswer())
    with pytest.raises(_Killed):
        use.submit(killed)
    assert len(dsa_api.held) == 100  # the API took the first batch
    states = _states(killed)
    assert sum(1 for s in states.values() if s == "submitting") == 100
    ctx = open_context(settings, store=store, clock=lambda: NOW)
    try:
        result = use.submit(ctx)
        assert (result.checked, result.found, result.submitted) == (100, 100, 50)
        sent = dsa_api.sent_puids()
        assert len(sent) == len(set(sent)) == 150
        assert set(_states(ctx).values()) == {"submitted"}
    finally:
        ctx.close()


def test_a_sigkilled_cli_submission_resumes_without_sending_twice(
    db_url: str, tmp_path: Path, dsa_api: DsaApi
) -> None:
    home = tmp_path / "home"
    settings = sor_settings(home, database_url=db_url, sor_sandbox_url=dsa_api.url)
    store = open_store(settings)
    seed_decisions(store, 150, others=False)
    store.close()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "TVEC_HOME": str(home),
        "TVEC_DATABASE_URL": db_url,
        "TVEC_OUTBOUND_ALLOW_HOSTS": "127.0.0.1",
        "TVEC_SOR_SANDBOX_URL": dsa_api.url,
        "TVEC_SOR_TOKEN": dsa_api.token,
        "TVEC_HTTP_BACKOFF_SECONDS": "0",
        "TVEC_PROGRESS": "false",
    }
    dsa_api.hold_after_store = True
    log = tmp_path / "stderr.txt"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "tvec", "sor", "submit"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        assert dsa_api.stored_event.wait(60), log.read_text()
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    dsa_api.hold_after_store = False
    dsa_api.release.set()
    assert len(dsa_api.held) == 100
    again = subprocess.run(
        [sys.executable, "-m", "tvec", "sor", "submit", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert (result["checked"], result["found"], result["submitted"]) == (100, 100, 50)
    sent = dsa_api.sent_puids()
    assert len(sent) == len(set(sent)) == 150
    assert result["counts"]["submitted"] == 150

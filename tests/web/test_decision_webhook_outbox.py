"""Issue 14 part 1: a decision can be undone while it has not left tvec, also when the
decision webhook is configured. Its webhook event waits in the outbox
(:mod:`tvec.cases.webhooks`) until ``TVEC_UNDO_SECONDS`` have passed; an undone decision is
never sent. The webhook is a pytest-httpserver."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from tests.review_data import fast_settings, make_users, scan_sample
from tests.web.conftest import login
from tvec.app import review
from tvec.app.context import AppContext, open_context
from tvec.cases import webhooks
from tvec.clock import utcnow
from tvec.store import Store, open_store
from tvec.store.models import AuditEvent, DecisionWebhook
from tvec.web import create_app

UNDO = 30
REMOVE = {"outcome": "remove", "ground_kind": "tos", "ground": "ToS 4.1 terrorist content"}


@dataclass
class Hooked:
    """An app whose webhook is ``server``, with a clock ``skew`` seconds ahead of real time."""

    ctx: AppContext
    store: Store
    server: HTTPServer
    client: TestClient
    token: str
    skew: list[float]

    def decide(self, case_id: int, body: dict[str, str]) -> int:
        response = self.client.post(
            f"/api/cases/{case_id}/decision", json=body, headers={"X-CSRF-Token": self.token}
        )
        assert response.status_code == 200, response.text
        return int(response.json()["id"])

    def undo(self, decision_id: int) -> int:
        return self.client.post(
            f"/api/decisions/{decision_id}/undo", headers={"X-CSRF-Token": self.token}
        ).status_code

    def received(self) -> list[dict[str, object]]:
        return [json.loads(request.get_data()) for request, _ in self.server.log]

    def outbox(self) -> list[tuple[int, str]]:
        with self.store.session() as session:
            rows = session.execute(
                select(DecisionWebhook.decision_id, DecisionWebhook.state).order_by(
                    DecisionWebhook.id
                )
            )
            return [(int(d), str(s)) for d, s in rows]


def _hooked(tmp_path: Path, server: HTTPServer, undo_seconds: int) -> Hooked:
    server.expect_request("/hook", method="POST").respond_with_data("ok")
    settings = fast_settings(
        tmp_path / "home",
        secret_key="k" * 32,
        webhook_url=server.url_for("/hook"),
        webhook_secret="hook-secret",
        webhook_retries=0,
        outbound_allow_hosts=["127.0.0.1", "localhost"],
        undo_seconds=undo_seconds,
    )
    store = open_store(settings)
    scan_sample(store, tmp_path)
    make_users(store)
    skew = [0.0]

    def clock() -> datetime:
        return utcnow() + timedelta(seconds=skew[0])

    ctx = open_context(settings, store=store, clock=clock)
    client = TestClient(create_app(ctx))
    return Hooked(ctx, store, server, client, login(client, "moderator"), skew)


@pytest.fixture
def hooked(tmp_path: Path, httpserver: HTTPServer) -> Iterator[Hooked]:
    env = _hooked(tmp_path, httpserver, UNDO)
    yield env
    env.client.close()
    env.store.close()


def test_an_undone_decision_never_reaches_the_webhook(hooked: Hooked) -> None:
    first = hooked.decide(1, REMOVE)
    assert hooked.outbox() == [(first, "pending")]
    assert hooked.received() == []  # the response and its background task sent nothing
    assert hooked.undo(first) == 200  # undo works although a webhook is configured
    assert hooked.outbox() == []
    hooked.skew[0] = UNDO + 1
    assert review.deliver_due_decisions(hooked.ctx) == 0
    assert hooked.received() == []


def test_a_decision_is_sent_once_its_undo_window_has_passed(hooked: Hooked) -> None:
    decision = hooked.decide(2, {"outcome": "no_violation"})
    assert review.deliver_due_decisions(hooked.ctx) == 0  # still in its undo window
    hooked.skew[0] = UNDO + 1
    assert review.deliver_due_decisions(hooked.ctx) == 1
    [event] = hooked.received()
    assert (event["event"], event["decision_id"], event["outcome"]) == (
        "decision",
        decision,
        "no_violation",
    )
    assert hooked.outbox() == [(decision, "sent")]
    assert review.deliver_due_decisions(hooked.ctx) == 0  # never twice
    assert len(hooked.received()) == 1
    with hooked.store.session() as session:
        audited = session.scalars(
            select(AuditEvent.data).where(AuditEvent.kind == "webhook.delivery")
        ).all()
    assert audited == [
        {"event": "decision", "delivered": True, "attempts": 1, "status": 200, "error": None}
    ]


def test_an_event_claimed_by_a_deliverer_blocks_the_undo(hooked: Hooked) -> None:
    decision = hooked.decide(1, REMOVE)
    with hooked.store.session() as session:  # a deliverer whose clock is ahead claims it
        assert webhooks.claim_due(session, utcnow() + timedelta(seconds=UNDO + 1)) == [decision]
    assert hooked.undo(decision) == 409
    answer = hooked.client.post(
        f"/api/decisions/{decision}/undo", headers={"X-CSRF-Token": hooked.token}
    ).json()
    assert "handed to the webhook (sending)" in answer["detail"]
    # a claim whose deliverer died is taken again after CLAIM_SECONDS, and sent once
    hooked.skew[0] = webhooks.CLAIM_SECONDS + UNDO + 5
    assert review.deliver_due_decisions(hooked.ctx) == 1
    assert [e["decision_id"] for e in hooked.received()] == [decision]


def test_a_failed_delivery_is_recorded(tmp_path: Path, httpserver: HTTPServer) -> None:
    env = _hooked(tmp_path, httpserver, UNDO)
    httpserver.clear()
    httpserver.expect_request("/hook", method="POST").respond_with_data("no", status=400)
    try:
        decision = env.decide(1, REMOVE)
        env.skew[0] = UNDO + 1
        assert review.deliver_due_decisions(env.ctx) == 0
        assert env.outbox() == [(decision, "failed")]
        with env.store.session() as session:
            row = session.scalars(select(DecisionWebhook)).one()
            assert row.attempts == 1 and row.error and "400" in row.error
    finally:
        env.client.close()
        env.store.close()


def test_the_web_apps_background_thread_delivers_due_events(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    env = _hooked(tmp_path, httpserver, 1)
    try:
        with TestClient(env.client.app) as running:  # the lifespan starts the outbox thread
            token = login(running, "moderator")
            response = running.post(
                "/api/cases/1/decision", json=REMOVE, headers={"X-CSRF-Token": token}
            )
            assert response.status_code == 200
            decision = response.json()["id"]
            for _ in range(200):  # the thread looks every 2 s; give a loaded machine time
                if env.received():
                    break
                time.sleep(0.1)
            assert [e["decision_id"] for e in env.received()] == [decision]
        assert env.outbox() == [(decision, "sent")]
    finally:
        env.client.close()
        env.store.close()

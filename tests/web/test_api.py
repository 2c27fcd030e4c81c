"""The JSON API: OpenAPI validity, schemathesis fuzzing (bounded), and a full decision
flow by API token with the signed webhook delivered to a local server."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from tests.review_data import fast_settings, make_users, scan_sample
from tests.web.conftest import WebEnv
from tvec.accounts import create_token
from tvec.app.context import open_context
from tvec.audit import verify_chain
from tvec.store import open_store
from tvec.store.models.audit import AuditEvent
from tvec.web import create_app


def test_openapi_document_validates(web: WebEnv) -> None:
    document = web.app.openapi()
    validate(document)
    paths = set(document["paths"])
    assert {"/api/cases", "/api/cases/{case_id}/decision", "/m/raw_lookup", "/h/hash"} <= paths
    assert not any(p in paths for p in ("/login", "/queue", "/cases/{case_id}"))  # pages


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, str]]:
    """One app for the whole fuzzing run, with an admin API token."""
    home = tmp_path_factory.mktemp("fuzz")
    store = open_store(fast_settings(home / "home", secret_key="fuzz-secret-0123456789"))
    scan_sample(store, home)
    make_users(store)
    with store.session() as session:
        token = create_token(session, "admin", "fuzz")
    yield create_app(open_context(store.settings, store=store)), token
    store.close()


#: Checks of every generated request: no server error, and the answer conforms to the
#: OpenAPI document (documented status, media type, headers and body schema).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
#: Examples per operation (bounded for CI; ``TVEC_API_EXAMPLES`` to run more locally).
API_EXAMPLES = int(os.environ.get("TVEC_API_EXAMPLES", "12"))


def test_api_has_no_server_errors_and_conforms_to_its_schema(
    fuzz_app: tuple[FastAPI, str],
) -> None:
    """schemathesis generates requests for every operation of the OpenAPI document and
    checks each answer against it (issue 16: 0 server errors, answers as documented)."""
    app, token = fuzz_app
    api = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 21
    failures: list[str] = []
    cases: Counter[str] = Counter()
    for operation in operations:

        @settings(
            max_examples=API_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            cases[case.operation.label] += 1
            response = case.call(headers={"Authorization": f"Bearer {token}"}, timeout=300)
            try:
                case.validate_response(response, checks=CHECKS)
            except (AssertionError, BaseExceptionGroup) as exc:
                failures.append(f"{case.method} {case.formatted_path}: {exc}"[:2000])

        check()
    assert failures == []
    assert set(cases) == {o.label for o in operations}  # every operation was exercised


def test_answers_of_no_route_have_the_documented_error_shape(
    fuzz_app: tuple[FastAPI, str],
) -> None:
    """Found by schemathesis: a reference no route matches (``/api/orders/%0A%2B...``) got
    Starlette's ``{"detail": "Not Found"}``, not the documented ``Error`` (no ``kind``)."""
    app, token = fuzz_app
    client = TestClient(app)
    auth = {"Authorization": f"Bearer {token}"}
    found = client.get("/api/orders/%0A%2B%F0%A1%84%B8%C2%8A", headers=auth)
    assert found.status_code == 404 and found.json()["kind"] == "not_found"
    assert found.json()["detail"].startswith("There is no page at /api/orders/")
    wrong = client.delete("/api/cases", headers=auth)
    assert wrong.status_code == 405 and wrong.json()["kind"] == "method_not_allowed"
    assert "allow" in wrong.headers
    hma = client.get("/m/nowhere", headers=auth)
    assert (hma.status_code, hma.json()) == (404, {"message": "There is no page at /m/nowhere."})
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "kind" not in page.text  # pages keep their own shape


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Hook.received.append((dict(self.headers), self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return


@pytest.fixture
def hook_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    _Hook.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


def test_decision_flow_by_api_with_signed_webhook(tmp_path: Path, hook_server: str) -> None:
    settings_ = fast_settings(
        tmp_path / "home",
        secret_key="k" * 32,
        webhook_url=hook_server,
        webhook_secret="hook-secret",
        outbound_allow_hosts=["127.0.0.1"],
        undo_seconds=0,  # no undo window: each decision is sent right after its response
    )
    store = open_store(settings_)
    scan_sample(store, tmp_path)
    make_users(store)
    with store.session() as session:
        mod = create_token(session, "moderator", "mod-client")
        ana = create_token(session, "analyst", "ana-client")
    app = create_app(open_context(settings_, store=store))
    as_mod = TestClient(app, headers={"Authorization": f"Bearer {mod}"})
    as_ana = TestClient(app, headers={"Authorization": f"Bearer {ana}"})
    queue = as_mod.get("/api/cases").json()
    assert [c["priority"] for c in queue["cases"]] == sorted(
        (c["priority"] for c in queue["cases"]), reverse=True
    )
    top = queue["cases"][0]
    case = as_mod.get(f"/api/cases/{top['id']}").json()
    assert case["priority_parts"]["priority"] == case["priority"] == 8.0
    assert {e["kind"] for e in case["evidence"]} == {"exact_hash", "near_hash"}
    missing_ground = as_mod.post(f"/api/cases/{top['id']}/decision", json={"outcome": "remove"})
    assert missing_ground.status_code == 400 and "policy ground" in missing_ground.json()["detail"]
    decided = as_mod.post(
        f"/api/cases/{top['id']}/decision",
        json={"outcome": "remove", "ground_kind": "tos", "ground": "ToS 4.1 terrorist content"},
    )
    assert decided.status_code == 200, decided.text
    decision = decided.json()
    again = as_mod.post(f"/api/cases/{top['id']}/decision", json={"outcome": "no_violation"})
    assert again.status_code == 409
    appeal = as_mod.post(
        f"/api/decisions/{decision['id']}/appeal", json={"reason": "satire", "on_behalf_of": "@u"}
    )
    assert appeal.status_code == 200 and appeal.json()["status"] == "pending"
    same = as_mod.post(f"/api/appeals/{appeal.json()['id']}/resolve", json={"outcome": "overturn"})
    assert same.status_code == 403  # moderators may not resolve appeals
    resolved = as_ana.post(
        f"/api/appeals/{appeal.json()['id']}/resolve", json={"outcome": "overturn"}
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "overturned"
    final = as_ana.get(f"/api/cases/{top['id']}").json()
    assert final["status"] == "closed"
    assert final["decisions"][0]["appeals"][0]["status"] == "overturned"
    other = queue["cases"][1]["id"]
    bulk = as_mod.post(
        "/api/cases/bulk-decision", json={"case_ids": [other], "outcome": "escalate"}
    )
    assert bulk.status_code == 200 and bulk.json()[0]["outcome"] == "escalate"
    # webhook: decision, appeal, bulk decision; each body signed with HMAC-SHA256
    events = []
    for headers, body in _Hook.received:
        expected = "sha256=" + hmac.new(b"hook-secret", body, hashlib.sha256).hexdigest()
        assert headers["X-Tvec-Signature"] == expected
        events.append(json.loads(body))
    assert [(e["event"], e["outcome"]) for e in events] == [
        ("decision", "remove"),
        ("appeal", "remove"),
        ("decision", "escalate"),
    ]
    assert events[1]["appeal_outcome"] == "overturned"
    with store.session() as session:
        kinds = list(session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)))
        assert verify_chain(session).ok
        actors = set(session.scalars(select(AuditEvent.actor)))
    assert kinds.count("webhook.delivery") == 3
    assert "moderator (token:mod-client)" in actors
    as_mod.close()
    as_ana.close()
    store.close()

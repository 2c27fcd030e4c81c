"""Statements of reasons in the web app: ``/reports/statements`` and ``/api/statements``,
and who may see them."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.sor.conftest import seed_decisions
from tests.web.conftest import WebEnv


def test_statements_page_lists_each_removal_with_its_state(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    ids = seed_decisions(web.store, 3)
    client, _ = client_for("moderator")
    page = client.get("/reports/statements").text
    assert "3 pending, 0 unresolved, 0 submitted, 0 rejected" in page
    for decision_id in ids:
        assert f"tvec-decision-{decision_id}" in page
    assert "Jane Example" not in page and "secret-channel" not in page
    rows = client.get("/api/statements").json()
    assert [r["decision_id"] for r in rows] == ids
    assert {r["state"] for r in rows} == {"pending"}
    assert client.get("/api/statements", params={"state": "submitted"}).json() == []
    assert client.get("/api/statements", params={"state": "bogus"}).status_code == 400
    viewer, _ = client_for("viewer")
    assert viewer.get("/reports/statements").status_code == 403
    assert viewer.get("/api/statements").status_code == 403


def test_statements_need_a_login_and_are_never_cached(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    with TestClient(web.app) as anonymous:
        page = anonymous.get("/reports/statements", follow_redirects=False)
        assert (page.status_code, page.headers["location"]) == (303, "/login")
        assert anonymous.get("/api/statements").status_code == 401
    client, _ = client_for("analyst")
    for path in ("/reports/statements", "/api/statements"):
        response = client.get(path)
        assert response.status_code == 200
        assert "no-store" in response.headers["cache-control"]

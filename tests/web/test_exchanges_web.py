"""The Exchanges page and its "fetch now" button: who may see and fetch, CSRF, the audit."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.web.conftest import WebEnv
from tvec.app.context import open_context
from tvec.app.exchanges import create_exchange
from tvec.store.models import AuditEvent


def _exchange(web: WebEnv, tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("https://a.example/1\nhttps://a.example/2\n", encoding="utf-8")
    ctx = open_context(web.store.settings, store=web.store)
    create_exchange(ctx, "urls", "file", {"path": str(path), "format": "lines"}, actor="test")


def test_the_page_shows_exchanges_and_a_senior_role_fetches_now(
    web: WebEnv,
    client_for,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    _exchange(web, tmp_path)
    client, token = client_for("analyst")
    page = client.get("/exchanges")
    assert page.status_code == 200
    assert 'id="exchange-urls"' in page.text and "Fetch now" in page.text
    assert client.post("/exchanges/urls/fetch", data={"csrf_token": "wrong"}).status_code == 403
    done = client.post("/exchanges/urls/fetch", data={"csrf_token": token})
    assert done.status_code == 200
    assert "Fetched urls: 1 page(s), 2 added" in done.text
    listed = client.get("/api/exchanges").json()
    assert [(e["name"], e["entries"], e["state"]) for e in listed] == [("urls", 2, "ok")]
    with web.store.session() as session:
        fetched = [
            (e.actor, e.target)
            for e in session.scalars(select(AuditEvent).where(AuditEvent.kind == "exchange.fetch"))
        ]
    assert fetched == [("analyst", "exchange:urls")]


def test_a_moderator_sees_the_page_without_the_button_and_may_not_fetch(
    web: WebEnv,
    client_for,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    _exchange(web, tmp_path)
    client, token = client_for("moderator")
    page = client.get("/exchanges")
    assert page.status_code == 200 and 'id="exchange-urls"' in page.text
    assert "Fetch now" not in page.text
    refused = client.post("/exchanges/urls/fetch", data={"csrf_token": token})
    assert refused.status_code == 403
    viewer, _ = client_for("viewer")
    assert viewer.get("/exchanges").status_code == 403

"""The Entities page: list, search and detail with designations (imported ones included),
``/api/entities``, and who may see them."""

from __future__ import annotations

from pathlib import Path

from tests.web.conftest import WebEnv
from tvec.app import entities as use
from tvec.app.context import open_context

DATA = Path(__file__).parent.parent / "data" / "designations"


def _import(web: WebEnv) -> None:
    ctx = open_context(web.store.settings, store=web.store)
    use.import_list(ctx, "un", DATA / "un.xml", "admin")
    use.import_list(ctx, "us", DATA / "us.html", "admin")


def test_every_role_lists_searches_and_reads_entities(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    _import(web)
    client, _ = client_for("viewer")
    assert '<a href="/entities">Entities</a>' in client.get("/queue").text
    listing = client.get("/entities").text
    assert 'data-id="islamic-state"' in listing and 'data-id="aum-shinrikyo"' in listing
    found = client.get("/entities", params={"q": "Jabhat Fath al-Sham"}).text
    assert 'data-id="hayat-tahrir-al-sham"' in found and 'data-id="islamic-state"' not in found
    us_only = client.get("/entities", params={"jurisdiction": "US-FTO"}).text
    assert 'data-id="aum-shinrikyo"' in us_only and 'data-id="hayat-tahrir-al-sham"' not in us_only
    page = client.get("/entities/katibat-al-imam-al-bukhari").text
    assert "كتيبة الإمام البخاري" in page and "QDe.158" in page and "2018-03-30" in page
    assert "imported list" in page
    province = client.get("/entities/islamic-state-khorasan").text
    assert "through islamic-state" in province  # designations inherited from the parent
    assert client.get("/entities/no-such-group").status_code == 404


def test_api_answers_as_the_cli_models(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    _import(web)
    client, _ = client_for("moderator")
    rows = client.get("/api/entities", params={"q": "ASG"}).json()
    assert [r["id"] for r in rows] == ["abu-sayyaf"]
    shown = client.get("/api/entities/aum-shinrikyo").json()
    assert shown["origin"] == "imported" and shown["lists"] == ["US-FTO"]
    [listing] = shown["designations"]
    assert (listing["jurisdiction"], listing["reference"], listing["date"]) == (
        "US", "aum-shinrikyo", "1997-10-08",
    )  # fmt: skip


def test_anonymous_users_cannot_read_entities(web: WebEnv) -> None:
    from fastapi.testclient import TestClient

    with TestClient(web.app) as nobody:
        assert nobody.get("/api/entities").status_code == 401
        page = nobody.get("/entities", follow_redirects=False)
        assert page.status_code in (302, 303, 401)

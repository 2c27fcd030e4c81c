"""Security: CSRF on every state-changing route, viewers refused on every write route
(both found by walking the app's routes), media never served inline, login limits."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.web.conftest import WebEnv, csrf_of, login
from tvec.scan import run_scan
from tvec.web.app import SESSION_COOKIE, iter_api_routes
from tvec.web.security import WRITES

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _routes(web: WebEnv) -> list[tuple[str, str, APIRoute]]:
    found = []
    for route in iter_api_routes(web.app.routes):
        for method in sorted(route.methods & STATE_CHANGING):
            path = re.sub(r"\{[^}]+\}", "1", route.path)
            found.append((method, path, route))
    return found


def test_there_are_state_changing_routes_to_check(web: WebEnv) -> None:
    paths = {p for _, p, _ in _routes(web)}
    assert {
        "/login",
        "/api/cases/1/decision",
        "/api/media/1/reveal",
        "/m/lookup",
        "/users/1/signout",
    } <= paths
    hma_curation = {
        "/c/banks",
        "/c/bank/1",
        "/c/bank/1/content",
        "/c/bank/1/content/1",
        "/c/bank/1/signal",
        "/c/signal_type/1",
        "/c/exchanges",
        "/c/exchanges/api/1",
        "/c/exchange/1",
        "/dev/run_fetch",
    }
    assert hma_curation <= paths
    # issue 14: undo (form and API) and the bulk form are walked like every other write
    assert {"/decisions/undo", "/api/decisions/1/undo", "/queue/bulk-decide"} <= paths
    orders_and_accounts = {
        "/orders/new",
        "/orders/act",
        "/orders/reject",
        "/orders/resume",
        "/me/password",
        "/users/new",
        "/users/1/disable",
        "/users/1/enable",
        "/users/1/delete",
        "/users/1/reset",
        "/users/1/tokens",
        "/tokens/1/revoke",
    }
    assert orders_and_accounts <= paths
    # issue 14 part 6: the bank pages' writes and the lookup box's file form
    assert {"/banks/new", "/banks/add", "/banks/import", "/lookup/file"} <= paths
    sources = {"/sources/new", "/sources/enable", "/sources/disable", "/sources/poll"}
    assert sources <= paths
    assert len(paths) >= 36


def test_every_state_changing_route_rejects_missing_or_wrong_csrf(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, token = client_for("admin")
    for method, path, _ in _routes(web):
        for headers in ({}, {"X-CSRF-Token": "wrong" + token}):
            response = client.request(method, path, json={}, headers=headers)
            assert response.status_code == 403, (method, path, headers, response.text)
            assert "CSRF" in response.text
        form = client.request(method, path, data={"csrf_token": "nope"})
        assert form.status_code == 403, (method, path)
    # the same token is accepted (sanity check that the test can pass at all)
    ok = client.post("/api/media/1/reveal", headers={"X-CSRF-Token": token})
    assert ok.status_code == 200


def test_a_viewer_gets_403_on_every_write_route(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, token = client_for("viewer")
    checked = 0
    for method, path, route in _routes(web):
        if (route.openapi_extra or {}).get(WRITES) is False:
            continue
        response = client.request(method, path, json={}, headers={"X-CSRF-Token": token})
        assert response.status_code == 403, (method, path, response.text)
        assert "may not" in response.text
        checked += 1
    assert checked >= 10
    # and the viewer can still read
    assert client.get("/queue").status_code == 200
    assert client.get("/api/cases").json()["total"] == 2


def test_session_cookie_is_httponly_samesite_and_signed(web: WebEnv) -> None:
    with TestClient(web.app) as client:
        response = client.get("/login")
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{SESSION_COOKIE}=")
        assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
        token = csrf_of(response.text)
        value = client.cookies[SESSION_COOKIE]
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, "forged." + value)
        response = client.post(
            "/login", data={"username": "admin", "password": "x" * 12, "csrf_token": token}
        )
        assert response.status_code == 403  # a tampered cookie is a fresh, empty session


def test_login_is_rate_limited(web: WebEnv) -> None:
    with TestClient(web.app) as client:
        token = csrf_of(client.get("/login").text)
        codes = [
            client.post(
                "/login",
                data={"username": "analyst", "password": f"guess {i} wrong!", "csrf_token": token},
            ).status_code
            for i in range(7)
        ]
        assert codes == [401, 401, 401, 401, 401, 429, 429]
        right = client.post(
            "/login",
            data={
                "username": "analyst",
                "password": "correct horse battery staple",
                "csrf_token": token,
            },
        )
        assert right.status_code == 429


def test_unauthenticated_requests_go_to_login_or_get_401(web: WebEnv) -> None:
    with TestClient(web.app) as client:
        page = client.get("/queue", follow_redirects=False)
        assert (page.status_code, page.headers["location"]) == (303, "/login")
        assert client.get("/api/cases").status_code == 401
        assert client.get("/m/raw_lookup?signal_type=md5&signal=x").json() == {
            "message": "log in first"
        }


def test_uploaded_svg_and_html_are_never_served_inline(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    folder = web.home / "uploads"
    folder.mkdir()
    (folder / "evil.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', encoding="utf-8"
    )
    (folder / "page.html").write_text(
        "<html><body><script>alert(2)</script></body></html>", encoding="utf-8"
    )
    run_scan(web.store, [folder])
    from sqlalchemy import select

    from tvec.store.models import Item

    with web.store.session() as session:
        items = {
            i.locator.rsplit("/", 1)[1]: i.id
            for i in session.scalars(select(Item).where(Item.locator.like("%uploads%")))
        }
    assert set(items) == {"evil.svg", "page.html"}
    client, _ = client_for("admin")
    get_routes = [
        r.path
        for r in iter_api_routes(web.app.routes)
        if "GET" in r.methods and "{item_id}" in r.path
    ]
    assert sorted(get_routes) == [
        "/media/{item_id}/download",
        "/media/{item_id}/keyframes/{n}",
        "/media/{item_id}/play",
        "/media/{item_id}/preview",
    ]
    token = csrf_of(client.get("/queue").text)
    for item_id in items.values():  # revealed: the player and full previews are not refused
        assert client.post(
            f"/api/media/{item_id}/reveal", headers={"X-CSRF-Token": token}
        ).is_success
        for route in get_routes:
            for query in ("", "?full=true"):
                path = route.replace("{item_id}", str(item_id)).replace("{n}", "0")
                response = client.get(path + query)
                media_type = response.headers.get("content-type", "")
                assert "svg" not in media_type and "html" not in media_type, (route, media_type)
                assert response.headers["x-content-type-options"] == "nosniff"
                if response.status_code == 200:
                    assert response.headers["content-type"] == "application/octet-stream"
                    assert response.headers["content-disposition"].startswith("attachment;")
                    assert (
                        response.headers["content-security-policy"] == "default-src 'none'; sandbox"
                    )
                else:
                    assert response.status_code == 404
                    detail = response.json()["detail"]
                    assert any(
                        words in detail
                        for words in ("no image preview", "no stored video", "not video or audio")
                    ), detail


def test_previews_are_reencoded_jpegs_blurred_until_revealed(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    import io

    from PIL import Image, ImageChops, ImageStat

    client, token = client_for("moderator")
    item_id = web.app.state.ctx.store and _first_item(web)
    blurred = client.get(f"/media/{item_id}/preview")
    assert blurred.headers["content-type"] == "image/jpeg"
    assert blurred.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert blurred.content[:3] == b"\xff\xd8\xff"
    assert blurred.content != web.sample.known.read_bytes()
    # full=true before a reveal still gives the blurred, grey preview
    assert client.get(f"/media/{item_id}/preview?full=true").content == blurred.content
    assert Image.open(io.BytesIO(blurred.content)).mode == "L"
    revealed = client.post(f"/api/media/{item_id}/reveal", headers={"X-CSRF-Token": token})
    assert revealed.json()["revealed_today"] == 1
    full = client.get(revealed.json()["preview_url"])
    image = Image.open(io.BytesIO(full.content))
    assert image.mode == "RGB"
    original = Image.open(web.sample.known).convert("RGB")
    difference = ImageStat.Stat(ImageChops.difference(image, original)).mean
    assert max(difference) < 12  # close to the original: a re-encoding, not a blur
    # moderators may not download originals
    assert client.get(f"/media/{item_id}/download").status_code == 403


def _first_item(web: WebEnv) -> int:
    from sqlalchemy import select

    from tvec.store.models import Item

    with web.store.session() as session:
        return session.scalars(select(Item.id).where(Item.locator.like("%a-known.png"))).one()


def test_pages_carry_a_strict_csp(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, _ = client_for("moderator")
    response = client.get("/queue")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "<script>" not in response.text


@pytest.mark.parametrize("role", ["admin", "analyst", "moderator", "viewer"])
def test_login_works_for_each_role(web: WebEnv, role: str) -> None:
    with TestClient(web.app) as client:
        login(client, role)
        assert client.get("/api/me").json()["role"] == role


def test_a_login_with_an_empty_field_shows_the_form_again_with_the_username_kept(
    web: WebEnv,
) -> None:
    with TestClient(web.app) as client:
        page = client.get("/login").text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        for form in ({"username": "alice"}, {"username": "alice", "password": ""}, {}):
            response = client.post("/login", data={"csrf_token": token, **form})
            assert response.status_code == 400, form
            assert "Enter both your username and your password." in response.text
            assert 'id="password"' in response.text  # the form, not an error page
            kept = form.get("username", "")
            assert f'value="{kept}"' in response.text


def _no_store(response) -> bool:  # type: ignore[no-untyped-def]
    directives = response.headers.get("cache-control", "")
    return "no-store" in [d.strip() for d in directives.split(",")]


def test_answers_that_show_case_or_bank_data_are_never_cached(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, _ = client_for("analyst")
    case_id = client.get("/api/cases").json()["cases"][0]["id"]
    item_id = _first_item(web)
    answers = {
        "queue page": client.get("/queue"),
        "case page": client.get(f"/cases/{case_id}"),
        "case API": client.get(f"/api/cases/{case_id}"),
        "audit API": client.get("/api/audit"),
        "preview": client.get(f"/media/{item_id}/preview"),
        "HMA lookup": client.get("/m/lookup", params={"signal_type": "md5", "signal": "0" * 32}),
        "HMA error": client.get("/m/lookup"),
        "not found": client.get("/api/cases/999999"),
    }
    for what, response in answers.items():
        assert response.status_code in (200, 400, 404), (what, response.status_code)
        assert _no_store(response), (what, response.headers.get("cache-control"))
    assert answers["case API"].json()["id"] == case_id
    assert answers["HMA lookup"].status_code == 200
    # static files carry no case data and may be cached
    static = client.get("/static/app.js")
    assert static.status_code == 200 and not _no_store(static)


def test_a_moderator_may_not_flag_with_a_priority_kind_or_severity(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    with web.store.session() as session:
        from sqlalchemy import select

        from tvec.store.models import Item

        item_id = session.scalars(select(Item.id).where(Item.locator.like("%c-other.png"))).one()
    moderator, token = client_for("moderator")
    refused = moderator.post(
        f"/api/items/{item_id}/flag",
        json={"kind": "flag", "severity": "threat_to_life"},
        headers={"X-CSRF-Token": token},
    )
    assert refused.status_code == 403
    assert "may not flag with severity threat_to_life" in refused.json()["detail"]
    plain = moderator.post(
        f"/api/items/{item_id}/flag",
        json={"kind": "flag", "severity": "other"},
        headers={"X-CSRF-Token": token},
    )
    assert plain.status_code == 200 and plain.json()["priority"] == 3.5
    analyst, analyst_token = client_for("analyst")
    raised = analyst.post(
        f"/api/items/{item_id}/flag",
        json={"kind": "verified_source", "severity": "threat_to_life"},
        headers={"X-CSRF-Token": analyst_token},
    )
    assert raised.status_code == 200
    assert raised.json()["case_id"] == plain.json()["case_id"]
    assert raised.json()["priority"] == 9.4


def test_a_removal_with_an_unknown_ground_is_refused(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, token = client_for("moderator")
    case_id = client.get("/api/cases").json()["cases"][0]["id"]
    refused = client.post(
        f"/api/cases/{case_id}/decision",
        json={"outcome": "remove", "ground_kind": "tos", "ground": "because I said so"},
        headers={"X-CSRF-Token": token},
    )
    assert refused.status_code == 400
    assert "unknown terms-of-service ground 'because I said so'" in refused.json()["detail"]
    assert client.get(f"/api/cases/{case_id}").json()["status"] == "open"


def test_bank_writes_in_the_browser_are_audited_with_the_user(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    """Each bank write route, used with a valid CSRF token by an analyst, leaves one audit
    event naming the analyst; the look-up form (not a write) leaves none."""
    from sqlalchemy import func, select

    from tests.review_data import gradient_image
    from tvec.store.models.audit import AuditEvent

    def events() -> list[tuple[str, str, str | None]]:
        with web.store.session() as session:
            rows = session.execute(
                select(AuditEvent.kind, AuditEvent.actor, AuditEvent.target).order_by(AuditEvent.id)
            )
            return [tuple(r) for r in rows]  # type: ignore[misc]

    client, token = client_for("analyst")
    picture = gradient_image(web.home / "audited.png", 11).read_bytes()
    writes = {
        "/banks/new": ({"name": "audited"}, None, ("bank.create", "bank:audited")),
        "/banks/add": (
            {"bank": "audited"},
            {"files": ("a.png", picture, "image/png")},
            ("bank.add", "bank:audited"),
        ),
        "/banks/import": (
            {"bank": "audited"},
            {"hash_list": ("h.csv", b"md5,00000000000000000000000000000001\n", "text/csv")},
            ("bank.import", "bank:audited"),
        ),
    }
    written = {p for m, p, r in _routes(web) if p.startswith("/banks/")}
    assert written == set(writes)  # every bank write route is exercised here
    for path, (data, files, (kind, target)) in writes.items():
        before = events()
        response = client.post(path, data={"csrf_token": token, **data}, files=files)
        assert response.status_code == 200, (path, response.text)
        assert events()[len(before) :] == [(kind, "analyst", target)], path
    before = events()
    looked = client.post(
        "/lookup/file", data={"csrf_token": token}, files={"file": ("a.png", picture, "image/png")}
    )
    assert looked.status_code == 200 and "audited" in looked.text
    assert events() == before
    with web.store.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == len(before)


#: The operations pages' writes (issue 14 part 6): path, form fields, the audit kind each adds.
OPERATIONS_WRITES = [
    (
        "/sources/new",
        {"name": "walked", "kind": "feed", "url": "https://feeds.example/rss.xml"},
        "source.add",
    ),
    ("/sources/disable", {"name": "walked"}, "source.change"),
    ("/sources/enable", {"name": "walked"}, "source.change"),
    ("/sources/poll", {"name": "walked"}, "source.poll"),
]


def test_operations_writes_are_role_checked_csrf_checked_and_audited(
    web: WebEnv, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import func, select

    from tvec.app import operations
    from tvec.store.models import AuditEvent

    polled: list[str] = []
    monkeypatch.setattr(operations, "poll_source_now", lambda _ctx, name: polled.append(name))
    walked = {p for _, p, _ in _routes(web)}
    assert {path for path, _, _ in OPERATIONS_WRITES} <= walked
    moderator, moderator_token = client_for("moderator")
    client, token = client_for("analyst")
    for path, fields, kind in OPERATIONS_WRITES:
        refused = moderator.post(path, data={**fields, "csrf_token": moderator_token})
        assert refused.status_code == 403 and "may not source.write" in refused.text, path
        assert client.post(path, data=fields).status_code == 403  # no CSRF token
        with web.store.session() as session:
            before = session.scalar(select(func.count(AuditEvent.id))) or 0
        done = client.post(path, data={**fields, "csrf_token": token}, follow_redirects=False)
        assert done.status_code == 303, (path, done.text)
        with web.store.session() as session:
            added = list(session.scalars(select(AuditEvent).where(AuditEvent.id > before)))
            assert [(e.actor, e.kind, e.target) for e in added] == [
                ("analyst", kind, "source:walked")
            ], path
    assert polled == ["walked"]

"""Accounts in the browser: one's own password, the one-time password changed at first
login, API tokens listed and revoked one by one, users enabled, disabled and deleted; all
audited, sessions revoked."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.review_data import PASSWORD
from tests.web.conftest import WebEnv, csrf_of, login
from tvec.app.audit import list_events
from tvec.app.context import open_context

NEW = "a-brand-new-password-42"


def _kinds(web: WebEnv) -> list[tuple[str, str, str | None]]:
    app = open_context(web.store.settings, store=web.store)
    return [(e.kind, e.actor, e.target) for e in list_events(app, limit=1000)]


def test_change_own_password_ends_other_sessions(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, token = client_for("viewer")
    other, _ = client_for("viewer")
    assert other.get("/queue").status_code == 200
    wrong = client.post(
        "/me/password", data={"csrf_token": token, "current": "nope", "new": NEW, "repeat": NEW}
    )
    assert wrong.status_code == 400 and "current password is wrong" in wrong.text
    differ = client.post(
        "/me/password",
        data={"csrf_token": token, "current": PASSWORD, "new": NEW, "repeat": NEW + "x"},
    )
    assert differ.status_code == 400 and "differ" in differ.text
    done = client.post(
        "/me/password",
        data={"csrf_token": token, "current": PASSWORD, "new": NEW, "repeat": NEW},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/me?password=changed"
    assert client.get("/queue").status_code == 200  # this session stays
    assert other.get("/queue", follow_redirects=False).headers["location"] == "/login"
    fresh = TestClient(web.app)
    login(fresh, "viewer", NEW)
    assert ("user.change_password", "viewer", "user:viewer") in _kinds(web)


def test_a_one_time_password_must_be_changed_at_first_login(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    admin, token = client_for("admin")
    page = admin.post(
        "/users/new", data={"csrf_token": token, "username": "newbie", "role": "moderator"}
    )
    assert page.status_code == 200
    password = re.search(r'<code id="secret-value">([^<]+)</code>', page.text).group(1)  # type: ignore[union-attr]
    assert "one-time password" in page.text
    client = TestClient(web.app)
    csrf = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"username": "newbie", "password": password, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/me/password"
    # every other page sends them back; the API refuses
    assert client.get("/queue", follow_redirects=False).headers["location"] == "/me/password"
    assert client.get("/api/cases").status_code == 403
    csrf = csrf_of(client.get("/me/password").text)
    assert 'id="must-change"' in client.get("/me/password").text
    client.post(
        "/me/password",
        data={"csrf_token": csrf, "current": password, "new": NEW, "repeat": NEW},
    )
    assert client.get("/queue").status_code == 200
    assert ("user.change_password", "newbie", "user:newbie") in _kinds(web)
    event = [
        e
        for e in list_events(open_context(web.store.settings, store=web.store), limit=1000)
        if e.kind == "user.change_password"
    ][-1]
    assert event.data == {"forced": True}


def test_tokens_are_listed_and_revoked_one_by_one(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    admin, token = client_for("admin")
    first = admin.post("/users/analyst/tokens", data={"csrf_token": token, "name": "feed"})
    second = admin.post("/users/analyst/tokens", data={"csrf_token": token, "name": "bot"})
    t1 = re.search(r'id="secret-value">([^<]+)<', first.text).group(1)  # type: ignore[union-attr]
    t2 = re.search(r'id="secret-value">([^<]+)<', second.text).group(1)  # type: ignore[union-attr]
    assert (
        TestClient(web.app).get("/api/cases", headers={"Authorization": f"Bearer {t1}"}).status_code
        == 200
    )
    page = admin.get("/users").text
    assert t1 not in page and t2 not in page  # shown once, then only the prefix
    ids = re.findall(r'id="revoke-(\d+)"', page)
    assert len(ids) == 2
    feed_id = re.search(
        r'<tr id="token-(\d+)">\s*<td>\d+</td><td dir="auto">analyst</td><td><bdi>feed</bdi></td>',
        page,
    ).group(1)  # type: ignore[union-attr]
    admin.post(f"/tokens/{feed_id}/revoke", data={"csrf_token": token})
    assert (
        TestClient(web.app).get("/api/cases", headers={"Authorization": f"Bearer {t1}"}).status_code
        == 401
    )
    assert (
        TestClient(web.app).get("/api/cases", headers={"Authorization": f"Bearer {t2}"}).status_code
        == 200
    )
    assert ("token.revoke", "admin", "user:analyst") in _kinds(web)


def test_disable_enable_and_delete_a_user(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    admin, token = client_for("admin")
    moderator, _ = client_for("moderator")
    admin.post("/users/moderator/disable", data={"csrf_token": token})
    assert moderator.get("/queue", follow_redirects=False).headers["location"] == "/login"
    assert 'id="enable-moderator"' in admin.get("/users").text
    admin.post("/users/moderator/enable", data={"csrf_token": token})
    login(TestClient(web.app), "moderator")
    admin.post("/users/moderator/delete", data={"csrf_token": token})
    assert 'id="user-moderator"' not in admin.get("/users").text
    own = admin.post("/users/admin/delete", data={"csrf_token": token})
    assert own.status_code == 400 and "your own account" in own.text
    kinds = _kinds(web)
    for kind in ("user.disable", "user.enable", "user.delete"):
        assert (kind, "admin", "user:moderator") in kinds, kind
    refused = moderator.post("/users/viewer/disable", data={"csrf_token": token})
    assert refused.status_code in (401, 403)


def test_an_admin_cannot_disable_their_own_account(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    # disabling oneself was accepted: the admin's session ended at once and, the last admin,
    # nobody could manage users from the browser any more
    admin, token = client_for("admin")
    page = admin.get("/users").text
    assert 'id="disable-admin"' not in page and 'id="disable-viewer"' in page
    own = admin.post("/users/admin/disable", data={"csrf_token": token})
    assert own.status_code == 400
    assert "you cannot disable your own account; another admin can" in own.text
    assert admin.get("/users").status_code == 200  # still logged in
    assert ("user.disable", "admin", "user:admin") not in _kinds(web)


def test_a_token_name_with_bidi_controls_is_listed_isolated_with_the_controls_visible(
    web: WebEnv,
    client_for,  # type: ignore[no-untyped-def]
) -> None:
    # the token list printed the name raw: a right-to-left override reversed the row
    admin, token = client_for("admin")
    made = admin.post("/users/analyst/tokens", data={"csrf_token": token, "name": "\u202etob"})
    assert made.status_code == 200
    page = admin.get("/users").text
    mark = '<span class="bidi-mark" title="U+202E right-to-left override">\u27e8RLO\u27e9</span>'
    assert f"<td><bdi>{mark}tob</bdi></td>" in page
    assert "\u202e" not in page

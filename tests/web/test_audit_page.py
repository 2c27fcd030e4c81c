"""The audit page: filters by actor, kind, target and time, pages of 100, links to targets,
the chain's verification on request."""

from __future__ import annotations

import re

from tests.web.conftest import WebEnv


def test_filters_pages_links_and_verification(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    admin, token = client_for("admin")
    for _ in range(105):
        admin.post("/users/viewer/signout", data={"csrf_token": token})
    page = admin.get("/audit", params={"kind": "session.revoke"}).text
    rows = re.findall(r'<tr class="event kind-session-revoke">', page)
    assert len(rows) == 100
    older = re.search(r'<a href="([^"]+)" id="next-page">', page)
    assert older, page
    rest = admin.get(older.group(1).replace("&amp;", "&")).text
    assert len(re.findall(r'class="event kind-session-revoke"', rest)) == 5
    assert 'id="next-page"' not in rest and 'id="first-page"' in rest
    by_actor = admin.get("/audit", params={"actor": "admin", "kind": "auth.login"}).text
    assert len(re.findall(r'class="event kind-auth-login"', by_actor)) == 1
    targets = admin.get("/audit", params={"target": "user:"}).text
    assert '<a href="/users"><bdi>user:viewer</bdi></a>' in targets
    assert "case:" not in re.sub(r"<form.*?</form>", "", targets, flags=re.S)
    later = admin.get("/audit", params={"since": "2999-01-01"}).text
    assert "No events match." in later
    bad = admin.get("/audit", params={"since": "soon"})
    assert bad.status_code == 400 and "since" in bad.text
    assert 'id="chain"' not in page
    checked = admin.get("/audit", params={"verify": 1}).text
    assert re.search(r'id="chain" class="chain-ok">Chain verified: \d+ events intact', checked)
    assert admin.get("/audit").status_code == 200
    viewer, _ = client_for("viewer")
    assert viewer.get("/audit").status_code == 403


def test_an_analyst_gets_no_link_to_the_users_page_they_cannot_open(
    web: WebEnv,
    client_for,  # type: ignore[no-untyped-def]
) -> None:
    # user:... targets linked /users for everyone who reads the audit log; an analyst
    # following the link got a 403
    admin, token = client_for("admin")
    admin.post("/users/viewer/signout", data={"csrf_token": token})
    analyst, _ = client_for("analyst")
    assert analyst.get("/users").status_code == 403
    page = analyst.get("/audit", params={"target": "user:"}).text
    assert "<td><bdi>user:viewer</bdi></td>" in page
    assert 'href="/users"' not in page

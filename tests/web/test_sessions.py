"""Server-side sessions (issue 16, finding 7): after logout, a password reset, disabling the
user, or an admin's "sign out everywhere" (CLI or web button), the old cookie gets the login
page at once, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.review_data import fast_settings, make_users
from tests.web.conftest import login
from tvec.app import accounts as use
from tvec.app.context import AppContext, open_context
from tvec.store import open_store
from tvec.web import create_app
from tvec.web.app import SESSION_COOKIE


@dataclass
class Clock:
    """A clock the test moves."""

    now: datetime = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Env:
    app: FastAPI
    ctx: AppContext
    clock: Clock


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> Iterator[Env]:
    settings = fast_settings(
        tmp_path / "home", secret_key="test-secret-key-0123456789", database_url=db_url
    )
    store = open_store(settings)
    make_users(store)
    clock = Clock()
    ctx = open_context(settings, store=store, clock=clock)
    yield Env(create_app(ctx), ctx, clock)
    store.close()


def _logged_in(app: FastAPI, username: str) -> tuple[TestClient, str]:
    """A client logged in as ``username`` and a copy of its session cookie."""
    client = TestClient(app)
    login(client, username)
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie
    return client, cookie


def _replay(app: FastAPI, cookie: str) -> tuple[int, str, int]:
    """(status of GET /queue, its Location, status of GET /api/me) with an old cookie."""
    with TestClient(app, cookies={SESSION_COOKIE: cookie}) as other:
        page = other.get("/queue", follow_redirects=False)
        api = other.get("/api/me")
    return page.status_code, page.headers.get("location", ""), api.status_code


def test_the_cookie_works_until_revoked(env: Env) -> None:
    client, cookie = _logged_in(env.app, "analyst")
    assert _replay(env.app, cookie)[0] == 200
    assert client.get("/api/me").json()["username"] == "analyst"
    client.close()


def test_logout_revokes_the_old_cookie(env: Env) -> None:
    client, cookie = _logged_in(env.app, "analyst")
    token = client.cookies.get(SESSION_COOKIE)
    page = client.get("/queue")
    from tests.web.conftest import csrf_of

    client.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert token == cookie
    assert _replay(env.app, cookie) == (303, "/login", 401)
    client.close()


@pytest.mark.parametrize("how", ["reset", "disable", "signout"])
def test_password_reset_disable_and_signout_revoke_every_session(env: Env, how: str) -> None:
    first, cookie_a = _logged_in(env.app, "moderator")
    second, cookie_b = _logged_in(env.app, "moderator")
    _, other = _logged_in(env.app, "analyst")
    if how == "reset":
        use.reset_password(env.ctx, "moderator", "a brand new long password", actor="cli")
    elif how == "disable":
        use.disable_user(env.ctx, "moderator", actor="cli")
    else:
        assert use.sign_out_everywhere(env.ctx, "moderator", actor="cli") == 2
    assert _replay(env.app, cookie_a) == (303, "/login", 401)
    assert _replay(env.app, cookie_b) == (303, "/login", 401)
    assert _replay(env.app, other)[0] == 200  # other users keep their sessions
    first.close()
    second.close()


def test_an_admin_signs_a_user_out_with_the_button(env: Env) -> None:
    from tests.web.conftest import csrf_of

    _, victim = _logged_in(env.app, "moderator")
    admin, _ = _logged_in(env.app, "admin")
    page = admin.get("/users")
    assert page.status_code == 200 and "/users/moderator/signout" in page.text
    done = admin.post(
        "/users/moderator/signout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert done.status_code == 303
    assert _replay(env.app, victim) == (303, "/login", 401)
    assert admin.get("/api/me").status_code == 200
    analyst, _ = _logged_in(env.app, "analyst")
    assert analyst.get("/users").status_code == 403
    admin.close()
    analyst.close()


def test_a_session_expires_after_its_max_age(env: Env) -> None:
    _, cookie = _logged_in(env.app, "viewer")
    env.clock.now += timedelta(seconds=env.ctx.settings.session_max_age - 1)
    assert _replay(env.app, cookie)[0] == 200
    env.clock.now += timedelta(seconds=2)
    assert _replay(env.app, cookie) == (303, "/login", 401)


def test_cli_signout_revokes_the_web_session(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = fast_settings(tmp_path / "home", secret_key="test-secret-key-0123456789")
    store = open_store(settings)
    make_users(store)
    app = create_app(open_context(settings, store=store))
    _, cookie = _logged_in(app, "analyst")
    result = cli("user", "signout", "analyst")
    assert result.code == 0 and "1 open sessions ended" in result.out
    assert _replay(app, cookie) == (303, "/login", 401)
    store.close()

"""Login throttling (issue 16, finding 8): an attacker's failures do not stop the real user
with a known-device cookie or from a known address; rotating X-Forwarded-For from an
untrusted peer does not bypass the per-address limit; a second app instance on the same
database sees the same counters (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import ASGIApp

from tests.review_data import PASSWORD, fast_settings, make_users
from tests.web.conftest import csrf_of
from tvec.app.context import open_context
from tvec.cli.serve import proxy_options
from tvec.settings import Settings
from tvec.store import Store, open_store
from tvec.web import create_app
from tvec.web.security import DEVICE_COOKIE

ATTACKER = ("203.0.113.66", 40000)
HOME_ADDRESS = ("198.51.100.7", 40001)
CAFE = ("192.0.2.99", 40002)


@dataclass
class Clock:
    now: datetime = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Env:
    settings: Settings
    store: Store
    clock: Clock

    def app(self, **overrides: object) -> FastAPI:
        """A new app instance (as another process would be) over the same database."""
        settings = self.settings.model_copy(update=overrides) if overrides else self.settings
        return create_app(open_context(settings, store=self.store, clock=self.clock))


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> Iterator[Env]:
    settings = fast_settings(
        tmp_path / "home", secret_key="test-secret-key-0123456789", database_url=db_url
    )
    store = open_store(settings)
    make_users(store)
    yield Env(settings, store, Clock())
    store.close()


def _try(client: TestClient, username: str, password: str, **headers: str) -> int:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        headers=headers,
        follow_redirects=False,
    )
    return response.status_code


def _client(app: ASGIApp, peer: tuple[str, int]) -> TestClient:
    return TestClient(app, client=peer)


def _botnet(app: ASGIApp, username: str, first: int) -> list[int]:
    """Four addresses from ``203.0.113.<first>`` on, six wrong passwords each."""
    codes = []
    for n in range(first, first + 4):
        bot = _client(app, (f"203.0.113.{n}", 40000))
        codes += [_try(bot, username, f"guess {n}-{i}") for i in range(6)]
        bot.close()
    return codes


def test_an_attackers_failures_do_not_lock_out_the_user_with_a_known_device(env: Env) -> None:
    app = env.app()
    laptop = _client(app, HOME_ADDRESS)
    assert _try(laptop, "analyst", PASSWORD) == 303
    device = laptop.cookies.get(DEVICE_COOKIE)
    assert device
    laptop.post("/logout", data={"csrf_token": csrf_of(laptop.get("/queue").text)})
    # a botnet: five failures, then the username is in backoff for everyone without proof
    assert _botnet(app, "analyst", 1) == [401] * 5 + [429] * 19
    stranger = _client(app, ("192.0.2.200", 1))
    assert _try(stranger, "analyst", PASSWORD) == 429
    # the real user, on their own browser but from a new address: in
    traveller = _client(app, CAFE)
    traveller.cookies.set(DEVICE_COOKIE, device)
    assert _try(traveller, "analyst", PASSWORD) == 303
    # again, and now the user comes from the address they logged in from, without the cookie
    assert _botnet(app, "analyst", 11) == [401] * 5 + [429] * 19
    assert _try(stranger, "analyst", PASSWORD) == 429
    assert _try(_client(app, HOME_ADDRESS), "analyst", PASSWORD) == 303
    for client in (laptop, traveller, stranger):
        client.close()


def test_without_proof_the_right_password_waits_for_the_backoff(env: Env) -> None:
    app = env.app()
    for n in range(3):
        bot = _client(app, (f"203.0.113.{n + 1}", 40000))
        for i in range(5):
            _try(bot, "moderator", f"guess {n}-{i}")
        bot.close()
    stranger = _client(app, CAFE)
    assert _try(stranger, "moderator", PASSWORD) == 429
    env.clock.now += timedelta(seconds=env.settings.login_backoff_max_seconds + 1)
    assert _try(stranger, "moderator", PASSWORD) == 303
    stranger.close()


def test_the_per_address_limit_holds_and_the_device_cookie_does_not_lift_it_for_others(
    env: Env,
) -> None:
    app = env.app()
    attacker = _client(app, ATTACKER)
    codes = [_try(attacker, f"nobody{i}", "wrong password!") for i in range(7)]
    assert codes == [401] * 5 + [429] * 2
    # a device cookie of another user proves nothing for this one
    laptop = _client(app, HOME_ADDRESS)
    assert _try(laptop, "viewer", PASSWORD) == 303
    attacker.cookies.set(DEVICE_COOKIE, laptop.cookies[DEVICE_COOKIE])
    assert _try(attacker, "analyst", PASSWORD) == 429
    attacker.close()
    laptop.close()


def _behind_uvicorn(app: FastAPI, trusted: list[str]) -> ASGIApp:
    """``app`` wrapped as ``tvec serve`` gives it to uvicorn (proxy headers middleware)."""
    import uvicorn

    config = uvicorn.Config(app, **proxy_options(trusted))  # type: ignore[arg-type]
    config.load()
    return config.loaded_app


def test_rotating_x_forwarded_for_from_an_untrusted_peer_does_not_bypass_the_limit(
    env: Env,
) -> None:
    assert proxy_options([])["proxy_headers"] is False
    served = _behind_uvicorn(env.app(), [])
    client = _client(served, ("127.0.0.1", 50000))
    codes = [
        _try(client, f"nobody{i}", "wrong password!", **{"X-Forwarded-For": f"10.9.8.{i}"})
        for i in range(7)
    ]
    assert codes == [401] * 5 + [429] * 2
    client.close()


def test_a_trusted_proxy_s_x_forwarded_for_is_the_client_address(env: Env) -> None:
    served = _behind_uvicorn(env.app(), ["127.0.0.1"])
    proxy = _client(served, ("127.0.0.1", 50000))
    codes = [
        _try(proxy, f"nobody{i}", "wrong password!", **{"X-Forwarded-For": f"10.9.8.{i}"})
        for i in range(7)
    ]
    assert codes == [401] * 7  # seven different clients behind the proxy
    same = [
        _try(proxy, f"nobody{i}", "wrong password!", **{"X-Forwarded-For": "10.1.1.1"})
        for i in range(6)
    ]
    assert same == [401] * 5 + [429]
    proxy.close()


def test_a_second_app_instance_sees_the_same_counters(env: Env) -> None:
    first, second = env.app(), env.app()
    one = _client(first, ATTACKER)
    assert [_try(one, "nobody", f"wrong {i}!") for i in range(5)] == [401] * 5
    two = _client(second, ATTACKER)
    assert _try(two, "nobody", "wrong again!") == 429
    # the username's backoff is shared too: a stranger on the second instance waits
    stranger = _client(second, CAFE)
    assert _try(stranger, "nobody", "anything at all") == 429
    one.close()
    two.close()
    stranger.close()


def test_tvec_serve_believes_proxy_headers_only_from_trusted_proxies(
    cli,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    import socket

    import uvicorn

    started: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append(options))
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")  # uvicorn's own variable is not believed
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    assert cli("serve", "--port", port).code == 0
    monkeypatch.setenv("TVEC_TRUSTED_PROXIES", "10.0.0.5")
    assert cli("serve", "--port", port).code == 0
    assert cli("serve", "--port", port, "--forwarded-allow-ips", "10.0.0.6,10.0.0.7").code == 0
    assert [(o["proxy_headers"], o["forwarded_allow_ips"]) for o in started] == [
        (False, ""),
        (True, "10.0.0.5"),
        (True, "10.0.0.6,10.0.0.7"),
    ]


def test_address_windows_that_are_over_are_pruned(env: Env) -> None:
    # every address that ever failed a login kept its row for good (an attacker rotating
    # addresses grew the table without bound)
    from sqlalchemy import select

    from tvec.store.models.accounts import LoginThrottle

    def keys() -> list[str]:
        with env.store.session() as session:
            return sorted(session.scalars(select(LoginThrottle.key)))

    app = env.app()
    for n in range(10, 14):
        assert _try(_client(app, (f"203.0.113.{n}", 40000)), "nobody-real", f"guess {n}") == 401
    assert [k for k in keys() if k.startswith("ip:")] == [
        f"ip:203.0.113.{n}" for n in range(10, 14)
    ]
    env.clock.now += timedelta(seconds=env.settings.login_window_seconds + 1)
    assert _try(_client(app, ATTACKER), "someone-else", "one more") == 401
    # the windows that are over went; the usernames' rows stay (their backoff)
    assert keys() == ["ip:203.0.113.66", "user:nobody-real", "user:someone-else"]
    env.clock.now += timedelta(days=env.settings.login_known_days + 1)
    home = _client(app, HOME_ADDRESS)
    assert _try(home, "moderator", PASSWORD) == 303
    assert "ok:moderator:198.51.100.7" in keys()
    env.clock.now += timedelta(days=env.settings.login_known_days + 1)
    assert _try(_client(app, CAFE), "someone", "wrong") == 401
    assert "ok:moderator:198.51.100.7" not in keys() and "ip:203.0.113.66" not in keys()

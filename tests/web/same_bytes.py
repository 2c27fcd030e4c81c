"""Comparing the CLI's ``--json`` with the web API's answer for the same resource.

:func:`both` builds one :class:`~tvec.app.context.AppContext` (clock frozen at ``now``) over a
seeded store, installs it for the in-process CLI and serves the web app over it with an
admin's API token, so the two can be compared byte for byte. Each area's test module
(``test_same_bytes*.py``) seeds its own data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.review_data import fast_settings, make_users
from tvec.accounts import create_token
from tvec.app.context import AppContext, open_context
from tvec.cli import context as cli_context
from tvec.cli.app import run
from tvec.store import Store, open_store
from tvec.web import create_app


@dataclass
class Both:
    """The CLI (in-process) and the API over one context."""

    ctx: AppContext
    client: TestClient
    capsys: pytest.CaptureFixture[str]

    def cli(self, *args: str) -> bytes:
        """``tvec ARGS`` run in-process; its stdout (exit code 0 asserted)."""
        cli_context.install(self.ctx)
        self.capsys.readouterr()
        code = run(list(args))
        captured = self.capsys.readouterr()
        assert code == 0, captured.err
        return captured.out.encode("utf-8")

    def api(self, path: str) -> bytes:
        """``GET path`` as the admin; the body and a newline (the CLI ends with one)."""
        response = self.client.get(path)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        return response.content + b"\n"


@contextmanager
def both(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    now: datetime,
    seed: Callable[[Store], None],
    **settings_overrides: object,
) -> Iterator[Both]:
    """A :class:`Both` over a fresh store seeded by ``seed``, the clock frozen at ``now``."""
    settings = fast_settings(
        tmp_path / "home", secret_key="test-secret-key-0123456789", **settings_overrides
    )
    monkeypatch.setenv("TVEC_HOME", str(settings.home))
    store = open_store(settings)
    seed(store)
    users = make_users(store)
    with store.session() as session:
        token = create_token(session, users["admin"].username, "same-bytes")
    ctx = open_context(settings, store=store, clock=lambda: now)
    client = TestClient(create_app(ctx))
    client.headers["Authorization"] = f"Bearer {token}"
    try:
        yield Both(ctx, client, capsys)
    finally:
        cli_context.install(None)
        store.close()

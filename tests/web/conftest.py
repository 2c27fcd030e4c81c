"""Fixtures of the web tests: a store with scanned sample cases, users, and the app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.review_data import PASSWORD, Scanned, fast_settings, make_users, scan_sample
from tvec.accounts import Principal
from tvec.app.context import open_context
from tvec.store import Store, open_store
from tvec.web import create_app

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@dataclass
class WebEnv:
    """The app under test with its store, sample scan and users."""

    app: FastAPI
    store: Store
    sample: Scanned
    users: dict[str, Principal]
    home: Path


@pytest.fixture
def web(tmp_path: Path) -> Iterator[WebEnv]:
    """An app over a store with two open cases (exact and near match) and one user per role."""
    settings = fast_settings(tmp_path / "home", secret_key="test-secret-key-0123456789")
    store = open_store(settings)
    sample = scan_sample(store, tmp_path)
    users = make_users(store)
    yield WebEnv(create_app(open_context(settings, store=store)), store, sample, users, tmp_path)
    store.close()


def csrf_of(html: str) -> str:
    """The CSRF token in a page's ``<meta name="csrf-token">``."""
    found = CSRF_META.search(html)
    assert found, "page has no CSRF meta tag"
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log ``username`` in through the form; return the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/queue").text)


@pytest.fixture
def client_for(web: WebEnv) -> Iterator[object]:
    """``client_for(role)`` -> (TestClient logged in as that role's user, CSRF token)."""
    clients: list[TestClient] = []

    def make(role: str) -> tuple[TestClient, str]:
        client = TestClient(web.app)
        clients.append(client)
        return client, login(client, role)

    yield make
    for client in clients:
        client.close()

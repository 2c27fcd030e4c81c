"""Fixtures for collection tests: a local HTTP server and stores that may reach it.

The server is a threaded ``http.server`` on 127.0.0.1 (no test reaches the internet). Each
path is a :class:`Route`; the server honours ``If-None-Match``/``If-Modified-Since`` for
routes with an ``etag``/``last_modified`` and logs every request it gets.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tvec.settings import Settings, load_settings
from tvec.store import Store, open_store


@dataclass
class Route:
    """What the server answers on one path."""

    body: bytes | Callable[[], Iterable[bytes]] = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class Request:
    """One request the server received."""

    path: str
    headers: dict[str, str]


class LocalServer:
    """The running server: set ``routes[path]``, read ``requests``, build ``url(path)``."""

    def __init__(self) -> None:
        self.routes: dict[str, Route | Callable[[], Route]] = {}
        self.requests: list[Request] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                try:
                    server._answer(self)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    self.close_connection = True

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        self.requests.append(Request(handler.path, headers))
        found = self.routes.get(handler.path)
        route = found() if callable(found) else found
        if route is None:
            handler.send_response(404)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        validators = {}
        if route.etag:
            validators["ETag"] = route.etag
        if route.last_modified:
            validators["Last-Modified"] = route.last_modified
        fresh = (route.etag and headers.get("if-none-match") == route.etag) or (
            not route.etag
            and route.last_modified
            and headers.get("if-modified-since") == route.last_modified
        )
        if fresh:
            handler.send_response(304)
            for name, value in validators.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        handler.send_response(route.status)
        for name, value in {**validators, **route.headers}.items():
            handler.send_header(name, value)
        if isinstance(route.body, bytes):
            if "Content-Length" not in route.headers:
                handler.send_header("Content-Length", str(len(route.body)))
            handler.end_headers()
            handler.wfile.write(route.body)
            return
        handler.end_headers()
        for chunk in route.body():
            handler.wfile.write(chunk)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """A local HTTP server on 127.0.0.1 for one test."""
    server = LocalServer()
    yield server
    server.close()


def collection_settings(home: Path, **overrides: object) -> Settings:
    """Settings that allow-list 127.0.0.1 and do not wait between requests."""
    values: dict[str, object] = {
        "home": home,
        "progress": False,
        "outbound_allow_hosts": ["127.0.0.1"],
        "http_host_interval_seconds": 0,
        "http_backoff_seconds": 0,
        "http_timeout_seconds": 10,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def web_store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    """A migrated store (SQLite and PostgreSQL) whose settings allow-list 127.0.0.1."""
    opened = open_store(collection_settings(tmp_path / "home", database_url=db_url))
    yield opened
    opened.close()

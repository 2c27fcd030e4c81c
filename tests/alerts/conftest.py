"""Fixtures of the alert tests: a real SMTP server, a webhook receiver and posts with links.

Both servers listen on 127.0.0.1 on a free port; no test reaches the internet.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session

from tvec.outlinks.sightings import record_sightings
from tvec.platforms.overrides import load_registry
from tvec.store.models import Item
from tvec.urls.canonical import canonicalize_url


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    """One message the SMTP server accepted: envelope and parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def body(self) -> str:
        """The plain-text body."""
        part = self.message.get_body(("plain",))
        assert part is not None
        return str(part.get_content())


class SmtpServer:
    """aiosmtpd on 127.0.0.1: ``received`` lists what it accepted; ``stop``/``start``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self._controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        """Listen (again) on :attr:`port`."""
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until :meth:`start`."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A running SMTP server that collects the messages it receives."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@dataclass
class Hook:
    """One POST the webhook receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


@dataclass
class WebhookServer:
    """A threaded HTTP server on 127.0.0.1 recording POSTs; answers ``status``."""

    port: int = 0
    status: int = 204
    received: list[Hook] = field(default_factory=list)

    def url(self, path: str = "/hook") -> str:
        """The server's URL for ``path``."""
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def webhook_server() -> Iterator[WebhookServer]:
    """A running webhook receiver (answers 204 unless ``status`` is changed)."""
    state = WebhookServer()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.received.append(Hook(self.path, dict(self.headers.items()), body))
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


PostMaker = Callable[..., tuple[Item, Item | None]]


@pytest.fixture
def add_post() -> PostMaker:
    """Store a post: a text item with out-links and, optionally, one media child item.

    Call as ``add_post(session, locator, urls, media=("photo", "image/jpeg") | None)``;
    returns ``(post item, media item or None)``. Sightings go through
    :func:`tvec.outlinks.sightings.record_sightings`, as scans store them.
    """

    def make(
        session: Session,
        locator: str,
        urls: list[str],
        media: tuple[str, str] | None = ("photo", "image/jpeg"),
    ) -> tuple[Item, Item | None]:
        post = Item(
            locator=locator,
            media_type="text/plain",
            content_type="text",
            text="links: " + " ".join(urls),
        )
        session.add(post)
        session.flush()
        child = None
        if media is not None:
            child = Item(
                locator=f"{locator}/media",
                parent_id=post.id,
                content_type=media[0],
                media_type=media[1],
            )
            session.add(child)
            session.flush()
        links = [(canonicalize_url(u), u) for u in urls]
        record_sightings(session, post, links, load_registry(session))
        session.flush()
        return post, child

    return make

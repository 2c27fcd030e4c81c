"""Request bodies are capped at ``max_upload_bytes`` on every route (issue 16, finding 9):
over the limit by ``Content-Length`` or as counted while received -> 413 in the route's error
shape; up to the limit -> served as before."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

from tests.review_data import fast_settings
from tests.web.conftest import WebEnv, login
from tvec.accounts import create_token
from tvec.app.context import open_context
from tvec.store.models import BankEntry
from tvec.store.models.cases import ReviewCase
from tvec.web import create_app
from tvec.web.limits import BodyLimit

LIMIT = 64 * 1024
TOO_LARGE = f"request body too large: more than {LIMIT} bytes (TVEC_MAX_UPLOAD_BYTES)"
BOUNDARY = "tvecboundary"


@pytest.fixture
def small(web: WebEnv) -> Iterator[TestClient]:
    """A client of an app over ``web``'s store whose uploads are capped at :data:`LIMIT`."""
    settings = fast_settings(
        web.home / "home", secret_key="test-secret-key-0123456789", max_upload_bytes=LIMIT
    )
    with TestClient(create_app(open_context(settings, store=web.store))) as client:
        yield client


def _token(web: WebEnv) -> str:
    with web.store.session() as session:
        return create_token(session, "viewer", "hma-client")


def _multipart(field: str, name: str, data: bytes, size: int) -> bytes:
    """A one-file multipart body of exactly ``size`` bytes: ``data`` padded at its end."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"'
        "\r\nContent-Type: image/png\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    padding = size - len(head) - len(data) - len(tail)
    assert padding >= 0
    return head + data + b"\0" * padding + tail


def test_a_limit_is_never_more_than_the_hashing_cap(tmp_path: Path) -> None:
    assert fast_settings(tmp_path).max_upload_bytes == 50 * 1024**2
    assert fast_settings(tmp_path).upload_limit_bytes == 50 * 1024**2
    capped = fast_settings(tmp_path, max_upload_bytes=10_000, max_file_bytes=4_000)
    assert capped.upload_limit_bytes == 4_000


def test_an_upload_up_to_the_limit_is_hashed_one_byte_more_is_refused(
    web: WebEnv, small: TestClient
) -> None:
    with web.store.session() as session:
        pdq = session.scalars(select(BankEntry.value).where(BankEntry.signal_type == "pdq")).one()
    headers = {
        "Authorization": f"Bearer {_token(web)}",
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
    }
    data = web.sample.known.read_bytes()
    at_limit = _multipart("photo", "known.png", data, LIMIT)
    hashed = small.post("/h/hash", content=at_limit, headers=headers)
    assert (hashed.status_code, hashed.json()) == (200, {"pdq": pdq})
    over = _multipart("photo", "known.png", data, LIMIT + 1)
    refused = small.post("/h/hash", content=over, headers=headers)
    assert (refused.status_code, refused.json()) == (413, {"message": TOO_LARGE})
    assert refused.headers["Cache-Control"] == "no-store"  # inside the security headers


def test_a_chunked_body_over_the_limit_is_cut(web: WebEnv, small: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(4):
            yield b"x" * (LIMIT // 2)

    headers = {
        "Authorization": f"Bearer {_token(web)}",
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
    }
    hma = small.post("/m/lookup", content=chunks(), headers=headers)
    assert (hma.status_code, hma.json()) == (413, {"message": TOO_LARGE})
    api = small.post("/api/cases/1/decision", content=chunks(), headers=headers)
    assert (api.status_code, api.json()) == (413, {"detail": TOO_LARGE, "kind": "too_large"})


def test_a_page_form_over_the_limit_gets_the_error_page_and_small_forms_still_work(
    web: WebEnv, small: TestClient
) -> None:
    token = login(small, "moderator")
    big = small.post(
        "/cases/2/decide",
        data={"outcome": "remove", "note": "x" * LIMIT, "csrf_token": token},
    )
    assert big.status_code == 413
    assert '<h1>Too large <small class="status-code">(413)</small></h1>' in big.text
    assert TOO_LARGE in big.text
    decided = small.post(
        "/cases/2/decide",
        data={
            "outcome": "remove",
            "ground": "tos|ToS 4.2 violent extremism",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert (decided.status_code, decided.headers["location"]) == (303, "/cases/1?status=open")
    with web.store.session() as session:
        assert session.get(ReviewCase, 2).status == "decided"  # type: ignore[union-attr]


class _Reader:
    """An ASGI app that reads the whole body and answers with its length."""

    def __init__(self) -> None:
        self.received = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        body = await request.body()
        self.received = len(body)
        await JSONResponse({"length": len(body)})(scope, receive, send)


def _refuse(request: Request, message: str) -> Response:
    return JSONResponse({"message": message}, status_code=413)


async def _call(limit: BodyLimit, length: str, chunks: list[bytes]) -> tuple[list[Message], int]:
    """Run ``limit`` on a POST declaring ``length``; -> (messages sent, chunks read)."""
    pending = list(chunks)
    sent: list[Message] = []

    async def receive() -> Message:
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": "/x",
        "headers": [(b"content-length", length.encode())],
        "query_string": b"",
    }
    await limit(scope, receive, send)
    return sent, len(chunks) - len(pending)


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_middleware_reads_nothing_of_a_declared_large_body_and_cuts_a_lying_one(
    anyio_backend: str,
) -> None:
    inner = _Reader()
    limit = BodyLimit(inner, 10, _refuse)
    sent, read = await _call(limit, "11", [b"x" * 11])
    assert (sent[0]["status"], read, inner.received) == (413, 0, 0)
    assert b"more than 10 bytes" in sent[1]["body"]
    sent, read = await _call(limit, "4", [b"x" * 4, b"x" * 4, b"x" * 4, b"x" * 4])
    assert (sent[0]["status"], read, inner.received) == (413, 3, 0)
    assert len(sent) == 2  # only the 413: the inner app never answered
    sent, read = await _call(limit, "10", [b"x" * 6, b"x" * 4])
    assert (sent[0]["status"], read, inner.received) == (200, 2, 10)

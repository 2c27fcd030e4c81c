"""A pure ASGI middleware that caps the size of request bodies (issue 16, finding 9).

A request whose ``Content-Length`` is over the limit is answered 413 before any of its body
is read; a chunked body, or one longer than its ``Content-Length`` says, is counted as it is
received and cut with 413 as soon as it goes over. The 413 answer itself is built by the app
(``refuse``), so it has the app's error shape for the path.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: ``refuse(request, message) -> Response``: the app's 413 answer for this request.
Refuse = Callable[[Request, str], Response]


class _BodyTooLargeError(Exception):
    """Raised from the wrapped ``receive`` once the body went over the limit."""


class BodyLimit:
    """Answer 413 to any HTTP request whose body is over ``max_bytes`` bytes.

    Args:
        app: the ASGI app inside.
        max_bytes: largest body accepted, in bytes (> 0).
        refuse: builds the 413 answer from the request and a message naming the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, refuse: Refuse) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.refuse = refuse

    def message(self) -> str:
        """The 413 message: names the limit in bytes and the setting that sets it."""
        return f"request body too large: more than {self.max_bytes} bytes (TVEC_MAX_UPLOAD_BYTES)"

    async def _answer(self, scope: Scope, send: Send) -> None:
        async def no_body() -> Message:
            return {"type": "http.disconnect"}

        request = Request(scope, no_body)
        response = self.refuse(request, self.message())
        response.headers["Connection"] = "close"
        await response(scope, no_body, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._answer(scope, send)
            return
        received = 0
        over = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, over
            if over:
                raise _BodyTooLargeError
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    over = True
                    raise _BodyTooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over and not started:
                return  # the inner app's answer to a cut body is replaced by the 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not over:
                raise
        if over and not started:
            await self._answer(scope, send)


def _content_length(scope: Scope) -> int | None:
    """The request's ``Content-Length`` in bytes, or None when absent or not a number."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None

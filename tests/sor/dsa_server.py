"""A local stand-in for the EU DSA Transparency Database API (statements endpoints).

It answers as the real one does (``StatementMultipleAPIController``,
``PuidNotUniqueMultipleException``, ``StatementAPIController::existingPuid``):

- ``POST /api/v1/statements``: ``401`` without the right bearer token; ``422``
  ``{"errors": {"statements": [...]}}`` for an empty batch or one over 100; ``422``
  ``{"message", "errors": {"statement_<i>": {field: [...]}}}`` when any statement breaks a
  rule (none is created); ``422`` ``{"message", "errors": {"puid": [...], "existing_puids":
  [...]}}`` when it already holds a puid (none is created); else ``201``
  ``{"statements": [... with uuid, puid ...]}``.
- ``GET /api/v1/statement/existing-puid/<puid>``: ``302`` found, ``404`` not found.

Rules are applied by :func:`tvec.sor.schema.validate`, written from the API's source.
``fail_next`` makes the next POSTs answer ``503``; ``hold_after_store`` stores a batch and
then waits (until released) before answering, to kill the client in between;
``drop_after_store`` stores the next batches and closes the connection without an answer.
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tvec.sor.schema import validate_batch

TOKEN = "X|test-token-0001"


class DsaApi:
    """The server, its stored statements and what it received."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.held: dict[str, dict[str, Any]] = {}
        self.posted: list[list[str]] = []  # puids of every POST body, in order
        self.checked: list[str] = []
        self.fail_next = 0
        self.hold_after_store = False
        self.drop_after_store = 0
        self.stored_event = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any] | None = None) -> None:
                data = json.dumps(body or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                if self.headers.get("Authorization") != f"Bearer {api.token}":
                    self._answer(401, {"message": "Unauthenticated."})
                    return False
                return True

            def do_GET(self) -> None:
                if not self._authorised():
                    return
                prefix = "/api/v1/statement/existing-puid/"
                if not self.path.startswith(prefix):
                    self._answer(404, {"message": "Not Found"})
                    return
                puid = self.path.removeprefix(prefix)
                api.checked.append(puid)
                if puid in api.held:
                    self._answer(302, {"message": "statement of reason found", "puid": puid})
                else:
                    self._answer(404, {"message": "statement of reason not found", "puid": puid})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if not self._authorised():
                    return
                if self.path != "/api/v1/statements":
                    self._answer(404, {"message": "Not Found"})
                    return
                body = json.loads(raw or b"{}")
                statements = body.get("statements")
                if not isinstance(statements, list):
                    self._answer(
                        422,
                        {
                            "message": "The statements field is required.",
                            "errors": {"statements": ["The statements field is required."]},
                        },
                    )
                    return
                with api.lock:
                    api.posted.append([str(s.get("puid")) for s in statements])
                    if api.fail_next > 0:
                        api.fail_next -= 1
                        self._answer(503, {"message": "Service Unavailable"})
                        return
                    errors = validate_batch(statements)
                    if errors:
                        self._answer(
                            422, {"message": "The given data was invalid.", "errors": errors}
                        )
                        return
                    puids = [s["puid"] for s in statements]
                    existing = [p for p in puids if p in api.held]
                    if existing:
                        message = "The platform identifier(s) are not all unique within this call."
                        self._answer(
                            422,
                            {
                                "message": message,
                                "errors": {"puid": [message], "existing_puids": existing},
                            },
                        )
                        return
                    made = []
                    for statement in statements:
                        stored = {**statement, "uuid": str(uuid.uuid4())}
                        api.held[statement["puid"]] = stored
                        made.append(stored)
                if api.drop_after_store > 0:
                    api.drop_after_store -= 1
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if api.hold_after_store:
                    api.stored_event.set()
                    api.release.wait(30)
                with contextlib.suppress(OSError):
                    self._answer(201, {"statements": made})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """Base URL (no trailing slash)."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def sent_puids(self) -> list[str]:
        """Every puid of every POST, in order (a statement sent twice appears twice)."""
        return [p for batch in self.posted for p in batch]

    def close(self) -> None:
        """Stop the server."""
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

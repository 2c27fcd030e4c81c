"""A local server that drips: one byte every :data:`DRIP_SECONDS`, in the headers or the
body, on 127.0.0.1 (a threaded ``http.server``; no test reaches the internet)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DRIP_SECONDS = 0.2
#: bytes dripped at most (10 s): a client without a deadline gets an answer in the end
DRIP_BYTES = 50
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 50\r\n\r\n"


class DripServer:
    """``/ok`` answers at once; ``/drip-body`` sends its headers, then a 50-byte body one byte
    at a time; ``/drip-head`` sends even its status line one byte at a time. ``hits`` counts
    requests per path, ``sent`` the bytes written per path before the client went away."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.sent: Counter[str] = Counter()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                server.answer(self)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.answer(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        self.hits[path] += 1
        handler.close_connection = True
        body = b"x" * DRIP_BYTES
        try:
            if path == "/ok":
                handler.wfile.write(HEAD + body)
                return
            if path == "/drip-body":
                handler.wfile.write(HEAD)
                dripped = body
            elif path == "/drip-head":
                dripped = HEAD[:DRIP_BYTES]
            else:
                handler.wfile.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                return
            for index in range(len(dripped)):
                handler.wfile.write(dripped[index : index + 1])
                handler.wfile.flush()
                self.sent[path] += 1
                time.sleep(DRIP_SECONDS)
        except OSError:
            return

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

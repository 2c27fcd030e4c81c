"""Local stand-ins of the exchange APIs, speaking their wire formats as python-threatexchange's
clients expect them (used through an httpx MockTransport under tvec's outbound client).

Hashes are generated stand-ins (SHA-256 of a counter), never real material.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx


def pdq(n: int) -> str:
    """A benign 64-hex-digit PDQ stand-in."""
    return hashlib.sha256(f"pdq-{n}".encode()).hexdigest()


def md5(n: int) -> str:
    return hashlib.md5(f"md5-{n}".encode()).hexdigest()


@dataclass
class TatServer:
    """Tech Against Terrorism's hash list API: token auth, pages with ``next`` and
    ``checkpoint`` (``"<updated_on>,<id>"``), ``after`` filtering, deletions."""

    records: dict[int, dict[str, Any]] = field(default_factory=dict)
    page_size: int = 2
    username: str = "user"
    password: str = "secret"
    faults: list[httpx.Response] = field(default_factory=list)
    broken_pages: dict[int, bytes] = field(default_factory=dict)  # offset -> body
    clock: float = 1_700_000_000.0
    requests: list[httpx.Request] = field(default_factory=list)

    def put(self, record_id: int, digest: str, *, algorithm: str = "PDQ", **more: Any) -> None:
        self.clock += 1
        self.records[record_id] = {
            "id": record_id,
            "hash_digest": digest,
            "algorithm": algorithm,
            "ideology": more.pop("ideology", "far-right"),
            "file_type": more.pop("file_type", "jpg"),
            "deleted": False,
            "updated_on": self.clock,
            "created_on": "2024-01-01T00:00:00Z",
            **more,
        }

    def delete(self, record_id: int) -> None:
        self.clock += 1
        self.records[record_id] = {
            **self.records[record_id],
            "deleted": True,
            "updated_on": self.clock,
        }

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.faults:
            return self.faults.pop(0)
        path = request.url.path
        if request.method == "POST" and path == "/token-auth/tcap/":
            form = parse_qs(request.content.decode())
            if form.get("username") == [self.username] and form.get("password") == [self.password]:
                return httpx.Response(200, json={"token": "tok", "user": {}})
            return httpx.Response(401, json={"detail": "bad credentials"})
        if path == "/api/hash-list/v2/all":
            if request.headers.get("authorization") != "Bearer tok":
                return httpx.Response(401, json={"detail": "no token"})
            query = parse_qs(request.url.query.decode(), keep_blank_values=True)
            after = (query.get("after") or [""])[0]
            offset = int((query.get("offset") or ["0"])[0])
            mark = (0.0, 0)
            if after:
                ts, _, rid = after.partition(",")
                mark = (float(ts), int(rid))
            rows = sorted(
                (r for r in self.records.values() if (r["updated_on"], r["id"]) > mark),
                key=lambda r: (r["updated_on"], r["id"]),
            )
            if offset in self.broken_pages:
                return httpx.Response(200, content=self.broken_pages.pop(offset))
            page = rows[offset : offset + self.page_size]
            more = offset + self.page_size < len(rows)
            nxt = (
                f"https://tat.example/api/hash-list/v2/all?limit={self.page_size}"
                f"&offset={offset + self.page_size}"
                if more
                else None
            )
            checkpoint = f"{page[-1]['updated_on']},{page[-1]['id']}" if page else ""
            return httpx.Response(
                200,
                json={
                    "count": len(rows),
                    "next": nxt,
                    "previous": None,
                    "checkpoint": checkpoint,
                    "results": page,
                },
            )
        return httpx.Response(404)


@dataclass
class ThreatExchangeServer:
    """The Graph API's ``/<privacy group>/threat_updates/`` (cursor pages in
    ``paging.next``, ``start_time`` filtering, ``should_delete``) and descriptor reactions."""

    group: int = 1234
    token: str = "1234567890|" + "a" * 24
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    page_size: int = 2
    clock: int = 1_700_000_000
    reaction_faults: int = 0
    reactions: list[tuple[str, str]] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def put(self, descriptor: str, indicator: str, kind: str = "HASH_PDQ", **more: Any) -> None:
        self.clock += 1
        self.records[descriptor] = {
            "id": descriptor,
            "indicator": indicator,
            "type": kind,
            "last_updated": self.clock,
            "should_delete": False,
            "tags": more.pop("tags", ["terrorism"]),
            **more,
        }

    def delete(self, descriptor: str) -> None:
        self.clock += 1
        self.records[descriptor] = {
            **self.records[descriptor],
            "should_delete": True,
            "last_updated": self.clock,
        }

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        query = parse_qs(request.url.query.decode(), keep_blank_values=True)
        if query.get("access_token") != [self.token]:
            return httpx.Response(401, json={"error": {"message": "Invalid OAuth access token"}})
        path = request.url.path
        if request.method == "GET" and path == f"/v26.0/{self.group}/threat_updates/":
            start = int((query.get("start_time") or ["0"])[0] or 0)
            after = (query.get("after") or [""])[0]
            rows = sorted(
                (r for r in self.records.values() if r["last_updated"] > start),
                key=lambda r: (r["last_updated"], r["id"]),
            )
            offset = int(after) if after else 0
            page = rows[offset : offset + self.page_size]
            body: dict[str, Any] = {"data": page}
            if offset + self.page_size < len(rows):
                body["paging"] = {
                    "cursors": {"after": str(offset + self.page_size)},
                    "next": (
                        f"https://graph.example/v26.0/{self.group}/threat_updates/?"
                        f"access_token={self.token}&start_time={start}"
                        f"&after={offset + self.page_size}"
                    ),
                }
            return httpx.Response(200, json=body)
        if request.method == "POST":
            descriptor = path.strip("/").split("/")[-1]
            if self.reaction_faults > 0:
                self.reaction_faults -= 1
                return httpx.Response(500, json={"error": {"message": "try later"}})
            self.reactions.append((descriptor, query["reactions"][0]))
            return httpx.Response(200, json={"success": True})
        return httpx.Response(404, json={"error": {"message": "unknown"}})


@dataclass
class ListServer:
    """A plain HTTPS list with an ETag (304 when unchanged)."""

    body: str = ""
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        etag = '"' + hashlib.sha256(self.body.encode()).hexdigest()[:16] + '"'
        if request.headers.get("if-none-match") == etag:
            return httpx.Response(304)
        return httpx.Response(200, content=self.body.encode(), headers={"ETag": etag})


def route(servers: dict[str, Any]) -> httpx.MockTransport:
    """One transport answering each host with its server (by the Host header: the outbound
    client connects to the pinned address)."""

    def handler(request: httpx.Request) -> httpx.Response:
        host = request.headers.get("host", request.url.host)
        server = servers.get(host)
        if server is None:
            return httpx.Response(404)
        return server(request)

    return httpx.MockTransport(handler)


def as_json(value: Any) -> bytes:
    return json.dumps(value).encode()

"""HMA-compatible matching API: recorded request/response shapes from HMA's source
(tests/web/hma_fixtures.json) answered by tvec for the same bank."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import WebEnv
from tvec.accounts import create_token
from tvec.signals.hashing import hash_content
from tvec.store.models import BankEntry

FIXTURES = json.loads((Path(__file__).parent / "hma_fixtures.json").read_text(encoding="utf-8"))


def _fits(value: Any, shape: Any) -> bool:
    """Whether a JSON value has the recorded shape: ``"<int>"``-like strings stand for any
    value of that type, a ``"<...>"`` key for any key, a one-item list for a list of such."""
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return False
        wild = [k for k in shape if k.startswith("<")]
        if wild:
            return all(_fits(v, shape[wild[0]]) for v in value.values())
        return set(value) == set(shape) and all(_fits(value[k], shape[k]) for k in shape)
    if isinstance(shape, list):
        return isinstance(value, list) and all(_fits(v, shape[0]) for v in value)
    if isinstance(shape, str) and shape.startswith("<"):
        return isinstance(value, int) if "int" in shape else isinstance(value, str | int)
    return bool(value == shape)


@pytest.fixture
def hma(web: WebEnv) -> tuple[TestClient, dict[str, str], dict[str, Any]]:
    """A client with an API token, and the bank's signals for the known picture."""
    with web.store.session() as session:
        token = create_token(session, "viewer", "hma-client")
        entries = {
            e.signal_type: {"id": e.id, "value": e.value}
            for e in session.scalars(select(BankEntry))
        }
    client = TestClient(web.app, headers={"Authorization": f"Bearer {token}"})
    return client, {"token": token}, entries


def _check(exchange_name: str, response_body: Any, status: int) -> None:
    exchange = next(e for e in FIXTURES["exchanges"] if e["name"] == exchange_name)
    assert status == exchange["response"]["status"], exchange_name
    expected = exchange["response"]["body"]
    assert _fits(response_body, expected), (exchange_name, response_body)


def test_fixture_names_its_source() -> None:
    assert FIXTURES["source"]["repository"] == "facebook/ThreatExchange"
    assert (
        "hasher-matcher-actioner/src/OpenMediaMatch/blueprints/matching.py"
        in FIXTURES["source"]["paths"]
    )


def test_raw_lookup(hma) -> None:  # type: ignore[no-untyped-def]
    client, _, entries = hma
    pdq = entries["pdq"]
    response = client.get("/m/raw_lookup", params={"signal_type": "pdq", "signal": pdq["value"]})
    _check("raw_lookup ids", response.json(), response.status_code)
    assert response.json() == {"matches": [pdq["id"]]}
    response = client.get(
        "/m/raw_lookup",
        params={"signal_type": "pdq", "signal": pdq["value"], "include_distance": "true"},
    )
    _check("raw_lookup with distance", response.json(), response.status_code)
    assert response.json() == {"matches": [{"bank_content_id": pdq["id"], "distance": "0"}]}
    md5 = entries["md5"]
    exact = client.get(
        "/m/raw_lookup",
        params={"signal_type": "md5", "signal": md5["value"], "include_distance": "1"},
    )
    assert exact.json() == {"matches": [{"bank_content_id": md5["id"], "distance": "-"}]}
    other_bank = client.get(
        "/m/raw_lookup", params={"signal_type": "pdq", "signal": pdq["value"], "banks": "elsewhere"}
    )
    assert other_bank.json() == {"matches": []}


def test_raw_lookup_errors(hma) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = hma
    response = client.get("/m/raw_lookup", params={"signal_type": "pdq"})
    _check("raw_lookup missing signal", response.json(), response.status_code)
    response = client.get("/m/raw_lookup", params={"signal_type": "nope", "signal": "x"})
    _check("raw_lookup unknown signal type", response.json(), response.status_code)
    bad = client.get("/m/raw_lookup", params={"signal_type": "pdq", "signal": "xyz"})
    assert bad.status_code == 400 and bad.json()["message"].startswith("invalid signal: ")


def test_lookup_by_signal(hma, web: WebEnv) -> None:  # type: ignore[no-untyped-def]
    client, _, entries = hma
    near = hash_content(web.sample.near.read_bytes(), "near.png", max_pixels=10**8)
    near_pdq = next(s.value for s in near.signals if s.signal_type == "pdq")
    response = client.get("/m/lookup", params={"signal_type": "pdq", "signal": near_pdq})
    _check("lookup by signal", response.json(), response.status_code)
    (match,) = response.json()["tcap"]
    assert match["bank_content_id"] == entries["pdq"]["id"]
    assert 0 < int(match["distance"]) <= 31
    response = client.get("/m/lookup")
    _check("lookup without signal or url", response.json(), response.status_code)
    refused = client.get("/m/lookup", params={"url": "http://x.example/a.jpg"})
    assert refused.status_code == 403  # x.example is not in TVEC_HASH_URL_HOSTS


def test_hash_and_lookup_uploads(hma, web: WebEnv) -> None:  # type: ignore[no-untyped-def]
    client, _, entries = hma
    data = web.sample.known.read_bytes()
    hashed = client.post("/h/hash", files={"photo": ("known.png", data, "image/png")})
    _check("hash upload", hashed.json(), hashed.status_code)
    assert hashed.json() == {"pdq": entries["pdq"]["value"]}
    with_md5 = client.post(
        "/h/hash", params={"types": "pdq,md5"}, files={"photo": ("k.png", data, "image/png")}
    )
    assert with_md5.json() == {"pdq": entries["pdq"]["value"], "md5": entries["md5"]["value"]}
    looked = client.post("/m/lookup", files={"photo": ("known.png", data, "image/png")})
    _check("lookup upload", looked.json(), looked.status_code)
    assert looked.json() == {
        "pdq": {"tcap": [{"bank_content_id": entries["pdq"]["id"], "distance": "0"}]}
    }
    none = client.post("/h/hash")
    _check("hash without file", none.json(), none.status_code)
    two = client.post("/h/hash", files={"photo": ("a.png", data), "video": ("b.mp4", b"x")})
    _check("hash with two files", two.json(), two.status_code)
    wrong = client.post("/h/hash", files={"audio": ("a.mp3", b"x")})
    assert (wrong.status_code, wrong.json()) == (400, {"message": "no such content_type: 'audio'"})


class _Media(BaseHTTPRequestHandler):
    files: ClassVar[dict[str, tuple[str, bytes]]] = {}
    redirects: ClassVar[dict[str, str]] = {}
    requested: ClassVar[list[tuple[str, str]]] = []

    def do_GET(self) -> None:
        self.requested.append((self.headers.get("Host", ""), self.path))
        if self.path in self.redirects:
            self.send_response(302)
            self.send_header("Location", self.redirects[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        content_type, body = self.files.get(self.path, ("text/plain", b"not found"))
        self.send_response(200 if self.path in self.files else 404)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def media_server(web: WebEnv) -> Iterator[str]:
    _Media.files = {
        "/known.png": ("image/png", web.sample.known.read_bytes()),
        "/page.html": ("text/html", b"<html></html>"),
    }
    _Media.redirects = {}
    _Media.requested = []
    server = HTTPServer(("127.0.0.1", 0), _Media)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_hashing_by_url_only_from_allow_listed_hosts(hma, web: WebEnv, media_server: str) -> None:  # type: ignore[no-untyped-def]
    client, _, entries = hma
    url = f"{media_server}/known.png"
    refused = client.get("/h/hash", params={"url": url})
    assert refused.status_code == 403
    assert refused.json() == {
        "message": "Hashing by URL is not allowed for host '127.0.0.1' (TVEC_HASH_URL_HOSTS)"
    }
    ctx = web.app.state.ctx.app
    ctx.settings = ctx.settings.model_copy(
        update={
            "hash_url_hosts": ["127.0.0.1"],
            "outbound_allow_hosts": ["127.0.0.1"],
            "http_host_interval_seconds": 0.0,
        }
    )
    hashed = client.get("/h/hash", params={"url": url})
    assert hashed.json() == {"pdq": entries["pdq"]["value"]}
    match = [{"bank_content_id": entries["pdq"]["id"], "distance": "0"}]
    assert client.get("/m/lookup", params={"url": url}).json() == {"pdq": {"tcap": match}}
    one_type = client.get("/m/lookup", params={"url": url, "signal_type": "pdq"})
    assert one_type.json() == {"tcap": match}
    html = client.get("/h/hash", params={"url": f"{media_server}/page.html"})
    assert html.status_code == 400 and html.json()["message"].startswith(
        "unsupported url ContentType"
    )


def test_a_redirect_outside_the_hash_url_hosts_is_refused_before_it_is_fetched(  # type: ignore[no-untyped-def]
    hma, web: WebEnv, media_server: str
) -> None:
    """Issue 16, finding 5: the redirect target is checked against TVEC_HASH_URL_HOSTS before
    it is requested, not after the fetch (the outbound rules allow both names here)."""
    client, _, _ = hma
    port = media_server.rsplit(":", 1)[1]
    _Media.redirects = {"/hop": f"http://localhost:{port}/known.png"}
    ctx = web.app.state.ctx.app
    ctx.settings = ctx.settings.model_copy(
        update={
            "hash_url_hosts": ["127.0.0.1"],
            "outbound_allow_hosts": ["127.0.0.1", "localhost", "::1"],
            "http_host_interval_seconds": 0.0,
        }
    )
    refused = client.get("/h/hash", params={"url": f"{media_server}/hop"})
    assert refused.status_code == 403
    assert refused.json() == {
        "message": "Hashing by URL is not allowed for host 'localhost' (TVEC_HASH_URL_HOSTS)"
    }
    assert [path for _, path in _Media.requested] == ["/hop"]  # /known.png never fetched


def test_a_vpdq_setting_reaches_the_hma_lookups_matcher(hma, web: WebEnv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The HMA look-ups match with the context's matcher, built with the settings' vPDQ rule
    (as ``tvec scan`` and ``tvec match``): a picture matches a bank video's frame of quality
    80 by default, and no longer once ``TVEC_VPDQ_MIN_QUALITY`` is 90."""
    from tvec.app.banks import import_bank
    from tvec.matching.vpdq_index import VPDQRule

    client, _, _ = hma
    frame, other = "f" * 64, "0f" * 32
    video = json.dumps([f"{frame},80,0.0", f"{other},80,1.0"])
    bank_file = tmp_path / "videos.csv"
    bank_file.write_text(
        'signal_type,value\nvpdq,"' + video.replace('"', '""') + '"\n', encoding="utf-8"
    )
    ctx = web.app.state.ctx.app
    loaded = import_bank(ctx, "videos", bank_file, "csv", create=True, actor="cli")
    assert (loaded.added, loaded.problems) == (1, [])
    params = {"signal_type": "pdq", "signal": frame, "include_distance": "true"}
    (found,) = client.get("/m/raw_lookup", params=params).json()["matches"]
    assert found["distance"] == "0"
    ctx.settings = ctx.settings.model_copy(update={"vpdq_min_quality": 90})
    assert client.get("/m/raw_lookup", params=params).json() == {"matches": []}
    with ctx.read() as session:
        assert ctx.matcher(session).vpdq == VPDQRule.from_settings(ctx.settings)
        assert ctx.matcher(session).vpdq.min_quality == 90


def test_hashing_by_url_fetches_through_the_contexts_outbound_client(
    hma,  # type: ignore[no-untyped-def]
    web: WebEnv,
) -> None:
    """``GET /h/hash?url=`` fetches with the context's client: its transport and resolver
    (here a stub: nothing leaves the machine) and the settings' address rules."""
    import httpx

    from tvec.app.context import open_context
    from tvec.web import create_app

    _, auth, entries = hma
    seen: list[tuple[str | None, str]] = []
    picture = web.sample.known.read_bytes()

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.headers.get("host"), request.url.path))
        return httpx.Response(200, headers={"content-type": "image/png"}, content=picture)

    settings = web.app.state.ctx.app.settings.model_copy(
        update={"hash_url_hosts": ["media.example"], "http_host_interval_seconds": 0.0}
    )
    ctx = open_context(
        settings,
        store=web.store,
        transport=httpx.MockTransport(answer),
        resolver=lambda host, port: ["93.184.216.34"],
    )
    client = TestClient(create_app(ctx), headers={"Authorization": f"Bearer {auth['token']}"})
    hashed = client.get("/h/hash", params={"url": "https://media.example/poster.png"})
    assert hashed.status_code == 200, hashed.text
    assert hashed.json() == {"pdq": entries["pdq"]["value"]}
    assert seen == [("media.example", "/poster.png")]  # by the stub, as the resolver said

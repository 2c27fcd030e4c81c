"""HMA compatibility: for every HMA (OpenMediaMatch) route tvec serves beyond hashing and
matching (those are in test_hma.py), the request an HMA client sends gets the status code and
JSON shape that HMA's own source defines.

The expectations are read from facebook/ThreatExchange at commit
baefb4ed67b6cdc1d4c82dbaef858d50866ac424, under ``hasher-matcher-actioner/src/OpenMediaMatch/``
(cited below as ``curation.py:N`` for ``blueprints/curation.py`` line N, ``schemas/...``,
``app.py``, ``database.py`` for ``storage/postgres/database.py``, ``flask_utils.py`` for
``utils/flask_utils.py``; HMA's own tests ``tests/test_api_banks.py`` confirm codes where the
route's ``responses=`` declaration and its code disagree, e.g. adding content answers 200,
not the declared 201). Calls ROOST's Coop makes (roostorg/coop
``server/services/hmaService/index.ts``) are marked "Coop".

The one difference every request shows: tvec needs an API token (``Authorization: Bearer``);
HMA has no authentication of its own. Runs on SQLite and PostgreSQL (``db_url``).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.review_data import fast_settings, gradient_image, make_users
from tvec.accounts import create_token
from tvec.app.context import open_context
from tvec.signals.hashing import hash_content
from tvec.store import Store, open_store
from tvec.store.models import AuditEvent
from tvec.web import create_app

#: Two benign PDQ hashes far apart (generated, not of any real content).
PDQ_A = "f" * 64
PDQ_B = "facefacefacefacefacefacefacefacefacefacefacefacefacefacefaceface"
MD5 = "0123456789abcdef0123456789abcdef"


@dataclass
class Hma:
    """Clients with API tokens for each role, over an empty store."""

    app: FastAPI
    store: Store
    home: Path
    clients: dict[str, TestClient]

    @property
    def curator(self) -> TestClient:
        """An analyst: may curate banks (``bank.write``)."""
        return self.clients["analyst"]

    def kinds(self) -> list[str]:
        """Kinds of the bank and signal type audit events, oldest first."""
        with self.store.session() as session:
            kinds = session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id))
            return [k for k in kinds if k.startswith(("bank.", "signal_type."))]


@pytest.fixture
def hma(db_url: str, tmp_path: Path) -> Iterator[Hma]:
    settings = fast_settings(
        tmp_path / "home",
        database_url=db_url,
        secret_key="test-secret-key-0123456789",
        index_check_seconds=0,  # every look-up sees the latest bank change
    )
    store = open_store(settings)
    make_users(store)
    clients: dict[str, TestClient] = {}
    app = create_app(open_context(settings, store=store))
    with store.session() as session:
        for role in ("admin", "analyst", "moderator", "viewer"):
            token = create_token(session, role, f"hma-{role}")
            clients[role] = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    yield Hma(app, store, tmp_path, clients)
    for client in clients.values():
        client.close()
    store.close()


def _bank(client: TestClient, name: str = "MY_TEST_BANK", **extra: Any) -> dict[str, Any]:
    response = client.post("/c/banks", json={"name": name, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# --- health: app.py ----------------------------------------------------------------------------


def test_status_routes_answer_like_hma(hma: Hma) -> None:
    anonymous = TestClient(hma.app)  # load balancers send no token; HMA's have none either
    # app.py:261-285: "I-AM-ALIVE", 200 (503 with INDEX-NOT-LOADED / INDEX-STALE otherwise)
    for path in ("/status", "/status/live", "/readyz", "/livez"):
        response = anonymous.get(path)
        assert (response.status_code, response.text) == (200, "I-AM-ALIVE"), path
        assert response.headers["content-type"].startswith("text/html")  # Flask's str answer


def test_status_is_503_when_the_database_does_not_answer(hma: Hma) -> None:
    anonymous = TestClient(hma.app)
    ctx = hma.app.state.ctx.app
    real = ctx.store
    ctx.store = _DeadStore(real)
    try:
        response = anonymous.get("/status")
        assert (response.status_code, response.text) == (503, "INDEX-NOT-LOADED")
        assert anonymous.get("/readyz").status_code == 503
        # app.py:287-304: liveness never looks at the index
        assert anonymous.get("/status/live").status_code == 200
    finally:
        ctx.store = real


class _DeadStore:
    """A store whose sessions fail like a database that is down."""

    def __init__(self, real: Store) -> None:
        self._real = real

    def session(self) -> Any:
        from tvec.errors import StoreError

        raise StoreError("database error: connection refused")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


# --- banks: curation.py:69-174, schemas/curation.py:8-30 ----------------------------------------


def test_banks_list_create_get(hma: Hma) -> None:
    client = hma.curator
    # curation.py:69-78 -> a JSON list; test_api_banks.py:22-25 (empty)
    response = client.get("/c/banks")
    assert (response.status_code, response.json()) == (200, [])
    # curation.py:98-123 -> 201 BankConfig {name, matching_enabled_ratio} (schemas:8-14)
    created = client.post("/c/banks", json={"name": "MY_TEST_BANK_01"})
    assert created.status_code == 201
    assert created.json() == {"name": "MY_TEST_BANK_01", "matching_enabled_ratio": 1.0}
    assert client.get("/c/banks").json() == [created.json()]
    # curation.py:81-95 -> the bank, or 404 {"message": "bank 'X' not found"}
    shown = client.get("/c/bank/MY_TEST_BANK_01")
    assert (shown.status_code, shown.json()) == (200, created.json())
    missing = client.get("/c/bank/NO_SUCH_BANK")
    assert missing.status_code == 404
    assert missing.json() == {"message": "bank 'NO_SUCH_BANK' not found"}
    assert hma.kinds() == ["bank.create"]


def test_bank_create_ratio_like_coop_sends_it(hma: Hma) -> None:
    # Coop (index.ts ~line 245): {"name": "COOP_<ORG>_<NAME>", "enabled_ratio": "0.5"}, a
    # string; HMA's pydantic body (schemas/curation.py:17-22) coerces it to a float
    response = hma.curator.post(
        "/c/banks", json={"name": "COOP_ORG1_MY_BANK", "enabled_ratio": "0.5"}
    )
    assert response.status_code == 201
    assert response.json() == {"name": "COOP_ORG1_MY_BANK", "matching_enabled_ratio": 0.5}
    # curation.py:106-111: enabled_ratio wins; "enabled" alone keeps the schema's default 1.0
    assert _bank(hma.curator, "OFF_BANK", enabled_ratio=0.0)["matching_enabled_ratio"] == 0.0
    assert _bank(hma.curator, "ON_BANK", enabled=False)["matching_enabled_ratio"] == 1.0


def test_bank_create_errors(hma: Hma) -> None:
    client = hma.curator
    # database.py:126-127,163-167 + curation.py:119-120: bad names are 400 with HMA's message
    # (test_api_banks.py:28-41: "01_TEST_BANK" and "my_test_bank")
    for name in ("01_TEST_BANK", "my_test_bank", "BAD-NAME", ""):
        response = client.post("/c/banks", json={"name": name})
        assert response.status_code == 400, name
        assert response.json() == {"message": "Bank names must be UPPER_WITH_UNDERSCORE"}
    # curation.py:121-122: a taken name is 403 "Bank already exists"
    _bank(client, "TAKEN")
    again = client.post("/c/banks", json={"name": "TAKEN"})
    assert (again.status_code, again.json()) == (403, {"message": "Bank already exists"})
    # flask-openapi3 validates the body against BankCreateRequest: 422, pydantic's error list
    invalid = client.post("/c/banks", json={"enabled_ratio": 1})
    assert invalid.status_code == 422
    assert isinstance(invalid.json(), list) and invalid.json()[0]["type"] == "missing"


def test_bank_update(hma: Hma) -> None:
    client = hma.curator
    _bank(client)
    # curation.py:126-160 and test_api_banks.py:59-103
    bad = client.put("/c/bank/MY_TEST_BANK", json={"name": "1_invalid_name"})
    assert (bad.status_code, bad.json()["message"]) == (
        400,
        "Bank names must be UPPER_WITH_UNDERSCORE",
    )
    renamed = client.put("/c/bank/MY_TEST_BANK", json={"name": "MY_TEST_BANK_RENAMED"})
    assert renamed.status_code == 200
    assert renamed.json() == {"name": "MY_TEST_BANK_RENAMED", "matching_enabled_ratio": 1.0}
    off = client.put("/c/bank/MY_TEST_BANK_RENAMED", json={"enabled": False})
    assert (off.status_code, off.json()["matching_enabled_ratio"]) == (200, 0)
    half = client.put("/c/bank/MY_TEST_BANK_RENAMED", json={"enabled_ratio": 0.5})
    assert half.json()["matching_enabled_ratio"] == 0.5
    assert client.get("/c/banks").json() == [
        {"name": "MY_TEST_BANK_RENAMED", "matching_enabled_ratio": 0.5}
    ]
    # curation.py:143-144: 404 "Bank not found"
    missing = client.put("/c/bank/NOPE", json={"enabled": True})
    assert (missing.status_code, missing.json()) == (404, {"message": "Bank not found"})
    # curation.py:158-159: renaming onto a taken name is 403
    _bank(client, "OTHER")
    clash = client.put("/c/bank/OTHER", json={"name": "MY_TEST_BANK_RENAMED"})
    assert (clash.status_code, clash.json()) == (403, {"message": "Bank name already exists"})
    assert hma.kinds().count("bank.update") == 3


def test_bank_delete(hma: Hma) -> None:
    client = hma.curator
    _bank(client)
    # curation.py:163-174: {"message": "Done"}, 200, also for a bank that is not there
    # (test_api_banks.py:106-123); Coop deletes with DELETE /c/bank/<name>
    for _ in range(2):
        response = client.delete("/c/bank/MY_TEST_BANK")
        assert (response.status_code, response.json()) == (200, {"message": "Done"})
    assert client.get("/c/bank/MY_TEST_BANK").status_code == 404
    assert hma.kinds() == ["bank.create", "bank.delete"]


# --- bank content: curation.py:224-493 --------------------------------------------------------


def test_add_by_signal_get_update_delete(hma: Hma) -> None:
    client = hma.curator
    _bank(client)
    # curation.py:472-493 -> _bank_add_signals (362-405): {"id", "signals"}, 200
    added = client.post("/c/bank/MY_TEST_BANK/signal", json={"pdq": PDQ_B, "note": "seed"})
    assert added.status_code == 200, added.text
    body = added.json()
    assert set(body) == {"id", "signals"} and isinstance(body["id"], int)
    assert body["signals"] == {"pdq": PDQ_B}
    cid = body["id"]
    # curation.py:224-292 + schemas/curation.py:66-78: signals only with include_signals,
    # note only when set, metadata only when there is some
    shown = client.get(f"/c/bank/MY_TEST_BANK/content/{cid}")
    assert shown.status_code == 200
    assert shown.json() == {
        "id": cid,
        "disable_until_ts": 1,
        "original_media_uri": None,
        "bank": {"name": "MY_TEST_BANK", "matching_enabled_ratio": 1.0},
        "note": "seed",
    }
    with_signals = client.get(
        f"/c/bank/MY_TEST_BANK/content/{cid}", params={"include_signals": "true"}
    )
    assert with_signals.json()["signals"] == {"pdq": PDQ_B}
    # curation.py:408-447: PUT answers the BankContentConfig dataclass as JSON
    until = int(time.time()) + 365 * 24 * 3600
    updated = client.put(
        f"/c/bank/MY_TEST_BANK/content/{cid}", json={"disable_until_ts": until, "note": "n2"}
    )
    assert updated.status_code == 200
    assert updated.json() == {
        "id": cid,
        "disable_until_ts": until,
        "collab_metadata": {},
        "original_media_uri": None,
        "bank": {"name": "MY_TEST_BANK", "matching_enabled_ratio": 1.0},
        "user_metadata": None,
        "note": "n2",
    }
    # curation.py:450-469: {"deleted": count} (test_api_banks.py:227-237)
    deleted = client.delete(f"/c/bank/MY_TEST_BANK/content/{cid}")
    assert (deleted.status_code, deleted.json()) == (200, {"deleted": 1})
    assert client.delete(f"/c/bank/MY_TEST_BANK/content/{cid}").json() == {"deleted": 0}
    assert client.get(f"/c/bank/MY_TEST_BANK/content/{cid}").status_code == 404
    assert hma.kinds() == ["bank.create", "bank.add", "bank.entry_update", "bank.remove"]


def test_one_content_holds_several_signals(hma: Hma) -> None:
    client = hma.curator
    _bank(client)
    added = client.post("/c/bank/MY_TEST_BANK/signal", json={"pdq": PDQ_A, "md5": MD5}).json()
    assert added["signals"] == {"pdq": PDQ_A, "md5": MD5}
    shown = client.get(
        f"/c/bank/MY_TEST_BANK/content/{added['id']}", params={"include_signals": "true"}
    ).json()
    assert shown["signals"] == {"pdq": PDQ_A, "md5": MD5}
    # both signals answer the look-up with the content's one id (matching.py:150-275)
    for signal_type, value in (("pdq", PDQ_A), ("md5", MD5)):
        found = client.get("/m/raw_lookup", params={"signal_type": signal_type, "signal": value})
        assert found.json() == {"matches": [added["id"]]}
    assert client.delete(f"/c/bank/MY_TEST_BANK/content/{added['id']}").json() == {"deleted": 1}
    assert client.get("/m/raw_lookup", params={"signal_type": "md5", "signal": MD5}).json() == {
        "matches": []
    }


def test_add_by_signal_errors(hma: Hma) -> None:
    client = hma.curator
    # curation.py:487-490: unknown bank 404
    missing = client.post("/c/bank/NOPE/signal", json={"pdq": PDQ_A})
    assert (missing.status_code, missing.json()) == (404, {"message": "bank 'NOPE' not found"})
    _bank(client)
    # curation.py:368-369, 377-378, 381-382
    cases = [
        ({}, "No signals given"),
        ({"note": "only a note"}, "No signals given"),
        ({"no_such_type": "x"}, "No such signal type no_such_type"),
    ]
    for payload, message in cases:
        response = client.post("/c/bank/MY_TEST_BANK/signal", json=payload)
        assert (response.status_code, response.json()) == (400, {"message": message}), payload
    invalid = client.post("/c/bank/MY_TEST_BANK/signal", json={"pdq": "xyz"})
    assert invalid.status_code == 400
    assert invalid.json()["message"].startswith("Invalid pdq signal: ")
    # curation.py:202-210: notes are strings of at most 255 characters
    long_note = client.post("/c/bank/MY_TEST_BANK/signal", json={"pdq": PDQ_A, "note": "x" * 256})
    assert long_note.json() == {"message": "note must be at most 255 characters"}
    assert client.get("/c/banks").status_code == 200
    assert hma.kinds() == ["bank.create"]


def test_content_get_update_delete_errors(hma: Hma) -> None:
    client = hma.curator
    # curation.py:235-242 (test_api_banks.py:145-158): unknown bank, then unknown content: 404
    assert client.get("/c/bank/TEST_BANK_GET/content/1").json() == {
        "message": "bank 'TEST_BANK_GET' not found"
    }
    _bank(client, "TEST_BANK_GET")
    gone = client.get("/c/bank/TEST_BANK_GET/content/1")
    assert (gone.status_code, gone.json()) == (404, {"message": "content '1' not found"})
    assert client.put("/c/bank/TEST_BANK_GET/content/1", json={"note": "x"}).status_code == 404
    # curation.py:463-466: delete in an unknown bank is 404
    assert client.delete("/c/bank/NOPE/content/1").status_code == 404
    # <int:content_id> (curation.py:225): a non-number does not match the route at all
    assert client.get("/c/bank/TEST_BANK_GET/content/abc").status_code == 404
    # an id beyond the database's integer range names no content (it was a 500: the
    # query's parameter overflowed SQLite's INTEGER)
    huge = "/c/bank/TEST_BANK_GET/content/100000000000000000000"
    assert (client.get(huge).status_code, client.get(huge).json()) == (
        404,
        {"message": "content '100000000000000000000' not found"},
    )
    assert client.put(huge, json={"note": "x"}).status_code == 404
    assert (client.delete(huge).status_code, client.delete(huge).json()) == (200, {"deleted": 0})
    cid = client.post("/c/bank/TEST_BANK_GET/signal", json={"pdq": PDQ_A}).json()["id"]
    path = f"/c/bank/TEST_BANK_GET/content/{cid}"
    # curation.py:435-440 (test_api_banks.py:207-224)
    for value, message in (
        (-1, "disable_until_ts must be a non-negative integer"),
        (9999999999, "disable_until_ts must be less than 5 years in the future"),
        ("soon", "Invalid int: 'soon'"),
    ):
        response = client.put(path, json={"disable_until_ts": value})
        assert (response.status_code, response.json()) == (400, {"message": message}), value


def test_add_by_file_and_metadata(hma: Hma) -> None:
    client = hma.curator
    _bank(client)
    picture = gradient_image(hma.home / "benign.png", seed=7).read_bytes()
    expected = next(
        s.value
        for s in hash_content(picture, "benign.png", max_pixels=10**8).signals
        if s.signal_type == "pdq"
    )
    # curation.py:355-356 + hashing.py form upload: the field name is the content type;
    # Coop (index.ts ~line 860) sends the file plus a "metadata" form field of JSON
    added = client.post(
        "/c/bank/MY_TEST_BANK/content",
        files={"photo": ("benign.png", picture, "image/png")},
        data={"metadata": '{"content_id": "c-1", "json": {"k": 1}}', "note": "from a file"},
    )
    assert added.status_code == 200, added.text
    assert added.json() == {"id": added.json()["id"], "signals": {"pdq": expected}}
    shown = client.get(f"/c/bank/MY_TEST_BANK/content/{added.json()['id']}").json()
    # curation.py:259-268: metadata is BankedContentMetadata; "json" by its alias
    assert shown["metadata"] == {
        "content_id": "c-1",
        "content_uri": None,
        "json": {"k": 1},
        "collab": None,
    }
    assert shown["note"] == "from a file"
    hidden = client.get(
        f"/c/bank/MY_TEST_BANK/content/{added.json()['id']}",
        params={"include_metadata": "false"},
    ).json()
    assert "metadata" not in hidden
    # curation.py:177-199 (test_api_banks.py:240-256): unknown metadata keys are 400
    refused = client.post(
        "/c/bank/MY_TEST_BANK/content",
        files={"photo": ("b.png", picture, "image/png")},
        data={"metadata": '{"invalid_metadata": 5}'},
    )
    assert refused.status_code == 400
    assert refused.json()["message"].startswith("Invalid metadata: ")
    not_json = client.post(
        "/c/bank/MY_TEST_BANK/content",
        files={"photo": ("b.png", picture, "image/png")},
        data={"metadata": "{nope"},
    )
    assert not_json.json() == {"message": "metadata form field must be valid JSON"}
    # curation.py:357-358: neither url nor a file
    neither = client.post("/c/bank/MY_TEST_BANK/content")
    assert neither.status_code == 400
    assert neither.json() == {"message": "Neither `url` nor multipart file upload was received"}
    # curation.py:338-340: unknown bank 404 before anything else
    assert client.post("/c/bank/NOPE/content").status_code == 404


class _Picture(BaseHTTPRequestHandler):
    body: ClassVar[bytes] = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        return


def test_add_by_url_like_coop(hma: Hma) -> None:
    picture = gradient_image(hma.home / "served.png", seed=11).read_bytes()
    expected = next(
        s.value
        for s in hash_content(picture, "served.png", max_pixels=10**8).signals
        if s.signal_type == "pdq"
    )
    _Picture.body = picture
    server = HTTPServer(("127.0.0.1", 0), _Picture)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ctx = hma.app.state.ctx.app
    ctx.settings = ctx.settings.model_copy(
        update={
            "hash_url_hosts": ["127.0.0.1"],
            "outbound_allow_hosts": ["127.0.0.1"],
            "http_host_interval_seconds": 0.0,
        }
    )
    try:
        client = hma.curator
        _bank(client, "COOP_ORG1_URLS")
        # Coop (index.ts line 830): POST ?url=&content_id=&metadata= with no body; HMA
        # (curation.py:345-353) hashes the url and ignores the other query parameters
        url = f"http://127.0.0.1:{server.server_port}/served.png"
        added = client.post(
            "/c/bank/COOP_ORG1_URLS/content",
            params={"url": url, "content_id": "x-1", "metadata": '{"a": 1}'},
        )
        assert added.status_code == 200, added.text
        assert added.json() == {"id": added.json()["id"], "signals": {"pdq": expected}}
        # test_api_banks.py:160-177: with content_type=photo and a JSON body's metadata
        second = client.post(
            "/c/bank/COOP_ORG1_URLS/content",
            params={"url": url, "content_type": "photo"},
            json={"metadata": {"content_id": "1197433091", "json": {"asdf": {}}}},
        )
        assert second.status_code == 200
        assert second.json()["signals"] == {"pdq": expected}
        # tvec keeps a signal once per bank: the same picture is the same content
        # (docs/hma-compatibility.md, "Duplicates"); HMA would add a second one
        assert second.json()["id"] == added.json()["id"]
    finally:
        server.shutdown()
        server.server_close()


def test_add_by_url_only_from_allow_listed_hosts(hma: Hma) -> None:
    # curation.py:345-353 hashes ?url= like GET /h/hash (hashing.py); tvec fetches only from
    # TVEC_HASH_URL_HOSTS, so a host not listed is refused with 403 as in test_hma.py
    client = hma.curator
    _bank(client)
    refused = client.post(
        "/c/bank/MY_TEST_BANK/content",
        params={"url": "http://media.example/a.jpg", "content_type": "photo"},
    )
    assert refused.status_code == 403
    assert refused.json() == {
        "message": "Hashing by URL is not allowed for host 'media.example' (TVEC_HASH_URL_HOSTS)"
    }


# --- matching sees curation: a disabled bank, content or signal type does not match -------------


def test_lookup_follows_bank_ratio_and_content_switches(hma: Hma) -> None:
    client = hma.curator
    _bank(client, "SWITCHES")
    cid = client.post("/c/bank/SWITCHES/signal", json={"pdq": PDQ_B}).json()["id"]

    def lookup(**params: str) -> Any:
        query = {"signal_type": "pdq", "signal": PDQ_B, **params}
        response = client.get("/m/lookup", params=query)
        assert response.status_code == 200
        return response.json()

    def raw() -> Any:
        query = {"signal_type": "pdq", "signal": PDQ_B}
        return client.get("/m/raw_lookup", params=query).json()

    assert lookup() == {"SWITCHES": [{"bank_content_id": cid, "distance": "0"}]}
    # matching.py:417-422: a bank is looked up when its ratio >= random.Random(seed).random();
    # ratio 0 is (all but surely) off, unless bypass_coinflip (POST /m/lookup only)
    client.put("/c/bank/SWITCHES", json={"enabled": False})
    assert lookup() == {}
    # matching.py:194-212: raw_lookup reports the whole index, disabled or not
    assert raw() == {"matches": [cid]}
    # a ratio between 0 and 1 follows HMA's seeded coin flip exactly
    client.put("/c/bank/SWITCHES", json={"enabled_ratio": 0.5})
    for seed in ("1", "2", "3", "4", "5", "6"):
        hit = random.Random(seed).random() <= 0.5
        assert (lookup(seed=seed) != {}) is hit, seed
    client.put("/c/bank/SWITCHES", json={"enabled": True, "name": "SWITCHED"})
    assert lookup() == {"SWITCHED": [{"bank_content_id": cid, "distance": "0"}]}
    # matching.py:409 + threatexchange storage/interfaces.py:421-426: disable_until_ts 0 is
    # disabled, a time in the future disabled until then, 1 enabled
    client.put(f"/c/bank/SWITCHED/content/{cid}", json={"disable_until_ts": 0})
    assert lookup() == {} and raw() == {"matches": [cid]}
    later = int(time.time()) + 3600
    client.put(f"/c/bank/SWITCHED/content/{cid}", json={"disable_until_ts": later})
    assert lookup() == {}
    client.put(f"/c/bank/SWITCHED/content/{cid}", json={"disable_until_ts": 1})
    assert lookup() == {"SWITCHED": [{"bank_content_id": cid, "distance": "0"}]}
    # a signal type's ratio is stored but stops nothing: HMA's SignalTypeConfig.enabled is
    # enabled_ratio >= 0.0 (threatexchange storage/interfaces.py:61-64)
    admin = hma.clients["admin"]
    off = admin.put("/c/signal_type/pdq", json={"enabled_ratio": 0})
    assert off.status_code == 204 and off.content == b""
    assert lookup() == {"SWITCHED": [{"bank_content_id": cid, "distance": "0"}]}


def test_curation_changes_reach_the_persisted_index(hma: Hma) -> None:
    """Content added or removed through /c/ raises the bank change counter, so a matcher
    whose persisted index already exists sees it (no stale hash stays matchable)."""
    client = hma.curator
    _bank(client, "LIVE")
    first = client.post("/c/bank/LIVE/signal", json={"pdq": PDQ_B}).json()["id"]

    def found(signal: str) -> list[int]:
        query = {"signal_type": "pdq", "signal": signal}
        return list(client.get("/m/raw_lookup", params=query).json()["matches"])

    assert found(PDQ_B) == [first]  # builds the index
    other = "f" * 64
    second = client.post("/c/bank/LIVE/signal", json={"pdq": other}).json()["id"]
    assert found(other) == [second]
    assert client.delete(f"/c/bank/LIVE/content/{first}").json() == {"deleted": 1}
    assert found(PDQ_B) == []
    assert client.delete("/c/bank/LIVE").status_code == 200
    assert found(other) == []


def test_post_lookup_bypass_coinflip_matches_disabled_banks(hma: Hma) -> None:
    client = hma.curator
    picture = gradient_image(hma.home / "benign.png", seed=3).read_bytes()
    _bank(client, "OFF", enabled_ratio=0.0)
    cid = client.post(
        "/c/bank/OFF/content", files={"photo": ("b.png", picture, "image/png")}
    ).json()["id"]
    upload = {"photo": ("b.png", picture, "image/png")}
    assert client.post("/m/lookup", files=upload).json() == {"pdq": {}}
    # matching.py:380 (lookup_post): bypass_coinflip=true sets the coin flip to 0
    bypass = client.post("/m/lookup", params={"bypass_coinflip": "true"}, files=upload)
    assert bypass.json() == {"pdq": {"OFF": [{"bank_content_id": cid, "distance": "0"}]}}


# --- signal types, content types, index status -------------------------------------------------


def test_signal_and_content_types(hma: Hma) -> None:
    client, admin = hma.clients["viewer"], hma.clients["admin"]
    # curation.py:770-796: [{"name", "enabled_ratio"}]
    types = client.get("/c/signal_type")
    assert types.status_code == 200
    by_name = {t["name"]: t for t in types.json()}
    assert by_name["pdq"] == {"name": "pdq", "enabled_ratio": 1.0}
    assert all(set(t) == {"name", "enabled_ratio"} for t in types.json())
    assert admin.put("/c/signal_type/md5", json={"enabled_ratio": 0.0}).status_code == 204
    assert {"name": "md5", "enabled_ratio": 0.0} in client.get("/c/signal_type").json()
    # curation.py:816-818 (flask_utils.py:39-48, 59-65): enabled_ratio required, a float
    missing = admin.put("/c/signal_type/md5", json={})
    assert (missing.status_code, missing.json()) == (400, {"message": "enabled_ratio is required"})
    bad = admin.put("/c/signal_type/md5", json={"enabled_ratio": "lots"})
    assert (bad.status_code, bad.json()) == (400, {"message": "Invalid float: 'lots'"})
    # HMA raises ValueError here (threatexchange storage/interfaces.py:81-92), which Flask
    # answers 500; tvec answers 400 with the same message
    unknown = admin.put("/c/signal_type/nope", json={"enabled_ratio": 1})
    assert (unknown.status_code, unknown.json()) == (400, {"message": "Unknown signal type nope"})
    # curation.py:876-902: [{"name", "enabled"}]
    content = client.get("/c/content_type")
    assert content.status_code == 200
    assert content.json() == [
        {"name": "photo", "enabled": True},
        {"name": "video", "enabled": True},
    ]
    assert "signal_type.change" in hma.kinds()


def test_index_status(hma: Hma) -> None:
    client = hma.curator
    # curation.py:825-872 (empty checkpoint: threatexchange interfaces.py:158-160, ts -1)
    empty = client.get("/c/signal_type/index", params={"signal_type": "pdq"})
    assert empty.status_code == 200
    assert empty.json() == {
        "pdq": {
            "db_size": 0,
            "index_size": 0,
            "index_out_of_date": False,
            "newest_db_item": -1,
            "index_built_to": -1,
        }
    }
    # matching.py:447-500: {"present", "built_to", "size"}
    assert client.get("/m/index/status", params={"signal_type": "pdq"}).json() == {
        "pdq": {"present": False, "built_to": -1, "size": 0}
    }
    _bank(client)
    client.post("/c/bank/MY_TEST_BANK/signal", json={"pdq": PDQ_A})
    status = client.get("/c/signal_type/index").json()["pdq"]
    assert status["db_size"] == status["index_size"] == 1
    assert status["newest_db_item"] == status["index_built_to"] > 0
    matcher = client.get("/m/index/status").json()
    assert matcher["pdq"]["present"] is True and matcher["pdq"]["size"] == 1
    assert all(set(v) == {"present", "built_to", "size"} for v in matcher.values())
    # curation.py:848-850, matching.py:475-477: unknown signal type 400
    for path in ("/c/signal_type/index", "/m/index/status"):
        response = client.get(path, params={"signal_type": "nope"})
        assert (response.status_code, response.json()) == (
            400,
            {"message": "No such signal type 'nope'"},
        ), path


# --- tvec's auth on HMA's routes (the difference: HMA has none) --------------------------------


def test_token_and_roles_guard_every_curation_route(hma: Hma) -> None:
    anonymous = TestClient(hma.app)
    response = anonymous.get("/c/banks")
    assert response.status_code == 401 and "message" in response.json()
    assert anonymous.post("/c/banks", json={"name": "X"}).status_code == 403  # no CSRF token
    viewer = hma.clients["viewer"]
    assert viewer.get("/c/banks").status_code == 200
    for method, path, body in (
        ("POST", "/c/banks", {"name": "VIEWER_BANK"}),
        ("PUT", "/c/bank/ANY", {"enabled": False}),
        ("DELETE", "/c/bank/ANY", None),
        ("POST", "/c/bank/ANY/signal", {"pdq": PDQ_A}),
        ("PUT", "/c/bank/ANY/content/1", {"note": "x"}),
        ("DELETE", "/c/bank/ANY/content/1", None),
        ("PUT", "/c/signal_type/pdq", {"enabled_ratio": 0}),
    ):
        refused = viewer.request(method, path, json=body)
        assert refused.status_code == 403, (method, path)
        assert "may not" in refused.json()["message"]
    # an analyst curates banks but may not switch signal types off for everyone
    assert hma.curator.put("/c/signal_type/pdq", json={"enabled_ratio": 0}).status_code == 403
    assert hma.kinds() == []


# --- exchanges: curation.py:505-766 --------------------------------------------------------------


def test_exchange_apis(hma: Hma) -> None:
    client = hma.curator
    # curation.py:505-514: list of API names (Coop: GET /c/exchanges/apis)
    apis = client.get("/c/exchanges/apis")
    assert apis.status_code == 200
    assert isinstance(apis.json(), list) and all(isinstance(a, str) for a in apis.json())
    # curation.py:517-542: {"supports_authentification", "has_set_authentification"};
    # unknown API 400 (Coop: GET and POST /c/exchanges/api/<name>)
    name = apis.json()[0]
    cfg = client.get(f"/c/exchanges/api/{name}")
    assert cfg.status_code == 200
    assert set(cfg.json()) == {"supports_authentification", "has_set_authentification"}
    assert client.get("/c/exchanges/api/no_such_api").status_code == 400
    # curation.py:545-573: {"config_schema": {"fields": [...]}, "credentials_schema": ...};
    # unknown API 404 (Coop: GET /c/exchanges/api/<name>/schema)
    schema = client.get(f"/c/exchanges/api/{name}/schema")
    assert schema.status_code == 200
    assert "fields" in schema.json()["config_schema"] and "credentials_schema" in schema.json()
    assert client.get("/c/exchanges/api/no_such_api/schema").status_code == 404


def test_exchange_create_list_show_status_delete(hma: Hma) -> None:
    client = hma.curator
    api = client.get("/c/exchanges/apis").json()[0]
    # curation.py:576-623 (HMA tests/test_api.py:306-310): 201 {"message": "Created successfully"}
    created = client.post("/c/exchanges", json={"api": api, "bank": "FOO_EXCHANGE", "api_json": {}})
    assert (created.status_code, created.json()) == (201, {"message": "Created successfully"})
    # curation.py:626-645: list of exchange names
    assert "FOO_EXCHANGE" in client.get("/c/exchanges").json()
    # curation.py:648-676: the exchange's config as JSON with name, api, enabled
    shown = client.get("/c/exchange/FOO_EXCHANGE")
    assert shown.status_code == 200
    assert {"name", "api", "enabled"} <= set(shown.json())
    # curation.py:679-704 + threatexchange storage/interfaces.py:233-242 (FetchStatus);
    # Coop reads last_fetch_succeeded, last_fetch_complete_ts, up_to_date, fetched_items,
    # running_fetch_start_ts
    status = client.get("/c/exchange/FOO_EXCHANGE/status")
    assert status.status_code == 200
    assert set(status.json()) == {
        "checkpoint_ts",
        "running_fetch_start_ts",
        "last_fetch_complete_ts",
        "last_fetch_succeeded",
        "up_to_date",
        "fetched_items",
    }
    # curation.py:707-742: PUT {"enabled": false} -> the config
    disabled = client.put("/c/exchange/FOO_EXCHANGE", json={"enabled": False})
    assert disabled.status_code == 200 and not disabled.json()["enabled"]
    # curation.py:745-766 (HMA tests/test_api.py:298-318): 200 also when not there
    for _ in range(2):
        gone = client.delete("/c/exchange/FOO_EXCHANGE")
        assert (gone.status_code, gone.json()) == (200, {"message": "Exchange deleted"})


def test_exchange_errors(hma: Hma) -> None:
    client = hma.curator
    # curation.py:592-608
    no_bank = client.post("/c/exchanges", json={"api": "x", "api_json": {}})
    assert (no_bank.status_code, no_bank.json()) == (400, {"message": "bank is required"})
    bad = client.post("/c/exchanges", json={"api": "x", "bank": "lower", "api_json": {}})
    assert bad.json() == {"message": "Field `bank` must match /^[A-Z0-9_]+$/"}
    unknown = client.post("/c/exchanges", json={"api": "no_such_api", "bank": "B", "api_json": {}})
    assert unknown.json() == {"message": "No such exchange type 'no_such_api'"}
    # curation.py:496-501 (HMA tests/test_api.py:320-323): unknown exchange 404
    for path in ("/c/exchange/NONEXISTENT_EXCHANGE", "/c/exchange/NONEXISTENT_EXCHANGE/status"):
        response = client.get(path)
        assert (response.status_code, response.json()) == (
            404,
            {"message": "Exchange 'NONEXISTENT_EXCHANGE' not found"},
        )


def test_fetch_now(hma: Hma) -> None:
    # development.py:71-81: HMA's only "fetch now" route, POST /dev/run_fetch, declared
    # {"200": SuccessResponse, "302": redirect to the UI's exchanges page}
    response = hma.curator.post("/dev/run_fetch", follow_redirects=False)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "message" in response.json()


def test_exchange_api_names_map_to_tvec_kinds(hma: Hma) -> None:
    client = hma.curator
    assert client.get("/c/exchanges/apis").json() == ["tat", "fb_threatexchange", "hma", "url-list"]
    # python-threatexchange's FBThreatExchangeCollabConfig needs privacy_group
    missing = client.post("/c/exchanges", json={"api": "fb_threatexchange", "bank": "GIFCT"})
    assert missing.status_code == 400
    assert missing.json()["message"].startswith("Failed to parse `api_json` - ")
    made = client.post(
        "/c/exchanges",
        json={"api": "fb_threatexchange", "bank": "GIFCT", "api_json": {"privacy_group": 1234}},
    )
    assert made.status_code == 201, made.text
    shown = client.get("/c/exchange/GIFCT").json()
    assert (shown["name"], shown["api"], shown["enabled"], shown["privacy_group"]) == (
        "GIFCT",
        "fb_threatexchange",
        True,
        1234,
    )
    # HMA's credential is per API: exchanges made here read it from the API's file
    assert shown["credential_file"].endswith("exchange-credentials/fb_threatexchange")
    # the long name of Tech Against Terrorism is accepted; created disabled as asked
    tat = client.post(
        "/c/exchanges",
        json={"api": "techagainstterrorism", "bank": "TAT", "api_json": {"enabled": False}},
    )
    assert tat.status_code == 201
    assert {k: client.get("/c/exchange/TAT").json()[k] for k in ("api", "enabled")} == {
        "api": "tat",
        "enabled": False,
    }
    assert client.get("/c/exchanges").json() == ["GIFCT", "TAT"]
    # the exchange's bank is an HMA bank too
    assert client.get("/c/bank/GIFCT").status_code == 200
    # APIs tvec has no kind for: HMA's error for an unknown exchange type
    for api in ("ncmec", "stop_ncii", "sample", "local_file"):
        refused = client.post("/c/exchanges", json={"api": api, "bank": "NOPE", "api_json": {}})
        assert (refused.status_code, refused.json()) == (
            400,
            {"message": f"No such exchange type '{api}'"},
        )
    # curation.py:592-606: the other input errors, in HMA's order
    for body, message in (
        ({"bank": "B", "api": "tat", "api_json": []}, "Field `api_json` must be object"),
        ({"bank": "B", "api_json": {}}, "Field `api_type` is required"),
        ({"bank": 7, "api": "tat"}, "Field `bank` must match /^[A-Z0-9_]+$/"),
    ):
        response = client.post("/c/exchanges", json=body)
        assert (response.status_code, response.json()) == (400, {"message": message})
    # a server file or variable may not be named as a credential over the API
    for where in ("credential_file", "credential_env"):
        sneaky = client.post(
            "/c/exchanges",
            json={"api": "hma", "bank": "X", "api_json": {"url": "http://a.example/", where: "x"}},
        )
        assert sneaky.status_code == 400 and where in sneaky.json()["message"]
    assert client.get("/c/bank/X").status_code == 404
    taken = client.post("/c/exchanges", json={"api": "tat", "bank": "TAT"})
    assert taken.status_code == 400 and "already exists" in taken.json()["message"]
    kinds = _exchange_kinds(hma)
    assert kinds.count("exchange.add") == 2 and "exchange.change" in kinds


def _exchange_kinds(hma: Hma) -> list[str]:
    with hma.store.session() as session:
        kinds = session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id))
        return [k for k in kinds if k.startswith("exchange.")]


def test_exchange_api_credentials_kept_in_a_private_file(hma: Hma) -> None:
    admin = hma.clients["admin"]
    assert admin.get("/c/exchanges/api/tat").json() == {
        "supports_authentification": True,
        "has_set_authentification": False,
    }
    assert admin.get("/c/exchanges/api/hma").json() == {
        "supports_authentification": False,
        "has_set_authentification": False,
    }
    # system configuration: admins only (an analyst may create exchanges)
    body = {"credential_json": {"username": "u", "password": "p@ss"}}
    assert hma.curator.post("/c/exchanges/api/tat", json=body).status_code == 403
    set_ = admin.post("/c/exchanges/api/tat", json=body)
    assert set_.json() == {"supports_authentification": True, "has_set_authentification": True}
    secret = hma.home / "home" / "exchange-credentials" / "tat"
    assert secret.read_text() == "u:p@ss\n" and secret.stat().st_mode & 0o777 == 0o600
    # the audit log names the file, never the credential
    with hma.store.session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "exchange.credentials")
        ).one()
        assert "p@ss" not in str(event.data) and str(secret) in str(event.data)
    # an exchange created now reads it
    assert hma.curator.post("/c/exchanges", json={"api": "tat", "bank": "T"}).status_code == 201
    assert hma.curator.get("/c/exchange/T").json()["credential_file"] == str(secret)
    # no change without credential_json; {} clears
    same = admin.post("/c/exchanges/api/tat", json={})
    assert same.json()["has_set_authentification"] is True
    cleared = admin.post("/c/exchanges/api/tat", json={"credential_json": {}})
    assert cleared.json()["has_set_authentification"] is False and not secret.exists()
    for path, payload, message in (
        ("/c/exchanges/api/tat", {"credential_json": {"username": "u"}}, "`password` is required"),
        ("/c/exchanges/api/hma", {"credential_json": {"token": "t"}}, "does not support"),
        ("/c/exchanges/api/tat", {"credential_json": "u:p"}, "must be object"),
        ("/c/exchanges/api/ncmec", {"credential_json": {}}, "no such Exchange API 'ncmec'"),
    ):
        response = admin.post(path, json=payload)
        assert response.status_code == 400 and message in response.json()["message"], path
    assert admin.get("/c/exchanges/api/ncmec/schema").json() == {
        "message": "Exchange API 'ncmec' not found"
    }
    fields = admin.get("/c/exchanges/api/fb_threatexchange/schema").json()
    assert [f["name"] for f in fields["credentials_schema"]["fields"]] == ["api_token"]
    group = fields["config_schema"]["fields"][0]
    assert (group["name"], group["type"], group["required"]) == ("privacy_group", "number", True)
    assert admin.get("/c/exchanges/api/hma/schema").json()["credentials_schema"] is None


def test_exchange_routes_keep_tvec_roles(hma: Hma) -> None:
    viewer, moderator = hma.clients["viewer"], hma.clients["moderator"]
    assert viewer.get("/c/exchanges").status_code == 403  # exchange.view: reviewers
    assert moderator.get("/c/exchanges").json() == []
    for method, path, body in (
        ("POST", "/c/exchanges", {"api": "tat", "bank": "M"}),
        ("PUT", "/c/exchange/M", {"enabled": False}),
        ("DELETE", "/c/exchange/M", None),
        ("POST", "/dev/run_fetch", None),
    ):
        refused = moderator.request(method, path, json=body)
        assert refused.status_code == 403 and "may not" in refused.json()["message"], path
    assert TestClient(hma.app).post("/dev/run_fetch").status_code in (401, 403)
    assert _exchange_kinds(hma) == []


class _List(BaseHTTPRequestHandler):
    body: ClassVar[bytes] = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        return


def test_fetch_now_status_and_delete_with_a_peer_hma(hma: Hma) -> None:
    _List.body = f"pdq {PDQ_A}\npdq {PDQ_B}\n".encode()
    server = HTTPServer(("127.0.0.1", 0), _List)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ctx = hma.app.state.ctx.app
    ctx.settings = ctx.settings.model_copy(
        update={"outbound_allow_hosts": ["127.0.0.1"], "http_host_interval_seconds": 0.0}
    )
    try:
        client = hma.curator
        url = f"http://127.0.0.1:{server.server_port}/bank.txt"
        made = client.post(
            "/c/exchanges", json={"api": "hma", "bank": "PEER", "api_json": {"url": url}}
        )
        assert made.status_code == 201, made.text
        # and one that cannot fetch (no credential set): it fails alone
        assert client.post("/c/exchanges", json={"api": "tat", "bank": "TAT"}).status_code == 201
        before = client.get("/c/exchange/PEER/status").json()
        assert before == {
            "checkpoint_ts": None,
            "running_fetch_start_ts": None,
            "last_fetch_complete_ts": None,
            "last_fetch_succeeded": None,
            "up_to_date": False,
            "fetched_items": 0,
        }
        fetched = client.post("/dev/run_fetch")
        assert fetched.status_code == 200 and fetched.json()["message"].startswith("Fetched")
        status = client.get("/c/exchange/PEER/status").json()
        assert status["last_fetch_succeeded"] is True and status["up_to_date"] is True
        assert status["fetched_items"] == 2 and status["last_fetch_complete_ts"] > 0
        failed = client.get("/c/exchange/TAT/status").json()
        assert failed["last_fetch_succeeded"] is False and failed["fetched_items"] == 0
        # the fetched hashes match
        match = client.get("/m/raw_lookup", params={"signal_type": "pdq", "signal": PDQ_A})
        assert match.status_code == 200 and match.json()["matches"], match.text
        # delete removes the exchange with its bank
        gone = client.delete("/c/exchange/PEER")
        assert gone.json() == {"message": "Exchange deleted"}
        assert client.get("/c/bank/PEER").status_code == 404
        assert client.get("/c/exchanges").json() == ["TAT"]
        kinds = _exchange_kinds(hma)
        assert kinds.count("exchange.fetch") == 2 and kinds[-1] == "exchange.remove"
    finally:
        server.shutdown()
        server.server_close()

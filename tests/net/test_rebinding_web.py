"""DNS rebinding on the HMA-compatible hashing by URL (``GET /h/hash?url=``): the media is
fetched from the address that was checked, and a second answer pointing at loopback is
refused; nothing reaches 127.0.0.1."""

from __future__ import annotations

import io
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image

from tests.net.rebinding import LOOPBACK, PUBLIC, RebindingResolver, RecordingTransport
from tests.review_data import fast_settings, make_users
from tvec.accounts import create_token
from tvec.app.context import open_context
from tvec.store import open_store
from tvec.web import create_app


def _png() -> bytes:
    picture = Image.new("RGB", (64, 64))
    picture.putdata(
        [((x * 7) % 256, (y * 13) % 256, (x * y) % 256) for y in range(64) for x in range(64)]
    )
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def test_hash_by_url_is_pinned_and_a_rebound_name_refused(tmp_path: Path) -> None:
    settings = fast_settings(
        tmp_path / "home",
        secret_key="test-secret-key-0123456789",
        hash_url_hosts=["media.example"],
        http_host_interval_seconds=0,
        http_retries=0,
    )
    resolver = RebindingResolver()
    transport = RecordingTransport(resolver, body=_png(), headers={"content-type": "image/png"})
    store = open_store(settings)
    try:
        make_users(store)
        with store.session() as session:
            token = create_token(session, "viewer", "hma-client")
        ctx = open_context(settings, store=store, transport=transport, resolver=resolver)
        client = TestClient(create_app(ctx), headers={"Authorization": f"Bearer {token}"})
        url = "https://media.example/known.png"
        hashed = client.get("/h/hash", params={"url": url})
        assert hashed.status_code == 200 and len(hashed.json()["pdq"]) == 64
        again = client.get("/h/hash", params={"url": url})
        assert again.status_code != 200
        assert LOOPBACK in again.json()["message"]
    finally:
        store.close()
    assert transport.connected == [PUBLIC]
    (request,) = transport.requests
    assert request.url.host == PUBLIC and request.headers["host"] == "media.example"
    assert request.extensions["sni_hostname"] == "media.example"

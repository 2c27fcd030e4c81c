"""Removal orders handled in the browser: record (form and order file), act, reject under
Article 3(7)/3(8), resume, the reply as text; role checks and the audit log."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from tests.web.conftest import WebEnv
from tvec.app.audit import list_events
from tvec.app.context import open_context
from tvec.views.durations import lateness, readable_duration, time_left

URL = "https://video.example/v/77"


def _record(client, token: str, reference: str = "DE/BKA/7", **extra: str):  # type: ignore[no-untyped-def]
    data = {
        "csrf_token": token,
        "reference": reference,
        "authority": "Bundeskriminalamt",
        "member_state": "DE",
        "received_at": (datetime.now(UTC) - timedelta(minutes=12)).isoformat(),
        "urls": f"{URL}\nhttps://video.example/v/78",
        "reasons": "Incites the commission of terrorist offences.",
    } | extra
    return client.post(
        "/orders/new", data=data, files={"order_file": ("", b"")}, follow_redirects=False
    )


def test_readable_durations() -> None:
    assert readable_duration(4320) == "1 h 12 min"
    assert readable_duration(2876012) == "33 d 6 h"
    assert readable_duration(798 * 3600 + 52 * 60 + 48) == "33 d 6 h"
    assert readable_duration(59 * 60 + 12) == "59 min 12 s"
    assert readable_duration(7205) == "2 h"
    assert time_left(-4320) == "1 h 12 min late"
    assert time_left(1800) == "30 min left"
    assert lateness(0) == "on time" and lateness(300) == "5 min late"


def test_an_analyst_records_acts_and_replies(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, token = client_for("analyst")
    page = client.get("/orders")
    assert 'id="new-order"' in page.text
    assert client.get("/orders-new").status_code == 200
    answer = _record(client, token)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/orders/DE%2FBKA%2F7"
    shown = client.get(answer.headers["location"]).text
    assert re.search(r'data-deadline="[^"]+"', shown), shown
    assert re.search(r">4[78] min( \d+ s)? left<", shown), shown
    assert 'id="act-form"' in shown and 'id="reject-form"' in shown
    # act on one URL, then the rest
    done_one = client.post(
        "/orders/act",
        data={"csrf_token": token, "reference": "DE/BKA/7", "url": URL, "action": "removed"},
        follow_redirects=False,
    )
    assert done_one.status_code == 303
    api = client.get("/api/orders/DE/BKA/7").json()
    assert [u["action"] for u in api["urls"]] == ["removed", None]
    client.post(
        "/orders/act",
        data={"csrf_token": token, "reference": "DE/BKA/7", "action": "disabled"},
    )
    api = client.get("/api/orders/DE/BKA/7").json()
    assert api["status"] == "done" and api["reply"]["on_time"] is True
    reply = client.get("/orders-reply", params={"reference": "DE/BKA/7"})
    assert reply.status_code == 200
    assert "DE/BKA/7" in reply.text and "SECTION B" in reply.text
    app = open_context(web.store.settings, store=web.store)
    kinds = [(e.kind, e.actor) for e in list_events(app, limit=500)]
    assert ("order.receive", "analyst") in kinds
    assert kinds.count(("order.action", "analyst")) == 2


def test_a_late_order_reads_in_hours_and_minutes(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, token = client_for("admin")
    received = (datetime.now(UTC) - timedelta(hours=2, minutes=12, seconds=30)).isoformat()
    _record(client, token, reference="LATE-1", received_at=received)
    page = client.get("/orders/LATE-1").text
    assert re.search(r">1 h 12 min late<", page), page
    client.post("/orders/act", data={"csrf_token": token, "reference": "LATE-1"})
    page = client.get("/orders/LATE-1").text
    assert re.search(r"no, 1 h 12 min late<", page), page
    assert " s</span>" not in page and "late by" not in page


def test_reject_and_resume(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, token = client_for("admin")
    _record(client, token, reference="FR-9", member_state="FR")
    rejected = client.post(
        "/orders/reject",
        data={
            "csrf_token": token,
            "reference": "FR-9",
            "ground": "insufficient_information",
            "explanation": "The URL names no content we host.",
        },
        follow_redirects=False,
    )
    assert rejected.status_code == 303
    page = client.get("/orders/FR-9").text
    assert 'id="resume-form"' in page and "Article 3(8)" in page
    assert client.get("/api/orders/FR-9").json()["status"] == "rejected"
    text = client.get("/orders-reply", params={"reference": "FR-9"}).text
    assert "The URL names no content we host." in text
    client.post("/orders/resume", data={"csrf_token": token, "reference": "FR-9"})
    api = client.get("/api/orders/FR-9").json()
    assert api["status"] == "open" and api["time_left"] in ("1 h left", "59 min 59 s left")


def test_an_order_file_is_recorded_and_a_bad_form_keeps_what_was_typed(
    web: WebEnv, client_for
) -> None:  # type: ignore[no-untyped-def]
    client, token = client_for("analyst")
    document = {
        "reference": "NL-FILE-1",
        "authority": "Politie",
        "member_state": "NL",
        "received_at": datetime.now(UTC).isoformat(),
        "urls": [URL],
        "reasons": "Glorifies an attack.",
    }
    answer = client.post(
        "/orders/new",
        data={"csrf_token": token},
        files={"order_file": ("order.json", json.dumps(document).encode(), "application/json")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert client.get("/api/orders/NL-FILE-1").json()["authority"] == "Politie"
    broken = client.post(
        "/orders/new",
        data={"csrf_token": token},
        files={"order_file": ("bad.json", b'{"reference": 1}', "application/json")},
    )
    assert broken.status_code == 400 and "removal order file &#39;bad.json&#39;" in broken.text
    typed = _record(client, token, reference="KEEP-ME", received_at="yesterday")
    assert typed.status_code == 400
    assert 'value="KEEP-ME"' in typed.text and "yesterday" in typed.text
    assert "not an ISO 8601 time" in typed.text


def test_a_moderator_sees_orders_but_no_forms(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    admin, admin_token = client_for("admin")
    _record(admin, admin_token, reference="VIEW-1")
    client, token = client_for("moderator")
    page = client.get("/orders/VIEW-1").text
    assert "act-form" not in page and "reject-form" not in page
    assert 'id="new-order"' not in client.get("/orders").text
    refused = client.post("/orders/act", data={"csrf_token": token, "reference": "VIEW-1"})
    assert refused.status_code == 403
    assert client.get("/orders-new").status_code == 403


def test_a_long_order_is_recorded_and_an_overlong_reason_keeps_the_form(
    web: WebEnv,
    client_for,  # type: ignore[no-untyped-def]
) -> None:
    # the URL list was cut at 20,000 characters with a generic 422 page (about 300 URLs of a
    # real order) and everything typed was lost
    client, token = client_for("analyst")
    urls = "\n".join(f"https://video.example/v/{n:06d}?from=beacon-channel" for n in range(400))
    assert len(urls) > 20_000
    answer = _record(client, token, reference="MANY-URLS", urls=urls)
    assert answer.status_code == 303, answer.text[:500]
    assert len(client.get("/api/orders/MANY-URLS").json()["urls"]) == 400
    reasons = "Incites terrorist offences. " * 3572  # 100,016 characters
    refused = _record(client, token, reference="LONG-REASONS", reasons=reasons)
    assert refused.status_code == 400 and "Error 422" not in refused.text
    assert "reasons is longer than 100000 characters" in refused.text
    assert 'value="LONG-REASONS"' in refused.text and reasons[:200] in refused.text

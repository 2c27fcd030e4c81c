"""Removal orders in the web app: the queue's section with time left, the order pages,
``/api/orders``, and who may see them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.web.conftest import WebEnv
from tvec.orders import act_on_order, record_order, reject_order, resume_order, sweep_orders

URL = "https://video.example/v/123"


def _orders(web: WebEnv) -> None:
    """An open order received ten minutes ago, one two hours ago (swept: overdue), and
    a done one."""
    now = datetime.now(UTC)
    with web.store.session() as session:
        for reference, minutes in (("DE/BKA/2024/1", 10), ("FR-OCLCTIC-9", 120), ("NL-3", 5)):
            record_order(
                session,
                reference=reference,
                authority="Authority of " + reference[:2],
                member_state=reference[:2],
                received_at=now - timedelta(minutes=minutes),
                urls=[URL, f"https://video.example/v/{minutes}"],
                reasons="Incites the commission of terrorist offences.",
                actor="admin",
            )
    sweep_orders(web.store, web.store.settings)
    with web.store.session() as session:
        act_on_order(session, web.store.settings, "DE/BKA/2024/1", urls=[URL], actor="admin")
        act_on_order(session, web.store.settings, "NL-3", actor="admin")


def test_queue_shows_open_orders_with_time_left(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    _orders(web)
    client, _ = client_for("moderator")
    page = client.get("/queue").text
    section = page[page.index('id="removal-orders"') : page.index("</section>")]
    assert "2 open or overdue" in section
    # overdue first (least time left), in the warning style; the open one with "49 min 58 s left"
    assert section.index("FR-OCLCTIC-9") < section.index("DE/BKA/2024/1")
    assert re.search(r'class="order-overdue error">1 h( \d+ s)? late<', section), section
    assert re.search(r"<td>(49 min( \d+ s)?|50 min) left</td>", section), section
    assert 'href="/orders/DE%2FBKA%2F2024%2F1"' in section  # "/" in a reference is encoded
    assert "1/2" in section  # one of two URLs acted on
    assert "NL-3" not in section  # done
    assert '<a href="/orders">Removal orders</a>' in page


def test_order_pages_and_api(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    _orders(web)
    client, _ = client_for("moderator")
    listing = client.get("/orders").text
    assert "2 unfinished" in listing and "DE/BKA/2024/1" in listing
    done = client.get("/orders", params={"status": "done"}).text
    assert "NL-3" in done and "DE/BKA/2024/1" not in done
    assert client.get("/orders", params={"status": "bogus"}).status_code == 400
    page = client.get("/orders/DE/BKA/2024/1").text
    assert 'id="order-status">open<' in page
    assert URL in page and "pending" in page and "removed" in page
    assert "No reply yet" in page
    assert re.search(r'<td class="mono">data only</td>', page)  # a hold of the acted URL
    done_page = client.get("/orders/NL-3").text
    assert 'id="reply"' in done_page and "Within the hour</dt><dd>yes" in done_page
    assert "tvec user" in done_page  # provider name
    assert client.get("/orders/nope").status_code == 404

    rows = client.get("/api/orders").json()
    assert [r["reference"] for r in rows] == ["FR-OCLCTIC-9", "DE/BKA/2024/1"]
    assert [r["status"] for r in rows] == ["overdue", "open"]
    assert -3620 < rows[0]["seconds_left"] <= -3600
    assert 2960 < rows[1]["seconds_left"] <= 3000
    assert rows[0]["overdue_at"] is not None
    one = client.get("/api/orders/NL-3").json()
    assert one["status"] == "done" and one["reply"]["on_time"] is True
    assert one["reply"]["reference"] == "NL-3" and len(one["holds"]) == 2
    assert [u["action"] for u in one["urls"]] == ["removed", "removed"]
    missing = client.get("/api/orders/nope")
    assert missing.status_code == 404 and "no removal order" in missing.json()["detail"]


def test_order_pages_have_a_plain_title_and_load_the_countdown_once(
    web: WebEnv,
    client_for,  # type: ignore[no-untyped-def]
) -> None:
    # the countdown's <script> tag sat in the title block, so the tab read
    # 'Removal orders<script src="/static/countdown.js" defer></script> · tvec review'
    _orders(web)
    client, _ = client_for("moderator")
    for path, title in (
        ("/orders", "Removal orders"),
        ("/orders/DE/BKA/2024/1", "Removal order DE/BKA/2024/1"),
    ):
        page = client.get(path).text
        assert f"<title>{title} · tvec review</title>" in page, path
        assert page.count('<script src="/static/countdown.js" defer></script>') == 1, path


def test_viewers_do_not_see_orders(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    _orders(web)
    client, _ = client_for("viewer")
    page = client.get("/queue").text
    assert "removal-orders" not in page and 'href="/orders"' not in page
    assert client.get("/orders").status_code == 403
    assert client.get("/orders/NL-3").status_code == 403
    assert client.get("/api/orders").status_code == 403
    with TestClient(web.app) as nobody:  # not logged in
        assert nobody.get("/api/orders").status_code == 401


def test_queue_without_orders_has_no_section(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, _ = client_for("admin")
    assert 'id="removal-orders"' not in client.get("/queue").text


def test_references_with_slash_query_and_hash_are_linked_encoded(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    # C16: the link left "/", "?" and "#" unencoded, so "?x#y" was cut off by the browser
    with web.store.session() as session:
        record_order(
            session,
            reference="T/14?x#y",
            authority="Parquet de Paris",
            member_state="FR",
            received_at=datetime.now(UTC) - timedelta(minutes=1),
            urls=[URL],
            reasons="Incites the commission of terrorist offences.",
            actor="admin",
        )
    client, _ = client_for("moderator")
    for page in (client.get("/orders").text, client.get("/queue").text):
        assert 'href="/orders/T%2F14%3Fx%23y"' in page
    page = client.get("/orders/T%2F14%3Fx%23y")
    assert page.status_code == 200 and 'Removal order <span dir="auto">T/14?x#y</span>' in page.text
    api = client.get("/api/orders/T%2F14%3Fx%23y")
    assert api.status_code == 200 and api.json()["reference"] == "T/14?x#y"


def test_order_page_times_hold_states_and_reply_warnings(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    _orders(web)
    client, _ = client_for("moderator")
    page = client.get("/orders/NL-3").text
    # E28: whole seconds in UTC, never microseconds or offsets
    assert re.search(r"<dt>Received</dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC</dd>", page), page
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", page) and "+00:00" not in page
    listing = client.get("/orders", params={"status": "all"}).text
    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC</td>", listing)
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", listing)
    # E25: live holds say "held"
    assert page.count('<td class="hold-held">held</td>') == 2
    # C14: the default provider name and no contact e-mail are pointed out
    warnings = re.findall(r'<p class="error reply-warning">Warning: (.*?)</p>', page)
    assert len(warnings) == 2
    assert "TVEC_ALERT_SENDER_NAME" in warnings[0] and "TVEC_ALERT_FROM" in warnings[1]


def test_order_page_shows_the_rejection_and_its_document(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    _orders(web)
    with web.store.session() as session:
        reject_order(
            session,
            web.store.settings,
            "FR-OCLCTIC-9",
            ground="insufficient_information",
            explanation="The order names a channel, not a video.",
            clarification="The URL of each video.",
            actor="admin",
        )
    client, _ = client_for("moderator")
    page = client.get("/orders/FR-OCLCTIC-9").text
    assert 'id="order-status">rejected<' in page
    assert 'id="rejection"' in page and "tvec order resume FR-OCLCTIC-9" in page
    assert 'id="time-left"' not in page  # the clock is stopped
    rows = re.findall(r'<table id="rejections">.*?</table>', page, re.S)[0]
    assert "insufficient_information (Article 3(8))" in rows and "not yet" in rows
    document = page[page.index('id="impossibility"') : page.index("</details>")]
    assert (
        '<dd class="ground">The removal order does not contain sufficient information for '
        "its execution (Article 3(8))</dd>"
    ) in document
    assert "The order names a channel, not a video." in document
    assert "<dt>Clarification requested</dt>" in document and "The URL of each video." in document
    assert "Authority of FR" in document and "tvec user" in document
    assert document.count('class="error impossibility-warning"') == 2  # provider not set
    assert "The order is rejected" in page
    rejected = client.get("/orders", params={"status": "rejected"}).text
    assert "FR-OCLCTIC-9" in rejected and "DE/BKA/2024/1" not in rejected
    assert "FR-OCLCTIC-9" not in client.get("/queue").text  # not open or overdue
    api = client.get("/api/orders/FR-OCLCTIC-9").json()
    assert api["status"] == "rejected" and api["time_left"] is None
    assert api["reply"]["impossibility"][0]["document"]["article"] == "3(8)"
    with web.store.session() as session:
        resume_order(session, "FR-OCLCTIC-9", actor="admin")
    page = client.get("/orders/FR-OCLCTIC-9").text
    assert 'id="order-status">open<' in page and 'id="rejection"' not in page
    assert 'id="time-left"' in page and "not yet" not in page  # resumed, kept in the table
    assert "<details" in page and 'id="impossibility"' not in page  # folded: earlier one

"""Server-rendered pages: queue, case page (RTL text, blurred media, grounds, evidence),
forms, wellbeing counters and the reviewer's own media defaults."""

from __future__ import annotations

from sqlalchemy import select

from tests.web.conftest import WebEnv
from tvec.store.models import Item
from tvec.store.models.cases import ReviewCase


def test_queue_lists_cases_by_priority_with_filters(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, _ = client_for("moderator")
    page = client.get("/queue").text
    assert page.index("8.00") < page.index("7.")  # exact match first, then the near copy
    assert 'data-href="/cases/1?status=open"' in page and 'dir="auto"' in page
    assert '<option value="Islamic State"' in page
    filtered = client.get("/queue", params={"signal_type": "md5"}).text
    assert "No cases." in filtered
    assert client.get("/queue", params={"status": "bogus"}).status_code == 400


def test_case_page_shows_evidence_grounds_and_blurred_media(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, _ = client_for("moderator")
    page = client.get("/cases/1").text
    assert 'alt="media of item 1 (blurred)"' in page and 'src="/media/1/preview"' in page
    assert "Priority 8.00 / 10" in page and "designated propaganda" in page
    assert "<bdi>tcap</bdi> (entry" in page and "entity=<bdi>Islamic State</bdi>" in page
    assert 'value="designated_entity|Islamic State: ' in page  # from the entity registry
    assert 'value="tos|ToS 4.1 terrorist content"' in page
    assert "autoplay" not in page
    assert 'id="bank"' not in page  # moderators cannot add to banks
    assert "Download original" not in page


def test_rtl_text_renders_with_dir_auto(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    with web.store.session() as session:
        item = Item(
            locator="tg:chan/77",
            media_type="text/plain",
            content_type="text",
            text="هذا نص تجريبي عن الطقس",
        )
        session.add(item)
        session.flush()
        item_id = item.id
    client, token = client_for("analyst")
    flagged = client.post(
        f"/api/items/{item_id}/flag",
        json={"kind": "trusted_flagger", "severity": "crisis"},
        headers={"X-CSRF-Token": token},
    )
    assert flagged.status_code == 200
    case_id = flagged.json()["case_id"]
    page = client.get(f"/cases/{case_id}").text
    assert '<div class="text" id="item-text"><bdi>هذا نص تجريبي عن الطقس</bdi></div>' in page


def test_decision_and_appeal_forms(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, token = client_for("moderator")
    response = client.post(
        "/cases/2/decide",
        data={"outcome": "remove", "ground": "", "csrf_token": token},
    )
    assert response.status_code == 400 and "policy ground" in response.text
    response = client.post(
        "/cases/2/decide",
        data={
            "outcome": "remove",
            "ground": "tos|ToS 4.2 violent extremism",
            "note": "near copy",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    # Case 1 is the next open case: the moderator lands there, told what was recorded.
    assert (response.status_code, response.headers["location"]) == (303, "/cases/1?status=open")
    landed = client.get("/cases/1?status=open").text
    assert "Recorded: remove on ground ToS 4.2 violent extremism for case #2." in landed
    page = client.get("/cases/2").text
    assert "on ground <bdi>ToS 4.2 violent extremism</bdi> by <bdi>moderator</bdi>" in page
    appeal = client.post(
        "/cases/2/appeal", data={"reason": "mistake", "csrf_token": token}, follow_redirects=False
    )
    assert appeal.status_code == 303
    assert 'id="resolve-submit"' not in client.get("/cases/2").text  # not for the decider
    bulk = client.post(
        "/queue/bulk-decide",
        data={"case_ids": ["1"], "outcome": "escalate", "csrf_token": token},
        follow_redirects=False,
    )
    assert bulk.status_code == 303
    with web.store.session() as session:
        statuses = dict(session.execute(select(ReviewCase.id, ReviewCase.status)).all())
    assert statuses == {1: "escalated", 2: "appealed"}


def test_wellbeing_counter_break_and_own_defaults(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, token = client_for("moderator")
    for _ in range(3):
        client.post("/api/media/1/reveal", headers={"X-CSRF-Token": token})
    me = client.get("/api/me").json()
    assert (me["revealed_today"], me["suggest_break"]) == (3, False)
    assert "3</span> revealed today" in client.get("/queue").text
    saved = client.put(
        "/api/me/prefs", json={"blur_px": 30, "greyscale": False}, headers={"X-CSRF-Token": token}
    )
    assert saved.status_code == 200 and (saved.json()["blur_px"], saved.json()["greyscale"]) == (
        30,
        False,
    )
    too_low = client.put(
        "/api/me/prefs", json={"blur_px": 2, "greyscale": True}, headers={"X-CSRF-Token": token}
    )
    assert too_low.status_code == 400 and "between 8 and 100" in too_low.json()["detail"]
    web.app.state.ctx.app.settings = web.app.state.ctx.settings.model_copy(
        update={"reveal_break_after": 4}
    )
    last = client.post("/api/media/1/reveal", headers={"X-CSRF-Token": token}).json()
    assert (last["revealed_today"], last["suggest_break"]) == (4, True)
    assert 'class="break" id="break-banner"' in client.get("/queue").text

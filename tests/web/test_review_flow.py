"""Decide and move on (next case of the filter, confirmation, undo, inline errors, bulk
remove), evidence side by side, bidi-safe text, video keyframes and player, error pages,
favicon and the queue's filled columns (issue 14, parts 1, 2, 3 and 7)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.web.conftest import WebEnv
from tvec.audit.log import AuditKind
from tvec.cases import service
from tvec.clock import utcnow
from tvec.store.models import Item
from tvec.store.models.audit import AuditEvent
from tvec.store.models.cases import Decision, ReviewCase
from tvec.web.text import linked, readable_locator, untrusted

RLO = "\u202e"


def _statuses(web: WebEnv) -> dict[int, str]:
    with web.store.session() as session:
        return dict(session.execute(select(ReviewCase.id, ReviewCase.status)).all())


def _kinds(web: WebEnv) -> list[str]:
    with web.store.session() as session:
        return list(session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)))


def test_a_decision_lands_on_the_next_case_of_the_filter_and_can_be_undone(
    web: WebEnv,
    client_for,  # type: ignore[no-untyped-def]
) -> None:
    client, token = client_for("moderator")
    query = "status=open&entity=Islamic+State"
    page = client.get(f"/cases/1?{query}").text
    assert '<input type="hidden" name="queue" value="status=open&amp;entity=Islamic+State">' in page
    response = client.post(
        "/cases/1/decide",
        data={"outcome": "no_violation", "note": "a test", "queue": query, "csrf_token": token},
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, f"/cases/2?{query}")
    landed = client.get(response.headers["location"]).text
    assert "Recorded: no violation for case #1." in landed
    assert 'id="undo-submit"' in landed
    decision_id = int(re.search(r'name="decision_ids" value="(\d+)"', landed).group(1))  # type: ignore[union-attr]
    assert _statuses(web)[1] == "decided"
    # The flash is shown once.
    assert "Recorded:" not in client.get(f"/cases/2?{query}").text
    undo = client.post(
        "/decisions/undo",
        data={"decision_ids": [str(decision_id)], "queue": query, "csrf_token": token},
        follow_redirects=False,
    )
    assert (undo.status_code, undo.headers["location"]) == (303, f"/cases/1?{query}")
    assert "Undone: case #1 back in review." in client.get(undo.headers["location"]).text
    assert _statuses(web)[1] == "open"
    with web.store.session() as session:
        assert session.scalars(select(Decision)).all() == []
        undone = session.scalars(
            select(AuditEvent).where(AuditEvent.kind == AuditKind.DECISION_UNDO.value)
        ).one()
        assert (undone.actor, undone.target, undone.data) == (
            "moderator",
            "case:1",
            {"decision_id": decision_id, "outcome": "no_violation", "status": "open"},
        )


def test_undo_through_the_api_is_audited(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, token = client_for("moderator")
    decided = client.post(
        "/api/cases/2/decision",
        json={"outcome": "escalate", "note": "later"},
        headers={"X-CSRF-Token": token},
    )
    decision_id = decided.json()["id"]
    undone = client.post(f"/api/decisions/{decision_id}/undo", headers={"X-CSRF-Token": token})
    assert undone.status_code == 200 and undone.json()["status"] == "open"
    assert _kinds(web)[-2:] == [AuditKind.DECISION.value, AuditKind.DECISION_UNDO.value]
    again = client.post(f"/api/decisions/{decision_id}/undo", headers={"X-CSRF-Token": token})
    assert again.status_code == 409  # it was: 404 "no decision N"
    assert f"decision {decision_id} was undone already (by moderator, " in again.text


def test_the_last_case_lands_on_the_queue(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, token = client_for("moderator")
    client.post("/cases/2/decide", data={"outcome": "escalate", "csrf_token": token})
    response = client.post(
        "/cases/1/decide",
        data={"outcome": "no_violation", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/queue?status=open"
    page = client.get("/queue?status=open").text
    assert "Recorded: no violation for case #1." in page and "No cases." in page


def test_undo_is_refused_to_others_after_the_window_and_after_a_webhook(
    web: WebEnv,
    client_for,  # type: ignore[no-untyped-def]
) -> None:
    client, token = client_for("moderator")
    client.post("/cases/1/decide", data={"outcome": "no_violation", "csrf_token": token})
    settings = web.app.state.ctx.settings
    with web.store.session() as session:
        decision = session.scalars(select(Decision)).one()
        decision_id = decision.id
        now = utcnow()
        assert service.undo_blocker(session, decision, "moderator", settings, now) is None
        assert "only moderator" in str(
            service.undo_blocker(session, decision, "admin", settings, now)
        )
        late = now + timedelta(seconds=settings.undo_seconds + 1)
        assert "are over" in str(
            service.undo_blocker(session, decision, "moderator", settings, late)
        )
    admin, admin_token = client_for("admin")
    refused = admin.post(
        f"/api/decisions/{decision_id}/undo", headers={"X-CSRF-Token": admin_token}
    )
    assert refused.status_code == 409 and "only moderator" in refused.json()["detail"]
    # A delivered webhook means the decision has left tvec.
    from tvec.audit.events import WebhookDelivered, record_event

    with web.store.session() as session:
        record_event(
            session,
            "tvec",
            WebhookDelivered(subject="case:1", event="decision", delivered=True, status=200),
        )
    form = client.post(
        "/decisions/undo",
        data={"decision_ids": [str(decision_id)], "csrf_token": token},
        follow_redirects=False,
    )
    assert form.status_code == 303
    page = client.get(form.headers["location"]).text
    assert "already sent to the webhook" in page and 'class="flash flash-error"' in page
    assert _statuses(web)[1] == "decided"


def test_a_refused_decision_is_shown_inline_with_what_was_typed(
    web: WebEnv,
    client_for,  # type: ignore[no-untyped-def]
) -> None:
    client, token = client_for("moderator")
    note = "my long reasoning, kept"
    response = client.post(
        "/cases/1/decide",
        data={"outcome": "remove", "ground": "", "note": note, "csrf_token": token},
    )
    assert response.status_code == 400
    page = response.text
    assert 'id="decide-error"' in page and "a removal needs a policy ground" in page
    assert f">{note}</textarea>" in page
    assert 'value="remove" id="outcome-remove" checked' in page
    assert "Case #1" in page and "Error 400" not in page
    nothing = client.post("/cases/1/decide", data={"csrf_token": token})
    assert nothing.status_code == 400 and "choose an outcome" in nothing.text
    assert _statuses(web) == {1: "open", 2: "open"}


def test_a_note_over_the_limit_gives_the_form_back_with_the_note_kept(
    web: WebEnv,
    client_for,  # type: ignore[no-untyped-def]
) -> None:
    # a note over 5,000 characters (past the browser's maxlength: pasted by a script or an
    # older page) answered the generic 422 error page, and what was typed was lost
    client, token = client_for("moderator")
    note = "reasoning " * 601  # 6,010 characters
    response = client.post(
        "/cases/1/decide",
        data={"outcome": "escalate", "note": note, "csrf_token": token},
    )
    assert response.status_code == 400
    page = response.text
    assert "the note has 6,010 characters; at most 5,000 are kept" in page
    assert f">{note}</textarea>" in page and "Error 422" not in page
    bulk = client.post(
        "/queue/bulk-decide",
        data={"case_ids": ["1", "2"], "outcome": "escalate", "note": note, "csrf_token": token},
    )
    assert bulk.status_code == 400 and "the note has 6,010 characters" in bulk.text
    assert f'value="{note}"' in bulk.text
    assert _statuses(web) == {1: "open", 2: "open"}
    at_limit = client.post(
        "/cases/1/decide",
        data={"outcome": "escalate", "note": "n" * 5000, "csrf_token": token},
        follow_redirects=False,
    )
    assert at_limit.status_code == 303 and _statuses(web)[1] == "escalated"


def test_deciding_a_case_decided_meanwhile_says_it_was_not_recorded(
    web: WebEnv,
    client_for,  # type: ignore[no-untyped-def]
) -> None:
    # two tabs on the same case: the second decision answered 409 with the decided case and
    # no word that it was refused (the reason was inside the form, which is gone)
    first, token = client_for("moderator")
    assert first.post(
        "/cases/1/decide", data={"outcome": "no_violation", "csrf_token": token}
    ).is_success
    second, other = client_for("admin")
    late = second.post(
        "/cases/1/decide",
        data={"outcome": "escalate", "note": f"second look {RLO}", "csrf_token": other},
    )
    assert late.status_code == 409
    page = late.text
    assert 'id="decide-error"' in page and 'id="decide"' not in page
    assert "Not recorded: <bdi>case 1 is decided, not waiting for a decision</bdi>" in page
    assert 'id="decide-note-kept">Your note (not recorded): <bdi>second look ' in page
    assert RLO not in page
    assert _statuses(web)[1] == "decided"


def test_bulk_remove_with_a_ground_and_inline_errors(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, token = client_for("moderator")
    queue = client.get("/queue").text
    assert 'id="bulk-remove"' in queue and 'value="tos|ToS 4.1 terrorist content"' in queue
    refused = client.post(
        "/queue/bulk-decide",
        data={"case_ids": ["1", "2"], "outcome": "remove", "note": "kept", "csrf_token": token},
    )
    assert refused.status_code == 400 and 'id="bulk-error"' in refused.text
    assert 'value="1" aria-label="select case 1" checked' in refused.text
    assert 'value="kept"' in refused.text
    response = client.post(
        "/queue/bulk-decide",
        data={
            "case_ids": ["1", "2"],
            "outcome": "remove",
            "ground": "tos|ToS 4.1 terrorist content",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/queue?status=open"
    page = client.get("/queue?status=open").text
    assert "Recorded: remove on ground ToS 4.1 terrorist content for cases #1, #2." in page
    assert page.count('name="decision_ids"') == 2
    assert _statuses(web) == {1: "decided", 2: "decided"}
    assert _kinds(web).count(AuditKind.DECISION.value) == 2


def test_a_large_bulk_confirmation_stays_small(
    web: WebEnv,
    client_for,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tvec.web.routers import cases as cases_router

    monkeypatch.setattr(cases_router, "FLASH_CASES", 1)
    monkeypatch.setattr(cases_router, "MAX_UNDO", 1)
    client, token = client_for("moderator")
    page = client.post(
        "/queue/bulk-decide",
        data={"case_ids": ["1", "2"], "outcome": "escalate", "csrf_token": token},
    ).text  # followed to the queue: no open case is left
    assert "Recorded: escalate for cases #1 and 1 more." in page
    assert "undo is offered for up to 1 decisions at once" in page
    assert 'id="undo-submit"' not in page


def test_untrusted_text_shows_bidi_controls_and_links() -> None:
    assert str(untrusted(f"abc{RLO}def")) == (
        '<bdi>abc<span class="bidi-mark" title="U+202E right-to-left override">'
        "\u27e8RLO\u27e9</span>def</bdi>"
    )
    assert str(untrusted("<b>x</b>")) == "<bdi>&lt;b&gt;x&lt;/b&gt;</bdi>"
    assert str(untrusted(None, "unknown")) == "unknown"
    html = str(linked("see https://example.org/a?b=1, then \u2066x\u2069"))
    assert '<bdi dir="ltr">https://example.org/a?b=1</bdi></span>, then' in html
    assert "\u27e8LRI\u27e9" in html and "\u27e8PDI\u27e9" in html and "\u2066" not in html
    assert "href" not in html
    assert readable_locator("file:///srv/drop/content/a.png") == "a.png"
    assert readable_locator("jsonl:/data/x.jsonl#12") == "jsonl:x.jsonl#12"
    assert readable_locator("tg:-100123/42") == "tg:-100123/42"


def _with_text(web: WebEnv, case_id: int, text: str) -> None:
    with web.store.session() as session:
        case = session.get(ReviewCase, case_id)
        assert case is not None
        parent = Item(
            locator="tg:chan/9",
            media_type="text/plain",
            content_type="text",
            text=text,
            meta={"chat_title": "News \u202eswen"},
        )
        session.add(parent)
        session.flush()
        case.item.parent_id = parent.id


def test_case_page_isolates_untrusted_text_and_shows_the_parent_message(
    web: WebEnv,
    client_for,  # type: ignore[no-untyped-def]
) -> None:
    _with_text(web, 1, f"read {RLO}gnp.exe https://t.me/x and مرحبا world")
    client, _ = client_for("viewer")
    page = client.get("/cases/1").text
    assert RLO not in page, page[page.index('<section class="item">') :][:1500]
    assert 'id="parent-text"' in page, page[page.index('<section class="item">') :][:1500]
    assert "\u27e8RLO\u27e9</span>gnp.exe" in page
    assert '<bdi dir="ltr">https://t.me/x</bdi>' in page and 'href="https://t.me' not in page
    assert 'id="bidi-warning"' in page
    assert 'News <span class="bidi-mark"' in page  # the channel, from the parent's metadata
    assert 'id="decide"' not in page  # a viewer only reads


def test_evidence_side_by_side_with_the_bank_entry_thumbnail(
    web: WebEnv,
    client_for,  # type: ignore[no-untyped-def]
) -> None:
    client, _ = client_for("moderator")
    page = client.get("/cases/2").text
    assert 'id="compare"' in page
    match = re.search(r'src="/banks/entries/(\d+)/thumbnail"', page)
    assert match, "no bank thumbnail beside the near match"
    assert "<dt>entity</dt><dd><bdi>Islamic State</bdi></dd>" in page
    assert "<dt>source</dt><dd><bdi>TCAP</bdi></dd>" in page
    assert re.search(r"<strong>distance \d+</strong>", page)
    thumb = client.get(f"/banks/entries/{match.group(1)}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert thumb.content[:2] == b"\xff\xd8"
    assert client.get("/banks/entries/999/thumbnail").status_code == 404


def test_queue_columns_are_filled_with_readable_names(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, _ = client_for("moderator")
    page = client.get("/queue").text
    rows = page[page.index('<table class="queue"') :]
    assert "file://" not in rows.split('<td class="locator item-name" title="')[1].split(">", 1)[1]
    assert "<bdi>a-known.png</bdi>" in page and "<bdi>b-near.png</bdi>" in page
    assert '<td class="source"><bdi>files: content</bdi></td>' in page
    assert '<td class="entity"><bdi>Islamic State</bdi></td>' in page


def test_queue_language_comes_from_the_analysis(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    from tvec.store.models.analysis import ItemAnalysis

    with web.store.session() as session:
        case = session.get(ReviewCase, 2)
        assert case is not None and case.language is None
        analysis = session.scalars(
            select(ItemAnalysis).where(ItemAnalysis.item_id == case.item_id)
        ).one()
        assert analysis.primary_language in (None, "und")  # a picture without text
        analysis.primary_language = "ara"
    client, _ = client_for("moderator")
    page = client.get("/queue").text
    row = page[page.index('id="row-2"') :]
    assert '<td class="lang">ara</td>' in row[: row.index("</tr>")]
    row1 = page[page.index('id="row-1"') :]
    assert '<td class="lang"></td>' in row1[: row1.index("</tr>")]


def test_error_pages_and_favicon(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, _ = client_for("viewer")
    html = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert html.status_code == 404 and html.headers["content-type"].startswith("text/html")
    assert "Nothing here" in html.text and "There is no page at /no/such/page." in html.text
    assert '<a href="/queue">Back to the queue</a>' in html.text
    api = client.get("/api/no-such-thing")
    assert api.status_code == 404 and api.json() == {
        "detail": "There is no page at /api/no-such-thing.",
        "kind": "not_found",
    }
    wants_json = client.get("/nope", headers={"Accept": "application/json"})
    assert wants_json.status_code == 404 and wants_json.json()["kind"] == "not_found"
    method = client.put("/queue", headers={"Accept": "text/html"})
    assert method.status_code == 405 and "PUT is not accepted at /queue." in method.text
    missing_case = client.get("/cases/9999")
    assert missing_case.status_code == 404 and "no case 9999" in missing_case.text
    for path in ("/favicon.ico", "/favicon.svg"):
        icon = client.get(path)
        assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
        assert icon.text.startswith("<svg")
    assert '<link rel="icon" href="/favicon.svg"' in client.get("/queue").text


def make_video(path: Path, frames: int = 48) -> Path:
    """A benign 2-second video: moving colour bars (MPEG-4 in MP4, keyframe every 12)."""
    import av
    import numpy as np

    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=24)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.codec_context.gop_size = 12
        for i in range(frames):
            image = np.zeros((120, 160, 3), dtype=np.uint8)
            image[:, :, 0] = (np.arange(160) * 3 + i * 5) % 256
            image[:, :, 1] = (i * 10) % 256
            image[40:80, (i * 3) % 160 :, 2] = 200
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.fixture
def video_case(web: WebEnv, tmp_path: Path) -> int:
    """A flagged case on a scanned video file; returns the case id."""
    from tvec.accounts import Principal
    from tvec.scan import run_scan

    folder = tmp_path / "videos"
    folder.mkdir()
    make_video(folder / "clip.mp4")
    run_scan(web.store, [folder])
    analyst: Principal = web.users["analyst"]
    with web.store.session() as session:
        item = session.scalars(select(Item).where(Item.locator.like("%clip.mp4"))).one()
        assert item.content_type == "video"
        case = service.flag_item(
            session, item.id, analyst, web.store.settings, kind="trusted_flagger"
        )
        return case.id


def test_video_case_has_a_blurred_keyframe_strip_and_a_muted_player_after_reveal(
    web: WebEnv,
    client_for,  # type: ignore[no-untyped-def]
    video_case: int,
) -> None:
    client, token = client_for("moderator")
    page = client.get(f"/cases/{video_case}").text
    frames = re.findall(r'src="/media/(\d+)/keyframes/(\d+)"', page)
    assert len(frames) >= 2, page[page.index('id="media"') :][:600]
    item_id = frames[0][0]
    assert "(blurred)" in page and "<video" not in page  # no player before the reveal
    blurred = client.get(f"/media/{item_id}/keyframes/0")
    assert blurred.status_code == 200 and blurred.content[:2] == b"\xff\xd8"
    # Full frames and the player need a reveal in this session.
    assert client.get(f"/media/{item_id}/keyframes/0?full=true").content == blurred.content
    assert client.get(f"/media/{item_id}/play").status_code == 403
    revealed = client.post(f"/api/media/{item_id}/reveal", headers={"X-CSRF-Token": token})
    assert revealed.json()["revealed_today"] == 1
    full = client.get(f"/media/{item_id}/keyframes/0?full=true")
    assert full.status_code == 200 and full.content != blurred.content
    played = client.get(f"/media/{item_id}/play")
    assert played.status_code == 200 and played.headers["content-type"] == "video/mp4"
    assert played.headers["content-security-policy"] == "default-src 'none'; sandbox"
    again = client.get(f"/cases/{video_case}").text
    assert '<video controls muted preload="none"' in again
    assert client.get(f"/media/{item_id}/keyframes/99").status_code == 404
    # The keyframes are cached in the evidence store's keyframes/ folder.
    cached = list((web.store.settings.evidence_dir / "keyframes").glob("*/*.jpg"))
    assert len(cached) == len(frames)


def test_audio_case_has_a_muted_player_only_after_reveal(
    web: WebEnv,
    client_for,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    import wave

    folder = tmp_path / "sounds"
    folder.mkdir()
    with wave.open(str(folder / "tone.wav"), "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\x00\x10\x00\xf0" * 4000)
    from tvec.scan import run_scan

    run_scan(web.store, [folder])
    with web.store.session() as session:
        item = session.scalars(select(Item).where(Item.locator.like("%tone.wav"))).one()
        assert item.media_type == "audio/x-wav" and item.sha256
        item_id = item.id
        case_id = service.flag_item(
            session, item_id, web.users["analyst"], web.store.settings, kind="trusted_flagger"
        ).id
    client, token = client_for("moderator")
    page = client.get(f"/cases/{case_id}").text
    assert f'id="player-{item_id}"' in page and "<audio" not in page
    assert client.get(f"/media/{item_id}/play").status_code == 403
    assert client.post(f"/api/media/{item_id}/reveal", headers={"X-CSRF-Token": token}).is_success
    played = client.get(f"/media/{item_id}/play")
    assert played.status_code == 200 and played.headers["content-type"] == "audio/x-wav"
    assert played.content[:4] == b"RIFF"
    assert '<audio controls muted preload="none"' in client.get(f"/cases/{case_id}").text

"""The operations pages (issue 14 part 6): sources and their polls, scans and their errors,
out-links by platform with their CSV export, alerts with their deliveries and checks; every
CSV download audit-logged. Route tests through the TestClient, for each role."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from tests.review_data import fast_settings, make_users, scan_sample
from tests.web.conftest import WebEnv, login
from tests.web.ops_data import BIDI_SOURCE, MANY_ERRORS, OpsData, seed_operations
from tvec.app.context import open_context
from tvec.store import open_store
from tvec.store.models import AuditEvent, Outlink, Source
from tvec.store.models.alerts import Alert, Takedown
from tvec.web import create_app

RLO_MARK = '<span class="bidi-mark" title="U+202E right-to-left override">\u27e8RLO\u27e9</span>'


@pytest.fixture
def ops(tmp_path: Path) -> Iterator[tuple[WebEnv, OpsData]]:
    """The app over the review sample plus :func:`seed_operations`; outbound connections
    may reach 127.0.0.1 (pytest-httpserver)."""
    settings = fast_settings(
        tmp_path / "home",
        secret_key="test-secret-key-0123456789",
        outbound_allow_hosts=["127.0.0.1", "localhost"],
    )
    store = open_store(settings)
    sample = scan_sample(store, tmp_path)
    users = make_users(store)
    data = seed_operations(store, tmp_path)
    app = create_app(open_context(settings, store=store))
    yield WebEnv(app, store, sample, users, tmp_path), data
    store.close()


def _client(env: WebEnv, role: str) -> tuple[TestClient, str]:
    client = TestClient(env.app)
    return client, login(client, role)


def _events(env: WebEnv, kind: str) -> list[AuditEvent]:
    with env.store.session() as session:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.kind == kind)))
        session.expunge_all()
        return rows


@pytest.mark.parametrize("role", ["viewer", "moderator", "analyst", "admin"])
def test_every_role_reads_the_operations_pages(ops: Any, role: str) -> None:
    env, data = ops
    client, _ = _client(env, role)
    queue = client.get("/queue").text
    for link in ('href="/sources"', 'href="/scans"', 'href="/outlinks"', 'href="/alerts"'):
        assert link in queue
    for path in (
        "/sources",
        f"/sources/view?name={BIDI_SOURCE}",
        "/scans",
        f"/scans/{data.error_scan}",
        "/outlinks",
        "/outlinks/platform?name=Telegram",
        "/alerts",
        f"/alerts/{data.u1_reference}",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text)
    writes = client.get("/sources").text
    assert ('id="add-source"' in writes) is (role in ("analyst", "admin"))


def test_sources_list_and_poll_history(ops: Any) -> None:
    env, data = ops
    client, _ = _client(env, "viewer")
    page = client.get("/sources").text
    # the name is isolated with its right-to-left override shown, never applied
    assert f"<bdi>beacon {RLO_MARK}oc.elpmaxe</bdi>" in page
    assert "\u202e" not in page
    assert "<td>url-list</td>" in page and 'data-field="enabled">yes<' in page
    assert 'data-field="status">not_modified<' in page and 'data-field="items">3<' in page
    source = client.get("/sources/view", params={"name": BIDI_SOURCE}).text
    assert source.index('data-field="status">not_modified<') < source.index(
        'data-field="status">fetched<'
    )  # newest first
    assert 'data-field="new">3<' in source and 'data-field="errors">1<' in source
    assert "(invalid_row): " in source and ":3: not a URL" in source
    assert 'id="poll-now"' not in source and 'id="toggle-source"' not in source
    # the file goes away: the next poll fails, and its reason is in the history
    data.list_file.unlink()
    from tvec.app import collection

    collection.poll(open_context(env.store.settings, store=env.store), [BIDI_SOURCE])
    again = client.get("/sources/view", params={"name": BIDI_SOURCE}).text
    assert again.count('class="poll ') == 3
    assert "The source failed: <bdi>" in again and "no such file or folder" in again
    assert client.get("/sources/view", params={"name": "nope"}).status_code == 404


def test_an_analyst_adds_polls_and_disables_a_source(ops: Any, httpserver: HTTPServer) -> None:
    env, _ = ops
    httpserver.expect_request("/beacon.txt").respond_with_data(
        "https://videos.example/v/1\nhttps://videos.example/v/2\n", content_type="text/plain"
    )
    url = httpserver.url_for("/beacon.txt")
    client, token = _client(env, "analyst")
    added = client.post(
        "/sources/new",
        data={"csrf_token": token, "name": "beacon-2", "kind": "url-list", "url": url},
        follow_redirects=False,
    )
    assert added.status_code == 303 and added.headers["location"] == "/sources/view?name=beacon-2"
    # a local path is for the command line
    local = client.post(
        "/sources/new",
        data={"csrf_token": token, "name": "local", "kind": "url-list", "url": "/etc/hosts"},
    )
    assert local.status_code == 400 and "tvec source add" in local.text
    # "poll now": audited at once, polled after the response (the TestClient waits for it)
    polled = client.post("/sources/poll", data={"csrf_token": token, "name": "beacon-2"})
    assert polled.status_code == 200
    assert "Poll of beacon-2 started" in polled.text
    page = client.get("/sources/view", params={"name": "beacon-2"}).text
    assert 'data-field="status">fetched<' in page and 'data-field="new">2<' in page
    assert "hxxp://localhost:" in page and "http://localhost" not in page  # defanged
    assert [e.target for e in _events(env, "source.poll")] == ["source:beacon-2"]
    assert [e.actor for e in _events(env, "source.add")][-1] == "analyst"
    disabled = client.post("/sources/disable", data={"csrf_token": token, "name": "beacon-2"})
    assert 'id="source-enabled">no<' in disabled.text
    refused = client.post("/sources/poll", data={"csrf_token": token, "name": "beacon-2"})
    assert refused.status_code == 409 and "disabled" in refused.text
    changes = [e.data for e in _events(env, "source.change")]
    assert changes == [{"enabled": False}]
    client.post("/sources/enable", data={"csrf_token": token, "name": "beacon-2"})
    assert [e.data for e in _events(env, "source.change")][-1] == {"enabled": True}


def test_a_source_language_with_bidi_controls_is_shown_isolated_with_the_controls_visible(
    ops: Any,
) -> None:
    # the language typed in the add-source form was printed raw on the source page, so a
    # right-to-left override in it reordered what followed. Such a language is now refused
    # (not a language tag), with the form kept; one stored before is still shown isolated.
    env, _ = ops
    client, token = _client(env, "analyst")
    form = {
        "csrf_token": token,
        "name": "beacon-lang",
        "kind": "feed",
        "url": "https://feeds.example/a.xml",
        "language": "ar\u202ene",
    }
    refused = client.post("/sources/new", data=form)
    assert refused.status_code == 400, refused.text
    error = refused.text.split('id="add-source-error"', 1)[1].split("</p>", 1)[0]
    assert "language &#39;ar\\u202ene&#39; is not a language tag" in error  # repr: escaped
    assert "\u202e" not in error
    assert 'value="beacon-lang"' in refused.text and 'value="feed" selected' in refused.text
    assert 'value="https://feeds.example/a.xml"' in refused.text
    assert client.get("/sources/view", params={"name": "beacon-lang"}).status_code == 404
    added = client.post("/sources/new", data=form | {"language": "ps-AF"})
    assert added.status_code == 200 and "<dt>Language</dt><dd><bdi>ps-AF</bdi></dd>" in added.text
    with env.store.session() as session:  # as a store written before the check has it
        session.scalars(
            select(Source).where(Source.name == "beacon-lang")
        ).one().language = "ar\u202ene"
    page = client.get("/sources/view", params={"name": "beacon-lang"}).text
    assert f"<dt>Language</dt><dd><bdi>ar{RLO_MARK}ne</bdi></dd>" in page
    assert "\u202e" not in page


def test_a_stored_name_cannot_reverse_the_page_title(ops: Any) -> None:
    # the <title> (the browser's tab and history) printed a source's name raw, so its
    # right-to-left override reversed the title
    env, _ = ops
    client, _ = _client(env, "viewer")
    page = client.get("/sources/view", params={"name": BIDI_SOURCE}).text
    assert "<title>Source beacon \u27e8RLO\u27e9oc.elpmaxe · tvec review</title>" in page
    assert "\u202e" not in page


def test_scans_list_progress_and_paginated_errors(ops: Any) -> None:
    env, data = ops
    client, _ = _client(env, "viewer")
    page = client.get("/scans").text
    assert "running (3 items so far)" in page
    assert "finished with errors" in page
    assert f'data-field="errors">{MANY_ERRORS}<' in page
    assert "1 h 12 min" in page  # the 72-minute scan's run time, readable
    assert "source <bdi>beacon" in page  # the poll's scan names its source
    first = client.get(f"/scans/{data.error_scan}").text
    assert first.count('class="scan-error"') == 50 and "page 1 of 2" in first
    assert "broken-000.png" in first and "broken-049.png" in first
    assert "broken-050.png" not in first and 'id="next-page"' in first
    second = client.get(f"/scans/{data.error_scan}", params={"page": 2}).text
    assert second.count('class="scan-error"') == MANY_ERRORS - 50
    assert "broken-059.png" in second and "cannot identify image file (sample 59)" in second
    past = client.get(f"/scans/{data.error_scan}", params={"page": 3})
    assert past.status_code == 400 and "pages 1 to 2" in past.text
    assert client.get("/scans/999").status_code == 404


def test_a_scan_id_beyond_the_id_range_is_a_clear_error_not_a_500(ops: Any) -> None:
    # /scans/100000000000000000000 reached the database and overflowed SQLite's INTEGER
    env, _ = ops
    client, _ = _client(env, "viewer")
    for scan_id in ("100000000000000000000", str(2**31)):
        response = client.get(f"/scans/{scan_id}")
        assert response.status_code == 422, (scan_id, response.text)
        assert "scan_id" in response.text and "less than or equal to 2147483647" in response.text
        assert "Traceback" not in response.text


def test_outlinks_by_platform_with_alert_and_takedown_state(ops: Any) -> None:
    env, data = ops
    client, _ = _client(env, "viewer")
    page = client.get("/outlinks").text
    rows = _platform_rows(page)
    keys = ("outlinks", "open", "alerted", "alert_failed", "removed")
    # Telegram's f1 alert failed for good (tests.alerts.removal_data): not "alerted"
    assert rows["Telegram"] == dict(zip(keys, (7, 1, 2, 1, 3), strict=True))
    assert rows["Archive.org"] == dict(zip(keys, (3, 0, 1, 0, 2), strict=True))
    assert rows["unknown"] == dict(zip(keys, (2, 2, 0, 0, 0), strict=True))
    telegram = client.get("/outlinks/platform", params={"name": "telegram"}).text
    assert telegram.count('class="outlink"') == 7 and "7 in all" in telegram
    assert "hxxps://content[.]example/u1" in telegram and "https://content.example" not in telegram
    assert f'<a href="/alerts/{data.u1_reference}">{data.u1_reference}</a> sent' in telegram
    assert "removed (2024-01-10 13:00)" in telegram
    assert "not alerted" in telegram and "hxxps://t[.]me/open_channel" in telegram
    assert 'href="/export/outlinks.csv?platform=telegram"' in telegram


def test_a_failed_alert_is_counted_apart_from_the_alerted(ops: Any) -> None:
    # an alert whose delivery failed for good was counted as "alerted", so the platform
    # looked told when it was not: a second one fails here
    env, _ = ops
    with env.store.session() as session:
        telegram = session.scalars(
            select(Alert)
            .join(Outlink, Outlink.id == Alert.outlink_id)
            .outerjoin(Takedown, Takedown.outlink_id == Outlink.id)
            .where(Outlink.platform == "Telegram", Alert.status == "sent")
            .where(Takedown.state.is_(None) | (Takedown.state != "removed"))
            .order_by(Alert.id)
        ).first()
        assert telegram is not None
        telegram.status = "failed"
    client, _ = _client(env, "viewer")
    rows = _platform_rows(client.get("/outlinks").text)
    keys = ("outlinks", "open", "alerted", "alert_failed", "removed")
    assert rows["Telegram"] == dict(zip(keys, (7, 1, 1, 2, 3), strict=True))


def _platform_rows(page: str) -> dict[str, dict[str, int]]:
    import re

    out = {}
    for row in re.findall(r'<tr class="platform" data-platform="([^"]+)">(.*?)</tr>', page, re.S):
        name, cells = row
        out[name] = {k: int(v) for k, v in re.findall(r'data-field="(\w+)">(\d+)<', cells)}
    return out


def test_outlinks_csv_is_filtered_injection_safe_and_audited(ops: Any) -> None:
    env, _ = ops
    client, _ = _client(env, "viewer")
    response = client.get("/export/outlinks.csv", params={"platform": "JustPaste.it"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="tvec-outlinks.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(r["url"] for r in rows) == [
        f"https://content.example/{n}" for n in ("u7", "u8", "u9")
    ]
    u8 = next(r for r in rows if r["url"].endswith("/u8"))
    assert u8["entity"] == '\'=HYPERLINK("http://x.example")'  # never a formula
    assert u8["defanged_url"] == "hxxps://content[.]example/u8" and u8["alert_status"] == "sent"
    everything = list(csv.DictReader(io.StringIO(client.get("/export/outlinks.csv").text)))
    assert len(everything) == 15
    events = _events(env, "export.csv")
    assert [(e.actor, e.target, e.data) for e in events] == [
        ("viewer", "export:outlinks", {"filters": {"platform": "JustPaste.it"}, "rows": 3}),
        ("viewer", "export:outlinks", {"filters": {}, "rows": 15}),
    ]


def test_every_csv_download_is_audited_with_its_row_count(ops: Any) -> None:
    env, _ = ops
    client, _ = _client(env, "moderator")
    cases = client.get("/export/cases.csv")
    decisions = client.get("/export/decisions.csv")
    assert cases.status_code == decisions.status_code == 200
    case_rows = len(list(csv.DictReader(io.StringIO(cases.text))))
    assert case_rows == 2
    events = [(e.actor, e.target, e.data) for e in _events(env, "export.csv")]
    assert events == [
        ("moderator", "export:cases", {"filters": {}, "rows": 2}),
        ("moderator", "export:decisions", {"filters": {}, "rows": 0}),
    ]
    # a filter an export does not take is refused, and nothing is logged for it
    assert client.get("/export/cases.csv", params={"platform": "x"}).status_code == 400
    assert client.get("/export/bogus.csv").status_code == 404
    assert len(_events(env, "export.csv")) == 2


def test_alerts_list_and_alert_page_with_deliveries_and_timeline(ops: Any) -> None:
    env, data = ops
    client, _ = _client(env, "viewer")
    page = client.get("/alerts").text
    assert page.count('class="alert-row ') == 11
    sent = client.get("/alerts", params={"status": "sent"}).text
    assert sent.count('class="alert-row ') == 9
    assert "hxxps://content[.]example/u9" in sent
    failed = client.get("/alerts", params={"status": "failed", "platform": "telegram"}).text
    assert failed.count('class="alert-row ') == 1
    assert client.get("/alerts", params={"status": "bogus"}).status_code == 400
    alert = client.get(f"/alerts/{data.u1_reference}").text
    assert 'id="alert-status">sent<' in alert and 'id="takedown-state">removed<' in alert
    assert 'id="time-to-removal">1 h<' in alert
    assert alert.count('class="delivery ') == 2
    assert "failed: <bdi>SMTP 451 try again later</bdi>" in alert
    assert alert.count('class="check ') == 3
    timeline = alert[alert.index('id="timeline"') : alert.index("Delivery attempts")]
    kinds = [k for k in ("queued", "delivery", "check", "removed") if f"event-{k}" in timeline]
    assert kinds == ["queued", "delivery", "check", "removed"]
    assert timeline.index("event-queued") < timeline.index("event-delivery")
    assert timeline.rindex("event-removed") > timeline.rindex("event-delivery")
    assert client.get("/alerts/TVEC-ffffffffffff").status_code == 404

"""The transparency report over a seeded database (SQLite and PostgreSQL): every figure
checked against numbers computed by hand from tests/reports/report_data.py.

Percentiles by linear interpolation between closest ranks: for sorted x[0..n-1],
h = (n - 1) * q, value = x[floor h] + (h - floor h) * (x[floor h + 1] - x[floor h]).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.alerts.removal_data import url_of
from tests.reports.report_data import DESIGNATED, NOW, PRIVATE, SINCE, TOS, UNTIL, seed
from tvec.errors import UsageError
from tvec.reports.metrics import parse_period
from tvec.reports.render import render_transparency, transparency_csv
from tvec.reports.transparency import bank_source, transparency_report
from tvec.store import Store
from tvec.views.base import dumps
from tvec.views.reports import TransparencyReportView


def counts(rows: list[Any] | None) -> list[tuple[str, int]] | None:
    return None if rows is None else [(r.key, r.count) for r in rows]


def make(store: Store, *, internal: bool = False) -> TransparencyReportView:
    start, end = parse_period(SINCE, UNTIL)
    assert start is not None and end is not None
    with store.session() as session:
        return transparency_report(session, since=start, until=end, now=NOW, internal=internal)


@pytest.fixture
def seeded(any_store: Store) -> Store:
    with any_store.session() as session:
        seed(session)
    return any_store


def test_period_and_previous_period(seeded: Store) -> None:
    report = make(seeded)
    data = json.loads(dumps(report))
    assert data["period"] == {"since": "2024-02-01T00:00:00Z", "until": "2024-04-01T00:00:00Z"}
    # 60 days before 2024-02-01
    assert data["previous_period"] == {
        "since": "2023-12-03T00:00:00Z", "until": "2024-02-01T00:00:00Z"
    }  # fmt: skip
    assert report.title == "Transparency report 2024-02-01 to 2024-03-31"
    assert report.unknown == []
    assert report.urls is None


def test_content_seen(seeded: Store) -> None:
    c = make(seeded).content
    # i1-i4 collected in the period (removal_data's items are collected "now", after NOW)
    assert c.items_scanned == 4
    assert counts(c.items_by_source_kind) == [("telegram", 2), ("feed", 1), ("none", 1)]
    assert c.matches == 4
    assert counts(c.matches_by_signal_type) == [("pdq", 3), ("md5", 1)]
    assert counts(c.matches_by_bank) == [("tcap-2024", 2), ("gifct-hashes", 1), ("own-list", 1)]
    assert counts(c.matches_by_bank_source) == [("TCAP", 2), ("GIFCT", 1), ("own", 1)]
    assert c.indicator_hits == 3
    assert counts(c.indicator_hits_by_entity) == [("islamic-state", 2), ("al-shabaab", 1)]
    assert c.items_analysed == 3
    assert counts(c.languages) == [("ara", 1), ("eng", 1), ("und", 1)]


def test_review(seeded: Store) -> None:
    r = make(seeded).review
    assert r.cases_opened == 4  # c1-c4
    assert r.cases_decided == 3  # c1, c2, c3 (c5's decision is after the period)
    assert counts(r.decisions_by_outcome) == [("remove", 2), ("escalate", 1), ("no_violation", 1)]
    assert counts(r.removals_by_ground) == [
        (f"designated_entity: {DESIGNATED}", 1), (f"tos: {TOS}", 1)
    ]  # fmt: skip
    # waits 21600 (c1), 172800 (c2), 86400 (c3): median 86400, p90 86400 + 0.8 * 86400
    assert r.median_seconds_to_decision == 86400.0
    assert r.p90_seconds_to_decision == 155520.0
    # backlog at 2024-04-01: c4 (12 days) and c5 (72 days)
    assert r.backlog_at_end == 2
    assert r.backlog_median_age_seconds == (1036800 + 6220800) / 2
    assert r.backlog_max_age_seconds == 6220800.0
    assert r.appeals_filed == 4  # a1, a2, a3, a5
    assert r.appeals_upheld == 1  # a2
    assert r.appeals_overturned == 3  # a1, a4, a5
    assert r.reinstatements == 2  # a1, a4 (a5 overturned a no_violation)


def test_alerts_and_change(seeded: Store) -> None:
    a = make(seeded).alerts
    o = a.overall
    # u5 (777600 s), u6 (-), u7 (1800), u8 (-), u9 (7200)
    assert (o.alerts_sent, o.removed, o.removal_rate) == (5, 3, 0.6)
    assert o.median_seconds_to_removal == 7200.0
    assert o.p90_seconds_to_removal == 7200 + 0.8 * (777600 - 7200)
    assert (o.share_within_1h, o.share_within_24h, o.still_online) == (0.2, 0.4, 1)
    p = a.previous_overall  # u1 (3600), u2 (86400), u3 (-), u4 (172800)
    assert (p.alerts_sent, p.removed, p.removal_rate) == (4, 3, 0.75)
    assert p.median_seconds_to_removal == 86400.0
    total = a.change["all"][0]
    assert (total.alerts_sent_change, total.removed_change) == (1, 0)
    assert total.removal_rate_change_points == -15.0
    platform = {c.key: c for c in a.change["platform"]}
    assert sorted(platform) == ["Archive.org", "JustPaste.it", "Telegram"]
    archive = platform["Archive.org"]
    assert (archive.alerts_sent, archive.previous_alerts_sent, archive.alerts_sent_change) == (
        2, 1, 1
    )  # fmt: skip
    assert (archive.removal_rate, archive.previous_removal_rate) == (0.5, 1.0)
    assert archive.removal_rate_change_points == -50.0
    assert platform["JustPaste.it"].removal_rate_change_points is None  # none before
    assert (platform["Telegram"].alerts_sent, platform["Telegram"].alerts_sent_change) == (0, -3)
    assert [(r.key, r.alerts_sent, r.removed) for r in a.by["platform"]] == [
        ("Archive.org", 2, 1), ("JustPaste.it", 3, 2)
    ]  # fmt: skip
    assert [(r.key, r.alerts_sent) for r in a.by["month"]] == [("2024-02", 3), ("2024-03", 2)]
    assert [(r.key, r.alerts_sent) for r in a.by["ideology"]] == [
        ("far_right", 2), ("jihadist", 2), ("unknown", 1)
    ]  # fmt: skip
    assert [(r.key, r.alerts_sent) for r in a.by["language"]] == [
        ("eng", 2), ("fas", 1), ("som", 1), ("unknown", 1)
    ]  # fmt: skip
    assert "month" not in a.change
    assert counts(a.time_to_removal) == [
        ("within 1 h", 1), ("1 h to 6 h", 1), ("6 h to 24 h", 0), ("1 d to 7 d", 0),
        ("over 7 d", 1), ("not removed", 2),
    ]  # fmt: skip


def test_orders_and_holds(seeded: Store) -> None:
    o = make(seeded).orders
    assert o.orders_received == 6  # o1-o5, o7
    assert o.urls_named == 7
    assert o.actioned_within_1h == 2  # o1, o4 (by its restarted deadline)
    assert o.late == 2  # o2 done late, o5 overdue
    assert o.pending == 1  # o7
    assert o.not_executed == 1  # o3
    assert (o.rejected_3_7, o.rejected_3_8) == (1, 2)
    assert (o.holds_opened, o.holds_extended, o.holds_purged) == (2, 1, 1)


def test_unknown_is_not_zero(any_store: Store) -> None:
    """An empty store: every figure of a part not in use is None and listed as unknown."""
    report = make(any_store)
    assert report.content.items_scanned is None
    assert report.content.matches_by_bank_source is None
    assert report.review.cases_opened is None
    assert report.review.backlog_at_end is None
    assert report.orders.orders_received is None
    assert report.orders.holds_purged is None
    assert report.alerts.overall.alerts_sent == 0
    assert len(report.unknown) == 6
    html = render_transparency(report, "html").decode()
    assert html.count("no data") >= 20
    rows = list(csv.reader(io.StringIO(transparency_csv(report))))
    assert ["review", "cases_opened", "", ""] in rows


def test_a_part_in_use_with_nothing_in_the_period_is_zero(seeded: Store) -> None:
    with seeded.session() as session:
        start, end = parse_period("2025-01-01", "2025-01-31")
        assert start is not None and end is not None
        report = transparency_report(session, since=start, until=end, now=NOW)
    assert report.content.items_scanned == 0
    assert report.review.cases_opened == 0
    assert report.review.median_seconds_to_decision is None  # no decision: nothing to measure
    assert report.orders.orders_received == 0
    assert report.unknown == []


def test_bank_source() -> None:
    assert bank_source("TCAP", "anything") == "TCAP"
    assert bank_source(None, "GIFCT hash list") == "GIFCT"
    assert bank_source("tcap", "gifct") == "TCAP"  # the entry's label first
    assert bank_source("analyst", "ours") == "own"


def test_period_errors(seeded: Store) -> None:
    start, _ = parse_period(SINCE, UNTIL)
    assert start is not None
    with seeded.session() as session, pytest.raises(UsageError, match="not before"):
        transparency_report(session, since=start, until=start)


def test_public_variants_hold_no_url_or_personal_data(seeded: Store) -> None:
    public = make(seeded)
    internal = make(seeded, internal=True)
    for fmt in ("html", "csv", "json"):
        text = render_transparency(public, fmt).decode()
        for private in PRIVATE:
            assert private not in text, (fmt, private)
        inner = render_transparency(internal, fmt).decode()
        assert url_of("u5") in inner and url_of("u9") in inner, fmt
        assert url_of("u1") not in inner  # sent before the period
    assert internal.urls is not None
    assert [u.url for u in internal.urls] == [url_of(n) for n in ("u5", "u6", "u7", "u8", "u9")]


def test_csv_has_every_figure(seeded: Store) -> None:
    rows = list(csv.reader(io.StringIO(transparency_csv(make(seeded)))))
    assert rows[0] == ["section", "figure", "key", "value"]
    table = {(s, f, k): v for s, f, k, v in rows[1:]}
    assert table[("period", "since", "")] == "2024-02-01T00:00:00Z"
    assert table[("content", "items_by_source_kind", "telegram")] == "2"
    assert table[("content", "matches_by_bank_source", "GIFCT")] == "1"
    assert table[("review", "p90_seconds_to_decision", "")] == "155520.0"
    assert table[("alerts", "by_platform.removal_rate", "JustPaste.it")] == "0.6667"
    assert table[("alerts", "change_all.removal_rate_change_points", "all")] == "-15.0"
    assert table[("orders", "rejected_3_8", "")] == "2"
    assert table[("alerts", "time_to_removal", "over 7 d")] == "1"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_pdf_opens_and_its_pages_render(store: Store, tmp_path: Path) -> None:
    """(SQLite only: the figures are checked on both databases above.)"""
    with store.session() as session:
        seed(session)
    seeded = store
    for internal in (False, True):
        pdf = render_transparency(make(seeded, internal=internal), "pdf")
        assert pdf.startswith(b"%PDF-")
        path = tmp_path / f"report-{internal}.pdf"
        path.write_bytes(pdf)
        prefix = tmp_path / f"page-{internal}"
        subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(prefix)], check=True)
        pages = sorted(tmp_path.glob(f"page-{internal}-*.png"))
        assert len(pages) >= 3
        assert all(p.stat().st_size > 1000 for p in pages)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
        assert "Removal orders received" in text
        assert "Methodology" in text
        if internal:
            assert url_of("u5") in text.replace("\n", "")
        else:
            assert not any(private in text for private in PRIVATE)

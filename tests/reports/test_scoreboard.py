"""The platform scoreboard over the seeded database (SQLite and PostgreSQL), every figure
checked against numbers computed by hand (tests/reports/report_data.py; alerts of
tests/alerts/removal_data.py).

In the period (February-March 2024): Archive.org u5 (removed after 777600 s), u6 (not);
JustPaste.it u7 (1800 s), u8 (not), u9 (7200 s). Previous period: Telegram u1-u3,
Archive.org u4 (172800 s).

score = 100 * (0.4 rate + 0.2 share_1h + 0.2 share_24h + 0.2 speed),
speed = max(0, 1 - ln(1 + median hours) / ln(169)).
"""

from __future__ import annotations

import csv
import io
import json
import math

import pytest

from tests.reports.report_data import NOW, PRIVATE, SINCE, UNTIL, add_alerted, seed
from tvec.errors import UsageError
from tvec.reports.metrics import parse_period
from tvec.reports.render import render_scoreboard
from tvec.reports.scoreboard import scoreboard, speed
from tvec.store import Store
from tvec.views.reports import ScoreboardView


def board(store: Store, min_alerts: int) -> ScoreboardView:
    start, end = parse_period(SINCE, UNTIL)
    assert start is not None and end is not None
    with store.session() as session:
        return scoreboard(session, since=start, until=end, now=NOW, min_alerts=min_alerts)


@pytest.fixture
def seeded(any_store: Store) -> Store:
    with any_store.session() as session:
        seed(session)
    return any_store


def by_hand(rate: float, s1: float, s24: float, median_hours: float | None) -> float:
    fast = 0.0 if median_hours is None else max(0.0, 1 - math.log(1 + median_hours) / math.log(169))
    return round(100 * (0.4 * rate + 0.2 * s1 + 0.2 * s24 + 0.2 * fast), 1)


def test_ranks_scores_and_trend(seeded: Store) -> None:
    rows = board(seeded, 1).rows
    assert [(r.rank, r.platform) for r in rows] == [(1, "JustPaste.it"), (2, "Archive.org")]
    justpaste, archive = rows
    # JustPaste.it: rate 2/3, within 1 h 1/3, within 24 h 2/3, median (1800 + 7200) / 2 s
    assert justpaste.score == by_hand(0.6667, 0.3333, 0.6667, 4500 / 3600) == 63.5
    assert (justpaste.alerts_sent, justpaste.removed, justpaste.removal_rate) == (3, 2, 0.6667)
    assert justpaste.median_seconds_to_removal == 4500.0
    assert (justpaste.trend, justpaste.previous_score, justpaste.score_change) == (
        "new",
        None,
        None,
    )
    assert justpaste.tier == "ranked"
    # Archive.org: rate 1/2, median 216 h: speed 0; before: u4 removed in 48 h
    assert archive.score == by_hand(0.5, 0, 0, 216) == 20.0
    assert archive.previous_alerts_sent == 1
    assert archive.previous_score == by_hand(1.0, 0, 0, 48) == 44.8
    assert (archive.trend, archive.score_change) == ("down", -24.8)
    assert archive.tier == "ranked"


def test_minimum_of_alerts(seeded: Store) -> None:
    result = board(seeded, 3)
    assert result.min_alerts == 3
    assert [(r.rank, r.platform, r.tier, r.score) for r in result.rows] == [
        (1, "JustPaste.it", "ranked", 63.5),
        (None, "Archive.org", "unranked", None),
    ]
    assert result.rows[1].trend == "none"
    assert result.rows[1].removal_rate == 0.5  # figures shown, not ranked


def test_tiers_and_ties(seeded: Store) -> None:
    with seeded.session() as session:
        for n in range(2):  # removed in 30 minutes: recognised
            add_alerted(session, f"fast{n}", "FastHost", "2024-02-20 00:00", 1800)
            add_alerted(session, f"same{n}", "SameHost", "2024-02-21 00:00", 1800)
        for n in range(2):  # never removed: not responding
            add_alerted(session, f"silent{n}", "SilentHost", "2024-03-01 00:00", None)
    rows = board(seeded, 2).rows
    fast = by_hand(1.0, 1.0, 1.0, 0.5)
    assert fast == 98.4
    assert [(r.rank, r.platform, r.tier, r.score) for r in rows] == [
        (1, "FastHost", "recognised", fast),
        (1, "SameHost", "recognised", fast),  # same score, same rank
        (3, "JustPaste.it", "ranked", 63.5),
        (4, "Archive.org", "ranked", 20.0),
        (5, "SilentHost", "not_responding", 0.0),
    ]


def test_formats(seeded: Store) -> None:
    result = board(seeded, 1)
    data = json.loads(render_scoreboard(result, "json"))
    assert data["rows"][0]["platform"] == "JustPaste.it"
    assert data["weights"] == {
        "removal_rate": 0.4, "share_within_1h": 0.2, "share_within_24h": 0.2, "speed": 0.2
    }  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(render_scoreboard(result, "csv").decode())))
    assert [(r["rank"], r["platform"], r["score"], r["trend"]) for r in rows] == [
        ("1", "JustPaste.it", "63.5", "new"), ("2", "Archive.org", "20.0", "down")
    ]  # fmt: skip
    html = render_scoreboard(result, "html").decode()
    assert "down (-24.8)" in html and "63.5" in html
    assert "<script" not in html and "http" not in html.split("<body>", 1)[1]
    for text in (html, rows.__repr__(), json.dumps(data)):
        assert not any(private in text for private in PRIVATE)


def test_speed_and_errors(seeded: Store) -> None:
    assert speed(None) == 0.0
    assert speed(0.0) == 1.0
    assert speed(168 * 3600) == 0.0
    with pytest.raises(UsageError, match="min-alerts"):
        board(seeded, 0)

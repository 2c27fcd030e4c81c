"""Removal metrics over rows with fixed times (SQLite and PostgreSQL), every figure checked
against numbers computed by hand (the URLs are in tests/alerts/removal_data.py).

Percentiles by linear interpolation between closest ranks: for sorted x[0..n-1],
h = (n - 1) * q, value = x[floor h] + (h - floor h) * (x[floor h + 1] - x[floor h]).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from tests.alerts.removal_data import at, insert_removals, url_of
from tvec.errors import UsageError
from tvec.reports.metrics import (
    FIGURE_FIELDS,
    UrlTimeline,
    display_value,
    format_seconds,
    metrics_document,
    parse_period,
    percentile,
    removal_figures,
    url_timelines,
)
from tvec.store import Store
from tvec.store.models.alerts import Alert

NOW = at("2024-06-01 00:00")


def fig(
    key: str,
    sent: int,
    removed: int,
    rate: float | None,
    median: float | None,
    p90: float | None,
    median_min: float | None,
    p90_min: float | None,
    within: tuple[int, int, int],
    shares: tuple[float | None, float | None, float | None],
    still: int,
    to_alert: float | None,
) -> dict[str, Any]:
    return {
        "key": key,
        "alerts_sent": sent,
        "removed": removed,
        "removal_rate": rate,
        "median_seconds_to_removal": median,
        "p90_seconds_to_removal": p90,
        "median_seconds_to_removal_min": median_min,
        "p90_seconds_to_removal_min": p90_min,
        "removed_within_1h": within[0],
        "removed_within_24h": within[1],
        "removed_within_7d": within[2],
        "share_within_1h": shares[0],
        "share_within_24h": shares[1],
        "share_within_7d": shares[2],
        "still_online": still,
        "median_seconds_to_alert": to_alert,
    }


# Upper bounds of the six removed URLs: 1800 3600 7200 86400 172800 777600.
#   median h=2.5: 7200 + .5*(86400-7200) = 46800; p90 h=4.5: 172800 + .5*604800 = 475200.
# Lower bounds: 0 1200 1800 3600 64800 345000: median 2700; p90 64800 + .5*280200 = 204900.
# <= 1 h: 1800, 3600 (2/9); <= 24 h: +7200, 86400 (4/9); <= 7 d: +172800 (5/9).
# To alert: 600 3600 3600 7200 21600 43200 43200 86400 86400: median (h=4) 21600.
OVERALL = fig(
    "all", 9, 6, 0.6667, 46800.0, 475200.0, 2700.0, 204900.0, (2, 4, 5),
    (0.2222, 0.4444, 0.5556), 2, 21600.0,
)  # fmt: skip

BY: dict[str, list[dict[str, Any]]] = {
    "platform": [
        # u4 u5 u6: upper 172800 777600 -> median 475200, p90 172800 + .9*604800 = 717120;
        # lower 0 345000 -> 172500, 310500; to alert 21600 600 86400 -> 21600.
        fig("Archive.org", 3, 2, 0.6667, 475200.0, 717120.0, 172500.0, 310500.0, (0, 0, 1),
            (0.0, 0.0, 0.3333), 0, 21600.0),
        # u7 u8 u9: upper 1800 7200 -> 4500, 1800 + .9*5400 = 6660; lower 1200 3600 -> 2400,
        # 1200 + .9*2400 = 3360; to alert 3600 43200 86400 -> 43200.
        fig("JustPaste.it", 3, 2, 0.6667, 4500.0, 6660.0, 2400.0, 3360.0, (1, 2, 2),
            (0.3333, 0.6667, 0.6667), 1, 43200.0),
        # u1 u2 u3: upper 3600 86400 -> 45000, 3600 + .9*82800 = 78120; lower 1800 64800 ->
        # 33300, 1800 + .9*63000 = 58500; to alert 7200 43200 3600 -> 7200.
        fig("Telegram", 3, 2, 0.6667, 45000.0, 78120.0, 33300.0, 58500.0, (1, 2, 2),
            (0.3333, 0.6667, 0.6667), 1, 7200.0),
    ],
    "entity": [
        fig("al-shabaab", 3, 2, 0.6667, 475200.0, 717120.0, 172500.0, 310500.0, (0, 0, 1),
            (0.0, 0.0, 0.3333), 0, 21600.0),
        fig("islamic-state", 3, 2, 0.6667, 45000.0, 78120.0, 33300.0, 58500.0, (1, 2, 2),
            (0.3333, 0.6667, 0.6667), 1, 7200.0),
        # u8 only: nothing removed, so no times and shares of 0.
        fig("made-up-group", 1, 0, 0.0, None, None, None, None, (0, 0, 0), (0.0, 0.0, 0.0), 1,
            43200.0),
        # u7 u9: to alert 3600 86400 -> 45000.
        fig("national-action", 2, 2, 1.0, 4500.0, 6660.0, 2400.0, 3360.0, (1, 2, 2),
            (0.5, 1.0, 1.0), 0, 45000.0),
    ],
    "ideology": [
        fig("far_right", 2, 2, 1.0, 4500.0, 6660.0, 2400.0, 3360.0, (1, 2, 2), (0.5, 1.0, 1.0),
            0, 45000.0),
        # u1..u6: upper 3600 86400 172800 777600 -> h=1.5: 129600; h=2.7: 172800 +
        # .7*604800 = 596160; lower 0 1800 64800 345000 -> 33300; 64800 + .7*280200 = 260940;
        # to alert 600 3600 7200 21600 43200 86400 -> 14400.
        fig("jihadist", 6, 4, 0.6667, 129600.0, 596160.0, 33300.0, 260940.0, (1, 2, 3),
            (0.1667, 0.3333, 0.5), 1, 14400.0),
        fig("unknown", 1, 0, 0.0, None, None, None, None, (0, 0, 0), (0.0, 0.0, 0.0), 1,
            43200.0),
    ],
    "language": [
        # u1 u3: to alert 7200 3600 -> 5400.
        fig("ara", 2, 1, 0.5, 3600.0, 3600.0, 1800.0, 1800.0, (1, 1, 1), (0.5, 0.5, 0.5), 1,
            5400.0),
        # u2 u7 u8: upper 1800 86400 -> 44100, 1800 + .9*84600 = 77940; lower 1200 64800 ->
        # 33000, 1200 + .9*63600 = 58440.
        fig("eng", 3, 2, 0.6667, 44100.0, 77940.0, 33000.0, 58440.0, (1, 2, 2),
            (0.3333, 0.6667, 0.6667), 1, 43200.0),
        fig("fas", 1, 1, 1.0, 7200.0, 7200.0, 3600.0, 3600.0, (0, 1, 1), (0.0, 1.0, 1.0), 0,
            86400.0),
        # u4 u6: to alert 21600 86400 -> 54000.
        fig("som", 2, 1, 0.5, 172800.0, 172800.0, 0.0, 0.0, (0, 0, 1), (0.0, 0.0, 0.5), 0,
            54000.0),
        fig("unknown", 1, 1, 1.0, 777600.0, 777600.0, 345000.0, 345000.0, (0, 0, 0),
            (0.0, 0.0, 0.0), 0, 600.0),
    ],
    "month": [
        # u1..u4: upper 3600 86400 172800 -> 86400, h=1.8: 86400 + .8*86400 = 155520;
        # lower 0 1800 64800 -> 1800, 1800 + .8*63000 = 52200; to alert 3600 7200 21600
        # 43200 -> 14400.
        fig("2024-01", 4, 3, 0.75, 86400.0, 155520.0, 1800.0, 52200.0, (1, 2, 3),
            (0.25, 0.5, 0.75), 1, 14400.0),
        # u5 u6 u7: upper 1800 777600 -> 389700, 1800 + .9*775800 = 700020; lower 1200
        # 345000 -> 173100, 1200 + .9*343800 = 310620; to alert 600 86400 3600 -> 3600.
        fig("2024-02", 3, 2, 0.6667, 389700.0, 700020.0, 173100.0, 310620.0, (1, 1, 1),
            (0.3333, 0.3333, 0.3333), 0, 3600.0),
        # u8 u9: to alert 43200 86400 -> 64800.
        fig("2024-03", 2, 1, 0.5, 7200.0, 7200.0, 3600.0, 3600.0, (0, 1, 1), (0.0, 0.5, 0.5),
            1, 64800.0),
    ],
}  # fmt: skip


@pytest.fixture
def document(any_store: Store) -> dict[str, Any]:
    with any_store.session() as session:
        insert_removals(session)
    with any_store.session() as session:
        return metrics_document(session, now=NOW).model_dump(mode="json")


def test_overall_figures(document: dict[str, Any]) -> None:
    assert document["overall"] == OVERALL
    assert document["version"] == 1
    assert document["period"] == {"since": None, "until": None}


@pytest.mark.parametrize("dimension", list(BY))
def test_figures_per_dimension(document: dict[str, Any], dimension: str) -> None:
    assert document["by"][dimension] == BY[dimension]


def test_per_url_timelines_keep_both_bounds(document: dict[str, Any]) -> None:
    urls = {u["url"]: u for u in document["urls"]}
    # by sent_at (u4 was sent before u3); the queued, failed and never alerted URLs are out
    assert list(urls) == [url_of(n) for n in ("u1", "u2", "u4", "u3", "u5", "u6", "u7", "u8", "u9")]
    u1 = urls[url_of("u1")]
    assert u1 == {
        "url": url_of("u1"),
        "reference": "TVEC-000000000000",
        "platform": "Telegram",
        "entity": "islamic-state",
        "ideology": "jihadist",
        "language": "ara",
        "month": "2024-01",
        "first_seen_at": "2024-01-10T10:00:00Z",
        "sent_at": "2024-01-10T12:00:00Z",
        "last_online_at": "2024-01-10T12:30:00Z",
        "removed_at": "2024-01-10T13:00:00Z",
        "confirmed_at": "2024-01-10T13:30:00Z",
        "state": "removed",
        "last_result": "removed",
        "seconds_to_alert": 7200.0,
        "seconds_to_removal": 3600.0,
        "seconds_to_removal_min": 1800.0,
    }
    bounds = {
        name: (
            urls[url_of(name)]["seconds_to_removal_min"],
            urls[url_of(name)]["seconds_to_removal"],
        )
        for name in ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")
    }
    assert bounds == {
        "u1": (1800.0, 3600.0),
        "u2": (64800.0, 86400.0),
        "u3": (None, None),
        "u4": (0.0, 172800.0),  # never seen online after the alert: lower bound 0
        "u5": (345000.0, 777600.0),
        "u6": (None, None),
        "u7": (1200.0, 1800.0),
        "u8": (None, None),
        "u9": (3600.0, 7200.0),
    }
    # u3's blip (one "removed", then "online") is not a removal; u6 stopped unreachable
    assert (urls[url_of("u3")]["state"], urls[url_of("u3")]["last_result"]) == (
        "tracking",
        "online",
    )
    assert (urls[url_of("u6")]["state"], urls[url_of("u6")]["last_result"]) == (
        "stopped",
        "unreachable",
    )
    assert urls[url_of("u8")]["ideology"] == "unknown"
    assert {u["url"][-2:]: u["language"] for u in document["urls"]} == {
        "u1": "ara", "u2": "eng", "u3": "ara", "u4": "som", "u5": "unknown",
        "u6": "som", "u7": "eng", "u8": "eng", "u9": "fas",
    }  # fmt: skip


def test_now_ignores_later_alerts_removals_and_checks(any_store: Store) -> None:
    with any_store.session() as session:
        insert_removals(session)
    with any_store.session() as session:
        # 02:30 on 2024-03-10: u9 sent (00:00), its first "removed" check done (02:00),
        # its confirming check (03:00) not yet.
        document = metrics_document(session, now=at("2024-03-10 02:30")).model_dump(mode="json")
        before_u9 = metrics_document(session, now=at("2024-03-09 23:59")).model_dump(mode="json")
    u9 = document["urls"][-1]
    assert (u9["url"], u9["state"], u9["last_result"]) == (url_of("u9"), "tracking", "removed")
    assert (u9["removed_at"], u9["seconds_to_removal"]) == (None, None)
    assert u9["last_online_at"] == "2024-03-10T01:00:00Z"
    assert document["overall"]["alerts_sent"] == 9
    assert document["overall"]["removed"] == 5
    assert document["overall"]["still_online"] == 2  # u3 and u8 (u9's latest check: removed)
    # without u9: removed 1800 3600 86400 172800 777600 -> median 86400
    assert document["overall"]["median_seconds_to_removal"] == 86400.0
    assert before_u9["overall"]["alerts_sent"] == 8
    assert before_u9["by"]["month"][-1]["key"] == "2024-03"
    assert before_u9["by"]["month"][-1]["alerts_sent"] == 1


def test_since_and_until_select_alerts_by_sent_time(any_store: Store) -> None:
    with any_store.session() as session:
        insert_removals(session)
    since, until = parse_period("2024-02-01", "2024-02-29")
    with any_store.session() as session:
        document = metrics_document(session, now=NOW, since=since, until=until).model_dump(
            mode="json"
        )
    assert document["period"] == {
        "since": "2024-02-01T00:00:00Z",
        "until": "2024-03-01T00:00:00Z",
    }
    assert document["overall"] == {**BY["month"][1], "key": "all"}
    assert [row["key"] for row in document["by"]["month"]] == ["2024-02"]


def test_empty_database_gives_empty_groups(any_store: Store) -> None:
    with any_store.session() as session:
        document = metrics_document(session, now=NOW).model_dump(mode="json")
    assert document["overall"] == fig(
        "all", 0, 0, None, None, None, None, None, (0, 0, 0), (None, None, None), 0, None
    )
    assert document["by"] == {
        d: [] for d in ("platform", "entity", "ideology", "language", "month")
    }
    assert document["urls"] == []


def test_url_timelines_match_the_document(any_store: Store) -> None:
    with any_store.session() as session:
        insert_removals(session)
    with any_store.session() as session:
        timelines = url_timelines(session, now=NOW)
        document = metrics_document(session, now=NOW).model_dump(mode="json")
    assert [t.model_dump(mode="json") for t in timelines] == document["urls"]
    assert removal_figures(timelines).model_dump(mode="json") == OVERALL
    assert all(isinstance(t, UrlTimeline) for t in timelines)
    assert [t.still_online for t in timelines] == [
        False, False, False, True, False, False, False, True, False,
    ]  # fmt: skip


def test_percentile_is_linear_between_closest_ranks() -> None:
    assert percentile([], 0.5) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([10.0, 0.0, 20.0], 0.9) == pytest.approx(18.0)  # h = 1.8
    assert percentile([1.0, 2.0], 0.0) == 1.0
    assert percentile([1.0, 2.0], 1.0) == 2.0
    with pytest.raises(ValueError, match="between 0 and 1"):
        percentile([1.0], 90)


def test_month_is_taken_in_utc(store: Store) -> None:
    with store.session() as session:
        insert_removals(session)
        alert = session.scalars(select(Alert).where(Alert.url == url_of("u5"))).one()
        # 23:30 UTC on 31 January, written as 00:30 on 1 February in UTC+1: January
        alert.sent_at = datetime(2024, 2, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    with store.session() as session:
        document = metrics_document(session, now=NOW).model_dump(mode="json")
    months = {u["url"][-2:]: (u["month"], u["sent_at"]) for u in document["urls"]}
    assert months["u5"] == ("2024-01", "2024-01-31T23:30:00Z")
    assert [(m["key"], m["alerts_sent"]) for m in document["by"]["month"]] == [
        ("2024-01", 5),
        ("2024-02", 2),
        ("2024-03", 2),
    ]


def test_parse_period() -> None:
    assert parse_period(None, None) == (None, None)
    assert parse_period("2024-01-01", "2024-01-31") == (
        at("2024-01-01 00:00"),
        at("2024-02-01 00:00"),
    )
    assert parse_period("2024-01-01T06:00:00+02:00", "2024-01-02T00:00")[0] == at(
        "2024-01-01 04:00"
    )
    with pytest.raises(UsageError, match="since 'yesterday' is not a date"):
        parse_period("yesterday", None)
    # the last day of the calendar as an end date means no upper bound
    assert parse_period("2024-01-01", "9999-12-31") == (at("2024-01-01 00:00"), None)
    with pytest.raises(UsageError, match="is not before until"):
        parse_period("2024-02-01", "2024-01-01")


@pytest.mark.parametrize(
    ("since", "until", "named"),
    [
        ("0001-01-01T00:00:00+01:00", None, "since"),  # UTC: year 0
        ("0001-01-01T00:59:59+01:00", None, "since"),
        (None, "9999-12-31T23:30:00-01:00", "until"),  # UTC: year 10000
        (None, "9999-12-31T23:59:59.999999-00:01", "until"),
    ],
)
def test_parse_period_refuses_times_pushed_off_the_calendar_by_their_offset(
    since: str | None, until: str | None, named: str
) -> None:
    with pytest.raises(UsageError, match=f"^{named} '.*' is out of range"):
        parse_period(since, until)


def test_parse_period_keeps_the_edges_of_the_calendar() -> None:
    assert parse_period("0001-01-01T00:00:00-01:00", "9999-12-31T22:00:00-01:00") == (
        datetime(1, 1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, tzinfo=UTC),
    )


def test_display_values() -> None:
    assert [format_seconds(v) for v in (None, 0.0, 59.4, 61.0, 3600.0, 46800.0, 475200.0)] == [
        "-", "0s", "59s", "1m 01s", "1h 00m", "13h 00m", "5d 12h",
    ]  # fmt: skip
    assert display_value("removal_rate", 0.6667) == "66.7%"
    assert display_value("share_within_1h", 0.0) == "0.0%"
    assert display_value("alerts_sent", 9) == "9"
    assert display_value("p90_seconds_to_removal", None) == "-"
    assert "key" not in FIGURE_FIELDS and FIGURE_FIELDS[0] == "alerts_sent"

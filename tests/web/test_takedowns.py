"""The Takedowns page, its chart and ``GET /api/takedowns/metrics``: the same numbers as
``tvec stats removals`` (JSON, CSV and table) on the same database, for people with
takedown.view only."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.alerts.removal_data import at, insert_removals, url_of
from tests.alerts.test_metrics import BY, OVERALL
from tests.web.conftest import WebEnv
from tvec.accounts import create_token
from tvec.reports.metrics import FIGURE_FIELDS, display_value
from tvec.store.models import Outlink
from tvec.store.models.alerts import Takedown

SVG = "{http://www.w3.org/2000/svg}"
#: Every figure but the counts behind the "within" shares is on the page.
SHOWN = [f for f in FIGURE_FIELDS if not f.startswith("removed_within_")]


class _Tables(HTMLParser):
    """The page's metrics tables: table id -> row key -> field -> (data-value, shown text)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict[str, dict[str, tuple[Any, str]]]] = {}
        self._table: str | None = None
        self._row: str | None = None
        self._cell: tuple[str, Any] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and "metrics" in (found.get("class") or ""):
            self._table = found["id"]
            self.tables[self._table or ""] = {}
        elif tag == "tr" and self._table and found.get("data-key") is not None:
            self._row = found["data-key"]
            self.tables[self._table][self._row or ""] = {}
        elif tag == "td" and self._row is not None and found.get("data-field"):
            self._cell = (found["data-field"] or "", json.loads(found["data-value"] or ""))
            self._text = ""

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self._table and self._row is not None:
            field, value = self._cell
            self.tables[self._table][self._row][field] = (value, self._text.replace("\xa0", " "))
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "table":
            self._table = None


@pytest.fixture
def removals(web: WebEnv) -> WebEnv:
    with web.store.session() as session:
        insert_removals(session)
    return web


def _viewer(web: WebEnv) -> TestClient:
    with web.store.session() as session:
        token = create_token(session, "viewer", "metrics")
    return TestClient(web.app, headers={"Authorization": f"Bearer {token}"})


def test_cli_json_equals_the_api_and_the_hand_computed_figures(removals: WebEnv, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("stats", "removals", "--format", "json")
    assert result.code == 0, result.err
    from_cli = json.loads(result.out)
    response = _viewer(removals).get("/api/takedowns/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == from_cli
    assert from_cli["overall"] == OVERALL
    assert from_cli["by"] == BY
    # the same period on both sides
    since = cli("stats", "removals", "--format", "json", "--since", "2024-02-01")
    api = _viewer(removals).get("/api/takedowns/metrics", params={"since": "2024-02-01"})
    assert api.json() == json.loads(since.out)
    assert api.json()["overall"]["alerts_sent"] == 5


def test_page_shows_the_same_numbers(removals: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, _ = client_for("viewer")
    document = client.get("/api/takedowns/metrics").json()
    page = client.get("/takedowns")
    assert page.status_code == 200
    assert '<a href="/takedowns">Takedowns</a>' in page.text
    parsed = _Tables()
    parsed.feed(page.text)
    expected = {"overall": {"all": document["overall"]}} | {
        f"table-{dim}": {row["key"]: row for row in rows} for dim, rows in document["by"].items()
    }
    assert set(parsed.tables) == set(expected)
    for table, rows in expected.items():
        assert set(parsed.tables[table]) == set(rows), table
        for key, row in rows.items():
            shown = parsed.tables[table][key]
            assert set(shown) == set(SHOWN)
            for field in SHOWN:
                value, text = shown[field]
                assert value == row[field], (table, key, field)
                assert text == display_value(field, row[field]), (table, key, field)
    # spot checks against the hand-computed figures, as people read them
    overall = parsed.tables["overall"]["all"]
    assert overall["removal_rate"][1] == "66.7%"
    assert overall["median_seconds_to_removal"][1] == "13h 00m"  # 46800 s
    assert overall["p90_seconds_to_removal"][1] == "5d 12h"  # 475200 s
    assert overall["still_online"][1] == "2"
    assert parsed.tables["table-platform"]["Telegram"]["share_within_1h"][1] == "33.3%"
    assert parsed.tables["table-entity"]["made-up-group"]["median_seconds_to_removal"][1] == "-"
    assert 'src="/takedowns/chart.svg"' in page.text


def test_page_period_filter_passes_to_the_chart(removals: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, _ = client_for("viewer")
    page = client.get("/takedowns", params={"since": "2024-02-01", "until": "2024-02-29"})
    parsed = _Tables()
    parsed.feed(page.text)
    assert set(parsed.tables["table-month"]) == {"2024-02"}
    assert parsed.tables["overall"]["all"]["alerts_sent"] == (3, "3")
    assert 'src="/takedowns/chart.svg?since=2024-02-01&amp;until=2024-02-29"' in page.text
    bad = client.get("/takedowns", params={"since": "soon"})
    assert bad.status_code == 400
    assert "is not a date" in bad.text


def test_chart_is_valid_stable_svg(removals: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, _ = client_for("viewer")
    response = client.get("/takedowns/chart.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert "unsafe-inline" in response.headers["content-security-policy"]
    assert "script-src" not in response.headers["content-security-policy"]
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for label in ("2024-01", "2024-02", "2024-03", "alerts sent", "confirmed removals"):
        assert label in texts
    assert not list(root.iter(f"{SVG}script"))
    assert client.get("/takedowns/chart.svg").content == response.content
    empty = client.get("/takedowns/chart.svg", params={"since": "2030-01-01"})
    assert "no alerts sent in this period" in empty.text


def test_anonymous_users_get_nothing(removals: WebEnv) -> None:
    anonymous = TestClient(removals.app)
    page = anonymous.get("/takedowns", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/login")
    chart = anonymous.get("/takedowns/chart.svg", follow_redirects=False)
    assert chart.status_code == 303
    api = anonymous.get("/api/takedowns/metrics")
    assert api.status_code == 401
    assert "alerts_sent" not in api.text


def test_csv_has_one_row_per_group(removals: WebEnv, cli) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(cli("stats", "removals", "--format", "json").out)
    for dim in ("platform", "language", "month"):
        result = cli("stats", "removals", "--format", "csv", "--by", dim)
        assert result.code == 0
        rows = list(csv.reader(io.StringIO(result.out)))
        assert rows[0] == [dim, *FIGURE_FIELDS]
        expected = [
            [g["key"], *("" if g[f] is None else str(g[f]) for f in FIGURE_FIELDS)]
            for g in document["by"][dim]
        ]
        assert rows[1:] == expected
    month = list(
        csv.DictReader(
            io.StringIO(cli("stats", "removals", "--format", "csv", "--by", "month").out)
        )
    )
    assert month[0]["month"] == "2024-01"
    assert float(month[0]["p90_seconds_to_removal"]) == 155520.0
    assert month[2]["share_within_1h"] == "0.0"


def test_table_shows_the_figures(removals: WebEnv, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("stats", "removals")
    assert result.code == 0
    lines = {line.split()[0]: line.split() for line in result.out.splitlines() if line.strip()}
    # Telegram: 3 sent, 2 removed, 66.7%, median 45000 s, p90 78120 s, shares 1/3 2/3 2/3,
    # 1 still online, median to alert 7200 s
    assert lines["Telegram"] == [
        "Telegram", "3", "2", "66.7%", "12h", "30m", "21h", "42m", "33.3%", "66.7%", "66.7%",
        "1", "2h", "00m",
    ]  # fmt: skip
    assert lines["all"][:4] == ["all", "9", "6", "66.7%"]
    by_month = cli("stats", "removals", "--by", "month", "--until", "2024-01-31")
    assert "alerts sent before 2024-02-01 00:00 UTC" in by_month.out
    months = [line.split()[0] for line in by_month.out.splitlines() if line.startswith(" 2024")]
    assert months == ["2024-01"]
    bad = cli("stats", "removals", "--by", "colour")
    assert bad.code == 2


@pytest.mark.parametrize("name", ["since", "until"])
def test_times_off_the_calendar_are_usage_errors(
    removals: WebEnv, client_for: Any, cli: Any, name: str
) -> None:
    value = "0001-01-01T00:00:00+01:00" if name == "since" else "9999-12-31T23:00:00-02:00"
    result = cli("stats", "removals", f"--{name}", value)
    assert result.code == 2
    assert f"{name} {value!r} is out of range" in result.err
    client, _ = client_for("viewer")
    for path in ("/takedowns", "/takedowns/chart.svg"):
        page = client.get(path, params={name: value})
        assert page.status_code == 400, path
        assert "out of range" in page.text
    api = _viewer(removals).get("/api/takedowns/metrics", params={name: value})
    assert api.status_code == 400
    assert api.json()["detail"].startswith(f"{name} {value!r} is out of range")


def _not_removed(page: str) -> list[dict[str, str]]:
    """The rows of the page's "URLs not yet removed" table: URL, then each cell by field."""
    table = page[page.index('<table class="urls" id="not-removed">') :]
    table = table[: table.index("</table>")]
    rows = []
    for row in re.finditer(r'<tr class="url" data-url="([^"]+)".*?</tr>', table, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
        texts = [html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in cells]
        keys = ("url", "platform", "entity", "sent_at", "state", "last_result", "last_online_at")
        rows.append(dict(zip((*keys, "next_check_at"), texts, strict=True)))
        assert rows[-1]["url"] == html.unescape(row.group(1))
    return rows


def test_page_lists_exactly_the_urls_not_yet_removed(removals: WebEnv, client_for: Any) -> None:
    with removals.store.session() as session:
        u3 = session.scalars(
            select(Takedown).join(Outlink).where(Outlink.url == url_of("u3"))
        ).one()
        u3.next_check_at = at("2024-01-22 13:00")
    client, _ = client_for("viewer")
    page = client.get("/takedowns").text
    # u3 and u8 are still tracked, u6's checks stopped; the six removed URLs, the queued
    # and failed alerts and the URL checked without an alert are not listed
    assert _not_removed(page) == [
        {"url": url_of("u3"), "platform": "Telegram", "entity": "islamic-state",
         "sent_at": "2024-01-20 13:00", "state": "tracking", "last_result": "online",
         "last_online_at": "2024-01-21 13:00", "next_check_at": "2024-01-22 13:00"},
        {"url": url_of("u6"), "platform": "Archive.org", "entity": "al-shabaab",
         "sent_at": "2024-02-03 00:00", "state": "stopped", "last_result": "unreachable",
         "last_online_at": "2024-02-04 00:00", "next_check_at": "-"},
        {"url": url_of("u8"), "platform": "JustPaste.it", "entity": "made-up-group",
         "sent_at": "2024-03-05 00:00", "state": "tracking", "last_result": "online",
         "last_online_at": "2024-03-06 00:00", "next_check_at": "-"},
    ]  # fmt: skip
    # the same URLs as the document's timelines without a confirmed removal
    document = client.get("/api/takedowns/metrics").json()
    assert [r["url"] for r in _not_removed(page)] == [
        u["url"] for u in document["urls"] if u["removed_at"] is None
    ]
    assert "next_checks" not in document and "not_removed" not in document
    # the period filter applies to the table too
    february = client.get("/takedowns", params={"since": "2024-02-01", "until": "2024-02-29"})
    assert [r["url"] for r in _not_removed(february.text)] == [url_of("u6")]
    later = client.get("/takedowns", params={"since": "2030-01-01"}).text
    assert _not_removed(later) == []
    assert '<tr><td colspan="8">none in this period</td></tr>' in later

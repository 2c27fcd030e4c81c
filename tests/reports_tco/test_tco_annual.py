"""The TCO Article 7 annual report: every figure against numbers counted by hand from a
seeded database (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tvec.app.context import open_context
from tvec.app.tco import tco_annual, tco_annual_text
from tvec.errors import UsageError
from tvec.settings import load_settings
from tvec.store.models import (
    Appeal,
    Bank,
    BankEntry,
    CaseEvidence,
    Decision,
    Item,
    Match,
    RemovalOrder,
    RemovalOrderUrl,
    ReviewCase,
)
from tvec.views.tco import TcoAnnualView

IN = datetime(2026, 6, 1, 12, tzinfo=UTC)
BEFORE = datetime(2025, 12, 31, 23, 59, tzinfo=UTC)
AFTER = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
NOW = datetime(2027, 1, 10, tzinfo=UTC)


def _figures(report: TcoAnnualView) -> dict[tuple[str, str], int | None]:
    return {(i.key, f.label): f.value for i in report.items for f in i.figures}


def _seed(session: object) -> None:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    banks = [Bank(name="gifct"), Bank(name="tcap")]
    session.add_all(banks)
    session.flush()
    # tcap: 2 entries before, 1 in the year, 1 after; gifct: 1 in the year
    entries = [
        BankEntry(bank_id=banks[1].id, signal_type="pdq", value="a", created_at=BEFORE),
        BankEntry(bank_id=banks[1].id, signal_type="md5", value="b", created_at=BEFORE),
        BankEntry(bank_id=banks[1].id, signal_type="pdq", value="c", created_at=IN),
        BankEntry(bank_id=banks[1].id, signal_type="pdq", value="d", created_at=AFTER),
        BankEntry(bank_id=banks[0].id, signal_type="md5", value="e", created_at=IN),
    ]
    session.add_all(entries)
    session.flush()
    # items: 3 in the year, 1 before, 1 after
    items = []
    for i, when in enumerate([IN, IN, IN, BEFORE, AFTER]):
        item = Item(
            locator=f"file:///x/{i}",
            media_type="image/png",
            content_type="photo",
            collected_at=when,
        )
        items.append(item)
    session.add_all(items)
    session.flush()
    # matches: 2 in the year, 1 before
    session.add_all(
        [
            Match(
                item_id=items[0].id,
                bank_entry_id=entries[0].id,
                signal_type="pdq",
                value="a",
                distance=0,
                created_at=IN,
            ),
            Match(
                item_id=items[1].id,
                bank_entry_id=entries[1].id,
                signal_type="md5",
                value="b",
                distance=0,
                created_at=IN,
            ),
            Match(
                item_id=items[3].id,
                bank_entry_id=entries[0].id,
                signal_type="pdq",
                value="a",
                distance=0,
                created_at=BEFORE,
            ),
        ]
    )
    # cases: 3 opened in the year, 1 before
    cases = [
        ReviewCase(item_id=items[i].id, status="decided", opened_at=IN if i < 3 else BEFORE)
        for i in range(4)
    ]
    session.add_all(cases)
    session.flush()
    session.add_all(
        [
            CaseEvidence(
                case_id=cases[0].id, kind="match", confidence=1, severity="x", added_at=IN
            ),
            CaseEvidence(
                case_id=cases[1].id, kind="match", confidence=1, severity="x", added_at=IN
            ),
            CaseEvidence(
                case_id=cases[2].id, kind="trusted_flagger", confidence=1, severity="x", added_at=IN
            ),
            CaseEvidence(
                case_id=cases[3].id, kind="flag", confidence=1, severity="x", added_at=BEFORE
            ),
        ]
    )
    # decisions: 2 remove + 1 no_violation in the year, 1 remove before
    decisions = [
        Decision(
            case_id=cases[0].id,
            reviewer="r",
            outcome="remove",
            ground_kind="tos",
            ground="ToS",
            decided_at=IN,
        ),
        Decision(
            case_id=cases[1].id,
            reviewer="r",
            outcome="remove",
            ground_kind="tos",
            ground="ToS",
            decided_at=IN,
        ),
        Decision(case_id=cases[2].id, reviewer="r", outcome="no_violation", decided_at=IN),
        Decision(
            case_id=cases[3].id,
            reviewer="r",
            outcome="remove",
            ground_kind="tos",
            ground="ToS",
            decided_at=BEFORE,
        ),
    ]
    session.add_all(decisions)
    session.flush()
    # appeals: in the year 1 upheld, 1 overturned (a removal: reinstated), 1 pending;
    # 1 overturned on a no_violation (not a reinstatement); 1 filed before, overturned in the
    # year (a reinstatement of the year, not a complaint of the year)
    session.add_all(
        [
            Appeal(
                decision_id=decisions[0].id,
                filed_by="u",
                reason="r",
                status="upheld",
                filed_at=IN,
                resolved_at=IN,
            ),
            Appeal(
                decision_id=decisions[1].id,
                filed_by="u",
                reason="r",
                status="overturned",
                filed_at=IN,
                resolved_at=IN,
            ),
            Appeal(
                decision_id=decisions[1].id, filed_by="u", reason="r", status="pending", filed_at=IN
            ),
            Appeal(
                decision_id=decisions[2].id,
                filed_by="u",
                reason="r",
                status="overturned",
                filed_at=IN,
                resolved_at=IN,
            ),
            Appeal(
                decision_id=decisions[3].id,
                filed_by="u",
                reason="r",
                status="overturned",
                filed_at=BEFORE,
                resolved_at=IN,
            ),
        ]
    )

    # orders: 3 received in the year (one done with 2 URLs removed + 1 disabled; one rejected
    # 3(7); one rejected 3(8) manifest error), 1 rejected before the year
    def order(
        ref: str, when: datetime, status: str, ground: str | None = None, article: str | None = None
    ) -> RemovalOrder:
        reply = {"impossibility": [{"ground": ground, "article": article}]} if ground else {}
        return RemovalOrder(
            reference=ref,
            authority="BKA",
            member_state="DE",
            received_at=when,
            deadline_at=when + timedelta(hours=1),
            reasons="r",
            status=status,
            reply=reply,
            recorded_by="cli",
        )

    orders = [
        order("O1", IN, "done"),
        order("O2", IN, "rejected", "force_majeure", "3(7)"),
        order("O3", IN, "rejected", "manifest_error", "3(8)"),
        order("O0", BEFORE, "rejected", "insufficient_information", "3(8)"),
    ]
    session.add_all(orders)
    session.flush()
    session.add_all(
        [
            RemovalOrderUrl(
                order_id=orders[0].id, url="https://h/1", action="removed", acted_at=IN
            ),
            RemovalOrderUrl(
                order_id=orders[0].id, url="https://h/2", action="removed", acted_at=IN
            ),
            RemovalOrderUrl(
                order_id=orders[0].id, url="https://h/3", action="disabled", acted_at=IN
            ),
            RemovalOrderUrl(
                order_id=orders[3].id, url="https://h/4", action="removed", acted_at=BEFORE
            ),
            RemovalOrderUrl(order_id=orders[1].id, url="https://h/5"),
        ]
    )


@pytest.fixture
def ctx(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = load_settings(home=tmp_path / "home", database_url=db_url, progress=False)
    context = open_context(settings, clock=lambda: NOW)
    yield context
    context.close()


def test_every_figure_matches_the_hand_count(ctx) -> None:  # type: ignore[no-untyped-def]
    with ctx.write() as session:
        _seed(session)
    report = tco_annual(ctx, 2026)
    assert [i.key for i in report.items] == list("abcdefg")
    assert _figures(report) == {
        ("a", "items scanned"): 3,
        ("a", "bank matches"): 2,
        ("a", "case evidence: match"): 2,
        ("a", "case evidence: indicator"): 0,
        ("a", "case evidence: flag"): 0,
        ("a", "case evidence: trusted_flagger"): 1,
        ("a", "case evidence: verified_source"): 0,
        ("a", "cases opened"): 3,
        ("a", "decisions: remove"): 2,
        ("a", "decisions: no_violation"): 1,
        ("a", "decisions: escalate"): 0,
        ("a", "decisions: duplicate"): 0,
        ("b", "bank gifct: entries at the end of the year"): 1,
        ("b", "bank tcap: entries at the end of the year"): 3,
        ("b", "entries by signal type: md5"): 2,
        ("b", "entries by signal type: pdq"): 2,
        ("b", "entries added in the year"): 2,
        ("c", "removed after removal orders"): 2,
        ("c", "access disabled after removal orders"): 1,
        ("c", "removed after specific measures (remove decisions)"): 2,
        ("d", "removal orders received"): 3,
        ("d", "removal orders not executed"): 2,
        ("d", "not executed: Article 3(7), force majeure"): 1,
        ("d", "not executed: Article 3(8), manifest error"): 1,
        ("d", "not executed: Article 3(8), insufficient information"): 0,
        ("e", "complaints filed"): 4,
        ("e", "upheld (removal confirmed)"): 1,
        ("e", "overturned"): 2,
        ("e", "pending"): 1,
        ("f", "review proceedings"): None,
        ("g", "reinstated after review proceedings"): None,
        ("g", "reinstated after complaints"): 2,
    }
    notes = {f.label: f.note for i in report.items for f in i.figures if f.value is None}
    assert all(n and n.startswith("tvec holds no data") for n in notes.values())


def test_no_data_is_said_not_printed_as_zero(ctx) -> None:  # type: ignore[no-untyped-def]
    report = tco_annual(ctx, 2026)
    figures = _figures(report)
    assert figures[("b", "hash banks in use")] is None
    assert figures[("c", "removed or disabled after removal orders")] is None
    assert figures[("d", "removal orders not executed")] is None
    html = tco_annual_text(ctx, 2026, "html")
    assert "tvec holds no data: no removal order has been recorded" in html
    assert "tvec holds no data: no hash bank is set up" in html
    rows = list(csv.DictReader(io.StringIO(tco_annual_text(ctx, 2026, "csv"))))
    none_row = next(r for r in rows if r["figure"] == "review proceedings")
    assert none_row["value"] == ""
    assert none_row["note"].startswith("tvec holds no data")


def test_formats_and_bad_input(ctx) -> None:  # type: ignore[no-untyped-def]
    with ctx.write() as session:
        _seed(session)
    document = json.loads(tco_annual_text(ctx, 2026, "json"))
    assert document["year"] == 2026
    assert document["period_start"] == "2026-01-01T00:00:00Z"
    html = tco_annual_text(ctx, 2026, "html")
    assert "<h2>(d) Removal orders not executed" in html
    assert "https://h/" not in html  # no URL of content
    rows = list(csv.DictReader(io.StringIO(tco_annual_text(ctx, 2026, "csv"))))
    assert {(r["item"], r["figure"]): r["value"] for r in rows}[
        ("g", "reinstated after complaints")
    ] == "2"
    with pytest.raises(UsageError, match="--format"):
        tco_annual_text(ctx, 2026, "pdf")
    with pytest.raises(UsageError, match="--year"):
        tco_annual(ctx, 1999)

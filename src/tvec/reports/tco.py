"""The annual transparency report of a hosting service provider under Regulation (EU)
2021/784 ("TCO"), Article 7(2) and (3), from tvec's live records.

Article 7(3) asks for: (a) the measures to identify and remove or disable access to terrorist
content; (b) the measures against the reappearance of content removed before, in particular
automated tools; (c) the items removed or disabled after removal orders and after specific
measures; (d) the removal orders not executed, with the grounds (Article 3(7) and 3(8)); (e)
the complaints (Article 10) and their outcomes; (f) the administrative or judicial review
proceedings and their outcomes; (g) the reinstatements after such proceedings and after
complaints. ``docs/tco-annual-report.md`` says where each figure comes from.

The period is the calendar year in UTC: ``[YEAR-01-01T00:00Z, YEAR+1-01-01T00:00Z)``. A
figure whose source tvec does not record (review proceedings), or whose table holds no row at
all (no removal order ever recorded, no bank), is ``None`` with a note: the report says that
tvec holds no data instead of printing 0.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, select_autoescape
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from tvec.errors import UsageError
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
from tvec.views.tco import TcoAnnualView, TcoFigure, TcoItem

NO_PROCEEDINGS = (
    "tvec holds no data: it does not record administrative or judicial review proceedings"
)
NO_ORDERS = "tvec holds no data: no removal order has been recorded"
NO_BANKS = "tvec holds no data: no hash bank is set up"
#: The grounds of impossibility of ``tvec.orders.impossibility`` and their article.
ORDER_GROUNDS = (
    ("3(7)", "force_majeure"),
    ("3(8)", "manifest_error"),
    ("3(8)", "insufficient_information"),
)


def year_period(year: int) -> tuple[datetime, datetime]:
    """``[YEAR-01-01, YEAR+1-01-01)`` in UTC.

    Raises:
        UsageError: the year is outside 2000..2100.
    """
    if not 2000 <= year <= 2100:
        raise UsageError(f"--year {year}: give a calendar year between 2000 and 2100")
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


def _count(session: Session, model: Any, *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _grouped(
    session: Session, column: Any, model: Any, *where: ColumnElement[bool]
) -> dict[str, int]:
    rows = session.execute(
        select(column, func.count()).select_from(model).where(*where).group_by(column)
    ).all()
    return {str(key): int(n) for key, n in rows}


def annual_report(session: Session, year: int, now: datetime) -> TcoAnnualView:
    """The Article 7(3) report of ``year`` from the records in ``session``.

    Raises:
        UsageError: the year is outside 2000..2100.
    """
    start, end = year_period(year)

    def within(column: Any) -> list[ColumnElement[bool]]:
        return [column >= start, column < end]

    items: list[TcoItem] = []

    # (a) measures to identify and remove
    evidence = _grouped(session, CaseEvidence.kind, CaseEvidence, *within(CaseEvidence.added_at))
    outcomes = _grouped(session, Decision.outcome, Decision, *within(Decision.decided_at))
    items.append(
        TcoItem(
            key="a",
            title="Measures to identify and remove or disable access to terrorist content",
            text=(
                "Content is collected and scanned; its hashes are matched against hash banks of "
                "known terrorist content, its text against indicators of designated "
                "organisations, and flags of staff, trusted flaggers and verified sources open "
                "cases. Every case is decided by a human reviewer, who may remove the content."
            ),
            figures=[
                TcoFigure(
                    label="items scanned", value=_count(session, Item, *within(Item.collected_at))
                ),
                TcoFigure(
                    label="bank matches", value=_count(session, Match, *within(Match.created_at))
                ),
                *(
                    TcoFigure(label=f"case evidence: {kind}", value=evidence.get(kind, 0))
                    for kind in ("match", "indicator", "flag", "trusted_flagger", "verified_source")
                ),
                TcoFigure(
                    label="cases opened",
                    value=_count(session, ReviewCase, *within(ReviewCase.opened_at)),
                ),
                *(
                    TcoFigure(label=f"decisions: {outcome}", value=outcomes.get(outcome, 0))
                    for outcome in ("remove", "no_violation", "escalate", "duplicate")
                ),
            ],
        )
    )

    # (b) measures against re-upload: the hash banks in use
    bank_rows = session.execute(
        select(Bank.name, func.count(BankEntry.id))
        .select_from(Bank)
        .outerjoin(BankEntry, (BankEntry.bank_id == Bank.id) & (BankEntry.created_at < end))
        .group_by(Bank.name)
        .order_by(Bank.name)
    ).all()
    added = _count(session, BankEntry, *within(BankEntry.created_at))
    by_type = _grouped(session, BankEntry.signal_type, BankEntry, BankEntry.created_at < end)
    if bank_rows:
        bank_figures = [
            TcoFigure(label=f"bank {name}: entries at the end of the year", value=int(n))
            for name, n in bank_rows
        ]
        bank_figures += [
            TcoFigure(label=f"entries by signal type: {kind}", value=n)
            for kind, n in sorted(by_type.items())
        ]
        bank_figures.append(TcoFigure(label="entries added in the year", value=added))
    else:
        bank_figures = [TcoFigure(label="hash banks in use", value=None, note=NO_BANKS)]
    items.append(
        TcoItem(
            key="b",
            title="Measures against the reappearance of content removed before (automated tools)",
            text=(
                "Every new item is hashed (PDQ, vPDQ, MD5, SHA-256 and others) and matched "
                "against the hash banks below; a removal may add the item's hashes to a bank, so "
                "that a copy uploaded again is found."
            ),
            figures=bank_figures,
        )
    )

    # (c) items removed or disabled after removal orders and after specific measures
    any_orders = _count(session, RemovalOrder) > 0
    actions = _grouped(
        session,
        RemovalOrderUrl.action,
        RemovalOrderUrl,
        RemovalOrderUrl.action.is_not(None),
        *within(RemovalOrderUrl.acted_at),
    )
    if any_orders:
        order_figures = [
            TcoFigure(label="removed after removal orders", value=actions.get("removed", 0)),
            TcoFigure(
                label="access disabled after removal orders", value=actions.get("disabled", 0)
            ),
        ]
    else:
        order_figures = [
            TcoFigure(label="removed or disabled after removal orders", value=None, note=NO_ORDERS)
        ]
    items.append(
        TcoItem(
            key="c",
            title="Items removed or disabled after removal orders and after specific measures",
            text=(
                "After removal orders: URLs of orders acted on in the year. After specific "
                "measures: reviewer decisions to remove taken in the year."
            ),
            figures=[
                *order_figures,
                TcoFigure(
                    label="removed after specific measures (remove decisions)",
                    value=outcomes.get("remove", 0),
                ),
            ],
        )
    )

    # (d) removal orders not executed, with the grounds
    if any_orders:
        rejected = list(
            session.scalars(
                select(RemovalOrder).where(
                    RemovalOrder.status == "rejected", *within(RemovalOrder.received_at)
                )
            )
        )
        grounds: dict[tuple[str, str], int] = {}
        for order in rejected:
            entries = list((order.reply or {}).get("impossibility") or [])
            last = entries[-1] if entries else {}
            key = (str(last.get("article") or "unknown"), str(last.get("ground") or "unknown"))
            grounds[key] = grounds.get(key, 0) + 1
        order_rows = [
            TcoFigure(
                label="removal orders received",
                value=_count(session, RemovalOrder, *within(RemovalOrder.received_at)),
            ),
            TcoFigure(label="removal orders not executed", value=len(rejected)),
            *(
                TcoFigure(
                    label=f"not executed: Article {article}, {ground.replace('_', ' ')}",
                    value=grounds.get((article, ground), 0),
                )
                for article, ground in ORDER_GROUNDS
            ),
        ]
    else:
        order_rows = [TcoFigure(label="removal orders not executed", value=None, note=NO_ORDERS)]
    items.append(
        TcoItem(
            key="d",
            title="Removal orders not executed, with the grounds (Article 3(7) and 3(8))",
            text=(
                "Orders received in the year that stand rejected (not executed), by the ground "
                "of their last rejection: force majeure or de facto impossibility (3(7)), "
                "manifest errors or insufficient information (3(8))."
            ),
            figures=order_rows,
        )
    )

    # (e) complaints and their outcomes
    filed = _grouped(session, Appeal.status, Appeal, *within(Appeal.filed_at))
    items.append(
        TcoItem(
            key="e",
            title="Complaints (Article 10) and their outcomes",
            text=(
                "Complaints are appeals against a decision, filed in the year; each is decided "
                "by a reviewer other than the one who decided the case."
            ),
            figures=[
                TcoFigure(label="complaints filed", value=sum(filed.values())),
                TcoFigure(label="upheld (removal confirmed)", value=filed.get("upheld", 0)),
                TcoFigure(label="overturned", value=filed.get("overturned", 0)),
                TcoFigure(label="pending", value=filed.get("pending", 0)),
            ],
        )
    )

    # (f) review proceedings
    items.append(
        TcoItem(
            key="f",
            title="Administrative or judicial review proceedings and their outcomes",
            text="Proceedings brought by the provider against orders or decisions.",
            figures=[TcoFigure(label="review proceedings", value=None, note=NO_PROCEEDINGS)],
        )
    )

    # (g) reinstatements
    reinstated = _count(
        session,
        Appeal,
        Appeal.status == "overturned",
        Appeal.decision_id.in_(select(Decision.id).where(Decision.outcome == "remove")),
        *within(Appeal.resolved_at),
    )
    items.append(
        TcoItem(
            key="g",
            title="Reinstatements after review proceedings and after complaints",
            text="Removals overturned on a complaint, resolved in the year.",
            figures=[
                TcoFigure(
                    label="reinstated after review proceedings", value=None, note=NO_PROCEEDINGS
                ),
                TcoFigure(label="reinstated after complaints", value=reinstated),
            ],
        )
    )
    return TcoAnnualView(
        year=year, period_start=start, period_end=end, generated_at=now, items=items
    )


_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Transparency report {{ r.year }}: Regulation (EU) 2021/784, Article 7</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}td,th{padding:.2em .6em;
text-align:left}td.n{text-align:right}.none{color:#666;font-style:italic}</style></head>
<body><h1>Transparency report {{ r.year }}</h1>
<p>Regulation (EU) 2021/784 on addressing the dissemination of terrorist content online,
Article 7(2) and (3). Period: {{ r.period_start.date() }} to {{ last_day }} (UTC).
Generated {{ generated }} from live data.</p>
{% for item in r['items'] %}<section id="item-{{ item.key }}">
<h2>({{ item.key }}) {{ item.title }}</h2><p>{{ item.text }}</p>
<table>{% for f in item.figures %}<tr><th>{{ f.label }}</th>
{% if f.value is none %}<td class="none">{{ f.note }}</td>{% else %}<td class="n">{{ f.value }}</td>
{% endif %}</tr>{% endfor %}</table></section>
{% endfor %}</body></html>
"""


def render_html(report: TcoAnnualView) -> str:
    """The report as one HTML page (autoescaped; no URL of content is in the report)."""
    from datetime import timedelta

    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    return env.from_string(_HTML).render(
        r={**report.__dict__, "items": report.items},
        last_day=(report.period_end - timedelta(days=1)).date(),
        generated=report.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def render_csv(report: TcoAnnualView) -> str:
    """The report as CSV: ``item,title,figure,value,note`` (an empty value: no data)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["year", "item", "title", "figure", "value", "note"])
    for item in report.items:
        for figure in item.figures:
            writer.writerow(
                [
                    report.year,
                    item.key,
                    item.title,
                    figure.label,
                    "" if figure.value is None else figure.value,
                    figure.note or "",
                ]
            )
    return buffer.getvalue()

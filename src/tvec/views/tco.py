"""Result model of the annual transparency report of Regulation (EU) 2021/784, Article 7."""

from __future__ import annotations

from tvec.views.base import Timestamp, View


class TcoFigure(View):
    """One figure: ``value`` is ``None`` when tvec holds no data for it (``note`` says why)."""

    label: str
    value: int | None
    note: str | None = None


class TcoItem(View):
    """One item of Article 7(3): its letter (as in ``docs/tco-annual-report.md``), title,
    what tvec does (``text``) and its figures."""

    key: str
    title: str
    text: str
    figures: list[TcoFigure]


class TcoAnnualView(View):
    """The annual report for one calendar year (UTC): every item of Article 7(3)."""

    year: int
    period_start: Timestamp
    period_end: Timestamp
    generated_at: Timestamp
    items: list[TcoItem]

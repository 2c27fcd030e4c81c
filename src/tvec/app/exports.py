"""Use cases of the CSV exports of the web app: cases, decisions (see
:mod:`tvec.cases.export`) and out-links (:mod:`tvec.outlinks.report`).

Every export is audit-logged as the person who downloaded it
(:class:`~tvec.audit.events.CsvExported`: which export, its filters, how many rows).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session

from tvec.app.context import AppContext
from tvec.audit.events import CsvExported, record_event
from tvec.cases.export import cases_csv, decisions_csv
from tvec.errors import NotFoundError, UsageError
from tvec.outlinks.report import outlinks_csv


def _rows(text: str) -> int:
    return max(0, sum(1 for _ in csv.reader(io.StringIO(text))) - 1)


def _cases(session: Session, filters: Mapping[str, str]) -> tuple[str, int]:
    text = cases_csv(session)
    return text, _rows(text)


def _decisions(session: Session, filters: Mapping[str, str]) -> tuple[str, int]:
    text = decisions_csv(session)
    return text, _rows(text)


def _outlinks(session: Session, filters: Mapping[str, str]) -> tuple[str, int]:
    return outlinks_csv(session, filters.get("platform"))


#: Export name -> (function of a session and the filters -> (CSV text, rows), filters taken).
EXPORTS: dict[
    str, tuple[Callable[[Session, Mapping[str, str]], tuple[str, int]], tuple[str, ...]]
] = {
    "cases": (_cases, ()),
    "decisions": (_decisions, ()),
    "outlinks": (_outlinks, ("platform",)),
}


def export_csv(
    ctx: AppContext, name: str, *, actor: str, filters: Mapping[str, str] | None = None
) -> str:
    """The CSV text of export ``name`` (``cases``, ``decisions`` or ``outlinks``), recorded
    in the audit log as downloaded by ``actor`` with its filters and row count.

    ``filters``: ``platform`` for ``outlinks`` (empty values are ignored).

    Raises:
        NotFoundError: unknown export name.
        UsageError: a filter the export does not take.
    """
    found = EXPORTS.get(name)
    if found is None:
        raise NotFoundError(f"no export {name!r} (one of: {', '.join(EXPORTS)})")
    make, accepted = found
    given = {k: v for k, v in (filters or {}).items() if v}
    unknown = sorted(set(given) - set(accepted))
    if unknown:
        takes = ", ".join(accepted) or "no filter"
        raise UsageError(f"export {name!r} takes {takes}, not {', '.join(unknown)}")
    with ctx.write() as session:
        text, rows = make(session, given)
        record_event(session, actor, CsvExported(export=name, filters=given, rows=rows))
    return text

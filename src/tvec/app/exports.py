"""Use cases of the CSV exports (cases, decisions) for the web app; see
:mod:`tvec.cases.export` for the columns."""

from __future__ import annotations

from tvec.app.context import AppContext
from tvec.cases.export import cases_csv, decisions_csv
from tvec.errors import NotFoundError

#: Export name -> (function, file name).
EXPORTS = {"cases": cases_csv, "decisions": decisions_csv}


def export_csv(ctx: AppContext, name: str) -> str:
    """The CSV text of export ``name`` (``cases`` or ``decisions``).

    Raises:
        NotFoundError: unknown export name.
    """
    make = EXPORTS.get(name)
    if make is None:
        raise NotFoundError(f"no export {name!r} (one of: {', '.join(EXPORTS)})")
    with ctx.read() as session:
        return make(session)

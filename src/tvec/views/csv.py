"""CSV exports as the web app serves them: UTF-8, a header row, RFC 4180 quoting with
``\\r\\n`` line ends, and cells safe to open in a spreadsheet.

A cell that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) is prefixed with ``'`` (OWASP's "CSV Injection" advice), since
stored text comes from untrusted posts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """``value`` as a CSV cell: ``""`` for None, ``'``-prefixed if it would be a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def csv_text(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """The CSV text of ``header`` and ``rows`` (every cell through :func:`safe_cell`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()

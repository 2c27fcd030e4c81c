"""Bank file formats: read and write lists of known signals.

Formats (``--format`` names):

``csv``
    Plain CSV, one entry per row: ``signal_type,value[,entity,ideology,note]``. A first row
    starting ``signal_type`` is a header and skipped. Written by ``tvec bank export``.
``tcap``
    The Terrorist Content Analytics Platform (Tech Against Terrorism) CSV export: columns
    ``ID, Description, URL, Domain, Created On, Content Data Type, Extreme Content, Pi I,
    Protocol, Core Tech Platform - Tech Platform → Name, Core Terrorist Group - Terrorist Group
    Fk → Name, ... → Entity Type, ... → Ideology``. Each row becomes a ``url`` entry (URLs
    without a scheme get the row's ``Protocol``), labelled with the group as entity, its
    ideology, source ``TCAP``, and the other columns kept as extra labels. Dates are
    ``%m/%d/%y %H:%M:%S`` (TCAP's layout, read as UTC).
``hma``
    ThreatExchange / Hasher-Matcher-Actioner one signal per line: ``<signal_type> <value>``
    (split at the first run of whitespace; blank lines and ``#`` comments skipped).

Readers never stop at a bad row: they yield :class:`EntryRow` for good rows and
:class:`RowProblem` (1-based line number and message) for bad ones. Messages quote at most
:data:`PREVIEW_CHARS` characters of what they read (:func:`preview`, :func:`clip`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from tvec.errors import InvalidSignalError, UsageError

FORMATS = ("csv", "tcap", "hma")
CSV_HEADER = ("signal_type", "value", "entity", "ideology", "note")

TCAP_URL = "URL"
TCAP_GROUP = "Core Terrorist Group - Terrorist Group Fk → Name"
TCAP_ENTITY_TYPE = "Core Terrorist Group - Terrorist Group Fk → Entity Type"
TCAP_IDEOLOGY = "Core Terrorist Group - Terrorist Group Fk → Ideology"
TCAP_PLATFORM = "Core Tech Platform - Tech Platform → Name"
TCAP_REQUIRED = ("ID", TCAP_URL, TCAP_GROUP)
#: Most characters of a value read from a file that a message quotes.
PREVIEW_CHARS = 80


def clip(text: str, limit: int = PREVIEW_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters, ``...`` marking a cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def preview(value: str) -> str:
    """``repr(value)`` cut to at most :data:`PREVIEW_CHARS` characters, for messages."""
    return clip(repr(value[: PREVIEW_CHARS + 1]))


@dataclass(frozen=True)
class EntryRow:
    """One bank entry read from a file; ``line`` is its 1-based line number."""

    line: int
    signal_type: str
    value: str
    entity: str | None = None
    ideology: str | None = None
    source: str | None = None
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RowProblem:
    """A row that could not be read: 1-based line number and what is wrong."""

    line: int
    message: str


def detect_format(text: str) -> str:
    """Guess ``tcap``, ``csv`` or ``hma`` from a file's text (first non-blank line)."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if TCAP_GROUP in first or ("Pi I" in first and "URL" in first):
        return "tcap"
    if "," in first:
        return "csv"
    return "hma"


def _stream(source: str | Iterable[str]) -> Iterable[str]:
    """``source`` as lines (a string is wrapped; a file should be opened with
    ``newline=""`` so the csv module sees line ends as they are)."""
    return io.StringIO(source) if isinstance(source, str) else source


def read_rows(text: str | Iterable[str], fmt: str) -> Iterator[EntryRow | RowProblem]:
    """Read ``text`` (a string, or a text stream or other iterable of lines with their line
    ends, read as it goes, for files of any size)
    in format ``fmt`` (``csv``, ``tcap``, ``hma``; ``auto`` needs a string).

    Raises:
        UsageError: unknown format, or a TCAP file lacking a required column.
    """
    if fmt == "auto":
        if not isinstance(text, str):
            raise UsageError("the format of a stream must be given (csv, tcap or hma)")
        fmt = detect_format(text)
    if fmt == "csv":
        return _read_csv(text)
    if fmt == "tcap":
        return _read_tcap(text)
    if fmt == "hma":
        return _read_hma(text)
    raise UsageError(f"unknown bank format {fmt!r} (known: auto, {', '.join(FORMATS)})")


RowT_co = TypeVar("RowT_co", covariant=True)


class CsvReader(Protocol[RowT_co]):
    """What :func:`csv_rows` reads: a ``csv.reader`` or a ``csv.DictReader``."""

    @property
    def line_num(self) -> int:
        """Lines read from the source so far (a row may span several)."""
        ...

    def __next__(self) -> RowT_co:
        """The next row."""
        ...


def csv_rows(reader: CsvReader[RowT_co]) -> Iterator[tuple[int, RowT_co | csv.Error]]:
    """Every row of ``reader`` with the 1-based line number it ends on.

    A row the csv module cannot read (a field over ``csv.field_size_limit()``, 131,072
    characters by default; a NUL byte...) comes as its :class:`csv.Error`, and reading goes
    on with the next row: the one CSV loop of bank files and posts
    (:mod:`tvec.sources.posts_csv`).
    """
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, exc
            continue
        yield reader.line_num, row


def _blank(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _read_csv(text: str | Iterable[str]) -> Iterator[EntryRow | RowProblem]:
    for line, row in csv_rows(csv.reader(_stream(text))):
        if isinstance(row, csv.Error):
            yield RowProblem(line, f"unreadable CSV: {row}")
            continue
        if not row or all(not c.strip() for c in row):
            continue
        if row[0].strip().lower() == "signal_type":
            continue
        if len(row) < 2 or not row[1].strip():
            yield RowProblem(line, "expected signal_type,value[,entity,ideology,note]")
            continue
        if len(row) > 5:
            yield RowProblem(line, f"expected at most 5 columns, got {len(row)}")
            continue
        cells = [*row, "", "", ""][:5]
        yield EntryRow(
            line=line,
            signal_type=cells[0].strip(),
            value=cells[1].strip(),
            entity=_blank(cells[2]),
            ideology=_blank(cells[3]),
            note=_blank(cells[4]),
        )


def _lines(text: str | Iterable[str]) -> Iterator[str]:
    """The lines of ``text`` as ``str.splitlines`` splits them, read as it goes."""
    if isinstance(text, str):
        yield from text.splitlines()
        return
    for chunk in text:
        yield from chunk.splitlines() or [""]


def _read_hma(text: str | Iterable[str]) -> Iterator[EntryRow | RowProblem]:
    for number, raw in enumerate(_lines(text), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        if len(parts) != 2:
            yield RowProblem(number, "expected '<signal_type> <value>'")
            continue
        yield EntryRow(line=number, signal_type=parts[0], value=parts[1].strip())


def parse_tcap_time(value: str) -> str | None:
    """TCAP's ``%m/%d/%y %H:%M:%S`` as ISO 8601 UTC, or None when blank.

    Raises:
        InvalidSignalError: the value is not in that layout.
    """
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.strptime(value, "%m/%d/%y %H:%M:%S").replace(tzinfo=UTC).isoformat()
    except ValueError as exc:
        raise InvalidSignalError(repr(value), "date is not in TCAP's %m/%d/%y %H:%M:%S") from exc


def _read_tcap(text: str | Iterable[str]) -> Iterator[EntryRow | RowProblem]:
    reader = csv.DictReader(_stream(text.lstrip("\ufeff") if isinstance(text, str) else text))
    try:
        columns = reader.fieldnames or []
    except csv.Error as exc:  # an unreadable header row (found by fuzzing)
        raise UsageError(f"not a TCAP export: the header row cannot be read ({exc})") from None
    missing = [c for c in TCAP_REQUIRED if c not in columns]
    if missing:
        raise UsageError(f"not a TCAP export: missing column(s) {', '.join(missing)}")
    for line, row in csv_rows(reader):
        if isinstance(row, csv.Error):
            yield RowProblem(line, f"unreadable CSV: {row}")
            continue
        url = (row.get(TCAP_URL) or "").strip()
        if not url:
            yield RowProblem(line, "empty URL")
            continue
        if "://" not in url:
            protocol = (row.get("Protocol") or "https://").strip() or "https://"
            url = protocol + url if protocol.endswith("://") else f"{protocol}://{url}"
        try:
            created = parse_tcap_time(row.get("Created On") or "")
        except InvalidSignalError as exc:
            yield RowProblem(line, f"Created On: {exc.problem}")
            continue
        extra = {
            "tcap_id": _blank(row.get("ID")),
            "entity_type": _blank(row.get(TCAP_ENTITY_TYPE)),
            "platform": _blank(row.get(TCAP_PLATFORM)),
            "domain": _blank(row.get("Domain")),
            "content_data_type": _blank(row.get("Content Data Type")),
            "extreme_content": _blank(row.get("Extreme Content")),
            "pii": _blank(row.get("Pi I")),
            "created_on": created,
        }
        yield EntryRow(
            line=line,
            signal_type="url",
            value=url,
            entity=_blank(row.get(TCAP_GROUP)),
            ideology=_blank(row.get(TCAP_IDEOLOGY)),
            source="TCAP",
            note=_blank(row.get("Description")),
            extra={k: v for k, v in extra.items() if v is not None},
        )


def write_csv(rows: list[tuple[str, str, str | None, str | None, str | None]]) -> str:
    """Render ``(signal_type, value, entity, ideology, note)`` rows as plain CSV with header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow([c or "" for c in row])
    return out.getvalue()


def write_hma(rows: list[tuple[str, str]]) -> str:
    """Render ``(signal_type, value)`` rows in the HMA one-signal-per-line format."""
    return "".join(f"{signal_type} {value}\n" for signal_type, value in rows)

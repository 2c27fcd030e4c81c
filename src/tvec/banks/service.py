"""Bank operations: the verbs behind ``tvec bank create|list|show|add|import|export|delete``.

Every function takes an open :class:`~tvec.store.Store` (the application layer,
:mod:`tvec.app.banks`, calls them under its write lock). Values are validated and
canonicalised by their signal type before they are stored; an entry already in the bank
(same signal type and value) is not added twice. Every change is recorded in the audit log,
in the same transaction, as a typed event naming its ``actor`` (:class:`BankCreated`,
:class:`BankDeleted`, :class:`BankImported`, :class:`BankAdded`).

Values longer than their signal type's limit (:data:`VALUE_LIMITS`, in UTF-8 bytes) are
refused before they are validated, and labels longer than their column
(:data:`LABEL_LIMITS`); problems quote at most
:data:`~tvec.banks.formats.PREVIEW_CHARS` characters of a bad value, label or signal type
name, so a megabyte "md5" is never echoed.
"""

from __future__ import annotations

import codecs
import io
import logging
from collections import Counter
from collections.abc import Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageFilter, ImageOps
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tvec.audit.events import BankAdded, BankCreated, BankDeleted, BankImported, record_event
from tvec.banks.bulk import BulkEntries
from tvec.banks.bulkread import (
    Check,
    InCaller,
    Row,
    extra_text,
    read_ahead,
    read_chunks,
    release_freed_memory,
    without_cyclic_gc,
)
from tvec.banks.formats import (
    FORMATS,
    PREVIEW_CHARS,
    EntryRow,
    RowProblem,
    clip,
    detect_format,
    preview,
    write_csv,
    write_hma,
)
from tvec.clock import utcnow
from tvec.errors import EncodingError, InputError, NotFoundError, StoreError, UsageError
from tvec.matching.index_sync import up_to_date
from tvec.matching.shared import IndexFiles
from tvec.media import PHOTO, open_image, sniff
from tvec.settings import Settings
from tvec.signals import SignalType, registry
from tvec.signals.hashing import hash_content
from tvec.store.bank_changes import ADD, REMOVE, record_change
from tvec.store.db import Store
from tvec.store.evidence import open_evidence
from tvec.store.models import Bank, BankEntry
from tvec.store.vpdq import load_values, store_value
from tvec.urls.canonical import MAX_URL_BYTES
from tvec.views.banks import BankEntryView, BankLoadView, BankShowView, BankView, RowProblemView

log = logging.getLogger(__name__)

KIB = 1024

#: Longest value a bank entry may have, by signal type, in UTF-8 bytes; checked on the value
#: as read (surrounding whitespace removed) before the signal type validates it, and on the
#: canonical value it gives. Exact and fixed-length hashes are capped at their one length (the
#: signal type then checks it exactly: md5 32 hex digits, sha256 64, ``T1`` + 70 for
#: text_tlsh...). ``raw_text`` (the text itself) is capped at 64 KiB as read; its own rule
#: then allows at most 2,000 bytes once normalised (:data:`tvec.signals.raw_text.MAX_BYTES`).
#: URLs are capped at 2 KiB: a bank entry's value is in a PostgreSQL B-tree index, whose
#: entries hold at most 2,704 bytes, and longer URLs are not portable anyway (the sitemaps
#: protocol's limit is 2,048 characters). ``vpdq`` frame lists are stored by reference, and
#: capped at 16 MiB (about 190,000 frames: two days of video at one frame a second).
VALUE_LIMITS: dict[str, int] = {
    "md5": 32,
    "sha256": 64,
    "pdq": 64,
    "text": 64,
    "url_md5": 32,
    "video_md5": 32,
    "text_tlsh": 72,
    "url": MAX_URL_BYTES,
    "raw_text": 64 * KIB,
    "vpdq": 16 * KIB * KIB,
}
#: Limit for a signal type :data:`VALUE_LIMITS` does not name (a plug-in), in UTF-8 bytes.
DEFAULT_VALUE_LIMIT = 2 * KIB
#: Longest label, in characters: the ``bank_entry`` columns' sizes (PostgreSQL enforces them).
LABEL_LIMITS: dict[str, int] = {"entity": 200, "ideology": 100, "source": 200}
#: Most characters of a validator's explanation quoted in a problem (it may quote the value).
PROBLEM_CHARS = 2 * PREVIEW_CHARS


def value_problem(signal_type: str, value: str, *, canonical: bool = False) -> str | None:
    """Why ``value`` is too long for ``signal_type`` (see :data:`VALUE_LIMITS`), or None.

    Args:
        signal_type: the signal type's name.
        value: the value as read, or (``canonical``) as the signal type canonicalised it.
        canonical: say so in the message.

    The message quotes at most :data:`~tvec.banks.formats.PREVIEW_CHARS` characters of
    ``value`` and names the limit.
    """
    limit = VALUE_LIMITS.get(signal_type, DEFAULT_VALUE_LIMIT)
    size = len(value.encode("utf-8", "surrogatepass"))
    if size <= limit:
        return None
    form = " once canonical" if canonical else ""
    return (
        f"{preview(value)}: {signal_type} value of {size} bytes{form} is over the limit of "
        f"{limit} bytes for {signal_type}"
    )


def _validate(row: EntryRow) -> tuple[SignalType, str] | str:
    """The row's signal type and canonical value, or what is wrong (short, for messages)."""
    types = registry()
    signal_type = types.get(row.signal_type)
    if signal_type is None:
        known = ", ".join(sorted(types))
        return f"unknown signal type {preview(row.signal_type)} (known: {known})"
    for label, limit in LABEL_LIMITS.items():
        text = getattr(row, label) or ""
        if len(text) > limit:
            return (
                f"{label} label {preview(text)} of {len(text)} characters is over the limit "
                f"of {limit} characters"
            )
    too_long = value_problem(signal_type.name, row.value)
    if too_long is not None:
        return too_long
    try:
        value = signal_type.validate(row.value)
    except InputError as exc:
        return f"{clip(exc.source)}: {clip(exc.problem, PROBLEM_CHARS)}"
    except UsageError as exc:
        return clip(str(exc), PROBLEM_CHARS)
    too_long = value_problem(signal_type.name, value, canonical=True)
    return (signal_type, value) if too_long is None else too_long


def check_row(row: EntryRow) -> tuple[SignalType, str] | str:
    """The signal type and canonical value of ``row``, or what is wrong with it (a short
    message quoting at most :data:`~tvec.banks.formats.PREVIEW_CHARS` characters): an
    unknown signal type, a label over :data:`LABEL_LIMITS`, a value over
    :data:`VALUE_LIMITS` or one its signal type refuses. Used by imports and exchanges."""
    return _validate(row)


@dataclass
class LoadReport:
    """What an import or add did: entries added, already present, and problems by line."""

    added: int = 0
    already_present: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    def view(self, bank: str) -> BankLoadView:
        """The report as a result model, for bank ``bank``."""
        return BankLoadView(
            bank=bank,
            added=self.added,
            already_present=self.already_present,
            problems=[RowProblemView(line=p.line, message=p.message) for p in self.problems],
        )


def _bank(session: Session, name: str) -> Bank:
    bank = session.scalars(select(Bank).where(Bank.name == name)).one_or_none()
    if bank is None:
        raise NotFoundError(f"no bank named {name!r} (see 'tvec bank list')")
    return bank


def create_bank(store: Store, name: str, description: str | None = None, *, actor: str) -> BankView:
    """Create an empty bank (audited as :class:`BankCreated` by ``actor``).

    Raises:
        UsageError: the name is empty or a bank with that name exists.
    """
    if not name.strip():
        raise UsageError("a bank needs a non-empty name")
    with store.session() as session:
        if session.scalars(select(Bank.id).where(Bank.name == name)).first() is not None:
            raise UsageError(f"a bank named {name!r} already exists")
        bank = Bank(name=name, description=description)
        session.add(bank)
        session.flush()
        record_event(session, actor, BankCreated(bank=name, description=description))
        return _bank_view(bank, Counter())


def delete_bank(store: Store, name: str, *, actor: str) -> int:
    """Delete a bank with its entries (and their matches); return how many entries went
    (audited as :class:`BankDeleted` by ``actor``).

    Raises:
        NotFoundError: no such bank.
    """
    with store.session() as session:
        bank = _bank(session, name)
        ids = list(session.scalars(select(BankEntry.id).where(BankEntry.bank_id == bank.id)))
        count = len(ids)
        session.execute(delete(BankEntry).where(BankEntry.bank_id == bank.id))
        session.delete(bank)
        if ids:
            record_change(session, REMOVE, ids)
        record_event(session, actor, BankDeleted(bank=name, entries=count))
    refresh_index(store)
    return count


def _bank_view(bank: Bank, counts: Counter[str]) -> BankView:
    return BankView(
        name=bank.name,
        description=bank.description,
        counts=dict(counts),
        created_at=bank.created_at,
    )


def entry_counts(session: Session, bank_id: int | None = None) -> dict[int, Counter[str]]:
    """Entry counts per signal type of every bank (or of ``bank_id``), by bank id."""
    query = select(BankEntry.bank_id, BankEntry.signal_type, func.count()).group_by(
        BankEntry.bank_id, BankEntry.signal_type
    )
    if bank_id is not None:
        query = query.where(BankEntry.bank_id == bank_id)
    counts: dict[int, Counter[str]] = {}
    for found_id, signal_type, n in session.execute(query):
        counts.setdefault(found_id, Counter())[signal_type] = n
    return counts


def list_banks(store: Store) -> list[BankView]:
    """Every bank with its entry counts per signal type, by name."""
    with store.session() as session:
        counts = entry_counts(session)
        return [
            _bank_view(b, counts.get(b.id, Counter()))
            for b in session.scalars(select(Bank).order_by(Bank.name))
        ]


def show_bank(store: Store, name: str, limit: int = 50) -> BankShowView:
    """A bank with its counts and its first ``limit`` entries by id, with their labels.

    Raises:
        NotFoundError: no such bank.
    """
    with store.session() as session:
        bank = _bank(session, name)
        entries = [
            BankEntryView(
                id=e.id,
                signal_type=e.signal_type,
                value=e.value,
                labels=e.labels(),
                created_at=e.created_at,
            )
            for e in session.scalars(
                select(BankEntry)
                .where(BankEntry.bank_id == bank.id)
                .order_by(BankEntry.id)
                .limit(limit)
            )
        ]
        summary = _bank_view(bank, entry_counts(session, bank.id).get(bank.id, Counter()))
    return BankShowView(bank=summary, entries=entries)


def _add_rows(session: Session, bank: Bank, rows: list[EntryRow], report: LoadReport) -> None:
    """Add the valid, new ``rows`` to ``bank`` (counted in ``report``) and record the bank
    change (:func:`tvec.store.bank_changes.record_change`) if any was added."""
    existing = {
        (t, v)
        for t, v in session.execute(
            select(BankEntry.signal_type, BankEntry.value).where(BankEntry.bank_id == bank.id)
        )
    }
    added: list[BankEntry] = []
    for row in rows:
        checked = _validate(row)
        if isinstance(checked, str):
            report.problems.append(RowProblem(row.line, checked))
            continue
        signal_type, value = checked
        value = store_value(session, signal_type.name, value)  # vpdq frames by reference
        key = (signal_type.name, value)
        if key in existing:
            report.already_present += 1
            continue
        existing.add(key)
        added.append(
            BankEntry(
                bank_id=bank.id,
                signal_type=signal_type.name,
                value=value,
                entity=row.entity,
                ideology=row.ideology,
                source=row.source,
                note=row.note,
                extra=row.extra,
            )
        )
        report.added += 1
    if added:
        session.add_all(added)
        session.flush()
        record_change(session, ADD, [e.id for e in added])


#: Rows validated and written per chunk by :func:`import_bank` (bounds its memory: the chunk
#: being written, the next one read ahead and the one being read).
IMPORT_CHUNK = 50_000
#: Bytes decoded at a time when a bank file is checked for UTF-8.
READ_BYTES = 1 << 20


def _check_utf8(path: Path, shown: str | None = None) -> None:
    """Read ``path`` once, in pieces, to check it is UTF-8 (BOM allowed); errors name the
    file ``shown`` (default: the path).

    Raises:
        NotFoundError: the file cannot be read.
        EncodingError: it is not UTF-8 (the message names the first bad byte's offset).
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    done = 0
    try:
        with path.open("rb") as handle:
            while True:
                piece = handle.read(READ_BYTES)
                # The decoder decodes its pending bytes followed by ``piece``; the error's
                # offset counts from the first pending byte.
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(piece, final=not piece)
                except UnicodeDecodeError as exc:
                    # ``utf-8-sig`` counts from after a leading BOM.
                    bom = 3 if done == 0 and piece.startswith(codecs.BOM_UTF8) else 0
                    where = done - pending + bom + exc.start
                    raise EncodingError(
                        shown or str(path), f"bank file is not UTF-8 (byte {where})"
                    ) from exc
                if not piece:
                    return
                done += len(piece)
    except OSError as exc:
        raise NotFoundError(f"cannot read bank file {shown or path}: {exc.strerror}") from exc


def _sniff(path: Path) -> str:
    """The format of a bank file from its first non-blank line (:func:`detect_format`)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line in handle:
            if line.strip():
                return detect_format(line)
    return detect_format("")


def _row_check(session: Session, in_caller: InCaller) -> Check:
    """The per-row check of an import (:func:`check_row`; vpdq frame lists stored by
    reference, through ``session`` in the thread that owns it: ``in_caller``), for
    :func:`tvec.banks.bulkread.read_chunks`."""

    def check(row: EntryRow) -> Row | str:
        checked = _validate(row)
        if isinstance(checked, str):
            return checked
        signal_type, value = checked
        if signal_type.name == "vpdq":
            frames = value
            value = in_caller(lambda: store_value(session, "vpdq", frames))  # by reference
        return (
            row.line,
            signal_type.name,
            value,
            row.entity,
            row.ideology,
            row.source,
            row.note,
            extra_text(row.extra),
        )

    return check


def _stream_rows(
    session: Session, path: Path, fmt: str, report: LoadReport
) -> Generator[list[Row], None, None]:
    """Valid rows of the file in chunks of :data:`IMPORT_CHUNK`, read and checked in a
    thread one chunk ahead (:func:`~tvec.banks.bulkread.read_ahead`); problems go to
    ``report``."""

    def chunks(in_caller: InCaller) -> Iterator[list[Row]]:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            check = _row_check(session, in_caller)
            yield from read_chunks(handle, fmt, check, report.problems, IMPORT_CHUNK)

    return read_ahead(chunks)


def import_bank(
    store: Store,
    name: str,
    path: Path,
    fmt: str = "auto",
    *,
    create: bool = False,
    actor: str,
    shown_as: str | None = None,
) -> LoadReport:
    """Load a bank file (``csv``, ``tcap``, ``hma`` or ``auto``) into bank ``name``.

    The file is read as it goes, in chunks of :data:`IMPORT_CHUNK` rows written in bulk
    (:mod:`tvec.banks.bulk`: PostgreSQL ``COPY``, SQLite batched inserts), so memory does
    not grow with its size; the whole import is one transaction and one bank change, and the
    persisted match index is brought up to date once, after it.

    Invalid rows are reported with their line numbers in the returned report; valid rows
    still load. An entry already in the bank, or earlier in the file, is counted as already
    present (the first occurrence wins). Audited as :class:`BankImported` by ``actor`` (the
    file, its format, how many rows were added, already present or refused), and a bank made
    by ``create`` as :class:`BankCreated`. ``shown_as`` names the file in the audit event
    and in errors instead of ``path`` (an upload's name, not its temporary path).

    Raises:
        NotFoundError: no such bank (unless ``create``) or no such file.
        EncodingError: the file is not UTF-8.
        UsageError: unknown format, or a TCAP file lacking its columns.
    """
    _check_utf8(path, shown_as)
    chosen = _sniff(path) if fmt == "auto" else fmt
    if chosen not in FORMATS:
        raise UsageError(f"unknown bank format {fmt!r} (known: auto, {', '.join(FORMATS)})")
    report = LoadReport()
    with store.session() as session:
        bank = session.scalars(select(Bank).where(Bank.name == name)).one_or_none()
        if bank is None:
            if not create:
                raise NotFoundError(f"no bank named {name!r} (create it, or pass --create)")
            bank = Bank(name=name)
            session.add(bank)
            session.flush()
            record_event(session, actor, BankCreated(bank=name, description=None))
        bulk = BulkEntries(session, bank.id, utcnow())
        valid = 0
        try:
            with without_cyclic_gc(), closing(_stream_rows(session, path, chosen, report)) as rows:
                for chunk in rows:
                    valid += len(chunk)
                    bulk.write(chunk)
                added, ids = bulk.finish()
        finally:
            bulk.close()
        report.added = added
        report.already_present = valid - added
        if ids is not None:
            record_change(session, ADD, ranges=[ids])
        report.problems.sort(key=lambda p: p.line)
        record_event(
            session,
            actor,
            BankImported(
                bank=name,
                file=shown_as or str(path),
                format=chosen,
                added=report.added,
                existing=report.already_present,
                errors=len(report.problems),
            ),
        )
    release_freed_memory()
    refresh_index(store)
    return report


def refresh_index(store: Store) -> None:
    """Bring the persisted match index up to date after a bank change, if there is one
    (else the first match builds it). A failure is logged: every matching process catches
    up by itself later."""
    files = IndexFiles(store.settings.index_folder)
    if not files.exists():
        return
    try:
        with store.engine.connect() as db:
            up_to_date(db, files, None)
    except StoreError as exc:  # pragma: no cover - disk full, permissions
        log.warning("match index not updated after a bank change: %s", exc)


#: Longest side (pixels) and blur radius of the thumbnails kept for entries added from files.
THUMBNAIL_SIDE = 200
THUMBNAIL_BLUR = 8


def bank_thumbnail(data: bytes, name: str, settings: Settings) -> str | None:
    """Keep a blurred, grey thumbnail of an image added to a bank in the evidence store and
    return its key (SHA-256), so reviewers can compare a match with the bank entry by eye
    without the original being kept; None for anything but a decodable image."""
    try:
        if sniff(data, name).content_type != PHOTO:
            return None
        with open_image(data, name, settings.max_image_pixels) as original:
            image = ImageOps.exif_transpose(original).convert("RGB")
            image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
            image = image.filter(ImageFilter.GaussianBlur(THUMBNAIL_BLUR)).convert("L")
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=80)
    except (InputError, OSError):
        return None
    return open_evidence(settings.evidence_location).put(out.getvalue())


def add_files(
    store: Store,
    name: str,
    paths: list[Path],
    *,
    entity: str | None = None,
    ideology: str | None = None,
    source: str | None = None,
    note: str | None = None,
    actor: str,
) -> LoadReport:
    """Hash local files and add every signal they give (md5, sha256, pdq...) to a bank.

    PDQ hashes below ``TVEC_PDQ_MIN_QUALITY`` are not added (they would never match well).
    A file that cannot be read or decoded is reported (line = its position, from 1) and the
    others still load. Audited as :class:`BankAdded` by ``actor``, with the labels given and
    the number of files.

    Raises:
        NotFoundError: no such bank.
    """
    report = LoadReport()
    contents: list[tuple[int, str, bytes]] = []
    for position, path in enumerate(paths, start=1):
        try:
            contents.append((position, str(path), path.read_bytes()))
        except OSError as exc:
            report.problems.append(RowProblem(position, f"{path}: cannot read: {exc.strerror}"))
    labels = Labels(entity, ideology, source, note)
    return _add_contents(store, name, contents, len(paths), labels, report, actor=actor)


#: Longest file name kept from an upload (the ``file`` label and the default note).
UPLOAD_NAME_CHARS = 200


def upload_name(filename: str | None, position: int) -> str:
    """The file name an uploaded file is known by: the last part of ``filename`` as the
    browser sent it (``/`` and ``\\`` both separate folders), at most
    :data:`UPLOAD_NAME_CHARS` characters; ``upload-<position>`` when there is none."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[:UPLOAD_NAME_CHARS] or f"upload-{position}"


def add_uploads(
    store: Store,
    name: str,
    uploads: Sequence[tuple[str | None, bytes]],
    *,
    entity: str | None = None,
    ideology: str | None = None,
    source: str | None = None,
    note: str | None = None,
    actor: str,
) -> LoadReport:
    """Hash uploaded files (``(file name as sent, bytes)`` pairs, as the web app receives
    them) and add their signals to a bank, exactly as :func:`add_files` does for local files:
    the same hashing (:func:`tvec.signals.hashing.hash_content`, as a scan), the same quality
    rule, a blurred thumbnail kept for images (:func:`bank_thumbnail`), one
    :class:`BankAdded` audit event. File names are cut to their last part
    (:func:`upload_name`); problems name the file by it, with its position from 1.

    Raises:
        NotFoundError: no such bank.
    """
    contents = [
        (position, upload_name(filename, position), data)
        for position, (filename, data) in enumerate(uploads, start=1)
    ]
    labels = Labels(entity, ideology, source, note)
    return _add_contents(store, name, contents, len(uploads), labels, LoadReport(), actor=actor)


@dataclass(frozen=True)
class Labels:
    """The labels given to every entry added from files (None: not given)."""

    entity: str | None = None
    ideology: str | None = None
    source: str | None = None
    note: str | None = None

    def given(self) -> dict[str, str]:
        """The labels that were given, by name (for the audit event)."""
        return {k: v for k, v in vars(self).items() if v is not None}


def _add_contents(
    store: Store,
    name: str,
    contents: list[tuple[int, str, bytes]],
    files: int,
    labels: Labels,
    report: LoadReport,
    *,
    actor: str,
) -> LoadReport:
    """Hash ``(position, name, bytes)`` files into bank ``name`` (see :func:`add_files`);
    ``files`` is how many were given (read or not), for the audit event."""
    settings = store.settings
    rows: list[EntryRow] = []
    for position, shown, data in contents:
        hashed = hash_content(data, shown, max_pixels=settings.max_image_pixels)
        if hashed.error is not None:
            # A file that cannot be read as what it claims to be adds nothing: its byte
            # hashes alone (an empty file's MD5, say) would match unrelated content.
            report.problems.append(RowProblem(position, f"{hashed.error}; not added"))
            continue
        file_name = Path(shown).name
        extra: dict[str, Any] = {"file": file_name}
        thumbnail = bank_thumbnail(data, shown, settings)
        if thumbnail is not None:
            extra["thumbnail"] = thumbnail
        for signal in hashed.signals:
            if signal.quality is not None and signal.quality < settings.pdq_min_quality:
                report.problems.append(
                    RowProblem(
                        position,
                        f"{shown}: {signal.signal_type} quality "
                        f"{signal.quality} is below {settings.pdq_min_quality}; not added",
                    )
                )
                continue
            rows.append(
                EntryRow(
                    position,
                    signal.signal_type,
                    signal.value,
                    labels.entity,
                    labels.ideology,
                    labels.source,
                    labels.note or file_name,
                    dict(extra),
                )
            )
    with store.session() as session:
        _add_rows(session, _bank(session, name), rows, report)
        record_event(
            session,
            actor,
            BankAdded(bank=name, added=report.added, files=files, labels=labels.given()),
        )
    refresh_index(store)
    report.problems.sort(key=lambda p: p.line)
    return report


def export_bank(store: Store, name: str, fmt: str) -> str:
    """Bank ``name`` rendered as ``csv`` or ``hma`` text.

    Raises:
        NotFoundError: no such bank.
        UsageError: unknown format (export writes csv and hma).
    """
    if fmt not in ("csv", "hma"):
        raise UsageError(f"cannot export format {fmt!r} (export writes csv and hma)")
    with store.session() as session:
        bank = _bank(session, name)
        entries = list(
            session.scalars(
                select(BankEntry).where(BankEntry.bank_id == bank.id).order_by(BankEntry.id)
            )
        )
        # vpdq entries are stored by reference: export their frame lists (pytx's format).
        frames = load_values(session, (e.value for e in entries if e.signal_type == "vpdq"))
        if fmt == "csv":
            return write_csv(
                [
                    (e.signal_type, frames.get(e.value, e.value), e.entity, e.ideology, e.note)
                    for e in entries
                ]
            )
        return write_hma([(e.signal_type, frames.get(e.value, e.value)) for e in entries])

"""The main job: read content, store items and signals, match them against banks.

:func:`run_scan` reads every path (folders, Telegram exports, JSON Lines posts, files), and for
each top-level item (a file, a message with its media, a post) in **one transaction**: stores
the item and its children, their signals and out-links, records input errors on them, and
stores the matches against the banks. A scan killed at any point therefore leaves only whole
items behind, and running it again skips what is already stored (files unchanged since by
size and modification time, messages with the same text) and finishes the rest. Items,
signals and matches have unique keys, so scanning the same input twice adds no duplicates.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import chain
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.analysis.pipeline import Analyzer
from tvec.cases import open_cases_for_scan
from tvec.collection.platforms import load_registry
from tvec.collection.sightings import describe, record_sightings
from tvec.errors import EncodingError, InputError, InvalidSignalError, MissingMediaError
from tvec.evidence import EvidenceStore
from tvec.hashing import HashResult, hash_content, hash_text
from tvec.matching.matcher import VIDEO_FRAME, Matcher
from tvec.matching.variants import FOUND_BY, match_variants
from tvec.matching.vpdq_index import VPDQRule
from tvec.media import TEXT
from tvec.outlinks import canonicalize_url, extract_outlinks
from tvec.platforms import PlatformRegistry
from tvec.settings import Settings
from tvec.signals import SignalValue
from tvec.signals.pdq_variants import PDQOptions, PDQVariant
from tvec.signals.url_md5 import url_md5_signal
from tvec.sources import RawItem, read_path
from tvec.store.db import Store
from tvec.store.models import Item, ItemError, Match, Scan, ScanItem, Signal, utcnow
from tvec.store.vpdq import load_signal, store_signal

#: Called after each top-level item with (items done so far, locator just finished).
Progress = Callable[[int, str], None]


@dataclass
class ScanCounts:
    """What a scan did. ``items`` counts top-level items and their media."""

    items: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    signals: int = 0
    outlinks: int = 0
    matches: int = 0
    new_matches: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts as a plain dict (the ``counts`` of the JSON result)."""
        return dict(self.__dict__)


@dataclass
class ScanResult:
    """The outcome of :func:`run_scan`, shaped like the ``--json`` document."""

    scan_id: int
    status: str
    counts: ScanCounts
    matches: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    outlinks: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The documented JSON result (``docs/scan-json.md``)."""
        return {
            "scan_id": self.scan_id,
            "status": self.status,
            "counts": self.counts.as_dict(),
            "matches": self.matches,
            "errors": self.errors,
            "outlinks": self.outlinks,
        }


@dataclass
class PreparedFile:
    """A file read and hashed (possibly in a worker process), ready to be stored.

    ``fingerprint`` is ``{"size": bytes, "mtime_ns": ns}`` used to skip unchanged files.
    ``hashed`` is None when the file could not be read at all (see ``error``).
    """

    fingerprint: dict[str, int] | None
    size: int | None = None
    hashed: HashResult | None = None
    text: str | None = None
    error: InputError | None = None


def file_fingerprint(path: Path) -> dict[str, int]:
    """Size (bytes) and modification time (ns) of ``path``. Raises OSError."""
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def prepare_file(
    path: Path,
    name: str,
    max_file_bytes: int,
    max_pixels: int,
    evidence_dir: Path | None,
    pdq: PDQOptions | None = None,
) -> PreparedFile:
    """Read, hash and (if ``evidence_dir``) keep one file; never raises for input problems.

    Runs in scan worker processes, so it takes plain arguments and returns a picklable
    result. Text files are decoded as UTF-8 (``EncodingError`` otherwise).
    """
    try:
        fingerprint = file_fingerprint(path)
    except OSError as exc:
        return PreparedFile(None, error=MissingMediaError(name, f"cannot read: {exc.strerror}"))
    if fingerprint["size"] > max_file_bytes:
        problem = (
            f"file of {fingerprint['size']} bytes is over the limit of {max_file_bytes} "
            "bytes (TVEC_MAX_FILE_BYTES)"
        )
        return PreparedFile(fingerprint, error=InputError(name, problem))
    try:
        data = path.read_bytes()
    except OSError as exc:
        return PreparedFile(
            fingerprint, error=MissingMediaError(name, f"cannot read: {exc.strerror}")
        )
    hashed = hash_content(data, name, max_pixels=max_pixels, pdq=pdq)
    text = None
    if hashed.kind.content_type == TEXT and hashed.error is None:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            hashed.error = EncodingError(name, f"text is not UTF-8 (byte {exc.start})")
    if evidence_dir is not None:
        sha = next((s.value for s in hashed.signals if s.signal_type == "sha256"), None)
        EvidenceStore(evidence_dir).put(data, sha)
    return PreparedFile(fingerprint, len(data), hashed, text)


def _tree(raw: RawItem) -> Iterator[RawItem]:
    yield raw
    for child in raw.children:
        yield from _tree(child)


class _Hasher:
    """Prepares the files of a batch of items, in worker processes when there are several.

    The pool (``TVEC_WORKERS`` processes, default one per core) is started on first use
    with the ``spawn`` method, so workers never inherit database connections or threads.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.workers = settings.workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def prepare(self, session: Session, batch: list[RawItem]) -> dict[str, PreparedFile]:
        """PreparedFile per locator for every file in ``batch`` that is new or changed."""
        files = [node for raw in batch for node in _tree(raw) if node.path is not None]
        if not files:
            return {}
        known = {
            locator: meta
            for locator, meta in session.execute(
                select(Item.locator, Item.meta).where(
                    Item.locator.in_([node.locator for node in files])
                )
            )
        }
        todo: list[RawItem] = []
        for node in files:
            meta = known.get(node.locator)
            if meta is not None and not meta.get("error"):
                assert node.path is not None
                try:
                    if meta.get("file") == file_fingerprint(node.path):
                        continue
                except OSError:
                    pass
            todo.append(node)
        evidence = self.settings.evidence_dir if self.settings.keep_evidence else None
        evidence_dirs = [evidence] * len(todo)
        paths = [node.path for node in todo if node.path is not None]
        names = [node.name for node in todo]
        limits = [self.settings.max_file_bytes] * len(todo)
        pixels = [self.settings.max_image_pixels] * len(todo)
        pdq = [PDQOptions.from_settings(self.settings)] * len(todo)
        if self.workers > 1 and (self._pool is not None or len(todo) >= MIN_PARALLEL):
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=get_context("spawn")
                )
            results = list(
                self._pool.map(prepare_file, paths, names, limits, pixels, evidence_dirs, pdq)
            )
        else:
            results = list(map(prepare_file, paths, names, limits, pixels, evidence_dirs, pdq))
        return {node.locator: result for node, result in zip(todo, results, strict=True)}

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def mark_interrupted_scans(session: Session) -> int:
    """Mark scans still ``running`` whose process on this host is gone as ``interrupted``."""
    host = socket.gethostname()
    changed = 0
    for scan in session.scalars(select(Scan).where(Scan.status == "running")):
        if scan.host == host and scan.pid is not None and not _alive(scan.pid):
            scan.status = "interrupted"
            changed += 1
    return changed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


#: Top-level items whose files are hashed together (in parallel) before being stored.
BATCH = 32
#: Fewest files in a batch for which starting worker processes (about a second) pays off.
MIN_PARALLEL = 8


def _batches(items: Iterable[RawItem], size: int) -> Iterator[list[RawItem]]:
    batch: list[RawItem] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_scan(
    store: Store,
    paths: Iterable[Path],
    *,
    banks: list[str] | None = None,
    progress: Progress | None = None,
    items: Iterable[RawItem] = (),
    source_id: int | None = None,
) -> ScanResult:
    """Scan ``paths`` into ``store`` and match against ``banks`` (all banks when None).

    ``items`` are read after ``paths`` (``tvec source poll`` passes a source's items here);
    with ``source_id``, new items and out-link sightings are attributed to that source.

    Raises:
        NotFoundError: a named bank does not exist (before anything is read).
        StoreError: the database fails.
    Input problems never raise: they are recorded per item and listed in the result.
    """
    settings = store.settings
    path_list = [Path(p) for p in paths]
    with store.session() as session:
        matcher = Matcher.from_session(
            session,
            banks,
            pdq_threshold=settings.pdq_threshold,
            pdq_min_quality=settings.pdq_min_quality,
            vpdq=VPDQRule.from_settings(settings),
        )
        mark_interrupted_scans(session)
        scan = Scan(
            paths={
                "paths": [str(p) for p in path_list],
                "banks": banks or [],
                **({"source_id": source_id} if source_id is not None else {}),
            },
            pid=os.getpid(),
            host=socket.gethostname(),
        )
        session.add(scan)
        session.flush()
        scan_id = scan.id
    worker = _ItemWriter(
        settings, EvidenceStore(settings.evidence_dir), matcher, scan_id, source_id=source_id
    )
    hasher = _Hasher(settings)
    counts = ScanCounts()
    done = 0
    try:
        inputs = chain((raw for path in path_list for raw in read_path(path)), items)
        for batch in _batches(inputs, BATCH):
            with store.session() as session:
                prepared = hasher.prepare(session, batch)
            for raw in batch:
                with store.session() as session:
                    worker.write(session, raw, None, counts, prepared)
                done += 1
                if progress is not None:
                    progress(done, raw.name)
    finally:
        hasher.close()
    result = collect_result(store, scan_id)
    status = "finished_with_errors" if result.errors else "finished"
    with store.session() as session:
        scan = session.get_one(Scan, scan_id)
        counts.errors = len(result.errors)
        counts.matches = len(result.matches)
        scan.status = status
        scan.finished_at = utcnow()
        scan.counts = counts.as_dict()
        open_cases_for_scan(session, scan_id, settings)
    result.status = status
    result.counts = counts
    return result


class _ItemWriter:
    """Stores one RawItem tree per call, inside the caller's transaction."""

    def __init__(
        self,
        settings: Settings,
        evidence: EvidenceStore,
        matcher: Matcher,
        scan_id: int,
        *,
        source_id: int | None = None,
    ) -> None:
        self.settings = settings
        self.evidence = evidence
        self.matcher = matcher
        self.scan_id = scan_id
        self.source_id = source_id
        self.analysis = Analyzer.from_settings(settings)
        self._platforms: PlatformRegistry | None = None

    def write(
        self,
        session: Session,
        raw: RawItem,
        parent_id: int | None,
        counts: ScanCounts,
        prepared: dict[str, PreparedFile],
    ) -> None:
        """Store ``raw`` and its children (files already prepared are taken from ``prepared``)."""
        counts.items += 1
        item = session.scalars(select(Item).where(Item.locator == raw.locator)).one_or_none()
        errors: list[InputError] = [raw.error] if raw.error else []
        if raw.path is not None:
            item, state = self._write_file(
                session, raw, item, parent_id, errors, prepared.get(raw.locator)
            )
        else:
            item, state = self._write_text(session, raw, item, parent_id)
        setattr(counts, state, getattr(counts, state) + 1)
        if self.source_id is not None and item.source_id is None:
            item.source_id = self.source_id
        if state != "unchanged":
            self._record_outlinks(session, item)
            self.analysis.analyze_item(session, item, None if item.meta.get("error") else raw.path)
        session.flush()
        if session.get(ScanItem, (self.scan_id, item.id)) is None:
            session.add(ScanItem(scan_id=self.scan_id, item_id=item.id))
        for error in errors:
            session.add(
                ItemError(
                    item_id=item.id,
                    scan_id=self.scan_id,
                    locator=raw.locator,
                    kind=error.kind,
                    message=str(error),
                )
            )
            counts.errors += 1
        self._match(session, item, counts)
        for child in raw.children:
            self.write(session, child, item.id, counts, prepared)

    def _write_file(
        self,
        session: Session,
        raw: RawItem,
        item: Item | None,
        parent_id: int | None,
        errors: list[InputError],
        prepared: PreparedFile | None,
    ) -> tuple[Item, str]:
        assert raw.path is not None
        if prepared is None:
            try:
                fingerprint = file_fingerprint(raw.path)
            except OSError:
                fingerprint = None
            unchanged = (
                item is not None
                and fingerprint is not None
                and item.meta.get("file") == fingerprint
                and not item.meta.get("error")
            )
            if item is not None and unchanged:
                return item, "unchanged"
            evidence = self.settings.evidence_dir if self.settings.keep_evidence else None
            prepared = prepare_file(
                raw.path,
                raw.name,
                self.settings.max_file_bytes,
                self.settings.max_image_pixels,
                evidence,
                PDQOptions.from_settings(self.settings),
            )
        hashed = prepared.hashed
        if hashed is None:
            assert prepared.error is not None
            errors.append(prepared.error)
            return self._upsert(session, raw, item, parent_id, "application/octet-stream", "file")
        signals = list(hashed.signals)
        if hashed.error is not None:
            errors.append(hashed.error)
        new_item, state = self._upsert(
            session, raw, item, parent_id, hashed.kind.media_type, hashed.kind.content_type
        )
        text = prepared.text or raw.text
        new_item.sha256 = next((s.value for s in signals if s.signal_type == "sha256"), None)
        new_item.size = prepared.size
        new_item.text = text
        meta = dict(new_item.meta or {})
        meta["file"] = prepared.fingerprint
        if hashed.error is not None:
            meta["error"] = hashed.error.kind
        else:
            meta.pop("error", None)
        meta.pop("pdq_variants", None)
        if hashed.pdq_variants:
            meta["pdq_variants"] = {v.found_by: v.signal.value for v in hashed.pdq_variants}
        new_item.meta = meta
        if text:
            signals.extend(hash_text(text))
            signals.extend(self._url_signals(raw, text, new_item))
        signals = [store_signal(session, s) for s in signals]  # vpdq frames by reference
        self._replace_signals(session, new_item, signals)
        return new_item, state

    def _write_text(
        self, session: Session, raw: RawItem, item: Item | None, parent_id: int | None
    ) -> tuple[Item, str]:
        media_type = raw.media_type or ("text/plain" if raw.text else "application/x-unavailable")
        if item is not None and item.text == raw.text and item.meta.get("links") == raw.links:
            return item, "unchanged"
        new_item, state = self._upsert(session, raw, item, parent_id, media_type, TEXT)
        new_item.text = raw.text
        meta = dict(new_item.meta or {})
        meta["links"] = raw.links
        new_item.meta = meta
        signals: list[SignalValue] = []
        if raw.text:
            signals.extend(hash_text(raw.text))
        signals.extend(self._url_signals(raw, raw.text or "", new_item))
        self._replace_signals(session, new_item, signals)
        return new_item, state

    def _record_outlinks(self, session: Session, item: Item) -> None:
        """Store the item's out-links (``meta['outlinks']``) once each, with a sighting."""
        links = [(o["url"], o["seen"]) for o in (item.meta or {}).get("outlinks", [])]
        if not links:
            return
        session.flush()
        if self._platforms is None:
            self._platforms = load_registry(session)
        record_sightings(session, item, links, self._platforms, source_id=self.source_id)

    def _url_signals(self, raw: RawItem, text: str, item: Item) -> list[SignalValue]:
        seen: dict[str, str] = {}
        for link in raw.links:
            try:
                seen.setdefault(canonicalize_url(link), link)
            except InvalidSignalError:
                continue
        for found in extract_outlinks(text):
            seen.setdefault(found.canonical, found.seen)
        meta = dict(item.meta or {})
        meta["outlinks"] = [{"url": url, "seen": text_seen} for url, text_seen in seen.items()]
        item.meta = meta
        return [signal for url in seen for signal in (SignalValue("url", url), url_md5_signal(url))]

    def _upsert(
        self,
        session: Session,
        raw: RawItem,
        item: Item | None,
        parent_id: int | None,
        media_type: str,
        content_type: str,
    ) -> tuple[Item, str]:
        if item is None:
            item = Item(
                locator=raw.locator,
                parent_id=parent_id,
                media_type=media_type,
                content_type=content_type,
                posted_at=raw.posted_at,
                meta=dict(raw.meta),
            )
            session.add(item)
            session.flush()
            return item, "new"
        item.media_type = media_type
        item.content_type = content_type
        item.posted_at = raw.posted_at
        item.parent_id = parent_id
        item.meta = {**(item.meta or {}), **raw.meta}
        return item, "changed"

    def _replace_signals(self, session: Session, item: Item, signals: list[SignalValue]) -> None:
        wanted = {(s.signal_type, s.value): s for s in signals}
        existing = {(s.signal_type, s.value): s for s in item.signals}
        for key, row in existing.items():
            if key not in wanted:
                session.delete(row)
        for key, value in wanted.items():
            if key not in existing:
                item.signals.append(
                    Signal(signal_type=value.signal_type, value=value.value, quality=value.quality)
                )

    def _match(self, session: Session, item: Item, counts: ScanCounts) -> None:
        session.flush()
        known = {
            (m.bank_entry_id, m.signal_type, m.value)
            for m in session.scalars(select(Match).where(Match.item_id == item.id))
        }
        for signal in item.signals:
            counts.signals += 1
            if signal.signal_type == "url":
                counts.outlinks += 1
            stored = SignalValue(signal.signal_type, signal.value, signal.quality)
            value = load_signal(session, stored)  # a vpdq reference -> its frames
            for hit in self.matcher.match(value):
                key = (hit.entry_id, signal.signal_type, signal.value)
                if key in known:
                    continue
                known.add(key)
                session.add(
                    Match(
                        item_id=item.id,
                        bank_entry_id=hit.entry_id,
                        signal_type=signal.signal_type,
                        value=signal.value,
                        distance=hit.distance,
                        scan_id=self.scan_id,
                    )
                )
                counts.new_matches += 1
        self._match_variants(session, item, known, counts)

    def _match_variants(
        self,
        session: Session,
        item: Item,
        known: set[tuple[int, str, str]],
        counts: ScanCounts,
    ) -> None:
        """Match the item's PDQ variants (``meta['pdq_variants']``) enabled by the settings."""
        options = PDQOptions.from_settings(self.settings)
        stored = (item.meta or {}).get("pdq_variants") or {}
        main = next((s for s in item.signals if s.signal_type == "pdq"), None)
        if main is None or not stored:
            return
        variants = [
            PDQVariant(name, SignalValue("pdq", value, main.quality))
            for name, value in stored.items()
            if options.enabled(name)
        ]
        matched = {entry_id for entry_id, signal_type, _ in known if signal_type == "pdq"}
        for found in match_variants(self.matcher, variants, matched):
            session.add(
                Match(
                    item_id=item.id,
                    bank_entry_id=found.hit.entry_id,
                    signal_type="pdq",
                    value=found.variant.signal.value,
                    distance=found.hit.distance,
                    scan_id=self.scan_id,
                )
            )
            counts.new_matches += 1


def collect_result(store: Store, scan_id: int) -> ScanResult:
    """The matches, errors and out-links of every item scan ``scan_id`` saw."""
    from tvec.store.models import Bank, BankEntry

    with store.session() as session:
        scan = session.get_one(Scan, scan_id)
        item_ids = select(ScanItem.item_id).where(ScanItem.scan_id == scan_id)
        rows = session.execute(
            select(Match, Item.locator, BankEntry, Bank.name, Item.meta)
            .join(Item, Match.item_id == Item.id)
            .join(BankEntry, Match.bank_entry_id == BankEntry.id)
            .join(Bank, BankEntry.bank_id == Bank.id)
            .where(Match.item_id.in_(item_ids))
            .order_by(Item.locator, Match.distance, Match.id)
        ).all()
        matches = [
            {
                "item": locator,
                "signal_type": match.signal_type,
                "value": match.value,
                "bank": bank,
                "entry_id": entry.id,
                "entry_value": entry.value,
                "distance": match.distance,
                "labels": _labels(match, entry.labels(), meta, entry.signal_type),
            }
            for match, locator, entry, bank, meta in rows
        ]
        errors = [
            {"item": e.locator, "kind": e.kind, "error": e.message}
            for e in session.scalars(
                select(ItemError).where(ItemError.scan_id == scan_id).order_by(ItemError.id)
            )
        ]
        outlinks = []
        platforms = load_registry(session)
        for item in session.scalars(
            select(Item).where(Item.id.in_(item_ids)).order_by(Item.locator)
        ):
            for link in (item.meta or {}).get("outlinks", []):
                outlinks.append(
                    {
                        "item": item.locator,
                        "url": link["url"],
                        "seen": link["seen"],
                        **describe(platforms, link["url"]),
                    }
                )
        return ScanResult(
            scan_id=scan_id,
            status=scan.status,
            counts=ScanCounts(
                **{k: v for k, v in scan.counts.items() if k in ScanCounts().__dict__}
            ),
            matches=matches,
            errors=errors,
            outlinks=outlinks,
        )


def _labels(
    match: Match, labels: dict[str, Any], meta: dict[str, Any] | None, entry_type: str = ""
) -> dict[str, Any]:
    """The entry's labels, plus ``found_by`` when a PDQ variant or a video frame matched."""
    if {match.signal_type, entry_type} == {"pdq", "vpdq"}:  # a picture and a video's frame
        return {**labels, FOUND_BY: VIDEO_FRAME}
    if match.signal_type != "pdq":
        return labels
    for name, value in ((meta or {}).get("pdq_variants") or {}).items():
        if value == match.value:
            return {**labels, FOUND_BY: name}
    return labels

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.errors import InputError, InvalidSignalError, MissingMediaError
from tvec.evidence import EvidenceStore
from tvec.hashing import hash_content, hash_text
from tvec.matching.matcher import Matcher
from tvec.media import TEXT
from tvec.outlinks import canonicalize_url, extract_outlinks
from tvec.settings import Settings
from tvec.signals import SignalValue
from tvec.sources import RawItem, read_path
from tvec.store.db import Store
from tvec.store.models import Item, ItemError, Match, Scan, ScanItem, Signal, utcnow

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


def run_scan(
    store: Store,
    paths: Iterable[Path],
    *,
    banks: list[str] | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Scan ``paths`` into ``store`` and match against ``banks`` (all banks when None).

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
        )
        mark_interrupted_scans(session)
        scan = Scan(
            paths={"paths": [str(p) for p in path_list], "banks": banks or []},
            pid=os.getpid(),
            host=socket.gethostname(),
        )
        session.add(scan)
        session.flush()
        scan_id = scan.id
    worker = _ItemWriter(settings, EvidenceStore(settings.evidence_dir), matcher, scan_id)
    counts = ScanCounts()
    done = 0
    for path in path_list:
        for raw in read_path(path):
            with store.session() as session:
                worker.write(session, raw, None, counts)
            done += 1
            if progress is not None:
                progress(done, raw.name)
    result = collect_result(store, scan_id)
    status = "finished_with_errors" if result.errors else "finished"
    with store.session() as session:
        scan = session.get_one(Scan, scan_id)
        counts.errors = len(result.errors)
        counts.matches = len(result.matches)
        scan.status = status
        scan.finished_at = utcnow()
        scan.counts = counts.as_dict()
    result.status = status
    result.counts = counts
    return result


class _ItemWriter:
    """Stores one RawItem tree per call, inside the caller's transaction."""

    def __init__(
        self, settings: Settings, evidence: EvidenceStore, matcher: Matcher, scan_id: int
    ) -> None:
        self.settings = settings
        self.evidence = evidence
        self.matcher = matcher
        self.scan_id = scan_id

    def write(
        self, session: Session, raw: RawItem, parent_id: int | None, counts: ScanCounts
    ) -> None:
        counts.items += 1
        item = session.scalars(select(Item).where(Item.locator == raw.locator)).one_or_none()
        errors: list[InputError] = [raw.error] if raw.error else []
        if raw.path is not None:
            item, state = self._write_file(session, raw, item, parent_id, errors)
        else:
            item, state = self._write_text(session, raw, item, parent_id)
        setattr(counts, state, getattr(counts, state) + 1)
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
            self.write(session, child, item.id, counts)

    def _write_file(
        self,
        session: Session,
        raw: RawItem,
        item: Item | None,
        parent_id: int | None,
        errors: list[InputError],
    ) -> tuple[Item, str]:
        assert raw.path is not None
        try:
            stat = raw.path.stat()
        except OSError as exc:
            errors.append(MissingMediaError(raw.name, f"cannot read: {exc.strerror}"))
            return self._upsert(session, raw, item, parent_id, "application/octet-stream", "file")
        fingerprint = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        if item is not None and item.meta.get("file") == fingerprint and not item.meta.get("error"):
            return item, "unchanged"
        if stat.st_size > self.settings.max_file_bytes:
            errors.append(
                InputError(
                    raw.name,
                    f"file of {stat.st_size} bytes is over the limit of "
                    f"{self.settings.max_file_bytes} bytes (TVEC_MAX_FILE_BYTES)",
                )
            )
            return self._upsert(session, raw, item, parent_id, "application/octet-stream", "file")
        try:
            data = raw.path.read_bytes()
        except OSError as exc:
            errors.append(MissingMediaError(raw.name, f"cannot read: {exc.strerror}"))
            return self._upsert(session, raw, item, parent_id, "application/octet-stream", "file")
        hashed = hash_content(data, raw.name, max_pixels=self.settings.max_image_pixels)
        signals = list(hashed.signals)
        text = raw.text
        if hashed.kind.content_type == TEXT and hashed.error is None:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                from tvec.errors import EncodingError

                hashed.error = EncodingError(raw.name, f"text is not UTF-8 (byte {exc.start})")
        if hashed.error is not None:
            errors.append(hashed.error)
        new_item, state = self._upsert(
            session, raw, item, parent_id, hashed.kind.media_type, hashed.kind.content_type
        )
        sha = next((s.value for s in signals if s.signal_type == "sha256"), None)
        new_item.sha256 = sha
        new_item.size = len(data)
        new_item.text = text
        meta = dict(new_item.meta or {})
        meta["file"] = fingerprint
        if hashed.error is not None:
            meta["error"] = hashed.error.kind
        else:
            meta.pop("error", None)
        new_item.meta = meta
        if self.settings.keep_evidence:
            self.evidence.put(data, sha)
        if text:
            signals.extend(hash_text(text))
            signals.extend(self._url_signals(raw, text, new_item))
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
        return [SignalValue("url", url) for url in seen]

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
            value = SignalValue(signal.signal_type, signal.value, signal.quality)
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


def collect_result(store: Store, scan_id: int) -> ScanResult:
    """The matches, errors and out-links of every item scan ``scan_id`` saw."""
    from tvec.store.models import Bank, BankEntry

    with store.session() as session:
        scan = session.get_one(Scan, scan_id)
        item_ids = select(ScanItem.item_id).where(ScanItem.scan_id == scan_id)
        rows = session.execute(
            select(Match, Item.locator, BankEntry, Bank.name)
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
                "labels": entry.labels(),
            }
            for match, locator, entry, bank in rows
        ]
        errors = [
            {"item": e.locator, "kind": e.kind, "error": e.message}
            for e in session.scalars(
                select(ItemError).where(ItemError.scan_id == scan_id).order_by(ItemError.id)
            )
        ]
        outlinks = []
        for item in session.scalars(
            select(Item).where(Item.id.in_(item_ids)).order_by(Item.locator)
        ):
            for link in (item.meta or {}).get("outlinks", []):
                outlinks.append({"item": item.locator, "url": link["url"], "seen": link["seen"]})
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

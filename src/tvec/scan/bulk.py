"""Storing a batch's new items with bulk inserts (SQLAlchemy Core ``executemany``).

A scan's process must do little per item, or it bounds the scan however many workers
prepare the files and posts. Most items of a scan are **new top-level items without
children** (a file, a post) whose work a worker did (read, hash, analyse, match:
:mod:`tvec.scan.prepare`); :class:`BulkWriter` stores a run of them with one multi-row
``INSERT`` per table (``item`` with ``RETURNING`` its ids, then ``signal``, ``scan_item``,
``item_error``, ``match``, ``item_analysis``, ``indicator_hit``, ``outlink`` (``INSERT ...
ON CONFLICT DO NOTHING`` then one ``SELECT`` of the batch's URLs) and ``outlink_sighting``),
inside the batch's transaction. It writes the same rows as
:meth:`tvec.scan.writer.ItemWriter.write`, which still stores every other item (stored
before, changed or unchanged; with children; unreadable files): order is kept, runs of new
items between them are bulk-inserted.

An item counts as new when its locator was not stored when the batch was submitted
(:attr:`tvec.scan.hasher.PreparedBatch.new`). If another scan stored it since, the
``item`` insert breaks the unique locator and the batch is written again item by item
(:func:`tvec.scan.run._write_batch`), as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from tvec.analysis.pipeline import Analysis
from tvec.clock import utcnow
from tvec.errors import InputError
from tvec.media import TEXT
from tvec.outlinks.sightings import Resolved, new_outlink_row
from tvec.scan.hasher import PreparedBatch
from tvec.scan.links import url_signals
from tvec.scan.matches import Found, match_signals, still_found, unique_signals
from tvec.scan.result import ScanCounts
from tvec.scan.writer import ItemWriter
from tvec.signals import SignalValue
from tvec.signals.hashing import hash_text
from tvec.signals.pdq_variants import PDQOptions
from tvec.sources import RawItem
from tvec.store.models import (
    BankEntry,
    Item,
    ItemAnalysis,
    ItemError,
    ItemIndicatorHit,
    Match,
    Outlink,
    OutlinkSighting,
    ScanItem,
    Signal,
)
from tvec.store.vpdq import store_signal

#: URLs per ``SELECT ... WHERE url IN (...)`` (well under SQLite's bound-parameter limit).
URLS_PER_QUERY = 500


@dataclass
class _NewItem:
    """One new top-level item, ready to insert."""

    row: dict[str, Any]
    signals: list[SignalValue]
    matches: list[Found]
    errors: list[InputError]
    analysis: Analysis | None
    hits_final: bool
    links: list[tuple[str, str]] = field(default_factory=list)
    resolved: dict[str, Resolved] = field(default_factory=dict)
    item_id: int = 0


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


class BulkWriter:
    """Stores a batch: runs of new childless items with bulk inserts, every other item with
    ``writer`` (:class:`~tvec.scan.writer.ItemWriter`), in the caller's transaction.

    Args:
        writer: the scan's item writer (its settings, matcher, scan, source and analyzer
            are used here too).
    """

    def __init__(self, writer: ItemWriter) -> None:
        self.writer = writer
        self.options = PDQOptions.from_settings(writer.settings)

    def write(
        self,
        session: Session,
        batch: list[RawItem],
        counts: ScanCounts,
        prepared: PreparedBatch,
    ) -> None:
        """Store every top-level item of ``batch`` (in order) and its children.

        Raises:
            sqlalchemy.exc.SQLAlchemyError: the database fails, or an item breaks a unique
                constraint (the caller rolls back and writes item by item).
        """
        run: list[_NewItem] = []
        for raw in batch:
            new = self._prepare(session, raw, prepared)
            if new is not None:
                run.append(new)
                continue
            self._insert(session, run, counts)
            run = []
            self.writer.write(session, raw, None, counts, prepared)
        self._insert(session, run, counts)

    def _prepare(self, session: Session, raw: RawItem, prepared: PreparedBatch) -> _NewItem | None:
        """``raw`` as a :class:`_NewItem`, or None when the item writer must store it."""
        if raw.children or raw.locator not in prepared.new:
            return None
        active = self.writer.analysis.active
        errors: list[InputError] = [raw.error] if raw.error else []
        if raw.path is None:
            post = prepared.post(raw.locator)
            if post is None or (post.analysis is None and active):
                return None
            signals = list(post.signals)
            errors.extend(post.errors)
            meta = {**raw.meta, "links": raw.links, "outlinks": post.outlinks}
            row: dict[str, Any] = {
                "media_type": raw.media_type or "text/plain",
                "content_type": TEXT,
                "text": raw.text,
            }
            found, matched, hits_final = post.analysis, post.matches, post.hits_final
            variants = []
            resolved = post.resolved
        else:
            file = prepared.get(raw.locator)
            if file is None or file.hashed is None or (file.analysis is None and active):
                return None
            hashed = file.hashed
            signals = list(hashed.signals)
            if hashed.error is not None:
                errors.append(hashed.error)
            text = file.text or raw.text
            meta = {**raw.meta, "file": file.fingerprint}
            if hashed.error is not None:
                meta["error"] = hashed.error.kind
            if hashed.pdq_variants:
                meta["pdq_variants"] = {v.found_by: v.signal.value for v in hashed.pdq_variants}
            matched = file.matches
            if text:
                extra = hash_text(text)
                found_urls, outlinks, problems = url_signals(raw.locator, raw.links, text)
                extra.extend(found_urls)
                errors.extend(problems)
                meta["outlinks"] = outlinks
                signals.extend(extra)
                if matched is not None:  # the worker matched the file's own signals
                    matched = matched + match_signals(self.writer.matcher, extra, [], self.options)
            row = {
                "media_type": hashed.kind.media_type,
                "content_type": hashed.kind.content_type,
                "text": text,
                "sha256": next((s.value for s in signals if s.signal_type == "sha256"), None),
                "size": file.size,
            }
            found, hits_final = file.analysis, file.hits_final
            variants = hashed.pdq_variants
            resolved = {}
        if matched is None:
            matched = match_signals(self.writer.matcher, signals, variants, self.options)
        stored = self._stored(session, signals, matched)
        row.update(
            locator=raw.locator,
            parent_id=None,
            posted_at=raw.posted_at,
            meta=meta,
            source_id=self.writer.source_id,
        )
        links = [(o["url"], o["seen"]) for o in meta.get("outlinks", [])]
        return _NewItem(row, stored[0], stored[1], errors, found, hits_final, links, resolved)

    @staticmethod
    def _stored(
        session: Session, signals: list[SignalValue], matches: list[Found]
    ) -> tuple[list[SignalValue], list[Found]]:
        """``signals`` (once each) and ``matches`` with values in stored form (a ``vpdq``
        frame list becomes its reference, :func:`tvec.store.vpdq.store_signal`)."""
        if not any(s.signal_type == "vpdq" for s in signals):
            return unique_signals(signals), matches
        renamed: dict[str, str] = {}
        out = []
        for signal in signals:
            kept = store_signal(session, signal)
            if kept.value != signal.value:
                renamed[signal.value] = kept.value
            out.append(kept)
        moved = [
            (t, renamed.get(v, v) if t == "vpdq" else v, entry_id, distance)
            for t, v, entry_id, distance in matches
        ]
        return unique_signals(out), moved

    def _insert(self, session: Session, run: list[_NewItem], counts: ScanCounts) -> None:
        """Insert the items of ``run`` and everything that hangs off them."""
        if not run:
            return
        session.flush()  # the item writer's pending rows come first
        ids = session.scalars(
            insert(Item).returning(Item.id, sort_by_parameter_order=True),
            [new.row for new in run],
        ).all()
        signals: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        matches: list[dict[str, Any]] = []
        scan_id = self.writer.scan_id
        self._recheck(session, run)
        for new, item_id in zip(run, ids, strict=True):
            new.item_id = item_id
            signals += [
                {
                    "item_id": item_id,
                    "signal_type": s.signal_type,
                    "value": s.value,
                    "quality": s.quality,
                }
                for s in new.signals
            ]
            errors += [
                {
                    "item_id": item_id,
                    "scan_id": scan_id,
                    "locator": new.row["locator"],
                    "kind": e.kind,
                    "message": str(e),
                }
                for e in new.errors
            ]
            matches += [
                {
                    "item_id": item_id,
                    "bank_entry_id": entry_id,
                    "signal_type": signal_type,
                    "value": value,
                    "distance": distance,
                    "scan_id": scan_id,
                }
                for signal_type, value, entry_id, distance in new.matches
            ]
            counts.items += 1
            counts.new += 1
            counts.signals += len(new.signals)
            counts.outlinks += sum(1 for s in new.signals if s.signal_type == "url")
            counts.errors += len(new.errors)
            counts.new_matches += len(new.matches)
        session.execute(insert(_table(ScanItem)), [{"scan_id": scan_id, "item_id": i} for i in ids])
        for model, rows in ((Signal, signals), (ItemError, errors), (Match, matches)):
            if rows:
                session.execute(insert(_table(model)), rows)
        self._analyses(session, run)
        self._sightings(session, run)

    def _recheck(self, session: Session, run: list[_NewItem]) -> None:
        """Keep only the matches still true of their entries as stored now (read in this
        transaction, after the items' insert: on SQLite no bank change can come between
        this read and the commit), :func:`tvec.scan.matches.still_found`."""
        wanted = sorted({found[2] for new in run for found in new.matches})
        if not wanted:
            return
        entries: dict[int, tuple[str, str]] = {}
        for start in range(0, len(wanted), URLS_PER_QUERY):
            part = wanted[start : start + URLS_PER_QUERY]
            for entry_id, signal_type, value in session.execute(
                select(BankEntry.id, BankEntry.signal_type, BankEntry.value).where(
                    BankEntry.id.in_(part)
                )
            ):
                entries[entry_id] = (signal_type, value)
        threshold = self.writer.settings.pdq_threshold
        for new in run:
            checked = (still_found(f, entries.get(f[2]), threshold) for f in new.matches)
            new.matches = [f for f in checked if f is not None]

    def _analyses(self, session: Session, run: list[_NewItem]) -> None:
        """Insert the analysis of each item that has one, and its indicator hits."""
        analysed = [new for new in run if new.analysis is not None]
        if not analysed:
            return
        rows = []
        for new in analysed:
            found = new.analysis
            assert found is not None
            if not new.hits_final:
                self.writer.use_registry(session)
                self.writer.analysis.find_hits(found)
            rows.append(
                {
                    "item_id": new.item_id,
                    "primary_language": found.primary_language,
                    "languages": [
                        {"code": s.code, "share": round(s.share, 4), "script": s.script}
                        for s in found.languages
                    ],
                    "ocr_text": found.ocr_text,
                    "media_text": [part.view().model_dump(mode="json") for part in found.parts],
                    "stages": dict(found.stages),
                    "errors": list(found.errors),
                }
            )
        ids = session.scalars(
            insert(ItemAnalysis).returning(ItemAnalysis.id, sort_by_parameter_order=True), rows
        ).all()
        hits = [
            {
                "analysis_id": analysis_id,
                "item_id": new.item_id,
                "entity_id": hit.hit.entity_id,
                "outlet_id": hit.hit.outlet_id,
                "alias": hit.hit.alias,
                "field": hit.field,
                "span_start": hit.hit.start,
                "span_end": hit.hit.end,
                "matched_text": hit.hit.matched_text,
                "steps": list(hit.hit.steps),
            }
            for new, analysis_id in zip(analysed, ids, strict=True)
            for hit in (new.analysis.hits if new.analysis is not None else [])
        ]
        if hits:
            session.execute(insert(_table(ItemIndicatorHit)), hits)

    def _sightings(self, session: Session, run: list[_NewItem]) -> None:
        """Store the out-links of the run's items once each, with one sighting per item
        and URL (as :func:`tvec.outlinks.sightings.record_sightings`)."""
        per_item = [(new, dict(reversed(new.links))) for new in run if new.links]
        if not per_item:
            return
        now = utcnow()
        urls = sorted({url for _, seen_as in per_item for url in seen_as})
        known = self._outlink_ids(session, urls)
        missing = [url for url in urls if url not in known]
        if missing:
            platforms = self.writer.platforms(session)
            resolved = {url: r for new, _ in per_item for url, r in new.resolved.items()}
            rows = [new_outlink_row(url, platforms, now, resolved.get(url)) for url in missing]
            dialect = session.get_bind().dialect.name
            if dialect == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as pg_insert

                # Another scan may store the same URL meanwhile: keep its row.
                statement: Any = pg_insert(_table(Outlink)).on_conflict_do_nothing(
                    index_elements=["url"]
                )
            else:
                # SQLite: this transaction holds the write lock (it inserted the items).
                statement = insert(_table(Outlink))
            session.execute(statement, rows)
            fresh = self._outlink_ids(session, missing)
            known.update(fresh)
        old = [known[url] for url in urls if url not in missing]
        for start in range(0, len(old), URLS_PER_QUERY):
            session.execute(
                update(_table(Outlink))
                .where(Outlink.id.in_(old[start : start + URLS_PER_QUERY]))
                .where(Outlink.last_seen_at < now)
                .values(last_seen_at=now)
            )
        source = self.writer.source_id
        rows = [
            {
                "outlink_id": known[url],
                "item_id": new.item_id,
                "source_id": source,
                "seen": seen,
                "seen_at": now,
                "posted_at": new.row["posted_at"],
            }
            for new, seen_as in per_item
            for url, seen in seen_as.items()
        ]
        session.execute(insert(_table(OutlinkSighting)), rows)

    @staticmethod
    def _outlink_ids(session: Session, urls: list[str]) -> dict[str, int]:
        """The ids of the ``outlink`` rows of ``urls`` that exist, by URL."""
        found: dict[str, int] = {}
        for start in range(0, len(urls), URLS_PER_QUERY):
            part = urls[start : start + URLS_PER_QUERY]
            for outlink_id, url in session.execute(
                select(Outlink.id, Outlink.url).where(Outlink.url.in_(part))
            ):
                found[url] = outlink_id
        return found

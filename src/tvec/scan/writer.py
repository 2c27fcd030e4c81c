"""Storing one item tree (a file, a message with its media, a post) in one transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.analysis.pipeline import Analyzer
from tvec.entities.resolve import entity_registry
from tvec.errors import InputError
from tvec.isolation import helper_for
from tvec.matching.matcher import Matcher
from tvec.matching.variants import match_variants
from tvec.media import TEXT
from tvec.outlinks.sightings import record_sightings
from tvec.platforms import PlatformRegistry
from tvec.platforms.overrides import load_registry
from tvec.scan.hasher import PreparedBatch
from tvec.scan.links import url_signals
from tvec.scan.prepare import PreparedFile, file_fingerprint, media_limits, prepare_file
from tvec.scan.result import ScanCounts
from tvec.settings import Settings
from tvec.signals import SignalValue
from tvec.signals.hashing import hash_text
from tvec.signals.pdq_variants import PDQOptions, PDQVariant
from tvec.sources import RawItem
from tvec.store.models import Item, ItemError, Match, ScanItem, Signal
from tvec.store.vpdq import load_signal, store_signal


class ItemWriter:
    """Stores one RawItem tree per call, inside the caller's transaction."""

    def __init__(
        self,
        settings: Settings,
        matcher: Matcher,
        scan_id: int,
        *,
        source_id: int | None = None,
    ) -> None:
        self.settings = settings
        self.matcher = matcher
        self.scan_id = scan_id
        self.source_id = source_id
        self.analysis = Analyzer.from_settings(settings)
        limits = media_limits(settings)
        if limits is not None:
            self.analysis.helper = helper_for(limits)
        self._registry_read = False
        self._platforms: PlatformRegistry | None = None

    def write(
        self,
        session: Session,
        raw: RawItem,
        parent_id: int | None,
        counts: ScanCounts,
        prepared: PreparedBatch,
    ) -> None:
        """Store ``raw`` and its children (files already prepared are taken from ``prepared``)."""
        counts.items += 1
        item = session.scalars(select(Item).where(Item.locator == raw.locator)).one_or_none()
        errors: list[InputError] = [raw.error] if raw.error else []
        prepared_file = prepared.get(raw.locator)
        if raw.path is not None:
            item, state = self._write_file(session, raw, item, parent_id, errors, prepared_file)
        else:
            item, state = self._write_text(session, raw, item, parent_id, errors)
        setattr(counts, state, getattr(counts, state) + 1)
        if self.source_id is not None and item.source_id is None:
            item.source_id = self.source_id
        if state != "unchanged" or self.source_id is not None:
            # A source's poll attributes out-links even of items an earlier scan stored.
            self._record_outlinks(session, item)
        if state != "unchanged":
            self.use_registry(session)
            found = prepared_file.analysis if prepared_file is not None else None
            if raw.path is None:
                post = prepared.post(raw.locator)
                found = post.analysis if post is not None else None
            if found is not None:
                self.analysis.find_hits(found)
                self.analysis.store(session, item, found)
            else:
                media = None if item.meta.get("error") else raw.path
                self.analysis.analyze_item(session, item, media)
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
            evidence = self.settings.evidence_location if self.settings.keep_evidence else None
            prepared = prepare_file(
                raw.path,
                raw.name,
                self.settings.max_file_bytes,
                self.settings.max_image_pixels,
                evidence,
                PDQOptions.from_settings(self.settings),
                limits=media_limits(self.settings),
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
            signals.extend(self._url_signals(raw, text, new_item, errors))
        signals = [store_signal(session, s) for s in signals]  # vpdq frames by reference
        self._replace_signals(session, new_item, signals)
        return new_item, state

    def _write_text(
        self,
        session: Session,
        raw: RawItem,
        item: Item | None,
        parent_id: int | None,
        errors: list[InputError],
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
        signals.extend(self._url_signals(raw, raw.text or "", new_item, errors))
        self._replace_signals(session, new_item, signals)
        return new_item, state

    def use_registry(self, session: Session) -> None:
        """Find indicators with the registry in force from now on (read once per scan: it
        includes the imported designation lists, which only the database has)."""
        if not self._registry_read:
            self.analysis.use_registry(entity_registry(self.settings, session))
            self._registry_read = True

    def platforms(self, session: Session) -> PlatformRegistry:
        """The platform registry in force (with the database's overrides; read once)."""
        if self._platforms is None:
            self._platforms = load_registry(session)
        return self._platforms

    def _record_outlinks(self, session: Session, item: Item) -> None:
        """Store the item's out-links (``meta['outlinks']``) once each, with a sighting."""
        links = [(o["url"], o["seen"]) for o in (item.meta or {}).get("outlinks", [])]
        if not links:
            return
        session.flush()
        record_sightings(session, item, links, self.platforms(session), source_id=self.source_id)

    def _url_signals(
        self, raw: RawItem, text: str, item: Item, errors: list[InputError]
    ) -> list[SignalValue]:
        """The ``url`` and ``url_md5`` signals of the item's out-links
        (:func:`tvec.scan.links.url_signals`); sets ``meta['outlinks']``, adds the errors."""
        signals, outlinks, problems = url_signals(raw.locator, raw.links, text)
        errors.extend(problems)
        meta = dict(item.meta or {})
        meta["outlinks"] = outlinks
        item.meta = meta
        return signals

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

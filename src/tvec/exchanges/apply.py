"""A page of an exchange into its bank, in the caller's transaction (with its checkpoint).

Each upstream record (``source_id``) holds the bank entries of its signals through
``exchange_entry`` rows. Applying a record replaces what it held: signals it no longer has
lose their link, new ones get an entry (an existing entry of the bank with the same signal
type and value is shared). A withdrawn record loses all its links. A bank entry no upstream
record holds any more is deleted, with its matches, so no withdrawn hash stays matchable.
Applying the same page twice changes nothing (a resumed fetch repeats no entry).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from tvec.banks.formats import EntryRow, clip
from tvec.banks.service import check_row
from tvec.clock import utcnow
from tvec.exchanges.records import Page, Problem, Upsert
from tvec.store.bank_changes import ADD, REMOVE, record_change
from tvec.store.models import BankEntry, Exchange, ExchangeEntry

#: Most bytes of an entry's labels stored as JSON (tags and other labels).
MAX_EXTRA_BYTES = 8 * 1024
#: Most tags kept on an entry.
MAX_TAGS = 50
#: Rows per ``IN (...)`` list.
CHUNK = 500


@dataclass
class ApplyCounts:
    """What applying pages did: records added, changed, deleted, unchanged; problems."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    def add(self, other: ApplyCounts) -> None:
        """Add ``other``'s counts and problems to these."""
        self.added += other.added
        self.updated += other.updated
        self.deleted += other.deleted
        self.unchanged += other.unchanged
        self.problems.extend(other.problems)


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


@dataclass(frozen=True)
class _Wanted:
    """A record's validated signals and labels, as they go on a bank entry."""

    signals: frozenset[tuple[str, str]]
    entity: str | None
    ideology: str | None
    extra: dict[str, Any]


def _check(exchange: Exchange, upsert: Upsert) -> _Wanted | Problem:
    where = upsert.where or f"entry id {clip(upsert.source_id)}"
    if not upsert.source_id or len(upsert.source_id) > 200:
        return Problem(where, "the source's id is empty or over 200 characters")
    extra: dict[str, Any] = {"source_id": upsert.source_id, **upsert.extra}
    if upsert.tags:
        extra["tags"] = list(upsert.tags[:MAX_TAGS])
    size = len(json.dumps(extra, ensure_ascii=False).encode("utf-8"))
    if size > MAX_EXTRA_BYTES:
        return Problem(
            where, f"labels of {size} bytes are over the limit of {MAX_EXTRA_BYTES} bytes"
        )
    signals: set[tuple[str, str]] = set()
    for signal_type, value in upsert.signals:
        checked = check_row(
            EntryRow(
                line=0,
                signal_type=signal_type,
                value=value,
                entity=upsert.entity,
                ideology=upsert.ideology,
                source=exchange.name,
            )
        )
        if isinstance(checked, str):
            return Problem(where, checked)
        signals.add((checked[0].name, checked[1]))
    if not signals:
        return Problem(where, "no signal")
    return _Wanted(frozenset(signals), upsert.entity, upsert.ideology, extra)


def apply_page(session: Session, exchange: Exchange, page: Page) -> ApplyCounts:
    """Apply ``page`` to ``exchange``'s bank and store its checkpoint (see the module
    docstring); the caller commits. Records refused are counted as problems, never
    applied."""
    counts = ApplyCounts(problems=list(page.problems))
    if page.unchanged:
        if page.checkpoint is not None:
            exchange.checkpoint = page.checkpoint
        return counts
    final: dict[str, _Wanted | None] = {}
    for upsert in page.upserts:
        checked = _check(exchange, upsert)
        if isinstance(checked, Problem):
            counts.problems.append(Problem(f"{page.label}, {checked.where}", checked.message))
            continue
        final[upsert.source_id] = checked
    for source_id in page.deletions:
        final[source_id] = None

    held: dict[str, dict[tuple[str, str], tuple[int, int]]] = {}  # id -> signal -> link, entry
    ids = list(final)
    for part in _chunks(ids):
        rows = session.execute(
            select(
                ExchangeEntry.source_id,
                ExchangeEntry.id,
                BankEntry.id,
                BankEntry.signal_type,
                BankEntry.value,
            )
            .join(BankEntry, BankEntry.id == ExchangeEntry.bank_entry_id)
            .where(ExchangeEntry.exchange_id == exchange.id, ExchangeEntry.source_id.in_(part))
        )
        for source_id, link_id, entry_id, signal_type, value in rows:
            held.setdefault(source_id, {})[(signal_type, value)] = (link_id, entry_id)

    wanted_values = sorted({v for w in final.values() if w for _, v in w.signals})
    # (signal type, value) -> [id, entity, ideology, extra] of the bank's entries
    in_bank: dict[tuple[str, str], list[Any]] = {}
    for part in _chunks(wanted_values):
        for row in session.execute(
            select(
                BankEntry.id,
                BankEntry.signal_type,
                BankEntry.value,
                BankEntry.entity,
                BankEntry.ideology,
                BankEntry.extra,
            ).where(BankEntry.bank_id == exchange.bank_id, BankEntry.value.in_(part))
        ):
            in_bank[(row[1], row[2])] = [row[0], row[3], row[4], row[5]]

    drop_links: list[int] = []
    freed: set[int] = set()
    new_links: list[tuple[str, tuple[str, str]]] = []
    new_entries: dict[tuple[str, str], dict[str, Any]] = {}
    relabel: dict[int, dict[str, Any]] = {}
    for source_id, wanted in final.items():
        current = held.get(source_id, {})
        if wanted is None:
            if current:
                counts.deleted += 1
            for link_id, entry_id in current.values():
                drop_links.append(link_id)
                freed.add(entry_id)
            continue
        if not current:
            counts.added += 1
        changed = False
        for signal, (link_id, entry_id) in current.items():
            if signal not in wanted.signals:
                drop_links.append(link_id)
                freed.add(entry_id)
                changed = True
        labels = {"entity": wanted.entity, "ideology": wanted.ideology, "extra": wanted.extra}
        for signal in wanted.signals:
            found = in_bank.get(signal)
            if found is None:
                new_entries[signal] = {
                    "bank_id": exchange.bank_id,
                    "signal_type": signal[0],
                    "value": signal[1],
                    "source": exchange.name,
                    "created_at": utcnow(),
                    **labels,
                }
            elif signal in new_entries:
                new_entries[signal].update(labels)
            elif (found[1], found[2], found[3]) != (wanted.entity, wanted.ideology, wanted.extra):
                found[1:] = [wanted.entity, wanted.ideology, wanted.extra]
                relabel[found[0]] = {"id": found[0], **labels}
                changed = changed or bool(current)
            if found is None:
                in_bank[signal] = [None, wanted.entity, wanted.ideology, wanted.extra]
            if signal not in current:
                new_links.append((source_id, signal))
                changed = True
        if current:
            if changed:
                counts.updated += 1
            else:
                counts.unchanged += 1
    added_ids: list[int] = []
    if new_entries:
        inserted = session.execute(
            insert(BankEntry).returning(BankEntry.id, BankEntry.signal_type, BankEntry.value),
            list(new_entries.values()),
        )
        for entry_id, signal_type, value in inserted:
            in_bank[(signal_type, value)][0] = entry_id
            added_ids.append(entry_id)
    if relabel:
        session.execute(update(BankEntry), list(relabel.values()))
    for part in _chunks(drop_links):
        session.execute(delete(ExchangeEntry).where(ExchangeEntry.id.in_(part)))
    if new_links:
        session.execute(
            insert(ExchangeEntry),
            [
                {
                    "exchange_id": exchange.id,
                    "source_id": source_id,
                    "bank_entry_id": in_bank[signal][0],
                }
                for source_id, signal in new_links
            ],
        )
    removed_ids = _delete_orphans(session, freed)
    if page.snapshot:
        dropped, more = _drop_missing(session, exchange, set(final))
        counts.deleted += dropped
        removed_ids.extend(more)
    # The persisted match index follows through the bank change counter.
    if added_ids:
        record_change(session, ADD, added_ids)
    if removed_ids:
        record_change(session, REMOVE, removed_ids)
    if page.checkpoint is not None:
        exchange.checkpoint = page.checkpoint
    return counts


def _delete_orphans(session: Session, candidates: set[int]) -> list[int]:
    """Delete the bank entries of ``candidates`` that no upstream record holds any more;
    return their ids."""
    ids = sorted(candidates)
    deleted: list[int] = []
    for part in _chunks(ids):
        still = set(
            session.scalars(
                select(ExchangeEntry.bank_entry_id).where(ExchangeEntry.bank_entry_id.in_(part))
            )
        )
        gone = [i for i in part if i not in still]
        if gone:
            session.execute(delete(BankEntry).where(BankEntry.id.in_(gone)))
            deleted.extend(gone)
    return deleted


def _drop_missing(session: Session, exchange: Exchange, present: set[str]) -> tuple[int, list[int]]:
    """Withdraw every record of ``exchange`` not in ``present`` (a snapshot); return how
    many records went and the ids of the bank entries deleted with them."""
    rows = session.execute(
        select(ExchangeEntry.source_id, ExchangeEntry.id, ExchangeEntry.bank_entry_id).where(
            ExchangeEntry.exchange_id == exchange.id
        )
    ).all()
    stale = [(s, link, entry) for s, link, entry in rows if s not in present]
    if not stale:
        return 0, []
    for part in _chunks([link for _, link, _ in stale]):
        session.execute(delete(ExchangeEntry).where(ExchangeEntry.id.in_(part)))
    session.flush()
    deleted = _delete_orphans(session, {entry for _, _, entry in stale})
    return len({s for s, _, _ in stale}), deleted

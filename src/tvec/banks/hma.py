"""HMA (OpenMediaMatch) curation over tvec's banks: the model behind ``/c/`` routes.

HMA keeps *bank content*: one piece of content with one signal per signal type, under one
id. tvec keeps one :class:`~tvec.store.models.BankEntry` per signal. An HMA content is the
group of entries added together: its id is the first entry's id, and every entry of the group
carries ``extra["hma"] = {"content_id": id, ...}`` with the content's HMA fields
(``disable_until_ts``, ``metadata``); the note is the entries' ``note`` label. An entry that
was never added through HMA is a content of its own (id = entry id, enabled).

HMA's rules kept here (``hasher-matcher-actioner/src/OpenMediaMatch`` in
facebook/ThreatExchange):

* bank names match ``[A-Z_][A-Z0-9_]*`` (``storage/postgres/database.py`` ``_bank_name_ok``);
* ``disable_until_ts``: 0 disabled, 1 enabled, else disabled until that Unix time
  (``threatexchange/storage/interfaces.py`` ``BankContentConfig.enabled``);
* ``/m/lookup`` reports enabled content of banks whose ``matching_enabled_ratio`` is at least
  the request's coin flip (``random.Random(seed).random()``, 0 with ``bypass_coinflip``), and
  ``/m/raw_lookup`` every match (:func:`visible_hits`);
* a signal type's ``enabled_ratio`` is kept and reported but stops nothing: HMA's
  ``SignalTypeConfig.enabled`` is ``enabled_ratio >= 0.0`` (``storage/interfaces.py``).

Every change is audited in the caller's transaction with a typed event naming ``actor``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tvec.audit.events import (
    BankAdded,
    BankCreated,
    BankDeleted,
    BankEntryUpdated,
    BankRemoved,
    BankUpdated,
    SignalTypeChanged,
    record_event,
)
from tvec.banks.formats import EntryRow
from tvec.banks.service import _validate
from tvec.errors import ConflictError, NotFoundError, UsageError
from tvec.signals import registry
from tvec.store.bank_changes import ADD, REMOVE, record_change
from tvec.store.models import Bank, BankEntry, SignalTypeSetting
from tvec.store.vpdq import store_value

#: HMA's bank name rule (``storage/postgres/database.py`` line 127).
BANK_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
#: HMA's message for a bad bank name (``database.py`` line 166).
BAD_NAME = "Bank names must be UPPER_WITH_UNDERSCORE"
#: ``disable_until_ts`` magic values (``BankContentConfig.ENABLED`` / ``DISABLED``).
ENABLED = 1
DISABLED = 0
#: Key of an entry's ``extra`` that holds its HMA content fields.
HMA_KEY = "hma"
#: HMA's content types and whether each is enabled (``GET /c/content_type``); tvec hashes
#: both (:data:`tvec.app.hma.CONTENT_SIGNALS`).
CONTENT_TYPES = {"photo": True, "video": True}
#: Entries looked at from a content's id on to find its group (one per signal type, added
#: together under the write lock, so they follow each other).
GROUP_SCAN = 64


@dataclass(frozen=True)
class HmaBank:
    """HMA's ``BankConfig``: name and ``matching_enabled_ratio`` (0.0-1.0)."""

    name: str
    matching_enabled_ratio: float


@dataclass
class HmaContent:
    """HMA's ``BankContentConfig`` with its signals (signal type -> value)."""

    id: int
    bank: HmaBank
    disable_until_ts: int
    signals: dict[str, str]
    metadata: dict[str, Any] | None = None
    note: str | None = None
    original_media_uri: str | None = None
    entry_ids: list[int] = field(default_factory=list)


def _hma(entry: BankEntry) -> dict[str, Any]:
    data = (entry.extra or {}).get(HMA_KEY)
    return data if isinstance(data, dict) else {}


def content_id_of(entry: BankEntry) -> int:
    """The HMA content id of ``entry`` (its group's first entry id, or its own)."""
    cid = _hma(entry).get("content_id")
    return cid if isinstance(cid, int) else entry.id


def is_enabled(disable_until_ts: int, now_ts: float) -> bool:
    """HMA's ``BankContentConfig.enabled``: 1 on, 0 off, else on once ``now_ts`` reached it."""
    if disable_until_ts == DISABLED:
        return False
    if disable_until_ts == ENABLED:
        return True
    return disable_until_ts <= now_ts


def check_bank_name(name: str) -> None:
    """Raise unless ``name`` is UPPER_WITH_UNDERSCORE (HMA's rule).

    Raises:
        UsageError: HMA's message :data:`BAD_NAME`.
    """
    if not BANK_NAME.fullmatch(name):
        raise UsageError(BAD_NAME)


def check_ratio(what: str, ratio: float) -> None:
    """Raise unless ``0.0 <= ratio <= 1.0``.

    Raises:
        UsageError: naming ``what`` and the range.
    """
    if not 0.0 <= ratio <= 1.0:
        raise UsageError(f"Invalid {what} {ratio}. Must be in the range 0.0-1.0 inclusive.")


def _view(bank: Bank) -> HmaBank:
    return HmaBank(name=bank.name, matching_enabled_ratio=float(bank.matching_enabled_ratio))


def _bank(session: Session, name: str) -> Bank | None:
    return session.scalars(select(Bank).where(Bank.name == name)).one_or_none()


def list_banks(session: Session) -> list[HmaBank]:
    """Every bank (any name, also those tvec made), in creation order like HMA's."""
    return [_view(b) for b in session.scalars(select(Bank).order_by(Bank.id))]


def get_bank(session: Session, name: str) -> HmaBank | None:
    """The bank called ``name``, or None."""
    bank = _bank(session, name)
    return None if bank is None else _view(bank)


def create_bank(session: Session, name: str, ratio: float, *, actor: str) -> HmaBank:
    """Create an empty bank with HMA's name rule (audited as ``bank.create``).

    Raises:
        UsageError: bad name or ratio.
        ConflictError: a bank with that name exists.
    """
    check_bank_name(name)
    check_ratio("enabled_ratio", ratio)
    if _bank(session, name) is not None:
        raise ConflictError("Bank already exists")
    bank = Bank(name=name, matching_enabled_ratio=ratio)
    session.add(bank)
    session.flush()
    record_event(session, actor, BankCreated(bank=name, description=None))
    return _view(bank)


def update_bank(
    session: Session,
    name: str,
    *,
    new_name: str | None = None,
    ratio: float | None = None,
    actor: str,
) -> HmaBank:
    """Rename a bank and/or set its ratio (audited as ``bank.update``).

    Raises:
        NotFoundError: no such bank ("Bank not found", HMA's message).
        UsageError: bad new name or ratio.
        ConflictError: the new name is taken.
    """
    bank = _bank(session, name)
    if bank is None:
        raise NotFoundError("Bank not found")
    renamed_from = None
    if new_name is not None and new_name != bank.name:
        check_bank_name(new_name)
        if _bank(session, new_name) is not None:
            raise ConflictError("Bank name already exists")
        renamed_from = bank.name
        bank.name = new_name
    if ratio is not None:
        check_ratio("enabled_ratio", ratio)
        bank.matching_enabled_ratio = ratio
    session.flush()
    record_event(
        session,
        actor,
        BankUpdated(
            bank=bank.name,
            matching_enabled_ratio=bank.matching_enabled_ratio,
            renamed_from=renamed_from,
        ),
    )
    return _view(bank)


def delete_bank(session: Session, name: str, *, actor: str) -> bool:
    """Delete a bank and its entries; False (nothing done, not audited) if there is none,
    as HMA answers success for a missing bank."""
    bank = _bank(session, name)
    if bank is None:
        return False
    ids = list(session.scalars(select(BankEntry.id).where(BankEntry.bank_id == bank.id)))
    session.delete(bank)
    session.flush()
    if ids:
        record_change(session, REMOVE, ids)  # the persisted match index follows
    record_event(session, actor, BankDeleted(bank=name, entries=len(ids)))
    return True


def signal_type_ratios(session: Session) -> dict[str, float]:
    """Every signal type tvec knows -> its HMA ``enabled_ratio`` (1.0 unless set)."""
    overrides = {s.name: float(s.enabled_ratio) for s in session.scalars(select(SignalTypeSetting))}
    return {name: overrides.get(name, 1.0) for name in sorted(registry())}


def set_signal_type_ratio(session: Session, name: str, ratio: float, *, actor: str) -> None:
    """Set a signal type's ratio (audited as ``signal_type.change``).

    Raises:
        UsageError: unknown signal type or ratio out of range (HMA's messages).
    """
    if name not in registry():
        raise UsageError(f"Unknown signal type {name}")
    check_ratio("enabled ratio", ratio)
    row = session.get(SignalTypeSetting, name)
    if row is None:
        session.add(SignalTypeSetting(name=name, enabled_ratio=ratio))
    else:
        row.enabled_ratio = ratio
    session.flush()
    record_event(session, actor, SignalTypeChanged(signal_type=name, enabled_ratio=ratio))


def add_content(
    session: Session,
    bank_name: str,
    signals: Mapping[str, str],
    *,
    metadata: dict[str, Any] | None = None,
    note: str | None = None,
    actor: str,
) -> tuple[int, dict[str, str]]:
    """Add one content (its signals) to a bank; return ``(content id, {type: value})``
    with the canonical values (audited as ``bank.add``).

    A signal already in the bank is not stored twice: if every signal is there, the id of
    the content that holds the first is returned.

    Raises:
        NotFoundError: no such bank.
        UsageError: no signals, an unknown signal type (``No such signal type X``) or an
            invalid value (``Invalid X signal: why``), HMA's messages.
    """
    bank = _bank(session, bank_name)
    if bank is None:
        raise NotFoundError(f"bank '{bank_name}' not found")
    if not signals:
        raise UsageError("No signals given")
    known = registry()
    checked: dict[str, str] = {}
    for name, value in signals.items():
        if name not in known:
            raise UsageError(f"No such signal type {name}")
        if not isinstance(value, str):
            raise UsageError(f"Invalid {name} signal: not a string")
        valid = _validate(EntryRow(line=0, signal_type=name, value=value))
        if isinstance(valid, str):
            raise UsageError(f"Invalid {name} signal: {valid}")
        checked[name] = valid[1]
    fields: dict[str, Any] = {"disable_until_ts": ENABLED}
    if metadata:
        fields["metadata"] = metadata
    content_id: int | None = None
    added = 0
    added_ids: list[int] = []
    first_existing: int | None = None
    for name, value in checked.items():
        stored = store_value(session, name, value)
        existing = session.scalars(
            select(BankEntry).where(
                BankEntry.bank_id == bank.id,
                BankEntry.signal_type == name,
                BankEntry.value == stored,
            )
        ).one_or_none()
        if existing is not None:
            if first_existing is None:
                first_existing = content_id_of(existing)
            continue
        entry = BankEntry(bank_id=bank.id, signal_type=name, value=stored, note=note or None)
        session.add(entry)
        session.flush()
        if content_id is None:
            content_id = entry.id
        entry.extra = {HMA_KEY: {"content_id": content_id, **fields}}
        added += 1
        added_ids.append(entry.id)
    if content_id is None:  # every signal was there already
        return (first_existing if first_existing is not None else 0), checked
    session.flush()
    record_change(session, ADD, added_ids)  # the persisted match index follows
    record_event(
        session,
        actor,
        BankAdded(bank=bank.name, added=added, labels={"hma_content_id": content_id}),
    )
    return content_id, checked


#: Largest id a database integer column holds on both backends (PostgreSQL INTEGER): a
#: content id beyond it names no content (and would overflow the query's parameter).
MAX_CONTENT_ID = 2**31 - 1


def _entries(session: Session, bank: Bank, content_id: int) -> list[BankEntry]:
    """The entries of content ``content_id`` in ``bank``, by id (none for an id outside
    1..:data:`MAX_CONTENT_ID`)."""
    if not 1 <= content_id <= MAX_CONTENT_ID:
        return []
    candidates = session.scalars(
        select(BankEntry)
        .where(BankEntry.bank_id == bank.id, BankEntry.id >= content_id)
        .order_by(BankEntry.id)
        .limit(GROUP_SCAN)
    )
    found: list[BankEntry] = []
    for entry in candidates:
        if content_id_of(entry) == content_id:
            found.append(entry)
        elif entry.id == content_id:
            break  # that entry belongs to another content
    return found


def get_content(session: Session, bank_name: str, content_id: int) -> HmaContent:
    """One content of a bank.

    Raises:
        NotFoundError: no such bank, or no such content in it (HMA's messages).
    """
    bank = _bank(session, bank_name)
    if bank is None:
        raise NotFoundError(f"bank '{bank_name}' not found")
    entries = _entries(session, bank, content_id)
    if not entries:
        raise NotFoundError(f"content '{content_id}' not found")
    head = _hma(entries[0])
    disable = head.get("disable_until_ts", ENABLED)
    metadata = head.get("metadata")
    return HmaContent(
        id=content_id,
        bank=_view(bank),
        disable_until_ts=disable if isinstance(disable, int) else ENABLED,
        signals={e.signal_type: e.value for e in entries},
        metadata=metadata if isinstance(metadata, dict) else None,
        note=entries[0].note,
        entry_ids=[e.id for e in entries],
    )


def update_content(
    session: Session,
    bank_name: str,
    content_id: int,
    *,
    disable_until_ts: int | None = None,
    note: str | None = None,
    set_note: bool = False,
    actor: str,
) -> HmaContent:
    """Set a content's ``disable_until_ts`` and/or note (``set_note``: also to None);
    audited as ``bank.entry_update``.

    Raises:
        NotFoundError: no such bank or content.
    """
    content = get_content(session, bank_name, content_id)
    for entry in session.scalars(select(BankEntry).where(BankEntry.id.in_(content.entry_ids))):
        data = dict(_hma(entry)) or {"content_id": content_id}
        if disable_until_ts is not None:
            data["disable_until_ts"] = disable_until_ts
        entry.extra = {**(entry.extra or {}), HMA_KEY: data}
        if set_note:
            entry.note = note
    session.flush()
    record_event(
        session,
        actor,
        BankEntryUpdated(
            bank=bank_name,
            content_id=content_id,
            disable_until_ts=disable_until_ts,
            note=note if set_note else None,
        ),
    )
    return get_content(session, bank_name, content_id)


def remove_content(session: Session, bank_name: str, content_id: int, *, actor: str) -> int:
    """Remove a content (all its entries) from a bank; return how many contents went
    (0 or 1, HMA's ``deleted``); audited as ``bank.remove`` when one went.

    Raises:
        NotFoundError: no such bank.
    """
    bank = _bank(session, bank_name)
    if bank is None:
        raise NotFoundError(f"bank '{bank_name}' not found")
    entries = _entries(session, bank, content_id)
    if not entries:
        return 0
    ids = [e.id for e in entries]
    for entry in entries:
        session.delete(entry)
    session.flush()
    record_change(session, REMOVE, ids)  # the persisted match index follows
    record_event(session, actor, BankRemoved(bank=bank_name, content_id=content_id, entries=ids))
    return 1


@dataclass(frozen=True)
class VisibleHit:
    """A matched entry as HMA reports it: current bank name and content id."""

    entry_id: int
    bank: str
    content_id: int


def visible_hits(
    session: Session, entry_ids: Iterable[int], now_ts: float, coinflip: float | None = None
) -> dict[int, VisibleHit]:
    """Entry id -> how HMA reports it (current bank name, content id).

    With ``coinflip`` None every entry is kept (HMA's ``/m/raw_lookup`` reports the whole
    index). With a number, HMA's ``/m/lookup`` filter (``blueprints/matching.py`` lines
    396-445): only enabled content (:func:`is_enabled` at ``now_ts``) of banks whose
    ``matching_enabled_ratio`` is at least ``coinflip`` (0 keeps every bank).
    """
    ids = list(set(entry_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(BankEntry, Bank.name, Bank.matching_enabled_ratio)
        .join(Bank, Bank.id == BankEntry.bank_id)
        .where(BankEntry.id.in_(ids))
    )
    found: dict[int, VisibleHit] = {}
    for entry, bank_name, ratio in rows:
        if coinflip is not None:
            if ratio < coinflip:
                continue
            disable = _hma(entry).get("disable_until_ts", ENABLED)
            if isinstance(disable, int) and not is_enabled(disable, now_ts):
                continue
        found[entry.id] = VisibleHit(entry.id, bank_name, content_id_of(entry))
    return found


@dataclass(frozen=True)
class IndexStatus:
    """One signal type's index status (HMA's ``/c/signal_type/index`` fields): tvec's
    matcher is built from the database on demand, so the index is the database."""

    size: int
    newest_ts: int


def index_status(session: Session) -> dict[str, IndexStatus]:
    """Signal type -> entry count and newest entry's Unix time (-1 if none), for every
    signal type tvec knows."""
    rows = session.execute(
        select(BankEntry.signal_type, func.count(), func.max(BankEntry.created_at)).group_by(
            BankEntry.signal_type
        )
    )
    counted = {name: (int(n), newest) for name, n, newest in rows}
    out: dict[str, IndexStatus] = {}
    for name in sorted(registry()):
        n, newest = counted.get(name, (0, None))
        out[name] = IndexStatus(size=n, newest_ts=int(newest.timestamp()) if newest else -1)
    return out

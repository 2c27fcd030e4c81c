"""Matching signals against banks: exact look-ups per signal type plus the PDQ index.

:class:`Matcher` is built once per job from the bank entries in the store (all banks, or the
named ones) and answers :meth:`Matcher.match` for one signal. Exact signal types (``md5``,
``sha256``, ``text``, ``url``) use a dictionary; ``pdq`` uses the exact PDQ index
(:mod:`tvec.matching.pdq_index`), which returns every entry within the threshold. Query hashes
whose quality is below the minimum are never matched (python-threatexchange drops PDQ hashes
below quality 50 the same way).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.errors import NotFoundError
from tvec.matching.pdq_hash import pdq_hex_to_bytes
from tvec.matching.pdq_index import PDQIndex
from tvec.signals import SignalValue
from tvec.store.models import Bank, BankEntry


@dataclass(frozen=True)
class BankHit:
    """A bank entry that a signal matched, at ``distance`` (bits for PDQ; 0 for exact)."""

    entry_id: int
    bank: str
    signal_type: str
    entry_value: str
    distance: int
    labels: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class _Entry:
    id: int
    bank: str
    signal_type: str
    value: str
    labels: dict[str, Any]


class Matcher:
    """Matches signals against a fixed set of bank entries.

    Args:
        entries: the bank entries to match against.
        pdq_threshold: largest PDQ Hamming distance (bits) that matches.
        pdq_min_quality: PDQ query hashes below this quality (0-100) never match.
    """

    def __init__(
        self, entries: Iterable[_Entry], *, pdq_threshold: int = 31, pdq_min_quality: int = 50
    ) -> None:
        self.pdq_threshold = pdq_threshold
        self.pdq_min_quality = pdq_min_quality
        self._entries: dict[int, _Entry] = {}
        self._exact: dict[tuple[str, str], list[int]] = defaultdict(list)
        pdq_ids: list[int] = []
        pdq_hashes: list[bytes] = []
        for entry in entries:
            self._entries[entry.id] = entry
            if entry.signal_type == "pdq":
                pdq_ids.append(entry.id)
                pdq_hashes.append(pdq_hex_to_bytes(entry.value))
            else:
                self._exact[(entry.signal_type, entry.value)].append(entry.id)
        self._pdq = PDQIndex(threshold=pdq_threshold)
        if pdq_ids:
            self._pdq.add(
                np.asarray(pdq_ids, dtype=np.int64),
                np.frombuffer(b"".join(pdq_hashes), dtype=np.uint8).reshape(-1, 32),
            )

    def __len__(self) -> int:
        return len(self._entries)

    def match(self, signal: SignalValue) -> list[BankHit]:
        """Bank entries matching ``signal``, nearest first."""
        if signal.signal_type == "pdq":
            if signal.quality is not None and signal.quality < self.pdq_min_quality:
                return []
            found = self._pdq.query(pdq_hex_to_bytes(signal.value))
            return [self._hit(entry_id, distance) for entry_id, distance in found]
        ids = self._exact.get((signal.signal_type, signal.value), [])
        return [self._hit(entry_id, 0) for entry_id in ids]

    def _hit(self, entry_id: int, distance: int) -> BankHit:
        entry = self._entries[entry_id]
        return BankHit(
            entry_id=entry.id,
            bank=entry.bank,
            signal_type=entry.signal_type,
            entry_value=entry.value,
            distance=distance,
            labels=entry.labels,
        )

    @classmethod
    def from_session(
        cls,
        session: Session,
        bank_names: list[str] | None = None,
        *,
        pdq_threshold: int = 31,
        pdq_min_quality: int = 50,
    ) -> Matcher:
        """Load the entries of ``bank_names`` (all banks when None) from the database.

        Raises:
            NotFoundError: a named bank does not exist.
        """
        query = select(BankEntry, Bank.name).join(Bank, BankEntry.bank_id == Bank.id)
        if bank_names:
            known = set(session.scalars(select(Bank.name).where(Bank.name.in_(bank_names))))
            missing = [n for n in bank_names if n not in known]
            if missing:
                raise NotFoundError(f"no bank named {', '.join(repr(m) for m in missing)}")
            query = query.where(Bank.name.in_(bank_names))
        entries = (
            _Entry(e.id, bank, e.signal_type, e.value, e.labels())
            for e, bank in session.execute(query)
        )
        return cls(entries, pdq_threshold=pdq_threshold, pdq_min_quality=pdq_min_quality)

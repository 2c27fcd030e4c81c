"""What a scan reports: its counts and the ``--json`` result document (docs/scan-json.md),
the result model :class:`tvec.views.scan.ScanView`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from tvec.matching.matcher import VIDEO_FRAME
from tvec.matching.variants import FOUND_BY
from tvec.outlinks.sightings import describe
from tvec.platforms.overrides import load_registry
from tvec.store.db import Store
from tvec.store.models import Bank, BankEntry, Item, ItemError, Match, Scan, ScanItem
from tvec.views.scan import (
    ScanCountsView,
    ScanErrorView,
    ScanMatchView,
    ScanOutlinkView,
    ScanView,
)


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

    def view(self) -> ScanCountsView:
        """The counts as a result model (the ``counts`` of the JSON result)."""
        return ScanCountsView(**self.as_dict())


#: The outcome of :func:`tvec.scan.run_scan`: the ``--json`` document.
ScanResult = ScanView


def collect_result(store: Store, scan_id: int) -> ScanView:
    """The matches, errors and out-links of every item scan ``scan_id`` saw."""
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
            ScanMatchView(
                item=locator,
                signal_type=match.signal_type,
                value=match.value,
                bank=bank,
                entry_id=entry.id,
                entry_value=entry.value,
                distance=match.distance,
                labels=_labels(match, entry.labels(), meta, entry.signal_type),
            )
            for match, locator, entry, bank, meta in rows
        ]
        errors = [
            ScanErrorView(item=e.locator, kind=e.kind, error=e.message)
            for e in session.scalars(
                select(ItemError).where(ItemError.scan_id == scan_id).order_by(ItemError.id)
            )
        ]
        outlinks = []
        platforms = load_registry(session)
        for locator, meta in session.execute(  # columns, not ORM objects: scans are large
            select(Item.locator, Item.meta).where(Item.id.in_(item_ids)).order_by(Item.locator)
        ):
            for link in (meta or {}).get("outlinks", []):
                outlinks.append(
                    ScanOutlinkView(
                        item=locator,
                        url=link["url"],
                        seen=link["seen"],
                        **describe(platforms, link["url"]),
                    )
                )
        return ScanView(
            scan_id=scan_id,
            status=scan.status,
            counts=ScanCounts(
                **{k: v for k, v in scan.counts.items() if k in ScanCounts().__dict__}
            ).view(),
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

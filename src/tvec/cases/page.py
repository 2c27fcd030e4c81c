"""What the case page shows besides the case itself: the item and its source, the media of
the item tree, the quality of its signals, its analyses (language, OCR, indicator hits) and
the banks a removal may add its signals to. Read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.store.models import Bank, Item, Signal, Source
from tvec.store.models.analysis import ItemAnalysis
from tvec.store.models.cases import ReviewCase


@dataclass(frozen=True)
class PageItem:
    """An item as the case page shows it (the case's item, or one of its media)."""

    id: int
    parent_id: int | None
    locator: str
    media_type: str
    content_type: str
    sha256: str | None
    text: str | None
    posted_at: datetime | None

    @classmethod
    def of(cls, item: Item) -> PageItem:
        """The page's copy of ``item``."""
        return cls(
            id=item.id,
            parent_id=item.parent_id,
            locator=item.locator,
            media_type=item.media_type,
            content_type=item.content_type,
            sha256=item.sha256,
            text=item.text,
            posted_at=item.posted_at,
        )


@dataclass(frozen=True)
class PageSource:
    """The source an item came from: name, kind and platform."""

    name: str
    kind: str
    platform: str | None


@dataclass(frozen=True)
class ItemPage:
    """The item side of the case page (see the module docstring).

    ``quality`` maps ``(signal type, value)`` to the signal's quality (PDQ: 0-100).
    ``analyses`` are dicts with ``item_id``, ``primary``, ``languages``, ``ocr_text`` and
    ``hits`` (each hit: entity, outlet, alias, field, span, matched, steps)."""

    item: PageItem
    source: PageSource | None
    media: list[PageItem]
    quality: dict[tuple[str, str], int | None]
    analyses: list[dict[str, Any]]
    banks: list[str]


def _children(session: Session, item: Item) -> list[Item]:
    return list(session.scalars(select(Item).where(Item.parent_id == item.id)))


def item_page(session: Session, case: ReviewCase) -> ItemPage:
    """The item side of the case page of ``case``."""
    item = case.item
    children = _children(session, item)
    source = session.get(Source, item.source_id) if item.source_id else None
    quality = {
        (s.signal_type, s.value): s.quality
        for s in session.scalars(select(Signal).where(Signal.item_id == item.id))
    }
    media = [i for i in [item, *children] if i.sha256 and i.content_type in ("photo", "video")]
    return ItemPage(
        item=PageItem.of(item),
        source=PageSource(source.name, source.kind, source.platform) if source else None,
        media=[PageItem.of(m) for m in media],
        quality=quality,
        analyses=_analyses(session, [item.id, *(c.id for c in children)]),
        banks=list(session.scalars(select(Bank.name).order_by(Bank.name))),
    )


def _analyses(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    """Language, OCR text and indicator hits of the items ``ids``, for the case page."""
    out = []
    for row in session.scalars(
        select(ItemAnalysis).where(ItemAnalysis.item_id.in_(ids)).order_by(ItemAnalysis.item_id)
    ):
        hits = [
            {
                "entity": h.entity_id,
                "outlet": h.outlet_id,
                "alias": h.alias,
                "field": h.field,
                "span": f"{h.span_start}-{h.span_end}",
                "matched": h.matched_text,
                "steps": ", ".join(h.steps or []),
            }
            for h in row.hits
        ]
        if not (row.languages or row.ocr_text or hits):
            continue
        languages = ", ".join(
            f"{lang.get('code')} {round(100 * float(lang.get('share', 0)))}%"
            for lang in row.languages or []
        )
        out.append(
            {
                "item_id": row.item_id,
                "primary": row.primary_language,
                "languages": languages,
                "ocr_text": row.ocr_text,
                "hits": hits,
            }
        )
    return out

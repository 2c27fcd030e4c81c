"""What the case page shows besides the case itself: the item and its source, the media of
the item tree, the quality of its signals, its analyses (language, OCR, indicator hits) and
the banks a removal may add its signals to. Read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.store.models import Bank, BankEntry, Item, Signal, Source
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
    """The source an item came from: name, kind and platform, and the channel (chat, feed
    or account the message was posted in, from the item's metadata) when known. Items
    scanned from files have kind ``files`` and the folder as name."""

    name: str
    kind: str
    platform: str | None
    channel: str | None = None


@dataclass(frozen=True)
class PageBankEntry:
    """A bank entry a case's evidence matched, as shown beside the item: its bank, signal,
    labels (entity, ideology, source, note), and the evidence-store key of its blurred
    thumbnail (entries added from image files; None for entries from hash lists)."""

    id: int
    bank: str
    signal_type: str
    value: str
    entity: str | None
    ideology: str | None
    source: str | None
    note: str | None
    file: str | None
    thumbnail: str | None


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
    parent: PageItem | None = None
    bank_entries: dict[int, PageBankEntry] | None = None
    keyframes: dict[int, int] | None = None


def _children(session: Session, item: Item) -> list[Item]:
    return list(session.scalars(select(Item).where(Item.parent_id == item.id)))


#: Metadata keys that name the channel an item was posted in, most specific first.
CHANNEL_KEYS = ("chat_title", "chat", "channel", "feed_title", "feed", "account", "author")


def _channel(item: Item) -> str | None:
    node: Item | None = item
    while node is not None:
        meta = node.meta or {}
        for key in CHANNEL_KEYS:
            value = meta.get(key)
            if isinstance(value, str | int) and str(value).strip():
                return str(value)
        node = node.parent
    return None


def page_source(session: Session, item: Item) -> PageSource | None:
    """Where ``item`` came from: its source (or its parent's) with the channel; for items
    scanned from files, kind ``files`` and the folder they were scanned in."""
    node: Item | None = item
    while node is not None:
        if node.source_id is not None:
            source = session.get(Source, node.source_id)
            if source is not None:
                return PageSource(source.name, source.kind, source.platform, _channel(item))
        node = node.parent
    root = item
    while root.parent is not None:
        root = root.parent
    locator = root.locator
    if locator.startswith("file://"):
        folder = locator[len("file://") :].rsplit("/", 1)[0]
        return PageSource(folder.rsplit("/", 1)[-1] or folder, "files", None, _channel(item))
    scheme, sep, rest = locator.partition(":")
    if sep and scheme.isalpha():
        origin = rest.partition("#")[0]
        name = origin.rstrip("/").rsplit("/", 1)[-1] or origin
        return PageSource(name, scheme, (item.meta or {}).get("platform"), _channel(item))
    return None


def _bank_entries(session: Session, case: ReviewCase) -> dict[int, PageBankEntry]:
    ids = {
        int(e.detail["entry_id"])
        for e in case.evidence
        if isinstance(e.detail, dict) and isinstance(e.detail.get("entry_id"), int)
    }
    if not ids:
        return {}
    out: dict[int, PageBankEntry] = {}
    for entry, bank in session.execute(
        select(BankEntry, Bank.name)
        .join(Bank, BankEntry.bank_id == Bank.id)
        .where(BankEntry.id.in_(sorted(ids)))
    ):
        extra = entry.extra or {}
        thumb = extra.get("thumbnail")
        out[entry.id] = PageBankEntry(
            id=entry.id,
            bank=bank,
            signal_type=entry.signal_type,
            value=entry.value,
            entity=entry.entity,
            ideology=entry.ideology,
            source=entry.source,
            note=entry.note,
            file=extra.get("file") if isinstance(extra.get("file"), str) else None,
            thumbnail=thumb if isinstance(thumb, str) else None,
        )
    return out


def _is_media(item: Item) -> bool:
    return bool(item.sha256) and (
        item.content_type in ("photo", "video") or item.media_type.startswith("audio/")
    )


def item_page(session: Session, case: ReviewCase) -> ItemPage:
    """The item side of the case page of ``case``: the item, its parent message (a photo
    case shows the text it came with), its source and channel, the media of the item tree,
    and the bank entries its evidence matched."""
    item = case.item
    children = _children(session, item)
    quality = {
        (s.signal_type, s.value): s.quality
        for s in session.scalars(select(Signal).where(Signal.item_id == item.id))
    }
    media = [i for i in [item, *children] if _is_media(i)]
    return ItemPage(
        item=PageItem.of(item),
        source=page_source(session, item),
        media=[PageItem.of(m) for m in media],
        quality=quality,
        analyses=_analyses(session, [item.id, *(c.id for c in children)]),
        banks=list(session.scalars(select(Bank.name).order_by(Bank.name))),
        parent=PageItem.of(item.parent) if item.parent is not None else None,
        bank_entries=_bank_entries(session, case),
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

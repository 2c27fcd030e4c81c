"""Item trees: an item with its parent and its children (a post and its media), and the
out-links sighted in them (the URLs a decision or a bank match on the item attributes)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.store.models import Item, Outlink, OutlinkSighting


def item_tree(session: Session, item_id: int) -> tuple[Item, list[Item]]:
    """An item, and its tree: itself, its parent and its children."""
    item = session.get_one(Item, item_id)
    tree = [item]
    if item.parent_id is not None:
        tree.append(session.get_one(Item, item.parent_id))
    tree.extend(session.scalars(select(Item).where(Item.parent_id == item.id).order_by(Item.id)))
    return item, tree


def is_home_page(url: str) -> bool:
    """Whether ``url`` is a site's home page (no path beyond ``/``, no query, no fragment).

    A post that names a site ("mirror on rumble dot com") yields its home page as an
    out-link; a home page is never the content, so rules and decisions do not attribute it
    (a person still may, with :func:`attribute_url` and ``whole_site=True``).
    """
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query and not parts.fragment


def sighted_outlinks(session: Session, items: Sequence[Item]) -> list[int]:
    """Ids of the out-links sighted in ``items``, home pages left out (:func:`is_home_page`)."""
    ids = [item.id for item in items]
    rows = session.execute(
        select(Outlink.id, Outlink.url)
        .join(OutlinkSighting, OutlinkSighting.outlink_id == Outlink.id)
        .where(OutlinkSighting.item_id.in_(ids))
    )
    return sorted({outlink_id for outlink_id, url in rows if not is_home_page(url)})

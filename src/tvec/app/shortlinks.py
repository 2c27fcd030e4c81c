"""Expanding the stored short links (bit.ly and the like) to the platform that hosts the
content: ``tvec outlinks-expand`` (rules in :mod:`tvec.outlinks.shortlinks`)."""

from __future__ import annotations

from sqlalchemy import select

from tvec.app.context import AppContext
from tvec.outlinks.shortlinks import ShortLinkCache, expand_short_link, is_short_link
from tvec.outlinks.sightings import describe, record_sightings
from tvec.platforms.overrides import load_registry
from tvec.store.models import Item, Outlink, OutlinkSighting
from tvec.views.outlinks import ShortLinkView

#: The expansion cache, inside ``TVEC_HOME``.
CACHE_FILE = "cache/shortlinks.json"


def expand_short_outlinks(ctx: AppContext, *, limit: int | None = None) -> list[ShortLinkView]:
    """Expand every stored out-link on a URL shortener (at most ``limit``), through the
    outbound client; each item that showed a short link also gets a sighting of the URL it
    leads to (seen as the short link's text), so the out-link's platform is the host's.

    Network errors never raise: they are in each view's ``error``.

    Raises:
        StoreError: the database fails.
    """
    with ctx.read() as session:
        registry = load_registry(session)
        shorts = [
            o.url
            for o in session.scalars(select(Outlink).order_by(Outlink.id))
            if is_short_link(o.url, registry)
        ][: limit if limit is not None else None]
    cache = ShortLinkCache(ctx.settings.home / CACHE_FILE)
    with ctx.http() as client:
        expansions = [
            expand_short_link(url, client=client, registry=registry, cache=cache) for url in shorts
        ]
    views: list[ShortLinkView] = []
    with ctx.write() as session:
        for expansion in expansions:
            added = 0
            if expansion.error is None and expansion.final != expansion.url:
                sightings = session.scalars(
                    select(OutlinkSighting)
                    .join(Outlink, Outlink.id == OutlinkSighting.outlink_id)
                    .where(Outlink.url == expansion.url)
                ).all()
                for sighting in sightings:
                    item = session.get(Item, sighting.item_id)
                    if item is not None:
                        added += record_sightings(
                            session,
                            item,
                            [(expansion.final, sighting.seen)],
                            registry,
                            source_id=sighting.source_id,
                        )
            views.append(
                ShortLinkView(
                    url=expansion.url,
                    final=expansion.final,
                    platform=describe(registry, expansion.final)["platform"],
                    hops=list(expansion.hops),
                    sightings=added,
                    cached=expansion.cached,
                    error=expansion.error,
                )
            )
    return views

"""Out-links stored once, with every sighting.

Each distinct canonical URL is one ``outlink`` row, resolved to its platform (or to none,
with its registrable domain). Each time an item carries it, an ``outlink_sighting`` row
records the item, the source, the text as written and when (unique per out-link and item,
so storing an item again adds nothing). :func:`record_sightings` is called by the scan
pipeline for every new or changed item, so ``tvec scan`` and ``tvec source poll`` both
record them; :func:`list_outlinks` serves ``tvec outlinks``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tvec.errors import InvalidSignalError, UsageError
from tvec.platforms import PlatformRegistry
from tvec.platforms.overrides import load_registry
from tvec.store.models import Item, Outlink, OutlinkSighting, Source, utcnow
from tvec.urls.canonical import MAX_URL_BYTES
from tvec.views.outlinks import OutlinkView, SightingView

UNKNOWN = "unknown"


#: Longest out-link, in UTF-8 bytes (:data:`tvec.urls.canonical.MAX_URL_BYTES`). Scans
#: give longer URLs only a ``url_md5`` signal.
MAX_OUTLINK_BYTES = MAX_URL_BYTES


#: Where an out-link points: ``(platform name or None, registrable domain, host)``.
Resolved = tuple[str | None, str, str]


def resolve_outlink(url: str, registry: PlatformRegistry) -> Resolved:
    """The platform's name (None for an unknown domain), registrable domain and host of the
    canonical ``url`` (empty when ``registry`` cannot resolve it)."""
    try:
        resolution = registry.resolve(url)
    except InvalidSignalError:
        return None, "", ""
    platform = resolution.platform.name if resolution.platform else None
    return platform, resolution.registrable_domain, resolution.host


def new_outlink_row(
    url: str, registry: PlatformRegistry, now: datetime, resolved: Resolved | None = None
) -> dict[str, Any]:
    """The column values of a new ``outlink`` row for the canonical ``url``, first and last
    seen ``now`` (``resolved``: :func:`resolve_outlink` of it, done elsewhere; default:
    resolved here with ``registry``)."""
    platform, domain, host = resolved or resolve_outlink(url, registry)
    return {
        "url": url,
        "registrable_domain": domain,
        "host": host,
        "platform": platform,
        "first_seen_at": now,
        "last_seen_at": now,
    }


def _new_outlink(url: str, registry: PlatformRegistry, now: datetime) -> Outlink:
    return Outlink(**new_outlink_row(url, registry, now))


def outlink_for(
    session: Session,
    url: str,
    *,
    now: datetime | None = None,
    registry: PlatformRegistry | None = None,
) -> Outlink:
    """The ``outlink`` row of the canonical ``url``, created with its platform if missing.

    ``url`` must already be canonical (:func:`tvec.urls.canonicalize_url`). A URL first
    met here (typed by a person, named for a status check) is first seen ``now``. The row is
    flushed, so its id is set.

    Raises:
        UsageError: ``url`` is longer than :data:`MAX_OUTLINK_BYTES`.
    """
    size = len(url.encode("utf-8"))
    if size > MAX_OUTLINK_BYTES:
        raise UsageError(
            f"URL {url[:60]!r}... has {size:,} bytes: out-links are at most "
            f"{MAX_OUTLINK_BYTES:,} bytes (the database cannot index longer ones)"
        )
    outlink = session.scalars(select(Outlink).where(Outlink.url == url)).one_or_none()
    if outlink is not None:
        return outlink
    outlink = _new_outlink(url, registry or load_registry(session), now or utcnow())
    session.add(outlink)
    session.flush()
    return outlink


def _outlinks(
    session: Session, urls: list[str], registry: PlatformRegistry, now: datetime
) -> dict[str, Outlink]:
    """The ``outlink`` row of each URL, created when missing (flushed, so ids are set)."""
    found = {o.url: o for o in session.scalars(select(Outlink).where(Outlink.url.in_(urls)))}
    missing = [url for url in urls if url not in found]
    if not missing:
        return found
    if session.get_bind().dialect.name == "sqlite":
        # SQLite: this transaction already holds the write lock (it stored the item), so
        # no other writer can have added these URLs since the SELECT above.
        for url in missing:
            found[url] = _new_outlink(url, registry, now)
            session.add(found[url])
        session.flush()
        return found
    for url in missing:
        outlink = _new_outlink(url, registry, now)
        try:
            with session.begin_nested():  # another process may store the same URL meanwhile
                session.add(outlink)
            found[url] = outlink
        except IntegrityError:
            found[url] = session.scalars(select(Outlink).where(Outlink.url == url)).one()
    return found


def record_sightings(
    session: Session,
    item: Item,
    links: Iterable[tuple[str, str]],
    registry: PlatformRegistry,
    *,
    source_id: int | None = None,
) -> int:
    """Store each ``(canonical URL, text as seen)`` of ``item`` once; returns new sightings.

    The item must have an id (flushed). ``source_id`` defaults to the item's source.
    """
    seen_as = dict(reversed(list(links)))  # first text seen per URL wins
    if not seen_as:
        return 0
    now = utcnow()
    outlinks = _outlinks(session, list(seen_as), registry, now)
    existing = {
        sighting.outlink_id: sighting
        for sighting in session.scalars(
            select(OutlinkSighting).where(
                OutlinkSighting.item_id == item.id,
                OutlinkSighting.outlink_id.in_([o.id for o in outlinks.values()]),
            )
        )
    }
    source = source_id if source_id is not None else item.source_id
    for sighting in existing.values():
        if sighting.source_id is None and source is not None:
            sighting.source_id = source  # first stored by a plain scan, now seen via a source
    already = set(existing)
    added = 0
    for url, seen in seen_as.items():
        outlink = outlinks[url]
        if outlink.id in already:
            continue
        session.add(
            OutlinkSighting(
                outlink_id=outlink.id,
                item_id=item.id,
                source_id=source,
                seen=seen,
                seen_at=now,
                posted_at=item.posted_at,
            )
        )
        outlink.last_seen_at = max(outlink.last_seen_at, now)
        added += 1
    return added


def list_outlinks(
    session: Session, *, source_id: int | None = None, platform: str | None = None
) -> list[OutlinkView]:
    """Every out-link (optionally only those seen in the source ``source_id`` / on
    ``platform``), by URL.

    ``platform`` matches the platform name case-insensitively; ``unknown`` selects out-links
    on no known platform.
    """
    query = (
        select(OutlinkSighting, Outlink, Item.locator, Source.name)
        .join(Outlink, OutlinkSighting.outlink_id == Outlink.id)
        .join(Item, OutlinkSighting.item_id == Item.id)
        .outerjoin(Source, OutlinkSighting.source_id == Source.id)
        .order_by(Outlink.url, OutlinkSighting.seen_at, OutlinkSighting.id)
    )
    if source_id is not None:
        query = query.where(OutlinkSighting.source_id == source_id)
    views: dict[int, OutlinkView] = {}
    for sighting, outlink, locator, source_name in session.execute(query):
        name = outlink.platform or UNKNOWN
        if platform is not None and name.casefold() != platform.strip().casefold():
            continue
        view = views.get(outlink.id)
        if view is None:
            view = views[outlink.id] = OutlinkView(
                url=outlink.url,
                platform=name,
                registrable_domain=outlink.registrable_domain,
                first_seen_at=outlink.first_seen_at,
                last_seen_at=outlink.last_seen_at,
            )
        if sighting.seen not in view.seen_as:
            view.seen_as.append(sighting.seen)
        view.sightings.append(
            SightingView(
                item=locator,
                source=source_name,
                seen=sighting.seen,
                seen_at=sighting.seen_at,
                posted_at=sighting.posted_at,
            )
        )
    return list(views.values())


def describe(registry: PlatformRegistry, url: str) -> dict[str, str]:
    """``platform`` (name or ``unknown``) and ``registrable_domain`` of a canonical URL."""
    try:
        resolution = registry.resolve(url)
    except InvalidSignalError:
        return {"platform": UNKNOWN, "registrable_domain": ""}
    name = resolution.platform.name if resolution.platform else UNKNOWN
    return {"platform": name, "registrable_domain": resolution.registrable_domain}

"""Reading a removal order: Member State codes, URLs, the JSON file, and stored items.

A removal order (Regulation (EU) 2021/784, Article 3(4) and Annex I) names the issuing
competent authority and its Member State, a reference, the exact URLs of the content and
the reasons. The order file (JSON) is read by
:func:`tvec.orders.order_file.read_order_file` (re-exported here with
:class:`~tvec.orders.order_file.OrderFile`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.errors import InputError, UsageError
from tvec.orders.order_file import ORDER_FILE_KEYS, OrderFile, read_order_file
from tvec.store.models import Item, Outlink, OutlinkSighting
from tvec.urls.canonical import MAX_URL_BYTES, canonicalize_url

#: The 27 Member States, by the codes the EU itself uses (Interinstitutional Style Guide,
#: section 7.1: ISO 3166-1 alpha-2 except EL for Greece), in protocol order.
MEMBER_STATES: dict[str, str] = {
    "BE": "Belgium",
    "BG": "Bulgaria",
    "CZ": "Czechia",
    "DK": "Denmark",
    "DE": "Germany",
    "EE": "Estonia",
    "IE": "Ireland",
    "EL": "Greece",
    "ES": "Spain",
    "FR": "France",
    "HR": "Croatia",
    "IT": "Italy",
    "CY": "Cyprus",
    "LV": "Latvia",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "HU": "Hungary",
    "MT": "Malta",
    "NL": "Netherlands",
    "AT": "Austria",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "SI": "Slovenia",
    "SK": "Slovakia",
    "FI": "Finland",
    "SE": "Sweden",
}
#: ISO codes accepted for a Member State whose EU code differs.
_ISO_ALIASES = {"GR": "EL"}


def member_state_code(value: str) -> str:
    """The EU code of a Member State (``de`` -> ``DE``; ISO ``GR`` -> ``EL``).

    Raises:
        UsageError: not one of the 27 Member States (the message names the value).
    """
    code = value.strip().upper()
    code = _ISO_ALIASES.get(code, code)
    if code not in MEMBER_STATES:
        raise UsageError(
            f"member state {value!r} is not an EU Member State code "
            f"(one of {', '.join(sorted(MEMBER_STATES))}; GR is read as EL)"
        )
    return code


def order_urls(urls: list[str]) -> list[str]:
    """The order's URLs, stripped and without repeats, in the order given.

    Two URLs are repeats when their canonical forms
    (:func:`tvec.urls.canonical.canonicalize_url`) are equal, so
    ``https://x.example/a`` and ``HTTPS://X.EXAMPLE/a`` are one URL; the first spelling
    given is kept (it is what the authority wrote, and what the reply names).

    Raises:
        UsageError: no URL, or one that is not an http(s) URL with a host or is longer than
            :data:`MAX_URL_BYTES` (named).
    """
    found: dict[str, str] = {}  # canonical form -> first spelling
    for raw in urls:
        url = raw.strip()
        try:
            parts = urlsplit(url)
            web = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
        except ValueError:  # e.g. an unbalanced IPv6 bracket
            web = False
        if not web:
            raise UsageError(f"URL {raw[:80]!r} of the removal order is not an http(s) URL")
        if len(url.encode("utf-8")) > MAX_URL_BYTES:
            raise UsageError(
                f"URL {url[:60]!r}... of the removal order is longer than {MAX_URL_BYTES:,} "
                "bytes (give the content's address; the database cannot index longer ones)"
            )
        try:
            canonical = canonicalize_url(url)
        except InputError as exc:
            raise UsageError(f"URL {raw!r} of the removal order: {exc.problem}") from None
        found.setdefault(canonical, url)
    if not found:
        raise UsageError("a removal order names at least one URL")
    return list(found.values())


__all__ = [
    "LINKED_BY_LOCATOR",
    "LINKED_BY_META_URL",
    "LINKED_BY_SIGHTING",
    "MEMBER_STATES",
    "ORDER_FILE_KEYS",
    "OrderFile",
    "find_item",
    "member_state_code",
    "order_urls",
    "read_order_file",
]

#: How a URL was linked to a stored item (kept in the legal hold's data).
LINKED_BY_LOCATOR = "locator"
LINKED_BY_META_URL = "metadata url"
LINKED_BY_SIGHTING = "out-link sighting"


def find_item(session: Session, url: str) -> tuple[Item, str] | None:
    """The stored item a URL names, and how it was found; None when none matches.

    Looked for in this order: an item whose ``locator`` is the URL (as given or
    canonical), an item whose metadata ``url`` is, and the earliest item in which the
    URL's canonical out-link was sighted. Only the first two are the content itself; a
    sighting's item is the post that linked to it (its bytes are not preserved as the
    removed content, see :mod:`tvec.orders.holds`).
    """
    try:
        canonical = canonicalize_url(url)
    except InputError:
        canonical = url
    spellings = list(dict.fromkeys([url, canonical]))
    item = session.scalars(
        select(Item).where(Item.locator.in_(spellings)).order_by(Item.id).limit(1)
    ).first()
    if item is not None:
        return item, LINKED_BY_LOCATOR
    item = session.scalars(
        select(Item).where(Item.meta["url"].as_string().in_(spellings)).order_by(Item.id).limit(1)
    ).first()
    if item is not None:
        return item, LINKED_BY_META_URL
    item = session.scalars(
        select(Item)
        .join(OutlinkSighting, OutlinkSighting.item_id == Item.id)
        .join(Outlink, Outlink.id == OutlinkSighting.outlink_id)
        .where(Outlink.url == canonical)
        .order_by(Item.id)
        .limit(1)
    ).first()
    if item is not None:
        return item, LINKED_BY_SIGHTING
    return None

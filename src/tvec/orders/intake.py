"""Reading a removal order: Member State codes, URLs, the JSON file, and stored items.

A removal order (Regulation (EU) 2021/784, Article 3(4) and Annex I) names the issuing
competent authority and its Member State, a reference, the exact URLs of the content and
the reasons. The JSON file read by :func:`read_order_file` has this shape
(``docs/removal-orders.md``)::

    {
      "reference": "BKA-TCO-2024-0001",
      "authority": "Bundeskriminalamt",
      "member_state": "DE",
      "received_at": "2024-05-01T10:00:00Z",
      "urls": ["https://video.example/v/123"],
      "reasons": "Incites the commission of terrorist offences (Article 2(7)(a))."
    }
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.errors import InputError, NotFoundError, UsageError
from tvec.orders.clock import parse_time
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
#: The keys of an order file (all required).
ORDER_FILE_KEYS = ("reference", "authority", "member_state", "received_at", "urls", "reasons")


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


@dataclass
class OrderFile:
    """The fields of an order file, as read (validated further by ``record_order``)."""

    reference: str
    authority: str
    member_state: str
    received_at: datetime
    urls: list[str]
    reasons: str


class _DuplicateKeyError(ValueError):
    """A JSON object of the order file names a key twice (raised inside ``json.loads``)."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` that refuses a key given twice (json keeps the last silently)."""
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateKeyError(key)
        document[key] = value
    return document


def _file_error(path: Path, problem: str) -> UsageError:
    return UsageError(f"removal order file {path}: {problem}")


def _lone_surrogate(value: Any) -> str | None:
    """The first string in ``value`` (nested lists and objects) that is not valid Unicode
    text (a lone surrogate from a ``\\udXXX`` escape), shown safely; None if there is none."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            try:
                current.encode("utf-8")
            except UnicodeEncodeError:
                return current.encode("utf-8", "backslashreplace").decode("ascii", "replace")[:80]
        elif isinstance(current, dict):
            stack.extend(current.keys())
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return None


def read_order_file(path: Path) -> OrderFile:
    """Read one removal order from a JSON file (shape in the module docstring).

    The file is UTF-8 JSON (a leading byte order mark is accepted); it holds exactly one
    object with exactly the keys :data:`ORDER_FILE_KEYS`, none given twice. Every problem
    with the file is a usage error (exit 2) whose message names the file and the problem:
    a file that is an order "with item errors" does not exist.

    Raises:
        NotFoundError: no such file.
        UsageError: the path is a folder or cannot be read; not UTF-8 text; not JSON
            (including nesting too deep for the parser); not one object; a key missing,
            unknown or given twice; a value of the wrong type; ``received_at`` not an ISO
            8601 time with a time zone (each named).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"removal order file {path}: no such file") from None
    except IsADirectoryError:
        raise _file_error(path, "is a folder, not a JSON file") from None
    except OSError as exc:
        raise _file_error(path, f"cannot read it ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(
            path, f"is not UTF-8 text (byte {exc.start}); is it a binary file?"
        ) from None
    try:
        document: Any = json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKeyError as exc:
        raise _file_error(
            path, f"the key {exc.key!r} is given twice (each key at most once)"
        ) from None
    except json.JSONDecodeError as exc:
        raise _file_error(path, f"not JSON: {exc}") from None
    except RecursionError:
        raise _file_error(path, "not a removal order: JSON nested too deeply to read") from None
    except ValueError as exc:  # e.g. an integer longer than Python's digit limit
        raise _file_error(path, f"not JSON that can be read: {exc}") from None
    broken = _lone_surrogate(document)
    if broken is not None:
        raise _file_error(
            path, f"the text {broken!r} holds a lone surrogate escape (\\ud800-\\udfff): not text"
        )
    if not isinstance(document, dict):
        found = "an array" if isinstance(document, list) else f"a {type(document).__name__}"
        raise _file_error(path, f"holds {found}; a removal order file holds one JSON object")
    missing = [k for k in ORDER_FILE_KEYS if k not in document]
    unknown = sorted(set(document) - set(ORDER_FILE_KEYS))
    if missing or unknown:
        problems = [f"missing {', '.join(missing)}"] if missing else []
        problems += [f"unknown {', '.join(repr(k) for k in unknown)}"] if unknown else []
        raise _file_error(path, f"{'; '.join(problems)} (keys: {', '.join(ORDER_FILE_KEYS)})")
    for key in ("reference", "authority", "member_state", "received_at", "reasons"):
        if not isinstance(document[key], str):
            raise _file_error(path, f"{key} must be a string")
    urls = document["urls"]
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise _file_error(path, "urls must be a list of strings")
    return OrderFile(
        reference=document["reference"],
        authority=document["authority"],
        member_state=document["member_state"],
        received_at=parse_time(document["received_at"], f"removal order file {path}: received_at"),
        urls=urls,
        reasons=document["reasons"],
    )


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

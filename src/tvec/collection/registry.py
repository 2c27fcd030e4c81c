"""The source registry: beacon channels, feeds, archives and lists that tvec collects from.

A source has a unique name, a kind (:mod:`tvec.collection.kinds`), a locator (a URL or a
local path, stored absolute), the platform it lives on (given, or resolved from a URL
locator), optional entity attribution (the group it belongs to, when known), language,
notes, options (a column mapping for ``csv``/``jsonl``) and its polling state (``state``:
validators, last poll, last error, and the history of the last polls under ``polls``, which
:class:`~tvec.views.collection.SourceView` leaves out; see :mod:`tvec.collection.poll`).
Items keep the source they first came from (``item.source_id``); removing a source keeps its
items and sightings (their ``source_id`` becomes empty).

Every change is a person's and is audited in the caller's transaction: ``source.add``
(:class:`~tvec.audit.events.SourceAdded`), ``source.change`` on enable and disable
(:class:`~tvec.audit.events.SourceChanged`) and ``source.remove``
(:class:`~tvec.audit.events.SourceRemoved`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tvec.audit.events import SourceAdded, SourceChanged, SourceRemoved, record_event
from tvec.collection.kinds import KINDS, LOCAL_ONLY, MAPPED, check_kind, is_url
from tvec.errors import NotFoundError, UsageError
from tvec.sources.mapping import PostMapping
from tvec.store.models import Item, OutlinkSighting, Source
from tvec.views.collection import SourceView


def get_source(session: Session, name: str) -> Source:
    """The source called ``name``. Raises NotFoundError (naming the known sources)."""
    source = session.scalars(select(Source).where(Source.name == name)).one_or_none()
    if source is None:
        known = ", ".join(session.scalars(select(Source.name).order_by(Source.name))) or "none"
        raise NotFoundError(f"no source named {name!r} (known: {known})")
    return source


def _locator(kind: str, locator: str) -> str:
    locator = locator.strip()
    if not locator:
        raise UsageError("the source locator is empty")
    if is_url(locator):
        if kind in LOCAL_ONLY:
            raise UsageError(f"a {kind} source must be a local path, not the URL {locator!r}")
        return locator
    if "://" in locator:
        raise UsageError(f"locator {locator!r}: only http(s) URLs or local paths are accepted")
    path = Path(locator).expanduser()
    if not path.exists():
        raise NotFoundError(f"{locator}: no such file or folder")
    return str(path.resolve())


def _platform_for(locator: str) -> str | None:
    if not is_url(locator):
        return None
    from tvec.platforms import PlatformRegistry

    platform = PlatformRegistry.load_default().resolve(locator).platform
    return platform.name if platform else None


def check_language(language: str | None) -> str | None:
    """A source's main language as given (stripped), checked to be a well-formed BCP 47
    language tag with a registered language subtag (``ar``, ``prs``, ``ps-AF``, ``uz-Cyrl``;
    checked by ``langcodes.tag_is_valid`` against the IANA language subtag registry); None
    for None or blank.

    Raises:
        UsageError: anything else (``arabic``, ``xx``, control or invisible characters).
    """
    if language is None or not language.strip():
        return None
    import langcodes

    tag = language.strip()
    if not tag.isascii() or not tag.isprintable() or not langcodes.tag_is_valid(tag):
        raise UsageError(
            f"language {tag!r} is not a language tag: give an ISO 639 code such as ar, ps, "
            "prs, so or en, optionally with a region or script (ps-AF, uz-Cyrl)"
        )
    return tag


def add_source(
    session: Session,
    name: str,
    kind: str,
    locator: str,
    *,
    platform: str | None = None,
    entity: str | None = None,
    language: str | None = None,
    notes: str | None = None,
    mapping: Iterable[str] = (),
    actor: str,
) -> SourceView:
    """Register a source and return it (audited as ``actor``).

    Args:
        mapping: ``field=column`` pairs (:mod:`tvec.sources.mapping`), for ``csv``/``jsonl``.
        actor: who adds it (``cli`` from the command line).
    Raises:
        UsageError: unknown kind, empty name, a name already used, a URL for a local-only
            kind, a mapping for a kind that takes none, a ``csv`` source without a
            ``text`` or ``url`` column, or a language that is not a language tag.
        NotFoundError: a local locator does not exist.
    """
    name = name.strip()
    if not name:
        raise UsageError("the source name is empty")
    check_kind(kind)
    language = check_language(language)
    stored_locator = _locator(kind, locator)
    pairs = list(mapping)
    options: dict[str, Any] = {}
    if pairs and kind not in MAPPED:
        raise UsageError(f"--map is for csv and jsonl sources, not {kind}")
    if kind in MAPPED and pairs:
        options["mapping"] = PostMapping.parse(pairs).as_dict()
    if kind == "csv":
        parsed = PostMapping.from_dict(options.get("mapping") or {})
        if not (parsed.text or parsed.url or parsed.links):
            raise UsageError("a csv source needs --map text=COLUMN (or url=/links=COLUMN)")
    if session.scalars(select(Source.id).where(Source.name == name)).first() is not None:
        raise UsageError(f"a source named {name!r} already exists")
    source = Source(
        name=name,
        kind=kind,
        locator=stored_locator,
        platform=platform or _platform_for(stored_locator),
        entity=entity,
        language=language,
        notes=notes,
        enabled=True,
        options=options,
        state={},
    )
    session.add(source)
    session.flush()
    record_event(
        session,
        actor,
        SourceAdded(
            source=source.name,
            kind=source.kind,
            locator=source.locator,
            platform=source.platform,
            entity=source.entity,
            language=source.language,
            notes=source.notes,
            options=dict(options),
        ),
    )
    return _view(session, source)


def _view(session: Session, source: Source) -> SourceView:
    items = session.scalar(select(func.count(Item.id)).where(Item.source_id == source.id)) or 0
    sightings = (
        session.scalar(
            select(func.count(OutlinkSighting.id)).where(OutlinkSighting.source_id == source.id)
        )
        or 0
    )
    return SourceView(
        name=source.name,
        kind=source.kind,
        locator=source.locator,
        platform=source.platform,
        entity=source.entity,
        language=source.language,
        notes=source.notes,
        enabled=source.enabled,
        options=dict(source.options or {}),
        state={k: v for k, v in (source.state or {}).items() if k != "polls"},
        items=items,
        sightings=sightings,
        created_at=source.created_at,
    )


def list_sources(session: Session) -> list[SourceView]:
    """Every source, by name."""
    return [_view(session, s) for s in session.scalars(select(Source).order_by(Source.name))]


def show_source(session: Session, name: str) -> SourceView:
    """One source. Raises NotFoundError."""
    return _view(session, get_source(session, name))


def poll_history(session: Session, name: str) -> list[dict[str, Any]]:
    """The source's last polls (:data:`tvec.collection.poll.POLL_HISTORY` at most), newest
    first: each ``{"at", "status", "scan_id", "counts", "problem"}``. Raises NotFoundError."""
    polls = (get_source(session, name).state or {}).get("polls") or []
    return [dict(p) for p in reversed(polls) if isinstance(p, dict)]


def set_enabled(session: Session, name: str, enabled: bool, *, actor: str) -> SourceView:
    """Enable or disable a source (disabled sources are not polled); audited as ``actor``
    when it changes.

    Raises:
        NotFoundError: no such source.
    """
    source = get_source(session, name)
    if source.enabled != enabled:
        source.enabled = enabled
        record_event(session, actor, SourceChanged(source=source.name, enabled=enabled))
    return _view(session, source)


def remove_source(session: Session, name: str, *, actor: str) -> int:
    """Delete a source (audited as ``actor``); its items and sightings stay. Returns how
    many items it had.

    Raises:
        NotFoundError: no such source.
    """
    source = get_source(session, name)
    count = session.scalar(select(func.count(Item.id)).where(Item.source_id == source.id))
    record_event(
        session, actor, SourceRemoved(source=source.name, kind=source.kind, locator=source.locator)
    )
    session.delete(source)
    return int(count or 0)


__all__ = [
    "KINDS",
    "SourceView",
    "add_source",
    "get_source",
    "list_sources",
    "remove_source",
    "set_enabled",
    "show_source",
]

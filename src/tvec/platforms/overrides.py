"""Platform rows that users add or change in the database, over the packaged registry.

``tvec platform add`` stores a new row; ``tvec platform update`` stores a changed copy of a
packaged (or earlier user) row under the same name. Rows live in ``platform_override`` and
are applied with :meth:`tvec.platforms.PlatformRegistry.with_overrides`, so the package's
``platforms.yaml`` is never edited. After each change every stored out-link is resolved
again, so ``tvec outlinks`` shows the new platform at once.

Every change is a person's and is audited in the caller's transaction
(:class:`~tvec.audit.events.PlatformChanged`: the row before and after, the abuse address
where alerts go included, and how many out-links moved to another platform or domain).
"""

from __future__ import annotations

from dataclasses import fields
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.audit.events import PlatformChanged, record_event
from tvec.errors import NotFoundError, UsageError
from tvec.platforms import Platform, PlatformRegistry, platform_from_row
from tvec.store.models import Outlink, PlatformOverride, utcnow
from tvec.views.platforms import PlatformView

#: Fields a row may set (those of :class:`tvec.platforms.Platform`).
ROW_FIELDS = tuple(f.name for f in fields(Platform))


@cache
def default_registry() -> PlatformRegistry:
    """The packaged registry (read once per process). Raises ConfigError."""
    return PlatformRegistry.load_default()


def load_registry(session: Session) -> PlatformRegistry:
    """The packaged registry with the database's override rows applied."""
    rows = [o.row for o in session.scalars(select(PlatformOverride).order_by(PlatformOverride.id))]
    if not rows:
        return default_registry()
    return default_registry().with_overrides(rows)


def platform_row(platform: Platform) -> dict[str, Any]:
    """A platform as a data-file row (JSON-ready)."""
    row: dict[str, Any] = {name: getattr(platform, name) for name in ROW_FIELDS}
    row["kind"] = platform.kind.value
    row["domains"] = list(platform.domains)
    return row


def platform_view(platform: Platform, user_row: bool) -> PlatformView:
    """A platform as a result model (``user_row``: a user row defines it)."""
    return PlatformView(**platform_row(platform), user_row=user_row)


def _user_names(session: Session) -> set[str]:
    return {n.casefold() for n in session.scalars(select(PlatformOverride.name))}


def find_platform(registry: PlatformRegistry, name: str) -> Platform:
    """The platform called ``name`` (case-insensitive). Raises NotFoundError."""
    wanted = name.strip().casefold()
    for platform in registry.platforms:
        if platform.name.casefold() == wanted:
            return platform
    raise NotFoundError(f"no platform named {name!r} (see 'tvec platform list')")


def list_platforms(session: Session, *, kind: str | None = None) -> list[PlatformView]:
    """Every platform in force (or those of ``kind``), in registry order, with whether it
    comes from a user row."""
    users = _user_names(session)
    return [
        platform_view(p, p.name.casefold() in users)
        for p in load_registry(session).platforms
        if kind in (None, p.kind.value)
    ]


def show_platform(session: Session, name: str) -> PlatformView:
    """The platform called ``name`` (case-insensitive). Raises NotFoundError."""
    platform = find_platform(load_registry(session), name)
    return platform_view(platform, platform.name.casefold() in _user_names(session))


def _save(session: Session, row: dict[str, Any]) -> Platform:
    platform = platform_from_row(row)  # ConfigError names the problem
    existing = session.scalars(
        select(PlatformOverride).where(PlatformOverride.name == platform.name)
    ).one_or_none()
    stored = platform_row(platform)
    if existing is None:
        session.add(PlatformOverride(name=platform.name, row=stored))
    else:
        existing.row = stored
        existing.updated_at = utcnow()
    session.flush()
    load_registry(session)  # raises ConfigError if the rows now conflict
    return platform


def add_platform(session: Session, row: dict[str, Any], *, actor: str) -> PlatformView:
    """Add a new platform row (audited as ``actor``). Its domains are taken from any
    platform that claimed them.

    Raises:
        UsageError: a platform with that name exists (use update).
        ConfigError: the row is invalid (missing kind, no reporting route, bad domain...).
    """
    name = str(row.get("name") or "").strip()
    try:
        find_platform(load_registry(session), name)
    except NotFoundError:
        pass
    else:
        raise UsageError(f"platform {name!r} exists; use 'tvec platform update'")
    platform = _save(session, {k: v for k, v in row.items() if v is not None})
    moved = reresolve_outlinks(session)
    new = platform_row(platform)
    record_event(
        session,
        actor,
        PlatformChanged(
            platform=platform.name, action="add", old=None, new=new, outlinks_moved=moved
        ),
    )
    return platform_view(platform, True)


def update_platform(
    session: Session, name: str, changes: dict[str, Any], *, actor: str
) -> PlatformView:
    """Change fields of an existing platform (packaged or user row); others stay. Audited
    as ``actor`` with the row before and after.

    Raises:
        NotFoundError: no such platform.
        ConfigError: the changed row is invalid.
    """
    current = find_platform(load_registry(session), name)
    old = platform_row(current)
    row = dict(old)
    row.update({k: v for k, v in changes.items() if v is not None})
    row["name"] = current.name
    platform = _save(session, {k: v for k, v in row.items() if v not in (None, "")})
    moved = reresolve_outlinks(session)
    record_event(
        session,
        actor,
        PlatformChanged(
            platform=platform.name,
            action="update",
            old=old,
            new=platform_row(platform),
            outlinks_moved=moved,
        ),
    )
    return platform_view(platform, True)


def reresolve_outlinks(session: Session) -> int:
    """Resolve every stored out-link again with the rows in force; returns how many changed."""
    registry = load_registry(session)
    changed = 0
    for outlink in session.scalars(select(Outlink)):
        resolution = registry.resolve(outlink.url)
        name = resolution.platform.name if resolution.platform else None
        if name != outlink.platform or resolution.registrable_domain != outlink.registrable_domain:
            outlink.platform = name
            outlink.registrable_domain = resolution.registrable_domain
            changed += 1
    return changed

"""Platform rows that users add or change in the database, over the packaged registry.

``tvec platform add`` stores a new row; ``tvec platform update`` stores a changed copy of a
packaged (or earlier user) row under the same name. Rows live in ``platform_override`` and
are applied with :meth:`tvec.platforms.PlatformRegistry.with_overrides`, so the package's
``platforms.yaml`` is never edited. After each change every stored out-link is resolved
again, so ``tvec outlinks`` shows the new platform at once.
"""

from __future__ import annotations

from dataclasses import fields
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.errors import NotFoundError, UsageError
from tvec.platforms import Platform, PlatformRegistry, platform_from_row
from tvec.store.db import Store
from tvec.store.models import Outlink, PlatformOverride, utcnow

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


def find_platform(registry: PlatformRegistry, name: str) -> Platform:
    """The platform called ``name`` (case-insensitive). Raises NotFoundError."""
    wanted = name.strip().casefold()
    for platform in registry.platforms:
        if platform.name.casefold() == wanted:
            return platform
    raise NotFoundError(f"no platform named {name!r} (see 'tvec platform list')")


def list_platforms(store: Store) -> list[tuple[Platform, bool]]:
    """Every platform in force, with whether it comes from a user row."""
    with store.session() as session:
        registry = load_registry(session)
        users = {n.casefold() for n in session.scalars(select(PlatformOverride.name))}
    return [(p, p.name.casefold() in users) for p in registry.platforms]


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


def add_platform(store: Store, row: dict[str, Any]) -> Platform:
    """Add a new platform row. Its domains are taken from any platform that claimed them.

    Raises:
        UsageError: a platform with that name exists (use update).
        ConfigError: the row is invalid (missing kind, no reporting route, bad domain...).
    """
    with store.session() as session:
        name = str(row.get("name") or "").strip()
        try:
            find_platform(load_registry(session), name)
        except NotFoundError:
            pass
        else:
            raise UsageError(f"platform {name!r} exists; use 'tvec platform update'")
        platform = _save(session, {k: v for k, v in row.items() if v is not None})
        reresolve_outlinks(session)
        return platform


def update_platform(store: Store, name: str, changes: dict[str, Any]) -> Platform:
    """Change fields of an existing platform (packaged or user row); others stay.

    Raises:
        NotFoundError: no such platform.
        ConfigError: the changed row is invalid.
    """
    with store.session() as session:
        current = find_platform(load_registry(session), name)
        row = platform_row(current)
        row.update({k: v for k, v in changes.items() if v is not None})
        row["name"] = current.name
        platform = _save(session, {k: v for k, v in row.items() if v not in (None, "")})
        reresolve_outlinks(session)
        return platform


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

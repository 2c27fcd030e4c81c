"""Use cases of the platform registry in force, for ``tvec platform``.

Each takes the :class:`~tvec.app.context.AppContext` first and runs in its own transaction;
changes are audited as ``actor`` (:mod:`tvec.platforms.overrides`).
"""

from __future__ import annotations

from typing import Any

from tvec.app.context import AppContext
from tvec.platforms import overrides
from tvec.views.platforms import PlatformView


def list_platforms(ctx: AppContext, *, kind: str | None = None) -> list[PlatformView]:
    """The platforms in force (packaged rows plus user rows), or those of ``kind``."""
    with ctx.read() as session:
        return overrides.list_platforms(session, kind=kind)


def show_platform(ctx: AppContext, name: str) -> PlatformView:
    """One platform (any case). Raises NotFoundError."""
    with ctx.read() as session:
        return overrides.show_platform(session, name)


def add_platform(ctx: AppContext, row: dict[str, Any], *, actor: str) -> PlatformView:
    """Add a platform row; stored out-links are resolved again (audited).

    Raises:
        UsageError: the name exists; ConfigError: the row is invalid.
    """
    with ctx.write() as session:
        return overrides.add_platform(session, row, actor=actor)


def update_platform(
    ctx: AppContext, name: str, changes: dict[str, Any], *, actor: str
) -> PlatformView:
    """Change fields of a platform; stored out-links are resolved again (audited).

    Raises:
        NotFoundError: no such platform; ConfigError: the changed row is invalid.
    """
    with ctx.write() as session:
        return overrides.update_platform(session, name, changes, actor=actor)

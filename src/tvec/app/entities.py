"""Use cases of the entity registry in force: list, search and show entities, and import
designation lists (``tvec entity``, the Entities page; ``docs/designations.md``).

An import is shown before it is written: :func:`preview_import` reads the file and compares
it with the stored imports; :func:`import_list` does the same in a write transaction and
applies it, refusing (:class:`tvec.errors.ConflictError`) when the changes differ from the
previewed ones (``expected_digest``). Every applied import is audited
(:class:`tvec.audit.events.EntityListImported`), a re-import that changes nothing included.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.orm import Session

from tvec.app.context import AppContext
from tvec.audit.events import EntityListImported, record_event
from tvec.entities.imported import ImportPlan, apply_import, plan_import
from tvec.entities.lists import read_list
from tvec.entities.registry import (
    INHERITING_RELATIONS,
    Alias,
    Entity,
    EntityRegistry,
    load_entities,
)
from tvec.entities.resolve import entity_registry, resolve_entity
from tvec.errors import ConflictError, InvalidFeedError, NotFoundError, UsageError
from tvec.views.entities import (
    AliasView,
    DesignationView,
    EntitySummaryView,
    EntityView,
    ImportView,
    ListChangeView,
    OutletView,
)

__all__ = ["import_list", "list_entities", "preview_import", "show_entity"]


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise InvalidFeedError(str(path), f"cannot read: {error.strerror}") from None


def _import_view(plan: ImportPlan, sha256: str, known: set[str], applied: bool) -> ImportView:
    return ImportView(
        format=plan.format,
        file=plan.path,
        sha256=sha256,
        entries=plan.entries,
        new=plan.count("new"),
        changed=plan.count("changed"),
        gone=plan.count("gone"),
        unchanged=plan.unchanged,
        skipped=plan.skipped,
        changes=[
            ListChangeView(
                change=c.kind,
                list_key=c.list_key,
                reference=c.reference,
                name=c.name,
                entity_id=c.entity_id,
                new_entity=c.kind == "new" and c.entity_id not in known,
                fields=list(c.fields),
            )
            for c in plan.changes
        ],
        digest=plan.digest,
        applied=applied,
    )


def _plan(ctx: AppContext, session: Session, fmt: str, path: Path) -> tuple[ImportPlan, set[str]]:
    listed = read_list(fmt, path)
    base = load_entities(ctx.settings.entities_file)
    registry = entity_registry(ctx.settings, session)
    return plan_import(session, base, listed), {e.id for e in registry}


def preview_import(ctx: AppContext, fmt: str, path: Path) -> ImportView:
    """What importing the list file ``path`` of format ``fmt`` would change (nothing is
    written).

    Raises:
        UsageError: ``fmt`` is unknown.
        InvalidFeedError: the file is unreadable or malformed (file, line and element named).
        ConfigError: the entities file is invalid.
    """
    sha256 = _sha256(path)
    with ctx.read() as session:
        plan, known = _plan(ctx, session, fmt, path)
        return _import_view(plan, sha256, known, applied=False)


def import_list(
    ctx: AppContext, fmt: str, path: Path, actor: str, expected_digest: str | None = None
) -> ImportView:
    """Import the list file ``path`` of format ``fmt``: add the new entries, update the
    changed ones, delete the gone ones, and record an ``entity.import`` audit event.

    Args:
        expected_digest: the ``digest`` of the preview the user confirmed; when the changes
            differ now (the stored imports changed meanwhile), nothing is written.

    Raises:
        UsageError: ``fmt`` is unknown.
        InvalidFeedError: the file is unreadable or malformed (nothing is written).
        ConflictError: the changes differ from the confirmed preview.
    """
    sha256 = _sha256(path)
    with ctx.write() as session:
        plan, known = _plan(ctx, session, fmt, path)
        if expected_digest is not None and plan.digest != expected_digest:
            raise ConflictError(
                f"{path}: the stored imports changed since the preview; run the import again"
            )
        apply_import(session, plan, ctx.now())
        record_event(
            session,
            actor,
            EntityListImported(
                format=fmt,
                file=Path(path).name,
                sha256=sha256,
                entries=plan.entries,
                new=plan.count("new"),
                changed=plan.count("changed"),
                gone=plan.count("gone"),
                unchanged=plan.unchanged,
                skipped=sum(plan.skipped.values()),
            ),
        )
        return _import_view(plan, sha256, known, applied=True)


# --- reading the registry ------------------------------------------------------------------


def _origin(entity: Entity, base: EntityRegistry) -> str:
    if entity.id in EntityRegistry.load_default():
        return "packaged"
    return "file" if entity.id in base else "imported"


def _summary(entity: Entity, registry: EntityRegistry, base: EntityRegistry) -> EntitySummaryView:
    designations = registry.designations(entity.id)
    return EntitySummaryView(
        id=entity.id,
        name=entity.name,
        ideology=entity.ideology,
        parent=entity.parent,
        origin=_origin(entity, base),
        aliases=len(entity.aliases),
        jurisdictions=sorted({d.jurisdiction for d in designations}),
        lists=sorted({d.list_key for d in designations}),
    )


def _alias(alias: Alias) -> AliasView:
    return AliasView(text=alias.text, lang=alias.lang, script=alias.script, match=alias.match)


def list_entities(
    ctx: AppContext, query: str | None = None, jurisdiction: str | None = None
) -> list[EntitySummaryView]:
    """The entities in force, by id; with ``query``, those a name, alias or outlet name
    matches (exact matches first, :meth:`EntityRegistry.search`); with ``jurisdiction``,
    those listed (or covered through a parent) by that jurisdiction or list key.

    Raises:
        ConfigError: the entities file is invalid.
    """
    registry = ctx.entities()
    base = load_entities(ctx.settings.entities_file)
    found = registry.search(query) if query else sorted(registry, key=lambda e: e.id)
    if jurisdiction:
        found = [e for e in found if registry.in_policy(e.id, {jurisdiction})]
    return [_summary(entity, registry, base) for entity in found]


def show_entity(ctx: AppContext, label: str) -> EntityView:
    """One entity by id or exact name or alias, with its names, outlets and designations.

    Raises:
        NotFoundError: no entity has that id, name or alias.
        UsageError: several do (the message names them).
    """
    registry = ctx.entities()
    base = load_entities(ctx.settings.entities_file)
    try:
        entity = resolve_entity(registry, label)
    except UsageError as error:
        if "ambiguous" in str(error):
            raise
        raise NotFoundError(str(error)) from None
    own = set(entity.designations)
    designations: list[DesignationView] = []
    current: Entity | None = entity
    while current is not None:
        for d in current.designations:
            designations.append(
                DesignationView(
                    jurisdiction=d.jurisdiction,
                    list_key=d.list_key,
                    list_name=d.list_name,
                    reference=d.reference,
                    date=d.date,
                    source=d.source,
                    note=d.note,
                    imported=bool(d.reference),
                    inherited_from=None if d in own and current is entity else current.id,
                )
            )
        if current.parent is None or current.relation not in INHERITING_RELATIONS:
            break
        current = registry.get(current.parent)
    summary = _summary(entity, registry, base)
    return EntityView(
        **summary.model_dump(),
        relation=entity.relation,
        source=entity.source,
        names=[_alias(a) for a in entity.all_aliases()],
        outlets=[
            OutletView(id=o.id, name=o.name, kind=o.kind, aliases=[_alias(a) for a in o.aliases])
            for o in entity.outlets
        ],
        designations=designations,
        children=[child.id for child in registry.children(entity.id)],
    )

"""Entity resolution: which registry entity a label (a bank entry's or case's entity) names.

Bank entries and cases carry entity labels as imported (``Islamic State``, TCAP's group names)
or registry ids; :func:`entity_for_label` maps them to registry entities (an id, or a
name/alias/outlet name that matches exactly one entity in the normalised match form of
:func:`tvec.text.normalize.normalize`, spaces removed). :func:`entity_registry` is the registry
in force: the packaged one plus ``TVEC_ENTITIES_FILE`` plus the imported designation lists
(:mod:`tvec.entities.effective`) when a session is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tvec.entities.registry import Entity, EntityRegistry, load_entities
from tvec.errors import UsageError
from tvec.settings import Settings
from tvec.text import profiles

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def entity_registry(settings: Settings, session: Session | None = None) -> EntityRegistry:
    """The entity registry in force: the packaged one plus ``TVEC_ENTITIES_FILE``, plus the
    imported designation lists in ``session``'s database when ``session`` is given.

    Raises:
        ConfigError: the entities file is unreadable or invalid.
    """
    base = load_entities(settings.entities_file)
    if session is None:
        return base
    from tvec.entities.effective import effective_registry

    return effective_registry(base, session)


def _match_form(text: str) -> str:
    return profiles.matching(text).text.replace(" ", "")


def _exact_entities(registry: EntityRegistry, label: str) -> list[Entity]:
    key = _match_form(label)
    if not key:
        return []
    found: list[Entity] = []
    for entity in registry.search(label):
        aliases = (*entity.all_aliases(), *(a for o in entity.outlets for a in o.all_aliases()))
        if any(_match_form(alias.text) == key for alias in aliases):
            found.append(entity)
    return found


def entity_for_label(registry: EntityRegistry, label: str | None) -> Entity | None:
    """The registry entity a label names: an entity id, or a name, alias or outlet name
    matching exactly one entity (compared in the match form of
    :func:`tvec.text.normalize.normalize`, spaces removed). ``None`` when the label
    names no entity or several."""
    if not label or not label.strip():
        return None
    label = label.strip()
    if label in registry:
        return registry.get(label)
    found = _exact_entities(registry, label)
    return found[0] if len(found) == 1 else None


def resolve_entity(registry: EntityRegistry, label: str) -> Entity:
    """Like :func:`entity_for_label`, but explain a failure.

    Raises:
        UsageError: no entity has that id, name or alias, or several do (the message names
            them).
    """
    found = entity_for_label(registry, label)
    if found is not None:
        return found
    several = _exact_entities(registry, label.strip())
    if len(several) > 1:
        ids = ", ".join(e.id for e in several)
        raise UsageError(f"entity {label!r} is ambiguous: it names {ids}; give the id")
    raise UsageError(
        f"no entity {label!r} in the entity registry (give an entity id or exact name)"
    )

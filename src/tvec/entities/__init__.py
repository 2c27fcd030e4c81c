"""The entity registry: designated groups, their aliases, media outlets and designations.

Use :meth:`EntityRegistry.load_default` for the data that ships with tvec (``entities.yaml``),
and :func:`load_entities` for that plus the user's ``TVEC_ENTITIES_FILE``. The registry in
force adds the imported designation lists (:mod:`tvec.entities.lists`,
:mod:`tvec.entities.imported`, :mod:`tvec.entities.effective`):
:func:`tvec.entities.resolve.entity_registry` with a session.
"""

from tvec.entities.registry import (
    Alias,
    Designation,
    Entity,
    EntityRegistry,
    Outlet,
    load_entities,
)

__all__ = ["Alias", "Designation", "Entity", "EntityRegistry", "Outlet", "load_entities"]

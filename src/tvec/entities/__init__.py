"""The entity registry: designated groups, their aliases, media outlets and designations.

Use :meth:`EntityRegistry.load_default` for the data that ships with tvec (``entities.yaml``),
and :func:`load_entities` for that plus the user's ``TVEC_ENTITIES_FILE``.
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

"""The entity registry: designated groups, their aliases, media outlets and designations.

Use :meth:`EntityRegistry.load_default` for the data that ships with tvec (``entities.yaml``).
"""

from tvec.entities.registry import Alias, Designation, Entity, EntityRegistry, Outlet

__all__ = ["Alias", "Designation", "Entity", "EntityRegistry", "Outlet"]

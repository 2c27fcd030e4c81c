"""The inclusion policy: which entities are in scope for a deployment.

``TVEC_INCLUSION_POLICY`` lists jurisdictions (``UN``, ``EU``, ``UK``, ``US``...) and/or list
keys (``US-FTO``); an entity is in scope when one of its designations (or an ancestor's)
matches (:meth:`tvec.entities.EntityRegistry.in_policy`). Only URLs attributed to entities in
scope are alerted (:mod:`tvec.verification`).
"""

from __future__ import annotations

import functools

from tvec.entities.registry import EntityRegistry
from tvec.errors import ConfigError
from tvec.settings import Settings


@functools.lru_cache(maxsize=8)
def policy_keys(registry: EntityRegistry) -> frozenset[str]:
    """Every key an inclusion policy may name: the jurisdictions (``UK``) and list keys
    (``US-FTO``) of the registry's designations (packaged ones, ``TVEC_ENTITIES_FILE``'s and
    imported lists', for the registry in force)."""
    return frozenset(
        key
        for entity in registry
        for d in entity.designations
        for key in (d.jurisdiction, d.list_key)
    )


def check_inclusion_policy(registry: EntityRegistry, settings: Settings) -> frozenset[str]:
    """The inclusion policy (``TVEC_INCLUSION_POLICY``) as a set, once it is known to be
    usable: not empty, and every key a jurisdiction or list key of :func:`policy_keys`.

    Raises:
        ConfigError: the policy is empty, or names keys the registry does not know (the
            message names them and the known keys).
    """
    known = policy_keys(registry)
    listed = ", ".join(sorted(known))
    if not settings.inclusion_policy:
        raise ConfigError(
            "TVEC_INCLUSION_POLICY is empty: no entity is in scope, so no URL can be alerted; "
            f"list jurisdictions and/or list keys (known: {listed})"
        )
    unknown = [key for key in settings.inclusion_policy if key not in known]
    if unknown:
        names = ", ".join(repr(key) for key in unknown)
        raise ConfigError(
            f"TVEC_INCLUSION_POLICY has {names}, neither a jurisdiction nor a list key of the "
            f"entity registry (known: {listed})"
        )
    return frozenset(settings.inclusion_policy)

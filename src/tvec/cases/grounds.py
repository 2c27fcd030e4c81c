"""Removal grounds: the ones offered for a case, and the check a removal's ground must pass.

A removal's ground is either a terms-of-service clause (``tos``: one of
``TVEC_TOS_GROUNDS``) or a designation (``designated_entity``) written as the case page
offers it: ``"<entity name>: <list key> (<jurisdiction>[, <ISO date>])"`` for a listing in
the entity registry (:meth:`tvec.entities.EntityRegistry.designations`). An entity named on
the case's evidence that the registry does not hold is offered (and accepted) by its name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tvec.entities import EntityRegistry
from tvec.entities.registry import Entity
from tvec.errors import UsageError


def designation_text(registry: EntityRegistry, entity: Entity) -> list[str]:
    """The designation grounds of ``entity``: one ``"Name: LIST (JURISDICTION[, date])"``
    per listing in ``registry`` (empty when it is on no list)."""
    out: list[str] = []
    for d in registry.designations(entity.id):
        when = f", {d.date.isoformat()}" if d.date else ""
        out.append(f"{entity.name}: {d.list_key} ({d.jurisdiction}{when})")
    return out


def offered_grounds(
    names: Iterable[str | None], tos: Sequence[str], registry: EntityRegistry
) -> list[tuple[str, str]]:
    """Removal grounds offered for a case whose entities are ``names`` (its own and its
    evidence's): ``(value, label)`` with value ``kind|ground``.

    First the designations of each entity (an entity id, else the first registry search
    hit), or the bare name when the registry finds nothing; then the clauses ``tos``.
    """
    out: list[tuple[str, str]] = []
    for name in sorted({n for n in names if n}):
        found = [registry.get(name)] if name in registry else registry.search(name)[:1]
        for entity in found:
            for text in designation_text(registry, entity):
                out.append((f"designated_entity|{text}", f"Designated: {text}"))
        if not found:
            out.append((f"designated_entity|{name}", f"Designated: {name}"))
    out.extend((f"tos|{clause}", clause) for clause in tos)
    return out


def check_tos_ground(ground: str, tos: Sequence[str]) -> None:
    """Refuse a terms-of-service ground that is not one of ``tos`` (``TVEC_TOS_GROUNDS``).

    Raises:
        UsageError: the clause is not configured (the message names it and the clauses).
    """
    if ground not in tos:
        known = "; ".join(tos) or "none configured"
        raise UsageError(f"unknown terms-of-service ground {ground!r} (TVEC_TOS_GROUNDS: {known})")


def check_designation_ground(
    ground: str, names: Iterable[str | None], registry: EntityRegistry
) -> None:
    """Refuse a designation ground the registry does not know: it must be a listing of a
    registry entity (as :func:`designation_text` writes it) or one offered for the case
    whose entities are ``names`` (:func:`offered_grounds`).

    Raises:
        UsageError: unknown designation (the message names it and what the case offers).
    """
    offered = {
        value.partition("|")[2]
        for value, _ in offered_grounds(names, (), registry)
        if value.startswith("designated_entity|")
    }
    if ground in offered:
        return
    if any(ground in designation_text(registry, entity) for entity in registry):
        return
    hint = "; ".join(sorted(offered)) or "none for this case"
    raise UsageError(
        f"unknown designation ground {ground!r}: name a listing of the entity registry as "
        f"'Name: LIST (JURISDICTION, date)' (offered for this case: {hint})"
    )

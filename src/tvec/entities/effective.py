"""The registry in force with the imported designation lists added.

:func:`effective_registry` adds the ``entity_designation`` rows (written by
:mod:`tvec.entities.imported`) to a base registry (packaged plus ``TVEC_ENTITIES_FILE``): to
an existing entity its designations and the names it did not have; a new entity (ideology
``other``, source the list's page) with all of them. The result is kept until the rows
change (their count, newest id and newest update).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tvec.entities.lists import LISTS
from tvec.entities.registry import Alias, Designation, Entity, EntityRegistry, infer_script
from tvec.store.models.entities import EntityDesignation
from tvec.text import profiles

__all__ = ["RowData", "effective_registry", "imported_rows", "merge_rows"]


@dataclass(frozen=True, slots=True)
class RowData:
    """The part of an ``entity_designation`` row the registry needs (detached from the
    session)."""

    list_key: str
    reference: str
    entity_id: str
    name: str
    aliases: tuple[tuple[str, str, str], ...]
    listed_on: dt.date | None
    note: str

    @classmethod
    def of(cls, row: EntityDesignation) -> RowData:
        """The data of a stored row."""
        return cls(
            list_key=row.list_key,
            reference=row.reference,
            entity_id=row.entity_id,
            name=row.name,
            aliases=tuple(
                (str(a.get("text", "")), str(a.get("lang", "und")), str(a.get("script", "")))
                for a in row.aliases or ()
            ),
            listed_on=row.listed_on,
            note=row.note,
        )


def imported_rows(session: Session) -> list[RowData]:
    """Every imported designation, oldest first."""
    rows = session.scalars(select(EntityDesignation).order_by(EntityDesignation.id))
    return [RowData.of(row) for row in rows]


def _form(text: str) -> str:
    return profiles.matching(text).text.replace(" ", "")


def _designation(row: RowData) -> Designation:
    info = LISTS.get(row.list_key)
    return Designation(
        jurisdiction=info.jurisdiction if info else row.list_key.split("-", 1)[0],
        list_key=row.list_key,
        list_name=info.name if info else row.list_key,
        date=row.listed_on,
        source=info.source if info else "https://example.invalid/",
        note=f"listed as {row.name}" + (f"; {row.note}" if row.note else ""),
        reference=row.reference,
    )


def _names(row: RowData) -> list[Alias]:
    found = [Alias(row.name, "und", infer_script(row.name))]
    found.extend(
        Alias(text, lang or "und", script or infer_script(text))
        for text, lang, script in row.aliases
    )
    return found


def merge_rows(base: EntityRegistry, rows: Iterable[RowData]) -> EntityRegistry:
    """``base`` with the imported ``rows`` added (see the module docstring).

    Raises:
        ConfigError: the result is not a valid registry (a new entity's id repeats an
            outlet id of ``base``).
    """
    grouped: dict[str, list[RowData]] = {}
    for row in rows:
        grouped.setdefault(row.entity_id, []).append(row)
    entities: list[Entity] = []
    for entity in base:
        extra = grouped.pop(entity.id, None)
        if not extra:
            entities.append(entity)
            continue
        known = {_form(a.text) for a in entity.all_aliases()}
        aliases = list(entity.aliases)
        for row in extra:
            for alias in _names(row):
                key = _form(alias.text)
                if key and key not in known:
                    known.add(key)
                    aliases.append(alias)
        entities.append(
            dataclasses.replace(
                entity,
                aliases=tuple(aliases),
                designations=(*entity.designations, *(_designation(r) for r in extra)),
            )
        )
    for entity_id, extra in grouped.items():
        first = extra[0]
        known = {_form(first.name)}
        aliases = []
        for row in extra:
            for alias in _names(row):
                key = _form(alias.text)
                if key and key not in known:
                    known.add(key)
                    aliases.append(alias)
        info = LISTS.get(first.list_key)
        entities.append(
            Entity(
                id=entity_id,
                name=first.name,
                ideology="other",
                aliases=tuple(aliases),
                parent=None,
                relation=None,
                outlets=(),
                designations=tuple(_designation(r) for r in extra),
                source=info.source if info else "https://example.invalid/",
            )
        )
    return EntityRegistry(entities)


_CACHE: dict[tuple[int, tuple[Any, ...]], tuple[EntityRegistry, EntityRegistry]] = {}
_CACHE_LOCK = threading.Lock()


def effective_registry(base: EntityRegistry, session: Session) -> EntityRegistry:
    """``base`` plus the imported designations in ``session``'s database; ``base`` itself
    when there are none. Kept until the rows change."""
    count, newest, updated = session.execute(
        select(
            func.count(EntityDesignation.id),
            func.max(EntityDesignation.id),
            func.max(EntityDesignation.updated_at),
        )
    ).one()
    if not count:
        return base
    key = (id(base), (count, newest, updated))
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached[0] is base:
            return cached[1]
    merged = merge_rows(base, imported_rows(session))
    with _CACHE_LOCK:
        if len(_CACHE) >= 8:
            _CACHE.clear()
        _CACHE[key] = (base, merged)
    return merged

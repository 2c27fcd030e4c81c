"""Imported designation lists: planning an import (what is new, changed and gone), applying
it, and the registry in force with the imports added.

An import of one list file (:func:`tvec.entities.lists.read_list`) is compared with the rows
the previous imports of that format left (``entity_designation``, keyed by list and
reference): :func:`plan_import` returns the changes, :func:`apply_import` writes them in the
caller's transaction. Each entry belongs to a registry entity: the one its row already
names, else the packaged, ``TVEC_ENTITIES_FILE`` or imported entity its name (or an alias of
four letters or more) names exactly (:func:`tvec.entities.resolve.entity_for_label`), else a
new entity whose id is a slug of its name (ideology ``other``, source the list's page).

:func:`effective_registry` adds the rows to a base registry: to an existing entity its
designations and the names it did not have; a new entity with all of them. The result is
kept until the rows change (their count, newest id and newest update).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tvec.entities.lists import LISTS, ListEntry, ListFile, slugify
from tvec.entities.registry import Alias, Designation, Entity, EntityRegistry, infer_script
from tvec.entities.resolve import entity_for_label
from tvec.store.models.entities import EntityDesignation
from tvec.text import profiles

__all__ = [
    "Change",
    "ImportPlan",
    "apply_import",
    "effective_registry",
    "imported_rows",
    "merge_rows",
    "plan_import",
]

#: Fields of a row an import compares (a difference makes the entry ``changed``).
COMPARED = ("name", "aliases", "listed_on", "note")

#: Shortest alias (letters, match form) used to find the entity an entry belongs to.
MIN_RESOLVING_ALIAS = 4


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


# --- planning and applying an import --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between a list file and the stored rows.

    ``kind`` is ``new``, ``changed`` or ``gone``; ``fields`` names what changed (of
    :data:`COMPARED`); ``entity_id`` is the entity the entry belongs to.
    """

    kind: str
    list_key: str
    reference: str
    name: str
    entity_id: str
    fields: tuple[str, ...] = ()
    entry: ListEntry | None = None


@dataclass
class ImportPlan:
    """What importing a list file would do: its changes, how many entries are unchanged and
    how many records the reader skipped (by reason). ``digest`` names the changes (SHA-256
    hex), so that what was shown is what is applied."""

    format: str
    path: str
    entries: int
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str) -> int:
        """How many changes of ``kind`` (``new``, ``changed``, ``gone``)."""
        return sum(1 for change in self.changes if change.kind == kind)

    @property
    def digest(self) -> str:
        """SHA-256 (hex) of the changes, in order."""
        document = [
            [c.kind, c.list_key, c.reference, c.name, c.entity_id, list(c.fields)]
            for c in self.changes
        ]
        return hashlib.sha256(json.dumps(document).encode("utf-8")).hexdigest()


def _stored_form(entry: ListEntry) -> dict[str, Any]:
    return {
        "name": entry.name,
        "aliases": [alias.as_dict() for alias in entry.aliases],
        "listed_on": entry.listed_on,
        "note": entry.note,
    }


def _resolve(registry: EntityRegistry, entry: ListEntry) -> str | None:
    found = entity_for_label(registry, entry.name)
    if found is not None:
        return found.id
    for alias in entry.aliases:
        if len(_form(alias.text)) >= MIN_RESOLVING_ALIAS:
            found = entity_for_label(registry, alias.text)
            if found is not None:
                return found.id
    return None


def _new_id(entry: ListEntry, taken: set[str]) -> str:
    base = slugify(entry.name) or slugify(f"{entry.list_key} {entry.reference}")
    candidate = base[:120].strip("-")
    if candidate in taken:
        candidate = f"{candidate}-{slugify(entry.list_key)}"
    number = 2
    while candidate in taken:
        candidate = f"{base[:110].strip('-')}-{number}"
        number += 1
    return candidate


def plan_import(session: Session, base: EntityRegistry, listed: ListFile) -> ImportPlan:
    """Compare ``listed`` (a read list file) with the stored rows of its format.

    ``base`` is the registry without imports (packaged plus ``TVEC_ENTITIES_FILE``); the
    entity of a new entry is found in it plus the current imports.
    """
    registry = effective_registry(base, session)
    stored = {
        (row.list_key, row.reference): row
        for row in session.scalars(
            select(EntityDesignation).where(EntityDesignation.format == listed.format)
        )
    }
    taken = {e.id for e in registry} | {o.id for e in registry for o in e.outlets}
    taken |= set(session.scalars(select(EntityDesignation.entity_id).distinct()))
    plan = ImportPlan(
        format=listed.format,
        path=listed.path,
        entries=len(listed.entries),
        skipped=dict(listed.skipped),
    )
    seen: set[tuple[str, str]] = set()
    for entry in listed.entries:
        key = (entry.list_key, entry.reference)
        seen.add(key)
        row = stored.get(key)
        wanted = _stored_form(entry)
        if row is None:
            entity_id = _resolve(registry, entry)
            if entity_id is None:
                entity_id = _new_id(entry, taken)
                taken.add(entity_id)
            plan.changes.append(
                Change("new", entry.list_key, entry.reference, entry.name, entity_id, (), entry)
            )
            continue
        current = {
            "name": row.name,
            "aliases": list(row.aliases or ()),
            "listed_on": row.listed_on,
            "note": row.note,
        }
        changed = tuple(name for name in COMPARED if current[name] != wanted[name])
        if changed:
            plan.changes.append(
                Change(
                    "changed",
                    entry.list_key,
                    entry.reference,
                    entry.name,
                    row.entity_id,
                    changed,
                    entry,
                )
            )
        else:
            plan.unchanged += 1
    for key, row in sorted(stored.items()):
        if key not in seen:
            plan.changes.append(
                Change("gone", row.list_key, row.reference, row.name, row.entity_id)
            )
    return plan


def apply_import(session: Session, plan: ImportPlan, now: dt.datetime) -> None:
    """Write ``plan``'s changes in the caller's transaction: insert the new rows, update the
    changed ones, delete the gone ones."""
    stored = {
        (row.list_key, row.reference): row
        for row in session.scalars(
            select(EntityDesignation).where(EntityDesignation.format == plan.format)
        )
    }
    for change in plan.changes:
        key = (change.list_key, change.reference)
        if change.kind == "gone":
            session.delete(stored[key])
            continue
        assert change.entry is not None
        values = _stored_form(change.entry)
        if change.kind == "new":
            session.add(
                EntityDesignation(
                    format=plan.format,
                    list_key=change.list_key,
                    reference=change.reference,
                    entity_id=change.entity_id,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
        else:
            row = stored[key]
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
    session.flush()


def designations_of(rows: Sequence[RowData], entity_id: str) -> list[RowData]:
    """The imported rows of one entity."""
    return [row for row in rows if row.entity_id == entity_id]

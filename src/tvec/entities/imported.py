"""Imported designation lists: planning an import (what is new, changed and gone) and
applying it.

An import of one list file (:func:`tvec.entities.lists.read_list`) is compared with the rows
the previous imports of that format left (``entity_designation``, keyed by list and
reference): :func:`plan_import` returns the changes, :func:`apply_import` writes them in the
caller's transaction. Each entry belongs to a registry entity: the one its row already
names, else the packaged, ``TVEC_ENTITIES_FILE`` or imported entity its name (or an alias of
four letters or more) names exactly (:func:`tvec.entities.resolve.entity_for_label`), else a
new entity whose id is a slug of its name (ideology ``other``, source the list's page).

:func:`tvec.entities.effective.effective_registry` adds the rows to the registry in force.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.entities.effective import effective_registry
from tvec.entities.lists import ListEntry, ListFile, slugify
from tvec.entities.registry import EntityRegistry
from tvec.entities.resolve import entity_for_label
from tvec.store.models.entities import EntityDesignation
from tvec.text import profiles

__all__ = [
    "Change",
    "ImportPlan",
    "apply_import",
    "plan_import",
]

#: Fields of a row an import compares (a difference makes the entry ``changed``).
COMPARED = ("name", "aliases", "listed_on", "note")

#: Shortest alias (letters, match form) used to find the entity an entry belongs to.
MIN_RESOLVING_ALIAS = 4


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


def _form(text: str) -> str:
    return profiles.matching(text).text.replace(" ", "")


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

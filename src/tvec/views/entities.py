"""Result models of the entity registry in force and of designation list imports.

``tvec entity list --json`` and ``GET /api/entities`` answer with a list of
:class:`EntitySummaryView`; ``tvec entity show --json`` and ``GET /api/entities/ID`` with an
:class:`EntityView`; ``tvec entity import --json`` with an :class:`ImportView`.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from tvec.views.base import View


class AliasView(View):
    """One name of an entity."""

    text: str
    lang: str = Field(description="BCP 47 language subtag; 'und' when not known.")
    script: str = Field(description="ISO 15924 script code (Latn, Arab, Cyrl...).")
    match: str = Field(description="How the indicator matcher uses it (auto, word, ...).")


class DesignationView(View):
    """A listing of the entity (its own or inherited from a parent) on an official list."""

    jurisdiction: str = Field(description="UN, EU, UK, US, CA, AU...")
    list_key: str = Field(description="The list's key (US-FTO, UN-1267).")
    list_name: str
    reference: str = Field(description="Reference on the list (UN QDe.115); '' if none.")
    date: dt.date | None = Field(description="Date of listing; null when not certain.")
    source: str = Field(description="The list's official page.")
    note: str
    imported: bool = Field(description="From an imported list file ('tvec entity import').")
    inherited_from: str | None = Field(
        description="Id of the parent whose listing covers this entity; null if its own."
    )


class EntitySummaryView(View):
    """An entity in a list: its names, ideology and where it is listed."""

    id: str
    name: str
    ideology: str
    parent: str | None
    origin: str = Field(
        description="packaged (entities.yaml), file (TVEC_ENTITIES_FILE) or imported."
    )
    aliases: int = Field(description="How many other names it has.")
    jurisdictions: list[str] = Field(description="Jurisdictions of its designations.")
    lists: list[str] = Field(description="List keys of its designations.")


class OutletView(View):
    """An official media outlet of an entity."""

    id: str
    name: str
    kind: str
    aliases: list[AliasView]


class EntityView(EntitySummaryView):
    """One entity with its names, outlets and designations (own and inherited)."""

    relation: str | None
    source: str = Field(description="Where the entity's facts can be checked.")
    names: list[AliasView] = Field(description="Its name and aliases, all scripts.")
    outlets: list[OutletView]
    designations: list[DesignationView]
    children: list[str] = Field(description="Ids of its provinces, wings and affiliates.")


class ListChangeView(View):
    """One difference between a list file and the stored imports."""

    change: str = Field(description="new, changed or gone.")
    list_key: str
    reference: str
    name: str
    entity_id: str = Field(description="The registry entity the entry belongs to.")
    new_entity: bool = Field(description="The entity is made by this import.")
    fields: list[str] = Field(description="What changed (name, aliases, listed_on, note).")


class ImportView(View):
    """What an import of a designation list file does (or did, when ``applied``)."""

    format: str = Field(description="un, eu, uk or us.")
    file: str
    sha256: str
    entries: int = Field(description="Entries read from the file.")
    new: int
    changed: int
    gone: int
    unchanged: int
    skipped: dict[str, int] = Field(
        description="Records not imported, by reason (individual, person, list type X...)."
    )
    changes: list[ListChangeView]
    digest: str = Field(description="SHA-256 of the changes: what was shown is what applies.")
    applied: bool

"""The entity registry: designated groups, their aliases, media outlets and designations.

The default data ships as ``entities.yaml`` beside this module. Its shape::

    lists:                      # the official lists designations point at
      US-FTO: {jurisdiction: US, name: Foreign Terrorist Organizations, source: https://...}
    entities:
      - id: islamic-state       # slug: lower-case letters, digits and dashes
        name: Islamic State
        ideology: jihadist      # one of IDEOLOGIES
        parent: null            # id of another entity, with ``relation`` (one of RELATIONS)
        source: https://...     # where the row's facts (names, links) can be checked
        aliases:
          - {text: داعش, lang: ar}           # script inferred from the letters if not given
          - {text: IS, lang: en, match: search}
        outlets:
          - {id: amaq, name: Amaq News Agency, kind: news_agency, source: https://...,
             aliases: [...]}
        designations:
          - {list: US-FTO, date: 2004-12-17}  # date null when not certain

The file's shape is the pydantic model :class:`tvec.entities.files.EntitiesFile`.
Validation happens on load and raises :class:`tvec.errors.ConfigError` naming the file, the
row and the field: ids are unique slugs (entities and outlets share one namespace), parents
exist and do not loop, every entity and outlet row has a source URL, every designation names
a known list (hence a jurisdiction, a list name and a source), dates are ISO dates or null,
alias ``match`` values are known, and no row has a key the format does not define.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tvec.datafiles import problem_message
from tvec.entities.files import (
    HTTPS_URL,
    IDEOLOGIES,
    MATCH_MODES,
    OUTLET_KINDS,
    AliasRow,
    DesignationRow,
    EntitiesFile,
    EntityRow,
    ListRow,
    OutletRow,
    entry_name,
)
from tvec.errors import ConfigError, NotFoundError
from tvec.text import profiles

#: How an entity relates to its ``parent``. Designations of the parent apply to the child
#: (for :meth:`EntityRegistry.in_policy`) when the relation is in :data:`INHERITING_RELATIONS`.
RELATIONS = frozenset({"province", "wing", "front", "affiliate", "successor"})
INHERITING_RELATIONS = frozenset({"province", "wing", "front"})

__all__ = [
    "IDEOLOGIES",
    "INHERITING_RELATIONS",
    "MATCH_MODES",
    "OUTLET_KINDS",
    "RELATIONS",
    "Alias",
    "Designation",
    "Entity",
    "EntityRegistry",
    "Outlet",
    "infer_script",
    "load_entities",
]

_SCRIPT_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x024F, "Latn"),
    (0x0370, 0x03FF, "Grek"),
    (0x0400, 0x052F, "Cyrl"),
    (0x0590, 0x05FF, "Hebr"),
    (0x0600, 0x06FF, "Arab"),
    (0x0750, 0x077F, "Arab"),
    (0x08A0, 0x08FF, "Arab"),
    (0x0900, 0x097F, "Deva"),
    (0x0980, 0x09FF, "Beng"),
    (0x0A00, 0x0A7F, "Guru"),
    (0x0E00, 0x0E7F, "Thai"),
    (0x1200, 0x137F, "Ethi"),
    (0x4E00, 0x9FFF, "Hani"),
)


@dataclass(frozen=True, slots=True)
class Alias:
    """One name of an entity or outlet.

    Attributes:
        text: the name as written (``داعش``, ``Islamic State``).
        lang: BCP 47 language subtag (``ar``, ``fa``, ``ps``, ``ur``, ``ru``, ``en``...);
            ``und`` when the name is used across languages.
        script: ISO 15924 script code (``Latn``, ``Arab``, ``Cyrl``, ``Hebr``, ``Hani``...).
        match: how the indicator matcher uses it (see :data:`MATCH_MODES`).
    """

    text: str
    lang: str
    script: str
    match: str = "auto"


@dataclass(frozen=True, slots=True)
class Outlet:
    """An official media outlet or publication of an entity (Amaq, al-Kataib, al-Manar...).

    ``kind`` is one of :data:`OUTLET_KINDS`; ``name_match`` is the match mode of the name
    itself (see :data:`MATCH_MODES`); ``source`` is where the row can be checked.
    """

    id: str
    name: str
    kind: str
    aliases: tuple[Alias, ...]
    source: str
    name_match: str = "auto"

    def all_aliases(self) -> tuple[Alias, ...]:
        """Return the name (as an ``en`` alias, mode ``name_match``) and the other aliases."""
        return (Alias(self.name, "en", infer_script(self.name), self.name_match), *self.aliases)


@dataclass(frozen=True, slots=True)
class Designation:
    """A listing of an entity on an official list.

    Attributes:
        jurisdiction: ``UK``, ``US``, ``UN``, ``EU``, ``CA``, ``AU``...
        list_key: the key of the list in the data file (``US-FTO``, ``UN-1267``).
        list_name: the list's official name.
        date: date of listing under this name or a predecessor name, or ``None`` if unsure.
        source: URL of the official list page.
        note: free text (for example the name the group is listed under).
        reference: the listing's reference on the list (UN ``QDe.115``), for imported
            designations (:mod:`tvec.entities.imported`); ``""`` otherwise.
    """

    jurisdiction: str
    list_key: str
    list_name: str
    date: dt.date | None
    source: str
    note: str = ""
    reference: str = ""


@dataclass(frozen=True, slots=True)
class Entity:
    """A terrorist or violent extremist group.

    Attributes:
        id: stable slug, also the storage key (``islamic-state-khorasan``).
        name: canonical English name.
        ideology: one of :data:`IDEOLOGIES`.
        aliases: other names and transliterations; the canonical name is not repeated here.
        parent: id of the parent entity or ``None``.
        relation: how this entity relates to ``parent`` (one of :data:`RELATIONS`).
        outlets: official media outlets and publications.
        designations: listings on official lists.
        source: URL where the row's facts can be checked.
        name_match: match mode of ``name`` itself (``exact`` for names that are also common
            phrases, such as ``The Base``).
    """

    id: str
    name: str
    ideology: str
    aliases: tuple[Alias, ...]
    parent: str | None
    relation: str | None
    outlets: tuple[Outlet, ...]
    designations: tuple[Designation, ...]
    source: str
    name_match: str = "auto"

    def all_aliases(self) -> tuple[Alias, ...]:
        """Return the canonical name (as an ``en`` alias, mode ``name_match``) and the aliases."""
        return (Alias(self.name, "en", infer_script(self.name), self.name_match), *self.aliases)


def infer_script(text: str) -> str:
    """Return the ISO 15924 code of the first letter of ``text`` in a known script, or ``Zyyy``."""
    for char in text:
        if not char.isalpha():
            continue
        code = ord(char)
        for low, high, script in _SCRIPT_RANGES:
            if low <= code <= high:
                return script
    return "Zyyy"


class EntityRegistry:
    """The validated set of entities. Build with :meth:`load_default`, :meth:`load` or
    ``EntityRegistry(entities)``.

    Raises:
        ConfigError: on construction, when the entities are not valid (see module docstring).
    """

    def __init__(self, entities: Iterable[Entity]) -> None:
        self._entities: dict[str, Entity] = {}
        self._search_forms: dict[str, frozenset[str]] | None = None
        outlet_ids: set[str] = set()
        for entity in entities:
            if entity.id in self._entities or entity.id in outlet_ids:
                raise ConfigError(f"entity {entity.id!r}: duplicate id")
            self._entities[entity.id] = entity
            _check_rows(entity)
            for outlet in entity.outlets:
                if outlet.id in outlet_ids or outlet.id in self._entities:
                    raise ConfigError(f"entity {entity.id!r}: outlet {outlet.id!r}: duplicate id")
                outlet_ids.add(outlet.id)
        for entity in self._entities.values():
            self._check_parent(entity)

    def _check_parent(self, entity: Entity) -> None:
        if entity.parent is None:
            if entity.relation is not None:
                raise ConfigError(f"entity {entity.id!r}: relation given without parent")
            return
        if entity.parent not in self._entities:
            raise ConfigError(f"entity {entity.id!r}: parent {entity.parent!r} does not exist")
        if entity.relation not in RELATIONS:
            raise ConfigError(
                f"entity {entity.id!r}: relation {entity.relation!r} is not one of "
                f"{sorted(RELATIONS)}"
            )
        seen = {entity.id}
        current: Entity | None = entity
        while current is not None and current.parent is not None:
            if current.parent in seen:
                raise ConfigError(f"entity {entity.id!r}: parent links form a loop")
            seen.add(current.parent)
            current = self._entities.get(current.parent)

    @classmethod
    def load_default(cls) -> EntityRegistry:
        """The ``entities.yaml`` that ships with tvec (parsed once per process)."""
        return _load_combined(None, 0.0)

    @classmethod
    def load(cls, path: Path) -> EntityRegistry:
        """Load a registry from a YAML file of the shape in the module docstring.

        Raises:
            ConfigError: if the file cannot be read or parsed, or a row is invalid.
        """
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"{path}: cannot read entity file: {error}") from error
        return cls.from_yaml(text, str(path))

    @classmethod
    def from_yaml(cls, text: str, origin: str = "<yaml>") -> EntityRegistry:
        """Parse and validate YAML text; ``origin`` names it in error messages.

        Raises:
            ConfigError: naming ``origin`` and the row, if anything is invalid.
        """
        return cls.from_data(_read_yaml(text, origin), origin)

    @classmethod
    def from_data(cls, data: Mapping[str, Any], origin: str = "<data>") -> EntityRegistry:
        """Validate parsed data of the shape in the module docstring.

        Raises:
            ConfigError: naming ``origin`` and the row, if anything is invalid.
        """
        try:
            parsed = EntitiesFile.model_validate(data)
        except ValidationError as error:
            message = problem_message(error, functools.partial(entry_name, data))
            raise ConfigError(f"{origin}: {message}") from None
        entities = [_entity(row, parsed.lists, origin) for row in parsed.entities]
        try:
            return cls(entities)
        except ConfigError as error:
            raise ConfigError(f"{origin}: {error}") from error

    def __len__(self) -> int:
        return len(self._entities)

    def __iter__(self) -> Iterator[Entity]:
        return iter(self._entities.values())

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._entities

    def get(self, entity_id: str) -> Entity:
        """Return the entity with ``entity_id``.

        Raises:
            NotFoundError: if there is none.
        """
        try:
            return self._entities[entity_id]
        except KeyError:
            raise NotFoundError(f"no entity with id {entity_id!r}") from None

    def children(self, entity_id: str) -> tuple[Entity, ...]:
        """Return the entities whose parent is ``entity_id`` (provinces, wings, affiliates)."""
        return tuple(e for e in self._entities.values() if e.parent == entity_id)

    def search(self, query: str) -> list[Entity]:
        """Return entities with a name, alias or outlet alias matching ``query``.

        Both sides are compared in the match form of :func:`tvec.text.normalize.normalize`
        with spaces removed, so ``al shabaab``, ``Al-Shabaab`` and ``ALSHABAAB`` are equal.
        Exact matches come first, then names that contain the query; each entity once.
        An empty query (after normalisation) returns ``[]``.
        """
        key = profiles.matching(query).text.replace(" ", "")
        if not key:
            return []
        if self._search_forms is None:
            self._search_forms = {
                entity.id: frozenset(
                    profiles.matching(alias.text).text.replace(" ", "")
                    for alias in (
                        *entity.all_aliases(),
                        *(a for outlet in entity.outlets for a in outlet.all_aliases()),
                    )
                )
                for entity in self._entities.values()
            }
        exact: list[Entity] = []
        partial: list[Entity] = []
        for entity in self._entities.values():
            forms = self._search_forms[entity.id]
            if key in forms:
                exact.append(entity)
            elif any(key in form for form in forms):
                partial.append(entity)
        return exact + partial

    def designations(self, entity_id: str) -> tuple[Designation, ...]:
        """Return the entity's designations plus those inherited from its parents.

        A parent's designations are inherited through ``province``, ``wing`` and ``front``
        links (an IS province is covered by the listing of IS), not ``affiliate`` or
        ``successor`` links (AQAP is listed in its own right).

        Raises:
            NotFoundError: if there is no such entity.
        """
        entity = self.get(entity_id)
        found = list(entity.designations)
        while entity.parent is not None and entity.relation in INHERITING_RELATIONS:
            entity = self.get(entity.parent)
            found.extend(entity.designations)
        return tuple(found)

    def in_policy(self, entity_id: str, jurisdictions: set[str]) -> bool:
        """Return whether an inclusion policy of ``jurisdictions`` covers the entity.

        ``jurisdictions`` holds jurisdiction codes (``{"UK", "UN"}``) and/or list keys
        (``{"US-FTO"}``); the entity is in scope if one of its :meth:`designations` matches.

        Raises:
            NotFoundError: if there is no such entity.
        """
        return any(
            d.jurisdiction in jurisdictions or d.list_key in jurisdictions
            for d in self.designations(entity_id)
        )


#: libyaml's safe loader when PyYAML was built with it (the same documents, about ten times
#: faster: the packaged entities are read by the scan's process and by each of its workers),
#: else the pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(text: str, origin: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        raise ConfigError(f"{origin}: not valid YAML: {error}") from error
    except UnicodeEncodeError as error:  # libyaml encodes the text first: a lone surrogate
        raise ConfigError(f"{origin}: not valid YAML: not UTF-8 text ({error.reason})") from error
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: top level must be a mapping with 'lists' and 'entities'")
    return data


def load_entities(extra_file: Path | None = None) -> EntityRegistry:
    """The packaged entities plus those of ``extra_file`` (``TVEC_ENTITIES_FILE``), if given.

    The extra file has the shape of ``entities.yaml``; its ``lists`` are added to the
    packaged lists (so its designations may name ``UN-1267`` or a list of its own, such as
    an organisation's internal list) and its entities to the packaged entities. Read once
    per file and modification time.

    Raises:
        ConfigError: the file cannot be read or parsed, a row is invalid, or an id (entity,
            outlet or list) repeats a packaged one.
    """
    if extra_file is None:
        return _load_combined(None, 0.0)
    try:
        mtime = extra_file.stat().st_mtime
    except OSError as error:
        raise ConfigError(f"TVEC_ENTITIES_FILE {str(extra_file)!r}: cannot read: {error}") from None
    return _load_combined(extra_file, mtime)


@functools.lru_cache(maxsize=8)
def _load_combined(extra_file: Path | None, mtime: float) -> EntityRegistry:
    packaged = resources.files("tvec.entities").joinpath("entities.yaml").read_text("utf-8")
    data = _read_yaml(packaged, "entities.yaml")
    if extra_file is None:
        return EntityRegistry.from_data(data, "entities.yaml")
    origin = str(extra_file)
    try:
        text = extra_file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{origin}: cannot read entity file: {error}") from error
    extra = _read_yaml(text, origin)
    lists = dict(data.get("lists") or {})
    extra_lists = extra.get("lists") or {}
    if not isinstance(extra_lists, dict):
        raise ConfigError(f"{origin}: 'lists' must be a mapping")
    for key in extra_lists:
        if key in lists:
            raise ConfigError(f"{origin}: list {key!r} is already a packaged list")
    lists.update(extra_lists)
    rows = extra.get("entities")
    if not isinstance(rows, list):
        raise ConfigError(f"{origin}: 'entities' must be a list")
    combined = {"lists": lists, "entities": [*data["entities"], *rows]}
    return EntityRegistry.from_data(combined, f"entities.yaml + {origin}")


def _check_rows(entity: Entity) -> None:
    """Check what the parser checks, for registries built in code."""
    if not HTTPS_URL.match(entity.source):
        raise ConfigError(f"entity {entity.id!r}: 'source' must be an https URL")
    for outlet in entity.outlets:
        if not HTTPS_URL.match(outlet.source):
            raise ConfigError(
                f"entity {entity.id!r}: outlet {outlet.id!r}: 'source' must be an https URL"
            )
    for designation in entity.designations:
        if not (designation.jurisdiction and designation.list_name and designation.list_key):
            raise ConfigError(f"entity {entity.id!r}: a designation lacks jurisdiction or list")
        if not HTTPS_URL.match(designation.source):
            raise ConfigError(
                f"entity {entity.id!r}: designation {designation.list_key!r}: 'source' must be "
                "an https URL"
            )


# --- from the file's model ------------------------------------------------------------------


def _aliases(rows: list[AliasRow] | None) -> tuple[Alias, ...]:
    return tuple(
        Alias(row.text, row.lang, row.script or infer_script(row.text), row.match)
        for row in rows or ()
    )


def _outlet(row: OutletRow) -> Outlet:
    return Outlet(
        id=row.id,
        name=row.name,
        kind=row.kind,
        aliases=_aliases(row.aliases),
        source=row.source,
        name_match=row.name_match,
    )


def _designation(row: DesignationRow, lists: Mapping[str, ListRow], where: str) -> Designation:
    listed = lists.get(row.list)
    if listed is None:
        raise ConfigError(f"{where}: 'list' {row.list!r} is not one of {sorted(lists)}")
    return Designation(
        jurisdiction=listed.jurisdiction,
        list_key=row.list,
        list_name=listed.name,
        date=row.date,
        source=row.source or listed.source,
        note=row.note,
    )


def _entity(row: EntityRow, lists: Mapping[str, ListRow], origin: str) -> Entity:
    where = f"{origin}: entity {row.id!r}"
    return Entity(
        id=row.id,
        name=row.name,
        ideology=row.ideology,
        aliases=_aliases(row.aliases),
        parent=row.parent,
        relation=row.relation,
        outlets=tuple(_outlet(outlet) for outlet in row.outlets or ()),
        designations=tuple(
            _designation(designation, lists, f"{where}: designation #{index}")
            for index, designation in enumerate(row.designations or ())
        ),
        source=row.source,
        name_match=row.name_match,
    )

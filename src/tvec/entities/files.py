"""The shape of an entity file (``entities.yaml``, ``TVEC_ENTITIES_FILE``), as pydantic models.

:class:`EntitiesFile` checks the keys and values of every list and entity row (shape in
:mod:`tvec.entities.registry`); the registry then checks what spans rows: designations name
a known list, ids are unique across entities and outlets, parents exist and do not loop.
:func:`entry_name` names the row an error falls in, as the registry's messages do
(``entity 'a': outlet #0 'o'``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from tvec.datafiles import FileModel, Location

#: Ideology tags an entity may carry.
IDEOLOGIES = frozenset(
    {
        "jihadist",
        "islamist",
        "shia_islamist",
        "far_right",
        "ethno_nationalist",
        "left_wing",
        "nihilist",
        "other",
    }
)

#: Alias ``match`` values: ``auto`` (decided by length, see :mod:`tvec.analysis.indicators`),
#: ``word`` (whole words; Arabic-script aliases may carry a one-letter proclitic), ``token``
#: (whole words, no proclitics), ``exact`` (whole word and the original text must equal the
#: alias exactly, case included) and ``search`` (only for
#: :meth:`tvec.entities.registry.EntityRegistry.search`).
MATCH_MODES = frozenset({"auto", "word", "token", "exact", "search"})

#: What an outlet is.
OUTLET_KINDS = frozenset(
    {"media_foundation", "news_agency", "magazine", "newsletter", "tv", "radio", "website"}
)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HTTPS_URL = re.compile(r"^https://\S+$")


def _one_of(name: str, allowed: frozenset[str]) -> AfterValidator:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"{name} {value!r} not in {sorted(allowed)}")
        return value

    return AfterValidator(check)


def _slug(value: str) -> str:
    if not SLUG.match(value):
        raise ValueError("id must be a lower-case slug")
    return value


def _https(value: object) -> object:
    if not isinstance(value, str) or not HTTPS_URL.match(value):
        raise ValueError(f"'source' must be an https URL, got {value!r}")
    return value


def _iso_date(value: object) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"'date' must be an ISO date (YYYY-MM-DD) or null, got {value!r}")


#: Text that must hold more than white space (stripped).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
#: An ``https://`` URL (where a row's facts can be checked).
HttpsUrl = Annotated[str, BeforeValidator(_https)]
MatchMode = Annotated[str, _one_of("match mode", MATCH_MODES)]


class ListRow(FileModel):
    """An official list designations point at: ``jurisdiction``, ``name``, ``source``."""

    jurisdiction: Text
    name: Text
    source: HttpsUrl


class AliasRow(FileModel):
    """A name: ``text``, ``lang``; optional ``script`` (inferred) and ``match``."""

    text: Text
    lang: Text
    script: Text | None = None
    match: MatchMode = "auto"


class OutletRow(FileModel):
    """A media outlet: ``id`` (slug), ``name``, ``kind``, ``source``; optional ``aliases``
    and ``name_match``."""

    id: Annotated[Text, AfterValidator(_slug)]
    name: Text
    kind: Annotated[Text, _one_of("kind", OUTLET_KINDS)]
    aliases: list[AliasRow] | None = None
    source: HttpsUrl
    name_match: MatchMode = "auto"


class DesignationRow(FileModel):
    """A listing: ``list`` (a key of the file's lists); optional ``date`` (ISO date or
    null), ``source`` (overrides the list's) and ``note``."""

    list: Text
    date: Annotated[dt.date | None, BeforeValidator(_iso_date)] = None
    source: HttpsUrl | None = None
    note: str = ""


class EntityRow(FileModel):
    """An entity: ``id`` (slug), ``name``, ``ideology``, ``source``; optional ``parent`` with
    ``relation``, ``aliases``, ``outlets``, ``designations``, ``name_match``."""

    id: Annotated[Text, AfterValidator(_slug)]
    name: Text
    ideology: Annotated[Text, _one_of("ideology", IDEOLOGIES)]
    parent: str | None = None
    relation: str | None = None
    aliases: list[AliasRow] | None = None
    outlets: list[OutletRow] | None = None
    designations: list[DesignationRow] | None = None
    source: HttpsUrl
    name_match: MatchMode = "auto"


def _lists(value: object) -> object:
    if not isinstance(value, dict) or not value:
        raise ValueError("'lists' must be a non-empty mapping")
    return value


class EntitiesFile(FileModel):
    """A whole entity file: ``lists`` (non-empty mapping of key to :class:`ListRow`) and
    ``entities`` (list of :class:`EntityRow`)."""

    lists: Annotated[dict[str, ListRow], BeforeValidator(_lists)] = Field(
        default_factory=dict, validate_default=True
    )
    entities: list[EntityRow]


def _row_name(kind: str, index: int, row: object, key: str, *, hash_sign: bool = True) -> str:
    """``entity 'a'`` (or ``entity #3`` without an id), ``outlet #0 'o'``, ``alias 0 ('X')``."""
    value = row.get(key) if isinstance(row, Mapping) else None
    number = f"#{index}" if hash_sign else str(index)
    if not isinstance(value, str) or not value.strip():
        return f"{kind} {number}"
    if kind == "entity":
        return f"entity {value.strip()!r}"
    if kind == "alias":
        return f"alias {number} ({value.strip()!r})"
    return f"{kind} {number} {value.strip()!r}"


_SUB_ROWS = {"aliases": ("alias", "text", False), "outlets": ("outlet", "id", True)}
_SUB_ROWS["designations"] = ("designation", "", True)


def entry_name(data: Mapping[str, Any], loc: Location) -> tuple[str, Location]:
    """Split the location of an error in ``data`` (an entity file) into the name of the row
    it falls in and the location within that row.

    ``("entities", 3, "outlets", 0, "source")`` -> ``("entity 'a': outlet #0 'o'",
    ("source",))``; ``("lists", "UK", "name")`` -> ``("list 'UK'", ("name",))``.
    """
    if len(loc) >= 2 and loc[0] == "lists":
        return f"list {loc[1]!r}", loc[2:]
    if len(loc) < 2 or loc[0] != "entities" or not isinstance(loc[1], int):
        return "", loc
    rows = data.get("entities")
    row: object = rows[loc[1]] if isinstance(rows, list) and loc[1] < len(rows) else None
    names = [_row_name("entity", loc[1], row, "id")]
    rest = loc[2:]
    while len(rest) >= 2 and isinstance(rest[1], int) and rest[0] in _SUB_ROWS:
        kind, key, hash_sign = _SUB_ROWS[str(rest[0])]
        children = row.get(str(rest[0])) if isinstance(row, Mapping) else None
        index = rest[1]
        row = children[index] if isinstance(children, list) and index < len(children) else None
        names.append(_row_name(kind, index, row, key, hash_sign=hash_sign))
        rest = rest[2:]
    return ": ".join(names), rest

"""The entity registry: the shipped data is valid and complete enough; search and policy work;
bad data fails on load with a message naming the row."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from tvec.entities import Designation, Entity, EntityRegistry
from tvec.entities.registry import IDEOLOGIES, MATCH_MODES, OUTLET_KINDS, RELATIONS
from tvec.errors import ConfigError, NotFoundError

HTTPS = re.compile(r"^https://[^\s/]+\.[a-z]{2,}/\S*$")


@pytest.fixture(scope="module")
def registry() -> EntityRegistry:
    return EntityRegistry.load_default()


# --- the shipped data ---------------------------------------------------------------------


def test_at_least_forty_entities(registry: EntityRegistry) -> None:
    assert len(registry) >= 40


def test_every_row_has_a_source(registry: EntityRegistry) -> None:
    for entity in registry:
        assert HTTPS.match(entity.source), entity.id
        for outlet in entity.outlets:
            assert HTTPS.match(outlet.source), outlet.id
        for designation in entity.designations:
            assert HTTPS.match(designation.source), (entity.id, designation.list_key)


def test_designations_are_well_formed(registry: EntityRegistry) -> None:
    for entity in registry:
        keys = [d.list_key for d in entity.designations]
        assert len(keys) == len(set(keys)), f"{entity.id}: a list named twice"
        for designation in entity.designations:
            assert designation.jurisdiction in {"UK", "US", "UN", "EU", "CA", "AU"}
            assert designation.list_name
            assert designation.date is None or (
                dt.date(1997, 1, 1) <= designation.date <= dt.date.today()
            )


def test_parents_exist_and_relations_are_known(registry: EntityRegistry) -> None:
    for entity in registry:
        if entity.parent is not None:
            assert entity.parent in registry
            assert entity.relation in RELATIONS


def test_vocabularies(registry: EntityRegistry) -> None:
    outlet_ids: list[str] = []
    for entity in registry:
        assert entity.ideology in IDEOLOGIES
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entity.id)
        for alias in entity.all_aliases():
            assert alias.match in MATCH_MODES
            assert alias.script != "Zyyy", (entity.id, alias.text)
            assert alias.lang
        for outlet in entity.outlets:
            outlet_ids.append(outlet.id)
            assert outlet.kind in OUTLET_KINDS
    assert len(outlet_ids) == len(set(outlet_ids))


def test_uk_us_un_lists_are_represented(registry: EntityRegistry) -> None:
    keys = {d.list_key for e in registry for d in e.designations}
    assert {"UK", "US-FTO", "US-SDGT", "UN-1267"} <= keys
    assert sum(1 for e in registry if any(d.jurisdiction == "UK" for d in e.designations)) >= 25
    assert sum(1 for e in registry if any(d.list_key == "US-FTO" for d in e.designations)) >= 25
    assert sum(1 for e in registry if any(d.jurisdiction == "UN" for d in e.designations)) >= 10


def test_far_right_and_other_ideologies_present(registry: EntityRegistry) -> None:
    far_right = {e.id for e in registry if e.ideology == "far_right"}
    assert {
        "national-action",
        "sonnenkrieg-division",
        "the-base",
        "atomwaffen-division",
        "feuerkrieg-division",
        "terrorgram-collective",
        "russian-imperial-movement",
    } <= far_right
    assert {e.ideology for e in registry} >= {"jihadist", "far_right", "left_wing"}


def test_scripts_covered(registry: EntityRegistry) -> None:
    scripts = {a.script for e in registry for a in e.all_aliases()}
    assert {"Latn", "Arab", "Cyrl", "Hebr", "Hani"} <= scripts
    langs = {a.lang for e in registry for a in e.all_aliases()}
    assert {"ar", "fa", "ps", "ur", "ru"} <= langs


def test_named_outlets_present(registry: EntityRegistry) -> None:
    outlets = {(e.id, o.id) for e in registry for o in e.outlets}
    assert {
        ("islamic-state", "amaq"),
        ("islamic-state", "al-furqan"),
        ("islamic-state", "al-hayat"),
        ("islamic-state", "al-naba"),
        ("islamic-state-khorasan", "al-azaim"),
        ("islamic-state-khorasan", "voice-of-khurasan"),
        ("al-shabaab", "al-kataib"),
        ("al-shabaab", "shahada-news"),
        ("al-qaida", "as-sahab"),
        ("aqap", "al-malahem"),
        ("aqap", "inspire"),
        ("hizballah", "al-manar"),
        ("houthis", "al-masirah"),
        ("hamas", "al-aqsa-tv"),
    } <= outlets


def test_affiliate_links(registry: EntityRegistry) -> None:
    assert registry.get("islamic-state-khorasan").parent == "islamic-state"
    assert registry.get("aqap").parent == "al-qaida"
    assert registry.get("al-shabaab").relation == "affiliate"
    assert {e.id for e in registry.children("islamic-state")} >= {"islamic-state-khorasan"}


# --- API ----------------------------------------------------------------------------------


def test_get_unknown_raises(registry: EntityRegistry) -> None:
    with pytest.raises(NotFoundError, match="no-such"):
        registry.get("no-such")


@pytest.mark.parametrize(
    ("query", "entity_id"),
    [
        ("ISIS", "islamic-state"),
        ("daesh", "islamic-state"),
        ("داعش", "islamic-state"),
        ("Al Shabaab", "al-shabaab"),
        ("ALSHABAAB", "al-shabaab"),
        ("hezbollah", "hizballah"),
        ("Хезболла", "hizballah"),
        ("amaq", "islamic-state"),
        ("Inspire", "aqap"),
        ("IS-K", "islamic-state-khorasan"),
        ("ولاية خراسان", "islamic-state-khorasan"),
        ("1SKP", "islamic-state-khorasan"),
    ],
)
def test_search_matches_aliases_after_normalisation(
    registry: EntityRegistry, query: str, entity_id: str
) -> None:
    results = registry.search(query)
    assert results and results[0].id == entity_id


def test_search_partial_and_empty(registry: EntityRegistry) -> None:
    assert "atomwaffen-division" in {e.id for e in registry.search("atomwaff")}
    assert registry.search("  ...  ") == []
    assert registry.search("zzzzqqq") == []


def test_in_policy(registry: EntityRegistry) -> None:
    assert registry.in_policy("national-action", {"UK"})
    assert not registry.in_policy("national-action", {"US", "UN"})
    assert registry.in_policy("aqap", {"UN"})
    assert registry.in_policy("islamic-state-khorasan", {"US-FTO"})
    assert not registry.in_policy("islamic-state-khorasan", {"US-SDGT"})
    # Provinces and wings inherit their parent's listings; affiliates do not.
    assert registry.in_policy("islamic-state-somalia", {"UK"})
    assert registry.in_policy("al-quds-brigades", {"US"})
    assert not registry.in_policy("aqap", {"UK"})
    assert not registry.in_policy("hamas", set())
    with pytest.raises(NotFoundError):
        registry.in_policy("no-such", {"UK"})


# --- validation ---------------------------------------------------------------------------

LISTS = """
lists:
  UK: {jurisdiction: UK, name: Proscribed, source: "https://example.org/uk"}
"""


def _load(entities: str) -> EntityRegistry:
    return EntityRegistry.from_yaml(LISTS + "entities:\n" + entities, "test.yaml")


def test_valid_minimal_file(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(
        LISTS + "entities:\n  - {id: a, name: A, ideology: other, source: 'https://x.org/a',"
        " designations: [{list: UK, date: 2020-01-02}]}\n",
        encoding="utf-8",
    )
    registry = EntityRegistry.load(path)
    assert registry.get("a").designations[0].date == dt.date(2020, 1, 2)


@pytest.mark.parametrize(
    ("entities", "message"),
    [
        (
            "  - {id: a, name: A, ideology: other, source: 'https://x.org'}\n"
            "  - {id: a, name: B, ideology: other, source: 'https://x.org'}\n",
            r"entity 'a': duplicate id",
        ),
        (
            "  - {id: a, name: A, ideology: other, source: 'https://x.org', parent: b,"
            " relation: province}\n",
            r"entity 'a': parent 'b' does not exist",
        ),
        ("  - {id: a, name: A, ideology: other}\n", r"entity 'a': 'source' is missing"),
        (
            "  - {id: a, name: A, ideology: other, source: 'https://x.org',"
            " designations: [{list: XX}]}\n",
            r"entity 'a': designation #0: 'list' 'XX'",
        ),
        (
            "  - {id: a, name: A, ideology: other, source: 'https://x.org',"
            " designations: [{date: 2020-01-01}]}\n",
            r"entity 'a': designation #0: 'list' is missing",
        ),
        (
            "  - {id: a, name: A, ideology: other, source: 'https://x.org',"
            " designations: [{list: UK, date: 'last year'}]}\n",
            r"entity 'a': designation #0: 'date'",
        ),
        (
            "  - {id: a, name: A, ideology: nope, source: 'https://x.org'}\n",
            r"entity 'a': ideology 'nope'",
        ),
        (
            "  - {id: A_B, name: A, ideology: other, source: 'https://x.org'}\n",
            r"entity 'A_B': id must be a lower-case slug",
        ),
        (
            "  - {id: a, name: A, ideology: other, source: 'https://x.org',"
            " outlets: [{id: o, name: O, kind: tv}]}\n",
            r"entity 'a': outlet #0 'o': 'source'",
        ),
        (
            "  - {id: a, name: A, ideology: other, source: 'https://x.org',"
            " aliases: [{text: X}]}\n",
            r"entity 'a': alias 0 \('X'\): 'lang' is missing",
        ),
        (
            "  - {id: a, name: A, ideology: other, source: 'https://x.org',"
            " aliases: [{text: X, lang: en, match: fuzzy}]}\n",
            r"entity 'a': alias 0 \('X'\): match mode 'fuzzy'",
        ),
        (
            "  - {id: a, name: A, ideology: other, source: 'https://x.org', parent: b,"
            " relation: province}\n"
            "  - {id: b, name: B, ideology: other, source: 'https://x.org', parent: a,"
            " relation: province}\n",
            r"parent links form a loop",
        ),
    ],
)
def test_invalid_rows_raise_config_error_naming_the_row(entities: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        _load(entities)
    assert str(caught.value).startswith("test.yaml: ")


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        EntityRegistry.load(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        EntityRegistry.from_yaml("a: [", "bad.yaml")
    with pytest.raises(ConfigError, match="'lists' must be"):
        EntityRegistry.from_yaml("entities: []", "bad.yaml")


def _entity(source: str = "https://x.org", designation_source: str = "https://x.org") -> Entity:
    return Entity(
        id="a",
        name="A",
        ideology="other",
        aliases=(),
        parent=None,
        relation=None,
        outlets=(),
        designations=(Designation("UK", "UK", "Proscribed", None, designation_source),),
        source=source,
    )


def test_registry_built_in_code_is_validated_too() -> None:
    assert len(EntityRegistry([_entity()])) == 1
    with pytest.raises(ConfigError, match="entity 'a': 'source'"):
        EntityRegistry([_entity(source="")])
    with pytest.raises(ConfigError, match="designation 'UK'"):
        EntityRegistry([_entity(designation_source="ftp://x")])


def test_entities_file_adds_entities_and_lists(tmp_path: Path) -> None:
    from tvec.entities import load_entities

    extra = tmp_path / "mine.yaml"
    extra.write_text(
        "lists:\n"
        "  ORG-WATCH: {jurisdiction: ORG, name: Our watch list, source: https://example.org/w}\n"
        "entities:\n"
        "  - id: crimson-lantern-front\n"
        "    name: Crimson Lantern Front\n"
        "    ideology: other\n"
        "    source: https://example.org/clf\n"
        "    aliases: [{text: CLF, lang: en}]\n"
        "    designations: [{list: ORG-WATCH, date: null}, {list: UK, date: 2026-01-02}]\n",
        encoding="utf-8",
    )
    registry = load_entities(extra)
    assert len(registry) == len(EntityRegistry.load_default()) + 1
    assert registry.get("crimson-lantern-front").name == "Crimson Lantern Front"
    assert registry.in_policy("crimson-lantern-front", {"ORG"})
    assert registry.in_policy("crimson-lantern-front", {"UK"})
    assert not registry.in_policy("crimson-lantern-front", {"US"})
    assert registry.get("islamic-state").name == "Islamic State"
    assert load_entities(None).__class__ is EntityRegistry
    assert "crimson-lantern-front" not in load_entities(None)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "lists: {UK: {jurisdiction: UK, name: x, source: https://x.org}}\nentities: []\n",
            "list 'UK' is already a packaged list",
        ),
        (
            "entities:\n  - {id: islamic-state, name: Dup, ideology: other, "
            "source: https://x.org}\n",
            "duplicate id",
        ),
        ("entities: 3\n", "'entities' must be a list"),
        ("[1, 2]\n", "top level must be a mapping"),
    ],
)
def test_entities_file_errors_name_the_file(tmp_path: Path, text: str, problem: str) -> None:
    from tvec.entities import load_entities

    extra = tmp_path / "bad.yaml"
    extra.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_entities(extra)
    assert "bad.yaml" in str(caught.value)
    assert problem in str(caught.value)
    with pytest.raises(ConfigError, match="cannot read"):
        load_entities(tmp_path / "missing.yaml")

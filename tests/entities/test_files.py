"""The entity file's pydantic models: every problem names the file, the row and the field."""

from __future__ import annotations

import pytest

from tvec.entities import EntityRegistry
from tvec.entities.files import AliasRow, EntitiesFile, EntityRow
from tvec.errors import ConfigError

LISTS = "lists:\n  UK: {jurisdiction: UK, name: Proscribed, source: 'https://x.org'}\nentities:\n"
GOOD = "  - {id: a, name: A, ideology: other, source: 'https://x.org'}\n"


def _message(entities: str) -> str:
    with pytest.raises(ConfigError) as caught:
        EntityRegistry.from_yaml(LISTS + entities, "mine.yaml")
    return str(caught.value)


@pytest.mark.parametrize(
    ("entities", "expected"),
    [
        # a wrong type
        (
            GOOD + "  - {id: b, name: 5, ideology: other, source: 'https://x.org'}\n",
            "mine.yaml: entity 'b': 'name' must be text, not 5",
        ),
        (
            "  - {id: a, name: A, ideology: other, source: 'https://x.org', aliases: X}\n",
            "mine.yaml: entity 'a': 'aliases' must be a list, not 'X'",
        ),
        ("  - 7\n", "mine.yaml: entity #0: expected a mapping, not int"),
        # a missing field (the row has no id yet: named by its position)
        (
            GOOD + "  - {name: B, ideology: other, source: 'https://x.org'}\n",
            "mine.yaml: entity #1: 'id' is missing",
        ),
        (
            "  - {id: a, name: A, ideology: other, source: 'https://x.org',"
            " outlets: [{id: o, name: O, source: 'https://x.org'}]}\n",
            "mine.yaml: entity 'a': outlet #0 'o': 'kind' is missing",
        ),
        # an unknown key, at each depth
        (
            "  - {id: a, name: A, ideology: other, source: 'https://x.org', colour: red}\n",
            "mine.yaml: entity 'a': unknown keys ['colour']",
        ),
        (
            "  - {id: a, name: A, ideology: other, source: 'https://x.org',"
            " outlets: [{id: o, name: O, kind: tv, source: 'https://x.org',"
            " aliases: [{text: Y, lang: en, scirpt: Latn}]}]}\n",
            "mine.yaml: entity 'a': outlet #0 'o': alias 0 ('Y'): unknown keys ['scirpt']",
        ),
        (
            "  - {id: a, name: A, ideology: other, source: 'https://x.org',"
            " designations: [{list: UK, data: 2001-01-01}]}\n",
            "mine.yaml: entity 'a': designation #0: unknown keys ['data']",
        ),
        # duplicate ids (entities and outlets share one namespace)
        (GOOD + GOOD, "mine.yaml: entity 'a': duplicate id"),
        (
            GOOD + "  - {id: b, name: B, ideology: other, source: 'https://x.org',"
            " outlets: [{id: a, name: O, kind: tv, source: 'https://x.org'}]}\n",
            "mine.yaml: entity 'b': outlet 'a': duplicate id",
        ),
    ],
)
def test_problems_name_file_row_and_field(entities: str, expected: str) -> None:
    assert _message(entities) == expected


def test_a_list_row_is_named_by_its_key() -> None:
    with pytest.raises(ConfigError) as caught:
        EntityRegistry.from_yaml(
            "lists:\n  UK: {jurisdiction: UK, source: 'https://x.org'}\nentities: []\n", "l.yaml"
        )
    assert str(caught.value) == "l.yaml: list 'UK': 'name' is missing"


def test_models_read_a_row() -> None:
    row = EntityRow.model_validate(
        {
            "id": "a-b",
            "name": " A B ",
            "ideology": "far_right",
            "source": "https://x.org",
            "aliases": [{"text": "AB", "lang": "en", "match": "exact"}],
            "designations": [{"list": "UK", "date": "2020-02-03"}],
        }
    )
    assert row.name == "A B"
    assert row.aliases == [AliasRow(text="AB", lang="en", match="exact")]
    assert row.designations is not None and str(row.designations[0].date) == "2020-02-03"
    document = EntitiesFile.model_validate(
        {
            "lists": {"UK": {"jurisdiction": "UK", "name": "P", "source": "https://x.org"}},
            "entities": [],
        }
    )
    assert document.lists["UK"].name == "P"

"""The platform row's pydantic model: problems name the row and the field."""

from __future__ import annotations

import pytest

from tvec.errors import ConfigError
from tvec.platforms import PlatformKind, PlatformRegistry, PlatformRow, platform_from_row


def _row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "name": "Locker",
        "kind": "file_sharing",
        "domains": ["Locker.example"],
        "abuse_email": "abuse@locker.example",
        "source": "an analyst",
    }
    row.update(changes)
    return {key: value for key, value in row.items() if value is not None}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (_row(notes=["x"]), "platform 'Locker': 'notes' must be text, not list"),
        (_row(country=49), "platform 'Locker': 'country' must be text, not 49"),
        (_row(domains=None), "platform 'Locker': 'domains' is missing"),
        (_row(abuse_mail="a@locker.example"), "platform 'Locker': unknown keys ['abuse_mail']"),
        (
            _row(domains=None, domain=["locker.example"]),
            "platform 'Locker': 'domains' is missing; unknown keys ['domain']",
        ),
        (_row(kind="torrent"), "platform 'Locker': kind 'torrent' is not one of 'messaging'"),
        (
            _row(domains=["a.example", "A.example"]),
            "platform 'Locker': domain 'a.example' is listed twice",
        ),
    ],
)
def test_row_problems_name_row_and_field(row: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        platform_from_row(row)
    assert str(caught.value).startswith(expected)


def test_a_row_without_a_name_is_named_by_position() -> None:
    with pytest.raises(ConfigError) as caught:
        PlatformRegistry.from_rows([_row(), _row(name=None, domains=["b.example"])])
    assert str(caught.value) == "platform row 2: 'name' is missing"


def test_duplicate_names_are_named() -> None:
    with pytest.raises(ConfigError) as caught:
        PlatformRegistry.from_rows([_row(), _row(name="LOCKER", domains=["b.example"])])
    assert str(caught.value) == "platform 'LOCKER': the name is used by two rows"


def test_the_model_canonicalises_and_strips() -> None:
    row = PlatformRow.model_validate(_row(name=" Locker ", notes="  ", country="DE"))
    assert (row.name, row.kind, row.domains) == (
        "Locker",
        PlatformKind.FILE_SHARING,
        ("locker.example",),
    )
    assert row.notes is None and row.country == "DE"
    platform = platform_from_row(_row())
    assert platform.notes == "" and platform.domains == ("locker.example",)

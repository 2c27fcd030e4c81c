"""The removal order file's pydantic model: problems name the file and the key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tvec.errors import UsageError
from tvec.orders.intake import OrderFile, read_order_file

GOOD = {
    "reference": "R-1",
    "authority": "Bundeskriminalamt",
    "member_state": "DE",
    "received_at": "2024-05-01T12:00:00+02:00",
    "urls": ["https://video.example/v/1"],
    "reasons": "Incites terrorist offences.",
}
KEYS = "(keys: reference, authority, member_state, received_at, urls, reasons)"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (GOOD | {"authority": ["BKA"]}, "'authority' must be text, not list"),
        (GOOD | {"urls": ["https://x.example/a", 7]}, "'urls' entry 2 must be text, not 7"),
        (
            GOOD | {"received_at": 1714557600},
            "'received_at' must be an ISO 8601 time with a time zone, not 1714557600",
        ),
        ({k: v for k, v in GOOD.items() if k != "reasons"}, f"'reasons' is missing {KEYS}"),
        (
            {k: v for k, v in GOOD.items() if k not in ("reasons", "urls")},
            f"'urls', 'reasons' are missing {KEYS}",
        ),
        (GOOD | {"url": "https://x.example/a"}, f"unknown keys ['url'] {KEYS}"),
        (
            {k: v for k, v in GOOD.items() if k != "urls"} | {"url": ["https://x.example/a"]},
            f"'urls' is missing; unknown keys ['url'] {KEYS}",
        ),
    ],
)
def test_problems_name_the_file_and_the_key(
    tmp_path: Path, document: dict[str, object], expected: str
) -> None:
    path = tmp_path / "order.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        read_order_file(path)
    assert str(caught.value) == f"removal order file {path}: {expected}"


def test_a_key_given_twice_is_named(tmp_path: Path) -> None:
    path = tmp_path / "twice.json"
    path.write_text(json.dumps(GOOD)[:-1] + ', "member_state": "FR"}', encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        read_order_file(path)
    assert str(caught.value) == (
        f"removal order file {path}: the key 'member_state' is given twice (each key at most once)"
    )


def test_the_model_keeps_the_attributes() -> None:
    received = datetime(2024, 5, 1, 10, tzinfo=UTC)
    order = OrderFile(
        reference="R",
        authority="A",
        member_state="DE",
        received_at=received,
        urls=["https://x.example/a"],
        reasons="r",
    )
    assert (order.reference, order.member_state, order.received_at) == ("R", "DE", received)
    parsed = OrderFile.model_validate(GOOD)
    assert parsed.received_at == received and parsed.urls == GOOD["urls"]

"""The removal-marker row's pydantic model: problems name the file, the row and the field."""

from __future__ import annotations

import pytest

from tvec.errors import ConfigError
from tvec.takedowns.marker_files import MarkerFileRow
from tvec.takedowns.markers import parse_rows


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [{"platform": "Vimeo", "login_redirect": "yes"}],
            "own.yaml: row 1 (platform 'Vimeo'): 'login_redirect' must be true or false, not 'yes'",
        ),
        (
            [{"platform": "Vimeo"}, {"markers": ["gone"]}],
            "own.yaml: row 2: 'platform' is missing",
        ),
        (
            [{"platform": "Vimeo", "marker": ["gone"], "note": "x"}],
            "own.yaml: row 1 (platform 'Vimeo'): unknown keys ['marker', 'note']",
        ),
        (
            [{"platform": "Vimeo"}, {"platform": "VIMEO"}],
            "own.yaml: row 2 (platform 'VIMEO'): a second row for that platform",
        ),
        ([{"platform": 5}], "own.yaml: row 1: 'platform' must be text, not 5"),
        ([{"platform": "  "}], "own.yaml: row 1: 'platform' is missing"),
    ],
)
def test_row_problems_name_file_row_and_field(rows: list[object], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_rows(rows, "own.yaml")
    assert str(caught.value) == expected


def test_the_model_reads_a_row() -> None:
    row = MarkerFileRow.model_validate({"platform": " Vimeo ", "markers": ["gone"]})
    assert (row.platform, row.markers, row.login_redirect) == ("Vimeo", ["gone"], None)

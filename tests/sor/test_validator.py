"""Each rule of the DSA Transparency Database API: a wrong value is refused with the field
named (rules from StatementStoreRequest.php / GroupedSubmissionsService.php)."""

from __future__ import annotations

from typing import Any

import pytest

from tvec.sor.schema import validate, validate_batch


def good(**changes: Any) -> dict[str, Any]:
    """A statement the API takes, with ``changes`` (``None`` removes a field)."""
    statement: dict[str, Any] = {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "illegal_content_legal_ground": "Regulation (EU) 2021/784, Article 2(7)",
        "illegal_content_explanation": "Terrorist content.",
        "category": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
        "category_specification": ["KEYWORD_TERRORIST_CONTENT"],
        "content_type": ["CONTENT_TYPE_IMAGE"],
        "content_date": "2026-10-01",
        "application_date": "2026-11-15",
        "territorial_scope": ["DE", "FR"],
        "decision_facts": "Matched a hash list; a reviewer decided.",
        "source_type": "SOURCE_VOLUNTARY",
        "automated_detection": "Yes",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "puid": "tvec-decision-1",
    }
    for key, value in changes.items():
        if value is None:
            statement.pop(key, None)
        else:
            statement[key] = value
    return statement


def test_a_good_statement_passes() -> None:
    assert validate(good()) == {}
    assert (
        validate(
            good(
                content_language="EN",
                end_date_visibility_restriction="2037-12-31",
                decision_ground_reference_url="https://example.org/terms",
                category_addition=["STATEMENT_CATEGORY_VIOLENCE"],
                content_id_ean="1234567890123",
                account_type="ACCOUNT_TYPE_PRIVATE",
            )
        )
        == {}
    )


@pytest.mark.parametrize(
    "field",
    [
        "decision_ground",
        "content_type",
        "category",
        "content_date",
        "application_date",
        "decision_facts",
        "source_type",
        "automated_detection",
        "automated_decision",
        "puid",
    ],
)
@pytest.mark.parametrize("missing", [None, "", []])
def test_required_fields(field: str, missing: Any) -> None:
    statement = good()
    if missing is None:
        statement.pop(field)
    else:
        statement[field] = missing
    errors = validate(statement)
    assert f"The {field.replace('_', ' ')} field is required." in errors[field]


def test_one_restriction_is_required() -> None:
    errors = validate(good(decision_visibility=None))
    assert set(errors) == {
        "decision_visibility",
        "decision_monetary",
        "decision_provision",
        "decision_account",
    }
    assert (
        validate(good(decision_visibility=None, decision_account="DECISION_ACCOUNT_SUSPENDED"))
        == {}
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {
                "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
                "illegal_content_legal_ground": None,
            },
            "illegal_content_legal_ground",
        ),
        ({"illegal_content_explanation": " "}, "illegal_content_explanation"),
        (
            {
                "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
                "incompatible_content_explanation": "x",
            },
            "incompatible_content_ground",
        ),
        (
            {
                "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
                "incompatible_content_ground": "ToS 4.1",
            },
            "incompatible_content_explanation",
        ),
        ({"decision_visibility": ["DECISION_VISIBILITY_OTHER"]}, "decision_visibility_other"),
        ({"decision_monetary": "DECISION_MONETARY_OTHER"}, "decision_monetary_other"),
        ({"content_type": ["CONTENT_TYPE_OTHER"]}, "content_type_other"),
    ],
)
def test_conditional_fields_are_required(changes: dict[str, Any], field: str) -> None:
    errors = validate(good(**changes))
    assert field in errors
    assert "is required when" in errors[field][0]


def test_conditional_fields_are_dropped_when_their_trigger_is_off() -> None:
    # exclude_unless: an incompatible-content field on an illegal-content statement is
    # ignored by the API, even when it breaks its own rule
    assert (
        validate(
            good(
                incompatible_content_ground="x" * 900,
                incompatible_content_illegal="maybe",
                content_type_other="y" * 900,
            )
        )
        == {}
    )
    assert "incompatible_content_illegal" in validate(
        good(
            decision_ground="DECISION_GROUND_INCOMPATIBLE_CONTENT",
            incompatible_content_ground="ToS",
            incompatible_content_explanation="x",
            incompatible_content_illegal="maybe",
            illegal_content_legal_ground=None,
            illegal_content_explanation=None,
        )
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("decision_ground", "DECISION_GROUND_TERRORISM"),
        ("category", "STATEMENT_CATEGORY_TERRORISM"),
        ("source_type", "SOURCE_GOVERNMENT"),
        ("automated_detection", "yes"),
        ("automated_decision", "AUTOMATED_DECISION_MAYBE"),
        ("decision_monetary", "DECISION_MONETARY_FINE"),
        ("decision_provision", "DECISION_PROVISION_SOME"),
        ("decision_account", "DECISION_ACCOUNT_BANNED"),
        ("account_type", "ACCOUNT_TYPE_ROBOT"),
        ("content_language", "en"),
        ("content_language", "XX"),
        ("decision_visibility", ["DECISION_VISIBILITY_CONTENT_HIDDEN"]),
        ("category_specification", ["KEYWORD_TERRORISM"]),
        ("category_addition", ["STATEMENT_CATEGORY_NOPE"]),
        ("content_type", ["CONTENT_TYPE_PICTURE"]),
        ("territorial_scope", ["EL"]),
        ("territorial_scope", ["GB"]),
    ],
)
def test_enums(field: str, value: Any) -> None:
    errors = validate(good(**{field: value}))
    assert errors[field] == [f"The selected {field.replace('_', ' ')} is invalid."]


@pytest.mark.parametrize(
    "field",
    [
        "decision_visibility",
        "content_type",
        "territorial_scope",
        "category_specification",
        "category_addition",
    ],
)
def test_array_fields_must_be_arrays(field: str) -> None:
    errors = validate(good(**{field: "CONTENT_TYPE_IMAGE"}))
    assert errors[field] == [f"The {field.replace('_', ' ')} field must be an array."]


@pytest.mark.parametrize(
    ("field", "limit", "changes"),
    [
        ("decision_facts", 5000, {}),
        ("illegal_content_legal_ground", 500, {}),
        ("illegal_content_explanation", 2000, {}),
        (
            "incompatible_content_ground",
            500,
            {
                "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
                "incompatible_content_explanation": "x",
            },
        ),
        (
            "incompatible_content_explanation",
            2000,
            {
                "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
                "incompatible_content_ground": "x",
            },
        ),
        ("decision_visibility_other", 500, {"decision_visibility": ["DECISION_VISIBILITY_OTHER"]}),
        ("decision_monetary_other", 500, {"decision_monetary": "DECISION_MONETARY_OTHER"}),
        ("content_type_other", 500, {"content_type": ["CONTENT_TYPE_OTHER"]}),
        ("category_specification_other", 500, {}),
        ("source_identity", 500, {"source_type": "SOURCE_TRUSTED_FLAGGER"}),
        ("puid", 500, {}),
    ],
)
def test_max_lengths(field: str, limit: int, changes: dict[str, Any]) -> None:
    assert field not in validate(good(**changes, **{field: "a" * limit}))
    errors = validate(good(**changes, **{field: "a" * (limit + 1)}))
    assert errors[field] == [
        f"The {field.replace('_', ' ')} field must not be greater than {limit} characters."
    ]


def test_reference_url_is_a_url_of_at_most_500() -> None:
    assert "decision_ground_reference_url" in validate(
        good(decision_ground_reference_url="not a url")
    )
    long = "https://example.org/" + "a" * 481
    assert "decision_ground_reference_url" in validate(good(decision_ground_reference_url=long))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("content_date", "2026-1-01", "does not match the format YYYY-MM-DD"),
        ("content_date", "01-10-2026", "does not match the format YYYY-MM-DD"),
        ("content_date", "2026-02-30", "does not match the format YYYY-MM-DD"),
        ("content_date", "2026-10-01T10:00:00Z", "does not match the format YYYY-MM-DD"),
        ("content_date", "1999-12-31", "after or equal to 2000-01-01"),
        ("content_date", "2038-01-02", "before or equal to 2038-01-01"),
        ("application_date", "2019-12-31", "after or equal to 2020-01-01"),
        ("application_date", "2038-01-02", "before or equal to 2038-01-01"),
        ("end_date_account_restriction", "2038-01-02", "before or equal to 2038-01-01"),
        ("end_date_monetary_restriction", "2026/01/01", "does not match the format"),
        ("end_date_service_restriction", "2040-01-01", "before or equal to 2038-01-01"),
        ("end_date_visibility_restriction", "tomorrow", "does not match the format"),
    ],
)
def test_dates(field: str, value: str, message: str) -> None:
    errors = validate(good(**{field: value}))
    assert message in errors[field][0]


def test_date_bounds_are_inclusive() -> None:
    assert validate(good(content_date="2000-01-01", application_date="2020-01-01")) == {}
    assert (
        validate(
            good(
                content_date="2038-01-01",
                application_date="2038-01-01",
                end_date_account_restriction="2038-01-01",
            )
        )
        == {}
    )


@pytest.mark.parametrize("puid", ["a b", "tvec/1", "tvec.1", "ümlaut", "x\n", "tvec-1\n"])
def test_puid_pattern(puid: str) -> None:
    assert validate(good(puid=puid))["puid"] == ["The puid format is invalid."]


def test_puid_allowed_characters() -> None:
    assert validate(good(puid="Az09-_")) == {}


def test_ean() -> None:
    assert "content_id_ean" in validate(good(content_id_ean="123"))


def test_batches_of_1_to_100() -> None:
    assert "statements" in validate_batch([])
    assert "statements" in validate_batch([good(puid=f"p{i}") for i in range(101)])
    assert validate_batch([good(puid=f"p{i}") for i in range(100)]) == {}
    errors = validate_batch([good(), good(category="X"), good()])
    assert list(errors) == ["statement_1"]
    assert list(errors["statement_1"]) == ["category"]

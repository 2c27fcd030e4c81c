"""The statement-of-reasons schema of the EU DSA Transparency Database API, and a local
validator that applies the API's own rules.

Source: github.com/digital-services-act/transparency-database, commit 69e80a0 (2026-06-24):
``app/Http/Requests/StatementStoreRequest.php`` (one statement),
``app/Services/GroupedSubmissionsService.php`` (``multi_rules``: each statement of a batch),
``app/Models/Statement.php`` (the allowed values), ``app/Services/EuropeanCountriesService.php``
(``EUROPEAN_COUNTRY_CODES``), ``app/Services/EuropeanLanguagesService.php``
(``ALL_LANGUAGES``) and ``resources/markdown/api-documentation.md`` (the schema in force since
1 July 2025). ``docs/statements-of-reasons.md`` writes every rule down.

The values below are the API's keys (``DECISION_VISIBILITY_CONTENT_REMOVED``...); the API
validates keys, not the human labels. Error messages follow Laravel's wording, keyed by field
as the API answers them (``{"puid": ["The puid format is invalid."]}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from tvec.settings import EEA_COUNTRY_CODES

DECISION_VISIBILITIES = (
    "DECISION_VISIBILITY_CONTENT_REMOVED",
    "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
)
DECISION_MONETARIES = (
    "DECISION_MONETARY_SUSPENSION",
    "DECISION_MONETARY_TERMINATION",
    "DECISION_MONETARY_OTHER",
)
DECISION_PROVISIONS = (
    "DECISION_PROVISION_PARTIAL_SUSPENSION",
    "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION",
    "DECISION_PROVISION_TOTAL_TERMINATION",
)
DECISION_ACCOUNTS = ("DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED")
ACCOUNT_TYPES = ("ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE")
DECISION_GROUNDS = ("DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT")
INCOMPATIBLE_CONTENT_ILLEGALS = ("Yes", "No")
CONTENT_TYPES = (
    "CONTENT_TYPE_APP",
    "CONTENT_TYPE_AUDIO",
    "CONTENT_TYPE_IMAGE",
    "CONTENT_TYPE_PRODUCT",
    "CONTENT_TYPE_SYNTHETIC_MEDIA",
    "CONTENT_TYPE_TEXT",
    "CONTENT_TYPE_VIDEO",
    "CONTENT_TYPE_OTHER",
)
STATEMENT_CATEGORIES = (
    "STATEMENT_CATEGORY_ANIMAL_WELFARE",
    "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
    "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
    "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "STATEMENT_CATEGORY_SELF_HARM",
    "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
    "STATEMENT_CATEGORY_VIOLENCE",
)
KEYWORDS = tuple(
    f"KEYWORD_{name}"
    for name in (
        "ADULT_SEXUAL_MATERIAL",
        "AGE_SPECIFIC_RESTRICTIONS",
        "AGE_SPECIFIC_RESTRICTIONS_MINORS",
        "ANIMAL_HARM",
        "BIOMETRIC_DATA_BREACH",
        "BULLYING_AGAINST_GIRLS",
        "CHILD_SEXUAL_ABUSE_MATERIAL",
        "CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE",
        "CONTENT_PROMOTING_EATING_DISORDERS",
        "COORDINATED_HARM",
        "COPYRIGHT_INFRINGEMENT",
        "CYBER_BULLYING_INTIMIDATION",
        "CYBER_HARASSMENT",
        "CYBER_HARASSMENT_AGAINST_WOMEN",
        "CYBER_INCITEMENT",
        "CYBER_STALKING",
        "CYBER_STALKING_AGAINST_WOMEN",
        "DATA_FALSIFICATION",
        "DEFAMATION",
        "DESIGN_INFRINGEMENT",
        "DISCRIMINATION",
        "FEMALE_GENDERED_DISINFORMATION",
        "GEOGRAPHIC_INDICATIONS_INFRINGEMENT",
        "GEOGRAPHICAL_REQUIREMENTS",
        "GOODS_SERVICES_NOT_PERMITTED",
        "GROOMING_SEXUAL_ENTICEMENT_MINORS",
        "HATE_SPEECH",
        "HIDDEN_ADVERTISEMENT",
        "HUMAN_EXPLOITATION",
        "HUMAN_TRAFFICKING",
        "ILLEGAL_ORGANIZATIONS",
        "IMPERSONATION_ACCOUNT_HIJACKING",
        "INAUTHENTIC_ACCOUNTS",
        "INAUTHENTIC_LISTINGS",
        "INAUTHENTIC_USER_REVIEWS",
        "INCITEMENT_AGAINST_WOMEN",
        "INCITEMENT_VIOLENCE_HATRED",
        "INSUFFICIENT_INFORMATION_ON_TRADERS",
        "LANGUAGE_REQUIREMENTS",
        "MISINFORMATION_DISINFORMATION",
        "MISLEADING_INFO_CONSUMER_RIGHTS",
        "MISLEADING_INFO_GOODS_SERVICES",
        "MISSING_PROCESSING_GROUND",
        "NON_CONSENSUAL_IMAGE_SHARING",
        "NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN",
        "NON_CONSENSUAL_MATERIAL_DEEPFAKE",
        "NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN",
        "NONCOMPLIANCE_PRICING",
        "NUDITY",
        "PATENT_INFRINGEMENT",
        "PHISHING",
        "PROHIBITED_PRODUCTS",
        "PYRAMID_SCHEMES",
        "RIGHT_TO_BE_FORGOTTEN",
        "RISK_ENVIRONMENTAL_DAMAGE",
        "RISK_PUBLIC_HEALTH",
        "SELF_MUTILATION",
        "STALKING",
        "SUICIDE",
        "TERRORIST_CONTENT",
        "TRADE_SECRET_INFRINGEMENT",
        "TRADEMARK_INFRINGEMENT",
        "TRAFFICKING_WOMEN_GIRLS",
        "UNLAWFUL_SALE_ANIMALS",
        "UNSAFE_CHALLENGES",
        "UNSAFE_PRODUCTS",
        "VIOLATION_EU_LAW",
        "VIOLATION_NATIONAL_LAW",
        "OTHER",
    )
)
SOURCE_TYPES = (
    "SOURCE_ARTICLE_16",
    "SOURCE_TRUSTED_FLAGGER",
    "SOURCE_TYPE_OTHER_NOTIFICATION",
    "SOURCE_VOLUNTARY",
)
AUTOMATED_DETECTIONS = ("Yes", "No")
AUTOMATED_DECISIONS = (
    "AUTOMATED_DECISION_FULLY",
    "AUTOMATED_DECISION_PARTIALLY",
    "AUTOMATED_DECISION_NOT_AUTOMATED",
)
#: ``EuropeanCountriesService::EUROPEAN_COUNTRY_CODES``: the EEA (EU 27, Iceland,
#: Liechtenstein, Norway); Greece is ``GR`` here (not ``EL``). Kept once, in the settings
#: (the default territorial scope).
EUROPEAN_COUNTRY_CODES = EEA_COUNTRY_CODES
#: ``EuropeanLanguagesService::ALL_LANGUAGES`` keys: ISO 639-1 codes in upper case.
LANGUAGES = frozenset(
    (
        "AB",
        "AA",
        "AF",
        "AK",
        "SQ",
        "AM",
        "AR",
        "AN",
        "HY",
        "AS",
        "AV",
        "AE",
        "AY",
        "AZ",
        "BM",
        "BA",
        "EU",
        "BE",
        "BN",
        "BH",
        "BI",
        "BS",
        "BR",
        "BG",
        "MY",
        "CA",
        "KM",
        "CH",
        "CE",
        "NY",
        "ZH",
        "CU",
        "CV",
        "KW",
        "CO",
        "CR",
        "HR",
        "CS",
        "DA",
        "DV",
        "NL",
        "DZ",
        "EN",
        "EO",
        "ET",
        "EE",
        "FO",
        "FJ",
        "FI",
        "FR",
        "FF",
        "GD",
        "GL",
        "LG",
        "KA",
        "DE",
        "KI",
        "EL",
        "KL",
        "GN",
        "GU",
        "HT",
        "HA",
        "HE",
        "HZ",
        "HI",
        "HO",
        "HU",
        "IS",
        "IO",
        "IG",
        "ID",
        "IA",
        "IE",
        "IU",
        "IK",
        "GA",
        "IT",
        "JA",
        "JV",
        "KN",
        "KR",
        "KS",
        "KK",
        "RW",
        "KV",
        "KG",
        "KO",
        "KJ",
        "KU",
        "KY",
        "LO",
        "LA",
        "LV",
        "LB",
        "LI",
        "LN",
        "LT",
        "LU",
        "MK",
        "MG",
        "MS",
        "ML",
        "MT",
        "GV",
        "MI",
        "MR",
        "MH",
        "RO",
        "MN",
        "NA",
        "NV",
        "ND",
        "NG",
        "NE",
        "SE",
        "NO",
        "NB",
        "NN",
        "II",
        "OC",
        "OJ",
        "OR",
        "OM",
        "OS",
        "PI",
        "PA",
        "PS",
        "FA",
        "PL",
        "PT",
        "QU",
        "RM",
        "RN",
        "RU",
        "SM",
        "SG",
        "SA",
        "SC",
        "SR",
        "SN",
        "SD",
        "SI",
        "SK",
        "SL",
        "SO",
        "ST",
        "NR",
        "ES",
        "SU",
        "SW",
        "SS",
        "SV",
        "TL",
        "TY",
        "TG",
        "TA",
        "TT",
        "TE",
        "TH",
        "BO",
        "TI",
        "TO",
        "TS",
        "TN",
        "TR",
        "TK",
        "TW",
        "UG",
        "UK",
        "UR",
        "UZ",
        "VE",
        "VI",
        "VO",
        "WA",
        "CY",
        "FY",
        "WO",
        "XH",
        "YI",
        "YO",
        "ZA",
        "ZU",
    )
)

#: The ``puid`` rule: ``regex:/^[a-zA-Z0-9-_]+$/D`` and ``max:500``.
PUID_PATTERN = re.compile(r"[a-zA-Z0-9_-]+")
PUID_MAX = 500
#: Statements per call of ``POST /api/v1/statements`` (``statements: between:1,100``).
BATCH_MAX = 100

#: Every field the API reads (others are ignored by it; tvec writes none).
FIELDS = (
    "decision_visibility",
    "decision_visibility_other",
    "decision_monetary",
    "decision_monetary_other",
    "decision_provision",
    "decision_account",
    "account_type",
    "decision_ground",
    "decision_ground_reference_url",
    "illegal_content_legal_ground",
    "illegal_content_explanation",
    "incompatible_content_ground",
    "incompatible_content_explanation",
    "incompatible_content_illegal",
    "category",
    "category_addition",
    "category_specification",
    "category_specification_other",
    "content_type",
    "content_type_other",
    "content_language",
    "content_date",
    "content_id_ean",
    "territorial_scope",
    "application_date",
    "end_date_account_restriction",
    "end_date_monetary_restriction",
    "end_date_service_restriction",
    "end_date_visibility_restriction",
    "decision_facts",
    "source_type",
    "source_identity",
    "automated_detection",
    "automated_decision",
    "puid",
)

#: Free-text fields and their ``max`` (characters).
MAX_LENGTHS: dict[str, int] = {
    "decision_visibility_other": 500,
    "decision_monetary_other": 500,
    "category_specification_other": 500,
    "decision_ground_reference_url": 500,
    "illegal_content_legal_ground": 500,
    "illegal_content_explanation": 2000,
    "incompatible_content_ground": 500,
    "incompatible_content_explanation": 2000,
    "content_type_other": 500,
    "decision_facts": 5000,
    "source_identity": 500,
    "puid": PUID_MAX,
}
#: Single-value fields and their allowed values.
ENUMS: dict[str, Sequence[str]] = {
    "decision_monetary": DECISION_MONETARIES,
    "decision_provision": DECISION_PROVISIONS,
    "decision_account": DECISION_ACCOUNTS,
    "account_type": ACCOUNT_TYPES,
    "decision_ground": DECISION_GROUNDS,
    "incompatible_content_illegal": INCOMPATIBLE_CONTENT_ILLEGALS,
    "category": STATEMENT_CATEGORIES,
    "content_language": sorted(LANGUAGES),
    "source_type": SOURCE_TYPES,
    "automated_detection": AUTOMATED_DETECTIONS,
    "automated_decision": AUTOMATED_DECISIONS,
}
#: Array fields and the values their elements may take.
ARRAY_ENUMS: dict[str, Sequence[str]] = {
    "decision_visibility": DECISION_VISIBILITIES,
    "category_addition": STATEMENT_CATEGORIES,
    "category_specification": KEYWORDS,
    "content_type": CONTENT_TYPES,
    "territorial_scope": EUROPEAN_COUNTRY_CODES,
}
#: Always required.
REQUIRED = (
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
)
#: Date fields: (earliest, latest) allowed, inclusive; all ``Y-m-d``.
DATE_RANGES: dict[str, tuple[date | None, date]] = {
    "content_date": (date(2000, 1, 1), date(2038, 1, 1)),
    "application_date": (date(2020, 1, 1), date(2038, 1, 1)),
    "end_date_account_restriction": (None, date(2038, 1, 1)),
    "end_date_monetary_restriction": (None, date(2038, 1, 1)),
    "end_date_service_restriction": (None, date(2038, 1, 1)),
    "end_date_visibility_restriction": (None, date(2038, 1, 1)),
}
#: The four restriction kinds: at least one must be given (``required_without_all``).
RESTRICTIONS = (
    "decision_visibility",
    "decision_monetary",
    "decision_provision",
    "decision_account",
)
#: ``<field>`` required (``required_if``) when ``<trigger>`` equals (or, for an array,
#: holds) ``<value>``, and dropped (``exclude_unless``/``excludeIf``) otherwise.
CONDITIONAL: dict[str, tuple[str, str]] = {
    "decision_visibility_other": ("decision_visibility", "DECISION_VISIBILITY_OTHER"),
    "decision_monetary_other": ("decision_monetary", "DECISION_MONETARY_OTHER"),
    "illegal_content_legal_ground": ("decision_ground", "DECISION_GROUND_ILLEGAL_CONTENT"),
    "illegal_content_explanation": ("decision_ground", "DECISION_GROUND_ILLEGAL_CONTENT"),
    "incompatible_content_ground": ("decision_ground", "DECISION_GROUND_INCOMPATIBLE_CONTENT"),
    "incompatible_content_explanation": (
        "decision_ground",
        "DECISION_GROUND_INCOMPATIBLE_CONTENT",
    ),
    "content_type_other": ("content_type", "CONTENT_TYPE_OTHER"),
}
#: Dropped unless the trigger holds, but never required.
EXCLUDE_UNLESS: dict[str, tuple[str, str]] = {
    "incompatible_content_illegal": ("decision_ground", "DECISION_GROUND_INCOMPATIBLE_CONTENT"),
}
_EAN = re.compile(r"[0-9]{13}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

Errors = dict[str, list[str]]


def _label(field: str) -> str:
    return field.replace("_", " ")


def _filled(value: Any) -> bool:
    """Laravel's ``required``: not null, not blank text, not an empty array."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, list | tuple | dict):
        return len(value) > 0
    return True


def _holds(value: Any, wanted: str) -> bool:
    if isinstance(value, list | tuple):
        return wanted in value
    return bool(value == wanted)


def _is_url(value: str) -> bool:
    """Laravel's ``url`` rule, closely: a scheme, a host, no white space."""
    if any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def validate(statement: Mapping[str, Any]) -> Errors:
    """Check one statement of reasons against the API's rules.

    Args:
        statement: the statement as JSON-ready values (field name -> value).

    Returns:
        The errors, keyed by field name as the API answers them in a 422 (each a list of
        messages in Laravel's wording); empty when the API would accept the statement.
    """
    errors: Errors = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    data = dict(statement)
    # fields the API drops before checking them (exclude_unless / excludeIf)
    for field, (trigger, wanted) in {**CONDITIONAL, **EXCLUDE_UNLESS}.items():
        if not _holds(data.get(trigger), wanted):
            data.pop(field, None)
    for field in REQUIRED:
        if not _filled(data.get(field)):
            add(field, f"The {_label(field)} field is required.")
    if not any(_filled(data.get(f)) for f in RESTRICTIONS):
        for field in RESTRICTIONS:
            others = " / ".join(_label(f) for f in RESTRICTIONS if f != field)
            add(
                field,
                f"The {_label(field)} field is required when none of {others} are present.",
            )
    for field, (trigger, wanted) in CONDITIONAL.items():
        if _holds(data.get(trigger), wanted) and not _filled(data.get(field)):
            add(field, f"The {_label(field)} field is required when {_label(trigger)} is {wanted}.")
    for field, allowed in ENUMS.items():
        value = data.get(field)
        if value is not None and field in data and value not in allowed:
            add(field, f"The selected {_label(field)} is invalid.")
    for field, allowed in ARRAY_ENUMS.items():
        value = data.get(field)
        if value is None:
            continue
        if not isinstance(value, list):
            add(field, f"The {_label(field)} field must be an array.")
        elif any(not isinstance(v, str) or v not in allowed for v in value):
            add(field, f"The selected {_label(field)} is invalid.")
    for field, limit in MAX_LENGTHS.items():
        value = data.get(field)
        if value is None:
            continue
        if not isinstance(value, str):
            add(field, f"The {_label(field)} field must be a string.")
        elif len(value) > limit:
            add(field, f"The {_label(field)} field must not be greater than {limit} characters.")
    for field, (earliest, latest) in DATE_RANGES.items():
        value = data.get(field)
        if value is None or (field in REQUIRED and not _filled(value)):
            continue
        when = _parse_date(value)
        if when is None:
            add(field, f"The {_label(field)} does not match the format YYYY-MM-DD.")
            continue
        if earliest is not None and when < earliest:
            add(
                field,
                f"The {_label(field)} field must be a date after or equal to "
                f"{earliest.isoformat()}.",
            )
        if when > latest:
            add(
                field,
                f"The {_label(field)} field must be a date before or equal to "
                f"{latest.isoformat()}.",
            )
    url = data.get("decision_ground_reference_url")
    if isinstance(url, str) and url and not _is_url(url):
        add(
            "decision_ground_reference_url",
            "The decision ground reference url field must be a valid URL.",
        )
    puid = data.get("puid")
    if isinstance(puid, str) and _filled(puid) and not PUID_PATTERN.fullmatch(puid):
        add("puid", "The puid format is invalid.")
    ean = data.get("content_id_ean")
    if ean is not None and not (isinstance(ean, str) and _EAN.fullmatch(ean)):
        add("content_id_ean", "The content id ean field format is invalid.")
    return errors


def _parse_date(value: Any) -> date | None:
    """PHP's ``date_format:Y-m-d``: four-digit year, two-digit month and day, a real date."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def validate_batch(statements: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Check a batch as ``POST /api/v1/statements`` does.

    Returns:
        The API's ``errors`` object: ``{"statements": [...]}`` when the batch is empty or
        holds more than :data:`BATCH_MAX`, else ``{"statement_<index>": {field: [...]}}``
        for each refused statement; empty when every statement passes.
    """
    if not 1 <= len(statements) <= BATCH_MAX:
        return {"statements": [f"The statements field must have between 1 and {BATCH_MAX} items."]}
    out: dict[str, Any] = {}
    for index, statement in enumerate(statements):
        found = validate(statement)
        if found:
            out[f"statement_{index}"] = found
    return out

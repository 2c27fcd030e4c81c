"""Data files read into pydantic models, and their problems in tvec's words.

tvec reads four data files whose shapes are pydantic models beside their readers: the entity
registry (:mod:`tvec.entities.files`), the platform registry (:mod:`tvec.platforms.files`),
the removal markers (:mod:`tvec.takedowns.marker_files`) and removal orders
(:mod:`tvec.orders.order_file`). The models check the shape (keys, types, required fields);
the readers keep the checks across entries (duplicate ids, parent loops...).

A :class:`pydantic.ValidationError` is never shown raw. :func:`problem_message` turns it into
one plain sentence in the form every reader uses::

    <file>: <entry>: <problem naming the field>
    entities.yaml: entity 'a': alias 0 ('X'): 'lang' is missing

where the reader names the entry from the error's location (``entity 'a'``, ``platform row
2``, ``row 1 (platform 'YouTube')``) and raises the error class of its file
(:class:`~tvec.errors.ConfigError` for files named by settings, :class:`~tvec.errors.UsageError`
for order files).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

#: A location in a document: keys and list positions, outermost first.
Location = tuple[str | int, ...]

#: What a type error says a field must be, by pydantic error type.
_MUST_BE = {
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "date_type": "an ISO date (YYYY-MM-DD)",
    "date_parsing": "an ISO date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "an ISO date (YYYY-MM-DD)",
    "datetime_type": "an ISO 8601 time with a time zone",
}


class FileModel(BaseModel):
    """Base of the models of a data file's entries: unknown keys are an error (a typo must
    not pass silently), values are not coerced between types, models are frozen."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _field(loc: Location) -> str:
    """The field a location ends on, in words (``'domains'``, ``'markers' entry 2``)."""
    if not loc:
        return ""
    last = loc[-1]
    if isinstance(last, int):
        parent = f"{loc[-2]!r} " if len(loc) > 1 else ""
        return f"{parent}entry {last + 1}"
    return repr(last)


def _one_problem(error: Any) -> str:
    """One pydantic error (a dict of ``ErrorDetails``) as a plain problem naming its field."""
    kind: str = error["type"]
    loc: Location = tuple(error["loc"])
    field = _field(loc)
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", error["msg"]))
    if kind == "missing":
        return f"{field} is missing"
    if kind in ("enum", "literal_error"):
        return f"{str(loc[-1]) if loc else 'value'} {value!r} is not one of {ctx.get('expected')}"
    if kind == "string_too_short" or kind == "too_short":
        return f"{field} must not be empty"
    must_be = _MUST_BE.get(kind)
    if must_be is not None:
        if not field:
            return f"expected {must_be}, not {_type_name(value)}"
        shown = _type_name(value) if isinstance(value, list | dict) else repr(value)
        return f"{field} must be {must_be}, not {shown}"
    message: str = error["msg"]
    return f"{field}: {message[:1].lower()}{message[1:]}" if field else message


def problem_message(
    error: ValidationError, entry: str | Callable[[Location], tuple[str, Location]] = ""
) -> str:
    """The first problem of ``error`` as ``"<entry>: <problem>"`` (or just the problem).

    Args:
        error: what pydantic found. Its first error is reported, with every other missing
            field of the same entry and every unknown key of that entry (a misspelt key
            shows as both: ``'name' is missing; unknown keys ['nmae']``).
        entry: the name of the entry validated (``"platform 'X'"``, ``""`` for a whole
            document), or a function that splits an error's location into the name of the
            entry it falls in and the location within that entry (for a model of a whole
            file: ``("entities", 3, "name")`` -> ``("entity 'a'", ("name",))``).

    Returns:
        One sentence without the file name (the reader puts it first).
    """
    errors: Sequence[Any] = error.errors(include_url=False)
    first = errors[0]
    if isinstance(entry, str):
        label, inner = entry, tuple(first["loc"])
    else:
        label, inner = entry(tuple(first["loc"]))
    parent = tuple(first["loc"])[:-1]
    if first["type"] in ("extra_forbidden", "missing"):
        same = [e for e in errors if e["type"] == first["type"] and tuple(e["loc"])[:-1] == parent]
        names = [e["loc"][-1] for e in same]
        if first["type"] == "extra_forbidden":
            problem = f"unknown keys {sorted(str(n) for n in names)}"
        elif len(names) == 1:
            problem = _one_problem(first | {"loc": inner})
        else:
            problem = f"{', '.join(repr(n) for n in names)} are missing"
    else:
        problem = _one_problem(first | {"loc": inner})
    if first["type"] != "extra_forbidden":  # a typo in a key is often why a field is missing
        unknown = [
            str(e["loc"][-1])
            for e in errors
            if e["type"] == "extra_forbidden" and tuple(e["loc"])[:-1] == parent
        ]
        if unknown:
            problem += f"; unknown keys {sorted(unknown)}"
    return f"{label}: {problem}" if label else problem

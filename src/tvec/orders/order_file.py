"""The removal order file: one JSON object, read into the pydantic model :class:`OrderFile`.

The file has this shape (``docs/removal-orders.md``)::

    {
      "reference": "BKA-TCO-2024-0001",
      "authority": "Bundeskriminalamt",
      "member_state": "DE",
      "received_at": "2024-05-01T10:00:00Z",
      "urls": ["https://video.example/v/123"],
      "reasons": "Incites the commission of terrorist offences (Article 2(7)(a))."
    }

:func:`read_order_file` checks what JSON itself lets through (a key given twice, a byte order
mark, nesting too deep, lone surrogate escapes); :class:`OrderFile` checks the keys and their
types. The Member State, the URLs and the time are checked further when the order is
recorded (:func:`tvec.orders.service.record_order`).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError, ValidationInfo, field_validator

from tvec.datafiles import FileModel, problem_message
from tvec.errors import NotFoundError, UsageError
from tvec.orders.clock import parse_time

#: The keys of an order file (all required).
ORDER_FILE_KEYS = ("reference", "authority", "member_state", "received_at", "urls", "reasons")


class OrderFile(FileModel):
    """The fields of a removal order, as read from a file or given as options.

    Attributes:
        reference: the authority's reference of the order.
        authority: the issuing competent authority.
        member_state: its Member State, as given (checked when recorded).
        received_at: time of receipt, aware UTC. Given as text (a file), it must be ISO 8601
            with a time zone (:func:`tvec.orders.clock.parse_time`; the validation context's
            ``"what"`` names it in messages).
        urls: the URLs to remove, as given.
        reasons: the statement of reasons.

    Every key is required, unknown keys are an error, and values are not coerced (a number
    is not a reference).
    """

    reference: str
    authority: str
    member_state: str
    received_at: datetime
    urls: list[str]
    reasons: str

    @field_validator("received_at", mode="before")
    @classmethod
    def _parse_received_at(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str | datetime):
            context = info.context if isinstance(info.context, dict) else {}
            return parse_time(value, str(context.get("what", "received_at")))
        return value


class _DuplicateKeyError(ValueError):
    """A JSON object of the order file names a key twice (raised inside ``json.loads``)."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` that refuses a key given twice (json keeps the last silently)."""
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateKeyError(key)
        document[key] = value
    return document


def _file_error(path: Path, problem: str) -> UsageError:
    return UsageError(f"removal order file {path}: {problem}")


def _lone_surrogate(value: Any) -> str | None:
    """The first string in ``value`` (nested lists and objects) that is not valid Unicode
    text (a lone surrogate from a ``\\udXXX`` escape), shown safely; None if there is none."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            try:
                current.encode("utf-8")
            except UnicodeEncodeError:
                return current.encode("utf-8", "backslashreplace").decode("ascii", "replace")[:80]
        elif isinstance(current, dict):
            stack.extend(current.keys())
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return None


def _read_json(path: Path) -> Any:
    """The JSON document of ``path``; every problem is a UsageError naming the file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"removal order file {path}: no such file") from None
    except IsADirectoryError:
        raise _file_error(path, "is a folder, not a JSON file") from None
    except OSError as exc:
        raise _file_error(path, f"cannot read it ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(
            path, f"is not UTF-8 text (byte {exc.start}); is it a binary file?"
        ) from None
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKeyError as exc:
        raise _file_error(
            path, f"the key {exc.key!r} is given twice (each key at most once)"
        ) from None
    except json.JSONDecodeError as exc:
        raise _file_error(path, f"not JSON: {exc}") from None
    except RecursionError:
        raise _file_error(path, "not a removal order: JSON nested too deeply to read") from None
    except ValueError as exc:  # e.g. an integer longer than Python's digit limit
        raise _file_error(path, f"not JSON that can be read: {exc}") from None


def read_order_file(path: Path) -> OrderFile:
    """Read one removal order from a JSON file (shape in the module docstring).

    The file is UTF-8 JSON (a leading byte order mark is accepted); it holds exactly one
    object with exactly the keys :data:`ORDER_FILE_KEYS`, none given twice. Every problem
    with the file is a usage error (exit 2) whose message names the file, the key and the
    problem: a file that is an order "with item errors" does not exist.

    Raises:
        NotFoundError: no such file.
        UsageError: the path is a folder or cannot be read; not UTF-8 text; not JSON
            (including nesting too deep for the parser); not one object; a key missing,
            unknown or given twice; a value of the wrong type; ``received_at`` not an ISO
            8601 time with a time zone (each named).
    """
    document = _read_json(path)
    broken = _lone_surrogate(document)
    if broken is not None:
        raise _file_error(
            path, f"the text {broken!r} holds a lone surrogate escape (\\ud800-\\udfff): not text"
        )
    if not isinstance(document, dict):
        found = "an array" if isinstance(document, list) else f"a {type(document).__name__}"
        raise _file_error(path, f"holds {found}; a removal order file holds one JSON object")
    what = f"removal order file {path}: received_at"
    try:
        return OrderFile.model_validate(document, context={"what": what})
    except ValidationError as error:
        problem = problem_message(error)
        if any(e["type"] in ("missing", "extra_forbidden") for e in error.errors()):
            problem += f" (keys: {', '.join(ORDER_FILE_KEYS)})"
        raise _file_error(path, problem) from None

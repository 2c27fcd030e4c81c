"""The shape of a row of a removal-markers file, as a pydantic model.

:class:`MarkerFileRow` checks one row's keys and value types (format in
:mod:`tvec.takedowns.markers` and ``docs/status-checks.md``); the reader
(:func:`tvec.takedowns.markers.parse_rows`) then compiles the markers and login paths,
refuses expressions that would match every page or path, and checks the rows against each
other and against the platform registry.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator

from tvec.datafiles import FileModel


def _required_platform(value: object) -> object:
    """The stripped platform name; ValueError when it is absent or blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("'platform' is missing")
    return value.strip() if isinstance(value, str) else value


class MarkerFileRow(FileModel):
    """One row as written: ``platform`` (a registry name or ``"*"``), ``markers`` and
    ``login_paths`` (lists of text), ``login_redirect``, ``home_redirect`` and ``replace``
    (true or false), ``notes`` (text). Only ``platform`` is required; unknown keys are an
    error."""

    platform: Annotated[str, BeforeValidator(_required_platform)]
    markers: list[str] | None = None
    login_paths: list[str] | None = None
    login_redirect: bool | None = None
    home_redirect: bool | None = None
    notes: str | None = None
    replace: bool | None = None

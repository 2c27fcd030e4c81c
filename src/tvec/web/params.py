"""Typed request parameters shared by the routers: database ids within the column range."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import Field

#: Largest id a database integer column holds on both backends (PostgreSQL INTEGER).
MAX_ID = 2**31 - 1

#: A database id in a URL path.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
#: A database id in a request body.
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]

"""Typed request parameters shared by the routers: database ids within the column range,
and the queue filter carried through the case page's forms."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import Path
from pydantic import Field

from tvec.cases import QueueFilter
from tvec.errors import TvecError

#: Largest id a database integer column holds on both backends (PostgreSQL INTEGER).
MAX_ID = 2**31 - 1

#: Characters a decision form's note field takes before the request is refused outright
#: (422). Notes over the domain's limit (:data:`tvec.cases.service.MAX_NOTE`) but under this
#: one get the form again with the reason and everything typed kept, not an error page.
MAX_FORM_NOTE = 100_000

#: A database id in a URL path.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
#: A database id in a request body.
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]


#: The queue's filters, in the order of its query string.
QUEUE_FILTERS = ("status", "entity", "signal_type", "source", "platform", "language")


def queue_query(filters: QueueFilter) -> str:
    """The query string (``status=open&entity=...``) of a queue filter: carried from the
    queue to a case page and through its forms, so a moderator lands on the next case of
    the same filter."""
    return urlencode({n: v for n in QUEUE_FILTERS if (v := getattr(filters, n, None))})


def parse_queue_query(query: str | None) -> QueueFilter:
    """The :class:`~tvec.cases.QueueFilter` of a query string made by :func:`queue_query`;
    open cases without filters when it is empty or not valid."""
    values = {k: v[:200] for k, v in parse_qsl(query or "") if k in QUEUE_FILTERS and v}
    try:
        return QueueFilter(**values).check()
    except TvecError:
        return QueueFilter()

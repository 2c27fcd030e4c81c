"""Column mappings for posts in CSV and JSON Lines files (``tvec source add --map``).

A mapping names, for each field tvec knows, the column (CSV) or key (JSON Lines; dotted
paths such as ``user.name`` reach into nested objects) that holds it:

=============  ==========================================================================
field          meaning
=============  ==========================================================================
``id``         the post's id, unique in the file (default: the line number)
``text``       message text
``url``        the post's own address (kept as metadata and as an out-link)
``posted_at``  ISO 8601 (no zone = UTC) or Unix seconds
``links``      a column of out-links, several separated by whitespace (repeatable)
``author``     who posted it (metadata)
=============  ==========================================================================

On the command line: ``--map text=message --map id=post_id --map links=attachments``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tvec.errors import UsageError

FIELDS = ("id", "text", "url", "posted_at", "links", "author")


@dataclass(frozen=True)
class PostMapping:
    """Which column (or key) holds each post field; ``None`` when the file has none."""

    id: str | None = None
    text: str | None = None
    url: str | None = None
    posted_at: str | None = None
    links: tuple[str, ...] = ()
    author: str | None = None

    @classmethod
    def parse(cls, pairs: Iterable[str], *, default: PostMapping | None = None) -> PostMapping:
        """Build a mapping from ``field=column`` strings (on top of ``default``).

        Raises:
            UsageError: a pair lacks ``=``, names an unknown field, or an empty column.
        """
        values: dict[str, Any] = dict((default or cls()).as_dict())
        links: list[str] = []
        for pair in pairs:
            field, sep, column = pair.partition("=")
            field, column = field.strip(), column.strip()
            if not sep or not column:
                raise UsageError(f"--map {pair!r}: expected FIELD=COLUMN")
            if field not in FIELDS:
                raise UsageError(f"--map {pair!r}: unknown field (known: {', '.join(FIELDS)})")
            if field == "links":
                links.append(column)
            else:
                values[field] = column
        if links:
            values["links"] = links
        return cls.from_dict(values)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> PostMapping:
        """The mapping stored in a source's options (see :meth:`as_dict`)."""
        return cls(
            id=values.get("id"),
            text=values.get("text"),
            url=values.get("url"),
            posted_at=values.get("posted_at"),
            links=tuple(values.get("links") or ()),
            author=values.get("author"),
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (stored in ``source.options['mapping']``)."""
        return {
            "id": self.id,
            "text": self.text,
            "url": self.url,
            "posted_at": self.posted_at,
            "links": list(self.links),
            "author": self.author,
        }

    def columns(self) -> list[str]:
        """Every column the mapping names."""
        named = [self.id, self.text, self.url, self.posted_at, self.author, *self.links]
        return [c for c in named if c]


#: The JSON Lines posts layout of :mod:`tvec.sources.jsonl` as a mapping.
JSONL_DEFAULT = PostMapping(id="id", text="text", url="url", posted_at="posted_at")

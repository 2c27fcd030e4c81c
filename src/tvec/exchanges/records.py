"""What an exchange source yields: pages of upstream records with the checkpoint after them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Upsert:
    """One upstream record as it now is: its own id, its signals and its labels.

    Attributes:
        source_id: the source's own id of the record (``signal_type:value`` when the
            source has none).
        signals: ``(signal_type, value)`` pairs, as the source gave them (validated when
            applied).
        entity, ideology: labels, as the source gave them.
        tags: the source's tags.
        extra: other labels kept on the bank entry (JSON-ready).
        where: names the record in messages (``line 3``; default ``entry id <source_id>``).
    """

    source_id: str
    signals: tuple[tuple[str, str], ...]
    entity: str | None = None
    ideology: str | None = None
    tags: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    where: str = ""


@dataclass(frozen=True)
class Problem:
    """A record or page that could not be used: where (``page 3``, ``entry 1234``) and why."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Page:
    """One page of a fetch, applied in one transaction with its checkpoint.

    Attributes:
        upserts: records added or changed upstream (in order; a later one wins).
        deletions: source ids withdrawn upstream.
        checkpoint: where the next fetch continues after this page (JSON-ready; ``None``
            keeps the stored one).
        problems: records of this page that were refused (the rest still apply).
        snapshot: this page is the whole list: records of the exchange not in it are
            deleted.
        label: names the page in messages (``page 3``, ``https://.../list.csv``).
    """

    upserts: list[Upsert] = field(default_factory=list)
    deletions: list[str] = field(default_factory=list)
    checkpoint: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)
    snapshot: bool = False
    label: str = "page"
    #: nothing changed upstream (a 304 answer): keep the bank as it is
    unchanged: bool = False

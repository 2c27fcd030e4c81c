"""Result models of banks: ``tvec bank list|show --json`` and what an import or add did."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tvec.views.base import Timestamp, View


class BankView(View):
    """A bank with its entry count per signal type (``tvec bank list --json``)."""

    name: str
    description: str | None
    counts: dict[str, int] = Field(description="Entries per signal type (pdq, md5, url...).")
    created_at: Timestamp

    @property
    def total(self) -> int:
        """Number of entries in the bank."""
        return sum(self.counts.values())


class BankEntryView(View):
    """One bank entry: its signal and labels (entity, ideology, source, note and extras)."""

    id: int
    signal_type: str
    value: str = Field(description="Canonical value; a vpdq entry's stored reference.")
    labels: dict[str, Any]
    created_at: Timestamp


class BankShowView(View):
    """A bank and its first entries by id (``tvec bank show --json``)."""

    bank: BankView
    entries: list[BankEntryView]


class RowProblemView(View):
    """A row (or file, by position from 1) that was not loaded, and why."""

    line: int
    message: str


class BankLoadView(View):
    """What ``tvec bank import`` or ``tvec bank add`` did to a bank."""

    bank: str
    added: int
    already_present: int
    problems: list[RowProblemView] = Field(description="By line (import) or file position.")

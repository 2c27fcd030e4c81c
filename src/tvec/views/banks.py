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


class BankFeedView(View):
    """The exchange that fetches signals into a bank (``tvec exchange``), if one does."""

    name: str
    kind: str = Field(description="The exchange's kind (tcap, threatexchange, url list...).")
    enabled: bool = Field(description="Whether it is fetched on its schedule.")
    state: str
    last_success_at: Timestamp | None


class BankSummaryView(View):
    """A bank as the bank pages list it: its counts, its curation state and its source."""

    name: str
    description: str | None
    counts: dict[str, int] = Field(description="Entries per signal type (pdq, md5, url...).")
    total: int = Field(description="Number of entries.")
    created_at: Timestamp
    matching_enabled_ratio: float = Field(
        description="HMA's share of /m/lookup requests that see the bank (0 disables it "
        "there; tvec's own scans match every bank)."
    )
    feed: BankFeedView | None = Field(description="The exchange feeding it; null if local.")
    sources: list[str] = Field(description="The entries' source labels (TCAP, GIFCT...).")


class BankPageEntryView(View):
    """One bank entry on a page of entries: its signal, labels, and whether a blurred
    thumbnail was kept for it (entries added from image files)."""

    id: int
    signal_type: str
    value: str = Field(description="Canonical value; a vpdq entry's stored reference.")
    labels: dict[str, Any] = Field(description="entity, ideology, source, note, file...")
    created_at: Timestamp
    thumbnail: bool


class BankEntriesView(View):
    """One page of a bank's entries, newest first, filtered by signal type and label."""

    bank: BankSummaryView
    entries: list[BankPageEntryView]
    matching: int = Field(description="Entries that pass the filters (all pages).")
    page: int = Field(description="This page, from 1.")
    pages: int = Field(description="Number of pages (at least 1).")
    per_page: int
    signal_type: str | None
    label: str | None = Field(description="Text looked for in entity, ideology, source, note.")

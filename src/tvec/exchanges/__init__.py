"""Exchanges: hash and URL lists fetched from the field into banks, kept current, and
feedback sent back (``docs/exchanges.md``).

Modules: :mod:`~tvec.exchanges.records` (what a source yields: pages of upserts and
deletions with a checkpoint), :mod:`~tvec.exchanges.kinds` (one source per kind: Tech
Against Terrorism, Facebook ThreatExchange, a remote HMA's export, a file, a URL list),
:mod:`~tvec.exchanges.apply` (a page into a bank, with its checkpoint, in one transaction),
:mod:`~tvec.exchanges.service` (configure, fetch, status) and
:mod:`~tvec.exchanges.feedback` (the outbox of opinions).
"""

KINDS = ("tat", "threatexchange", "hma", "file", "url-list")

__all__ = ["KINDS"]

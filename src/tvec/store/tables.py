"""Light Core views of the bank tables, for read paths that must start fast.

Importing :mod:`tvec.store.models` defines every ORM class of tvec (some 40, with their
relationships): about a third of a second of CPU before the first query. The matcher and the
persisted index (:mod:`tvec.matching.matcher`, :mod:`tvec.matching.index_sync`,
:mod:`tvec.store.bank_changes`) only read and write a few columns of a few tables, so they
use these :func:`sqlalchemy.table` clauses instead: the same table and column names and
result types as the models (``extra`` is JSON), no ORM. The models stay the schema's one
definition (Alembic and the schema tests use them); ``tests/core/test_store_tables.py``
checks that every column here exists there with the same Python type.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Integer, String, Text, column, table

#: ``bank``: a named list of known signals (:class:`tvec.store.models.Bank`).
BANK = table("bank", column("id", Integer), column("name", String))

#: ``bank_entry``: one known signal with its labels (:class:`tvec.store.models.BankEntry`).
BANK_ENTRY = table(
    "bank_entry",
    column("id", Integer),
    column("bank_id", Integer),
    column("signal_type", String),
    column("value", Text),
    column("entity", String),
    column("ideology", String),
    column("source", String),
    column("note", Text),
    column("extra", JSON),
)

#: ``bank_version``: the bank change counter, one row (:class:`tvec.store.models.BankVersion`).
BANK_VERSION = table("bank_version", column("id", Integer), column("version", BigInteger))

#: ``bank_change``: the entry ids each bank change touched (:class:`tvec.store.models.BankChange`).
BANK_CHANGE = table(
    "bank_change",
    column("id", Integer),
    column("version", BigInteger),
    column("op", String),
    column("first_id", BigInteger),
    column("last_id", BigInteger),
)

#: ``vpdq_features``: vPDQ frame lists by SHA-256 (:class:`tvec.store.models.VPDQFeatures`).
VPDQ_FEATURES = table(
    "vpdq_features",
    column("digest", String),
    column("frame_count", Integer),
    column("features", Text),
)

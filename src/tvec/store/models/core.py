"""SQLAlchemy 2 models: tvec's domain model v1.

Tables (see ``docs/data-model.md``)::

    source ──< item ──< signal
                 │ └──< item_error
                 ├──< outlink_sighting >── outlink    (sightings keep source_id too)
                 └──< match >── bank_entry >── bank
    scan ──< scan_item (which items a scan saw)
    platform_override (platform rows added or changed by users)

Times are stored as timezone-aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from tvec.clock import utcnow


class UTCDateTime(TypeDecorator[datetime]):
    """A DateTime that always comes back timezone-aware in UTC (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every tvec table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: UTCDateTime,
    }


class Source(Base):
    """Where items come from: a folder, a Telegram export, a JSON Lines file, a feed..."""

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    locator: Mapped[str] = mapped_column(Text)
    platform: Mapped[str | None] = mapped_column(String(200))
    entity: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=True)
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: How to read the source (e.g. a CSV column mapping); set by ``tvec source add``.
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Item(Base):
    """One piece of content: a file, a message, a post, or media inside a message.

    ``locator`` is unique: a file URI, or a stable id such as ``tg:<chat>/<message>``.
    ``sha256``/``size`` describe the bytes (files and media; ``None`` for text-only items).
    """

    __tablename__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    locator: Mapped[str] = mapped_column(Text, unique=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id", ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    media_type: Mapped[str] = mapped_column(String(100))
    content_type: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[datetime | None] = mapped_column()
    collected_at: Mapped[datetime] = mapped_column(default=utcnow)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)

    signals: Mapped[list[Signal]] = relationship(
        back_populates="item", cascade="all, delete-orphan", passive_deletes=True
    )
    errors: Mapped[list[ItemError]] = relationship(
        back_populates="item", cascade="all, delete-orphan", passive_deletes=True
    )
    children: Mapped[list[Item]] = relationship(back_populates="parent", passive_deletes=True)
    parent: Mapped[Item | None] = relationship(back_populates="children", remote_side=[id])

    __table_args__ = (Index("ix_item_source", "source_id"), Index("ix_item_parent", "parent_id"))


class Signal(Base):
    """A value a signal type computed for an item (PDQ hash, MD5, canonical URL...)."""

    __tablename__ = "signal"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    signal_type: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(Text)
    quality: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[Item] = relationship(back_populates="signals")

    __table_args__ = (
        UniqueConstraint("item_id", "signal_type", "value", name="uq_signal_item_type_value"),
        Index("ix_signal_type_value", "signal_type", "value"),
    )


class ItemError(Base):
    """A problem with one input found by one scan, on its item (or its locator if no item).

    Each scan records its own errors, so a scan's result lists exactly what it met.
    """

    __tablename__ = "item_error"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("scan.id", ondelete="CASCADE"))
    locator: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[Item | None] = relationship(back_populates="errors")

    __table_args__ = (
        UniqueConstraint("scan_id", "locator", "kind", name="uq_item_error_scan_locator_kind"),
    )


class Bank(Base):
    """A named list of known signals with default labels (e.g. a TCAP or GIFCT import)."""

    __tablename__ = "bank"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: HMA's ``matching_enabled_ratio`` (0.0-1.0): the share of HMA ``/m/lookup`` requests
    #: that see the bank (:mod:`tvec.banks.hma`); tvec's own scans match every bank.
    matching_enabled_ratio: Mapped[float] = mapped_column(default=1.0, server_default="1.0")

    entries: Mapped[list[BankEntry]] = relationship(
        back_populates="bank", cascade="all, delete-orphan", passive_deletes=True
    )


class SignalTypeSetting(Base):
    """HMA's per signal type ``enabled_ratio`` override (``PUT /c/signal_type/<name>``); a
    signal type without a row has ratio 1.0. Listed by ``GET /c/signal_type``; like HMA's, it
    does not change matching."""

    __tablename__ = "signal_type_setting"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled_ratio: Mapped[float] = mapped_column(default=1.0)


class BankEntry(Base):
    """One known signal in a bank, with labels (entity, ideology, source, note)."""

    __tablename__ = "bank_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("bank.id", ondelete="CASCADE"))
    signal_type: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(Text)
    entity: Mapped[str | None] = mapped_column(String(200))
    ideology: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    bank: Mapped[Bank] = relationship(back_populates="entries")

    __table_args__ = (
        # Serves every lookup of an entry (by bank, or by bank, signal type and value);
        # nothing looks values up across banks (migration 0019 dropped that index).
        UniqueConstraint("bank_id", "signal_type", "value", name="uq_bank_entry_value"),
    )

    def labels(self) -> dict[str, Any]:
        """The entry's labels as a dict (``entity``, ``ideology``, ``source``, ``note``, ...)."""
        out: dict[str, Any] = {
            "entity": self.entity,
            "ideology": self.ideology,
            "source": self.source,
            "note": self.note,
        }
        # ``extra["hma"]`` holds HMA content fields (tvec.banks.hma), not labels
        out.update({k: v for k, v in (self.extra or {}).items() if k != "hma"})
        return {k: v for k, v in out.items() if v not in (None, "")}


class Match(Base):
    """An item's signal found within the threshold of a bank entry."""

    __tablename__ = "match"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    bank_entry_id: Mapped[int] = mapped_column(ForeignKey("bank_entry.id", ondelete="CASCADE"))
    signal_type: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(Text)
    distance: Mapped[int] = mapped_column(Integer)
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("scan.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[Item] = relationship()
    bank_entry: Mapped[BankEntry] = relationship()

    __table_args__ = (
        UniqueConstraint("item_id", "bank_entry_id", "signal_type", "value", name="uq_match"),
        Index("ix_match_entry", "bank_entry_id"),
    )


class Scan(Base):
    """One run of ``tvec scan``: when, over what, how it ended, and its counts."""

    __tablename__ = "scan"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="running")
    paths: Mapped[dict[str, Any]] = mapped_column(default=dict)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))


class Outlink(Base):
    """One distinct canonical URL found in items, resolved to its platform (migration 0003).

    ``platform`` is the platform's name, or ``None`` for an unknown domain (then
    ``registrable_domain`` says whose it is). ``first_seen_at``/``last_seen_at`` span its
    sightings.
    """

    __tablename__ = "outlink"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    registrable_domain: Mapped[str] = mapped_column(String(255), default="")
    host: Mapped[str] = mapped_column(String(255), default="")
    platform: Mapped[str | None] = mapped_column(String(200), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    sightings: Mapped[list[OutlinkSighting]] = relationship(
        back_populates="outlink", cascade="all, delete-orphan", passive_deletes=True
    )


class OutlinkSighting(Base):
    """One out-link seen in one item: the text as written, the source, when (migration 0003)."""

    __tablename__ = "outlink_sighting"

    id: Mapped[int] = mapped_column(primary_key=True)
    outlink_id: Mapped[int] = mapped_column(ForeignKey("outlink.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id", ondelete="SET NULL"))
    seen: Mapped[str] = mapped_column(Text)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    posted_at: Mapped[datetime | None] = mapped_column()

    outlink: Mapped[Outlink] = relationship(back_populates="sightings")

    __table_args__ = (
        UniqueConstraint("outlink_id", "item_id", name="uq_outlink_sighting_item"),
        Index("ix_outlink_sighting_item", "item_id"),
        Index("ix_outlink_sighting_source", "source_id"),
    )


class PlatformOverride(Base):
    """A platform row added or updated by a user, applied over the packaged registry (0003).

    ``row`` has the fields of ``tvec/platforms/platforms.yaml`` (name, kind, domains, ...).
    """

    __tablename__ = "platform_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    row: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScanItem(Base):
    """Which items a scan saw (so a scan's matches and errors can be listed later)."""

    __tablename__ = "scan_item"

    scan_id: Mapped[int] = mapped_column(
        ForeignKey("scan.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("item.id", ondelete="CASCADE"), primary_key=True
    )

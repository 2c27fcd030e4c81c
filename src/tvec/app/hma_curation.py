"""Use cases of the HMA-compatible curation and status API (:mod:`tvec.web.routers.hma_curation`):
banks, bank content (by signal, uploaded file or allow-listed URL), signal and content type
configuration, index status and readiness.

Reads run in :meth:`~tvec.app.context.AppContext.read` sessions, changes under the context's
write lock (:meth:`~tvec.app.context.AppContext.write`) and are audited with ``actor``
(``token:<name>`` or a username). The rules are :mod:`tvec.banks.hma`'s; answers are HMA's
shapes (:mod:`tvec.views.hma`). Media by URL is fetched like ``/h/hash`` does
(:func:`tvec.app.hma.fetch_media`: ``TVEC_HASH_URL_HOSTS`` only).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tvec.app import hma as matching
from tvec.app.context import AppContext
from tvec.banks import hma as core
from tvec.errors import NotFoundError, TvecError, UsageError
from tvec.views.hma import (
    AddContentResponse,
    BankConfig,
    BankContentConfigResponse,
    BankContentResponse,
    BankedContentMetadata,
    ContentTypeConfig,
    MatchIndexStatus,
    SignalTypeConfig,
    SignalTypeIndexStatus,
)


def _bank(bank: core.HmaBank) -> BankConfig:
    return BankConfig(name=bank.name, matching_enabled_ratio=bank.matching_enabled_ratio)


def list_banks(ctx: AppContext) -> list[BankConfig]:
    """Every bank, in creation order."""
    with ctx.read() as session:
        return [_bank(b) for b in core.list_banks(session)]


def get_bank(ctx: AppContext, name: str) -> BankConfig:
    """One bank.

    Raises:
        NotFoundError: ``bank 'NAME' not found`` (HMA's message).
    """
    with ctx.read() as session:
        bank = core.get_bank(session, name)
    if bank is None:
        raise NotFoundError(f"bank '{name}' not found")
    return _bank(bank)


def create_bank(
    ctx: AppContext,
    name: str,
    enabled_ratio: float | None,
    enabled: bool | None,
    *,
    actor: str,
) -> BankConfig:
    """Create a bank; the ratio is ``enabled_ratio``, else 1 or 0 by ``enabled``, else 1
    (HMA's ``bank_create``).

    Raises:
        UsageError: bad name or ratio. ConflictError: the name is taken.
    """
    if enabled_ratio is not None:
        ratio = enabled_ratio
    elif enabled is not None:
        ratio = 1.0 if enabled else 0.0
    else:
        ratio = 1.0
    with ctx.write() as session:
        return _bank(core.create_bank(session, name, ratio, actor=actor))


def update_bank(
    ctx: AppContext,
    name: str,
    *,
    new_name: str | None,
    enabled_ratio: float | None,
    enabled: bool | None,
    actor: str,
) -> BankConfig:
    """Rename a bank and/or set its ratio (``enabled_ratio`` wins over ``enabled``, as in
    HMA's ``bank_update``).

    Raises:
        NotFoundError, UsageError, ConflictError: see :func:`tvec.banks.hma.update_bank`.
    """
    ratio: float | None = None
    if enabled is not None:
        ratio = 1.0 if enabled else 0.0
    if enabled_ratio is not None:
        ratio = enabled_ratio
    with ctx.write() as session:
        return _bank(core.update_bank(session, name, new_name=new_name, ratio=ratio, actor=actor))


def delete_bank(ctx: AppContext, name: str, *, actor: str) -> bool:
    """Delete a bank with its entries; False if there was none."""
    with ctx.write() as session:
        return core.delete_bank(session, name, actor=actor)


def _metadata(metadata: BankedContentMetadata | None) -> dict[str, Any] | None:
    if metadata is None:
        return None
    dumped = metadata.model_dump(by_alias=True, exclude_none=True)
    dumped.pop("collab", None)
    return dumped or None


def add_signals(
    ctx: AppContext,
    bank: str,
    signals: dict[str, str],
    *,
    metadata: BankedContentMetadata | None = None,
    note: str | None = None,
    actor: str,
) -> AddContentResponse:
    """Add one content given by its signals (signal type -> value).

    Raises:
        NotFoundError: no such bank. UsageError: no, unknown or invalid signals.
    """
    with ctx.write() as session:
        content_id, stored = core.add_content(
            session, bank, signals, metadata=_metadata(metadata), note=note, actor=actor
        )
    return AddContentResponse(id=content_id, signals=stored)


def _require_bank(ctx: AppContext, bank: str) -> None:
    with ctx.read() as session:
        if core.get_bank(session, bank) is None:
            raise NotFoundError(f"bank '{bank}' not found")


def add_file(
    ctx: AppContext,
    bank: str,
    content_type: str,
    name: str,
    data: bytes,
    *,
    types: str | None = None,
    metadata: BankedContentMetadata | None = None,
    note: str | None = None,
    actor: str,
) -> AddContentResponse:
    """Hash an uploaded file (HMA's signal types for ``content_type``, or ``types``) and add
    its signals as one content.

    Raises:
        NotFoundError: no such bank. UsageError: nothing could be hashed.
    """
    _require_bank(ctx, bank)
    hashes = matching.hash_media(ctx.settings, content_type, name, data, types)
    return add_signals(ctx, bank, hashes, metadata=metadata, note=note, actor=actor)


def add_url(
    ctx: AppContext,
    bank: str,
    url: str,
    *,
    content_type: str | None = None,
    types: str | None = None,
    metadata: BankedContentMetadata | None = None,
    note: str | None = None,
    actor: str,
) -> AddContentResponse:
    """Fetch media from an allow-listed ``url`` (:func:`tvec.app.hma.fetch_media`), hash it
    and add its signals as one content.

    Raises:
        NotFoundError: no such bank. PermissionDeniedError: host not allow-listed.
        UsageError, FetchError: as :func:`tvec.app.hma.fetch_media` and ``hash_media``.
    """
    _require_bank(ctx, bank)
    kind, name, data = matching.fetch_media(ctx, url, content_type)
    hashes = matching.hash_media(ctx.settings, kind, name, data, types)
    return add_signals(ctx, bank, hashes, metadata=metadata, note=note, actor=actor)


def _content_metadata(content: core.HmaContent) -> BankedContentMetadata | None:
    if not content.metadata:
        return None
    try:
        return BankedContentMetadata.model_validate(content.metadata)
    except ValueError:
        return None


def get_content(
    ctx: AppContext,
    bank: str,
    content_id: int,
    *,
    include_signals: bool = False,
    include_metadata: bool = True,
) -> BankContentResponse:
    """One content of a bank (signals and metadata on request, as HMA's query flags).

    Raises:
        NotFoundError: no such bank or content.
    """
    with ctx.read() as session:
        content = core.get_content(session, bank, content_id)
    return BankContentResponse(
        id=content.id,
        disable_until_ts=content.disable_until_ts,
        original_media_uri=content.original_media_uri,
        bank=_bank(content.bank),
        signals=content.signals if include_signals else None,
        metadata=_content_metadata(content) if include_metadata else None,
        note=content.note,
    )


def update_content(
    ctx: AppContext,
    bank: str,
    content_id: int,
    *,
    disable_until_ts: int | None = None,
    note: str | None = None,
    set_note: bool = False,
    actor: str,
) -> BankContentConfigResponse:
    """Set a content's ``disable_until_ts`` and/or note; HMA's ``BankContentConfig`` back.

    Raises:
        NotFoundError: no such bank or content.
    """
    with ctx.write() as session:
        content = core.update_content(
            session,
            bank,
            content_id,
            disable_until_ts=disable_until_ts,
            note=note,
            set_note=set_note,
            actor=actor,
        )
    return BankContentConfigResponse(
        id=content.id,
        disable_until_ts=content.disable_until_ts,
        collab_metadata={},
        original_media_uri=content.original_media_uri,
        bank=_bank(content.bank),
        user_metadata=content.metadata,
        note=content.note,
    )


def remove_content(ctx: AppContext, bank: str, content_id: int, *, actor: str) -> int:
    """Remove a content from a bank; how many went (0 or 1).

    Raises:
        NotFoundError: no such bank.
    """
    with ctx.write() as session:
        return core.remove_content(session, bank, content_id, actor=actor)


def signal_types(ctx: AppContext) -> list[SignalTypeConfig]:
    """Every signal type tvec knows with its ratio."""
    with ctx.read() as session:
        ratios = core.signal_type_ratios(session)
    return [SignalTypeConfig(name=n, enabled_ratio=r) for n, r in ratios.items()]


def set_signal_type(ctx: AppContext, name: str, enabled_ratio: float, *, actor: str) -> None:
    """Set a signal type's ratio (stored and listed; like HMA's, it changes no match).

    Raises:
        UsageError: unknown signal type or ratio out of 0.0-1.0.
    """
    with ctx.write() as session:
        core.set_signal_type_ratio(session, name, enabled_ratio, actor=actor)


def content_types() -> list[ContentTypeConfig]:
    """HMA's content types tvec hashes, all enabled."""
    return [ContentTypeConfig(name=n, enabled=on) for n, on in core.CONTENT_TYPES.items()]


def _statuses(ctx: AppContext, signal_type: str | None) -> dict[str, core.IndexStatus]:
    with ctx.read() as session:
        status = core.index_status(session)
    if signal_type is not None:
        if signal_type not in status:
            raise UsageError(f"No such signal type '{signal_type}'")
        status = {signal_type: status[signal_type]}
    return status


def signal_type_index(
    ctx: AppContext, signal_type: str | None = None
) -> dict[str, SignalTypeIndexStatus]:
    """``/c/signal_type/index``: the matcher is built from the database on demand, so the
    index holds what the database holds and is never out of date.

    Raises:
        UsageError: unknown ``signal_type``.
    """
    return {
        name: SignalTypeIndexStatus(
            db_size=s.size,
            index_size=s.size,
            index_out_of_date=False,
            newest_db_item=s.newest_ts,
            index_built_to=s.newest_ts,
        )
        for name, s in _statuses(ctx, signal_type).items()
    }


def match_index_status(
    ctx: AppContext, signal_type: str | None = None
) -> dict[str, MatchIndexStatus]:
    """``/m/index/status``: present (with size and newest entry time) once a signal type
    has entries; ``built_to`` -1 and size 0 before.

    Raises:
        UsageError: unknown ``signal_type``.
    """
    return {
        name: MatchIndexStatus(present=s.size > 0, built_to=s.newest_ts, size=s.size)
        for name, s in _statuses(ctx, signal_type).items()
    }


def ready(ctx: AppContext) -> bool:
    """Whether the database answers (the matcher is built from it), for ``/status``."""
    try:
        with ctx.read() as session:
            session.execute(text("SELECT 1"))
    except TvecError:
        return False
    return True

"""Use cases of banks, for ``tvec bank`` and the bank pages: create, list, show, add, import,
export, delete; pages of entries, and adding or importing uploaded files.

Each takes the :class:`~tvec.app.context.AppContext` first and returns result models
(:mod:`tvec.views.banks`). Changes run under the context's write lock and are audited with
the ``actor`` given (``cli`` from the command line); errors are those of
:mod:`tvec.banks.service` (``UsageError``, ``NotFoundError``, ``EncodingError``,
``StoreError``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from tvec.app.context import AppContext
from tvec.banks import browse, service
from tvec.views.banks import (
    BankEntriesView,
    BankLoadView,
    BankShowView,
    BankSummaryView,
    BankView,
)


def create_bank(
    ctx: AppContext, name: str, description: str | None = None, *, actor: str
) -> BankView:
    """Create an empty bank.

    Raises:
        UsageError: the name is empty or taken.
    """
    with ctx.write_lock:
        return service.create_bank(ctx.store, name, description, actor=actor)


def list_banks(ctx: AppContext) -> list[BankView]:
    """Every bank with its entry counts per signal type, by name."""
    return service.list_banks(ctx.store)


def show_bank(ctx: AppContext, name: str, *, limit: int = 20) -> BankShowView:
    """A bank and its first ``limit`` entries.

    Raises:
        NotFoundError: no such bank.
    """
    return service.show_bank(ctx.store, name, limit)


def add_files(
    ctx: AppContext,
    name: str,
    paths: list[Path],
    *,
    actor: str,
    entity: str | None = None,
    ideology: str | None = None,
    source: str | None = None,
    note: str | None = None,
) -> BankLoadView:
    """Hash local files into bank ``name`` (:func:`tvec.banks.service.add_files`).

    Raises:
        NotFoundError: no such bank.
    """
    with ctx.write_lock:
        report = service.add_files(
            ctx.store,
            name,
            paths,
            entity=entity,
            ideology=ideology,
            source=source,
            note=note,
            actor=actor,
        )
    return report.view(name)


def import_bank(
    ctx: AppContext, name: str, path: Path, fmt: str = "auto", *, create: bool, actor: str
) -> BankLoadView:
    """Load a bank file (``csv``, ``tcap``, ``hma`` or ``auto``) into bank ``name``
    (:func:`tvec.banks.service.import_bank`).

    Raises:
        NotFoundError: no such bank (unless ``create``) or no such file.
        EncodingError: the file is not UTF-8.
        UsageError: unknown format, or a TCAP file lacking its columns.
    """
    with ctx.write_lock:
        report = service.import_bank(ctx.store, name, path, fmt, create=create, actor=actor)
    return report.view(name)


def export_bank(ctx: AppContext, name: str, fmt: str) -> str:
    """Bank ``name`` as ``csv`` or ``hma`` text.

    Raises:
        NotFoundError: no such bank.
        UsageError: unknown format.
    """
    return service.export_bank(ctx.store, name, fmt)


def delete_bank(ctx: AppContext, name: str, *, actor: str) -> int:
    """Delete a bank with its entries and their matches; how many entries went.

    Raises:
        NotFoundError: no such bank.
    """
    with ctx.write_lock:
        return service.delete_bank(ctx.store, name, actor=actor)


def bank_summaries(ctx: AppContext) -> list[BankSummaryView]:
    """Every bank by name with its counts, curation state and source (the banks page)."""
    with ctx.read() as session:
        return browse.bank_summaries(session)


def bank_entries(
    ctx: AppContext,
    name: str,
    *,
    signal_type: str | None = None,
    label: str | None = None,
    page: int = 1,
    per_page: int = browse.PER_PAGE,
) -> BankEntriesView:
    """One page of bank ``name``'s entries, newest first (:func:`tvec.banks.browse.bank_entries`).

    Raises:
        NotFoundError: no such bank.
        UsageError: a page or filter out of range.
    """
    with ctx.read() as session:
        return browse.bank_entries(
            session, name, signal_type=signal_type, label=label, page=page, per_page=per_page
        )


def add_uploads(
    ctx: AppContext,
    name: str,
    uploads: Sequence[tuple[str | None, bytes]],
    *,
    actor: str,
    entity: str | None = None,
    ideology: str | None = None,
    source: str | None = None,
    note: str | None = None,
) -> BankLoadView:
    """Hash uploaded files (``(file name, bytes)``) into bank ``name`` as ``tvec bank add``
    hashes local files (:func:`tvec.banks.service.add_uploads`).

    Raises:
        NotFoundError: no such bank.
    """
    with ctx.write_lock:
        report = service.add_uploads(
            ctx.store,
            name,
            uploads,
            entity=entity,
            ideology=ideology,
            source=source,
            note=note,
            actor=actor,
        )
    return report.view(name)


def import_upload(
    ctx: AppContext, name: str, filename: str | None, data: bytes, fmt: str = "auto", *, actor: str
) -> BankLoadView:
    """Load an uploaded bank file into bank ``name``, as ``tvec bank import`` loads a local
    one: the bytes go to a temporary file that :func:`tvec.banks.service.import_bank` reads
    (removed after), and the audit event and errors name the upload
    (:func:`tvec.banks.service.upload_name`), not the temporary path.

    Raises:
        NotFoundError: no such bank.
        EncodingError: the file is not UTF-8.
        UsageError: unknown format, or a TCAP file lacking its columns.
    """
    shown = service.upload_name(filename, 1)
    with tempfile.TemporaryDirectory(prefix="tvec-bank-import-") as folder:
        path = Path(folder) / "upload"
        path.write_bytes(data)
        with ctx.write_lock:
            report = service.import_bank(
                ctx.store, name, path, fmt, create=False, actor=actor, shown_as=shown
            )
    return report.view(name)

"""Use cases of banks, for ``tvec bank``: create, list, show, add, import, export, delete.

Each takes the :class:`~tvec.app.context.AppContext` first and returns result models
(:mod:`tvec.views.banks`). Changes run under the context's write lock and are audited with
the ``actor`` given (``cli`` from the command line); errors are those of
:mod:`tvec.banks.service` (``UsageError``, ``NotFoundError``, ``EncodingError``,
``StoreError``).
"""

from __future__ import annotations

from pathlib import Path

from tvec.app.context import AppContext
from tvec.banks import service
from tvec.views.banks import BankLoadView, BankShowView, BankView


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

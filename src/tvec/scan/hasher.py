"""Preparing the files of a batch of items in worker processes, one batch ahead.

:class:`Hasher` looks up which files of a batch are new or changed (by size and modification
time), and submits them to a pool of ``TVEC_WORKERS`` processes (default: one per core,
started with ``spawn`` on first use, so workers never inherit database connections or
threads). :meth:`Hasher.submit` returns at once, so the scan stores one batch while the
workers prepare the next.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.scan.prepare import PreparedFile, file_fingerprint, media_limits, prepare_file
from tvec.settings import Settings
from tvec.signals.pdq_variants import PDQOptions
from tvec.sources import RawItem
from tvec.store.models import Item

#: Fewest files in a batch for which starting worker processes (a second or two) pays off.
MIN_PARALLEL = 32


def tree(raw: RawItem) -> Iterator[RawItem]:
    """``raw`` and every item inside it, depth first."""
    yield raw
    for child in raw.children:
        yield from tree(child)


class PreparedBatch:
    """The prepared files of one batch, by locator; waits for the workers on first access."""

    def __init__(self, futures: dict[str, Future[PreparedFile] | PreparedFile]) -> None:
        self._items = futures

    def get(self, locator: str) -> PreparedFile | None:
        """The prepared file for ``locator``, or None when it was unchanged or not a file."""
        found = self._items.get(locator)
        if isinstance(found, Future):
            found = found.result()
            self._items[locator] = found
        return found


class Hasher:
    """Prepares files for a scan, in worker processes when there are enough of them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.workers = settings.workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, session: Session, batch: list[RawItem]) -> PreparedBatch:
        """Start preparing every file in ``batch`` that is new or changed; return at once."""
        files = [node for raw in batch for node in tree(raw) if node.path is not None]
        if not files:
            return PreparedBatch({})
        known: dict[str, dict[str, Any]] = {
            locator: meta
            for locator, meta in session.execute(
                select(Item.locator, Item.meta).where(
                    Item.locator.in_([node.locator for node in files])
                )
            )
        }
        todo: list[RawItem] = []
        for node in files:
            meta = known.get(node.locator)
            if meta is not None and not meta.get("error"):
                assert node.path is not None
                try:
                    if meta.get("file") == file_fingerprint(node.path):
                        continue
                except OSError:
                    pass
            todo.append(node)
        settings = self.settings
        evidence = settings.evidence_dir if settings.keep_evidence else None
        pdq = PDQOptions.from_settings(settings)
        limits = media_limits(settings)
        parallel = self.workers > 1 and (self._pool is not None or len(todo) >= MIN_PARALLEL)
        jobs: dict[str, Future[PreparedFile] | PreparedFile] = {}
        for node in todo:
            assert node.path is not None
            args = (
                node.path,
                node.name,
                settings.max_file_bytes,
                settings.max_image_pixels,
                evidence,
                pdq,
                settings,
                limits,
            )
            if parallel:
                if self._pool is None:
                    self._pool = ProcessPoolExecutor(
                        max_workers=self.workers, mp_context=get_context("spawn")
                    )
                jobs[node.locator] = self._pool.submit(prepare_file, *args)
            else:
                jobs[node.locator] = prepare_file(*args)
        return PreparedBatch(jobs)

    def close(self) -> None:
        """Stop the worker processes (pending work is cancelled)."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

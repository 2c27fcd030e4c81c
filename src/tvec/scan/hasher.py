"""Preparing the files and posts of a batch of items in worker processes, one batch ahead.

:class:`Hasher` looks up which files of a batch are new or changed (by size and modification
time) and which posts are new or changed (by text and links), and submits them to a pool of
``TVEC_WORKERS`` processes (default: one per core, started with ``spawn`` on first use, so
workers never inherit database connections or threads). Files are read, decoded, hashed,
kept as evidence and analysed there; posts are analysed there (language, indicators).
:meth:`Hasher.submit` returns at once, so the scan stores one batch while the workers prepare
the next.

The pool lives as long as the scan (one start-up per scan, not per batch), and no worker
outlives it: each worker asks the kernel to kill it when its parent dies
(``prctl(PR_SET_PDEATHSIG, SIGKILL)`` on Linux) and, everywhere, a watchdog thread exits the
worker as soon as its parent process is gone (its parent pid changes). Workers ignore SIGINT
(Ctrl-C reaches the whole process group; the scan's process decides and stops them).
Workers also raise glibc's ``mmap``/``trim`` thresholds so that the hashing kernel's large
temporaries are reused from the heap instead of being mapped and unmapped (and page-faulted
in again) for every image.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.scan.matches import MatchSpec
from tvec.scan.prepare import (
    PreparedFile,
    PreparedPost,
    file_fingerprint,
    media_limits,
    pool_setup,
    pooled_file,
    pooled_post,
    prepare_file,
    prepare_post,
)
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


#: glibc ``mallopt`` parameters (malloc.h) and the values set in workers: allocations up to
#: 32 MiB (glibc's largest mmap threshold on 64-bit) come from the heap, and up to 256 MiB of
#: free heap is kept instead of being handed back to the kernel after each image.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024
TRIM_THRESHOLD_BYTES = 256 * 1024 * 1024
#: ``prctl`` option: signal sent to this process when its parent dies (linux/prctl.h).
PR_SET_PDEATHSIG = 1
#: How often (seconds) a worker's watchdog checks that its parent is alive.
WATCHDOG_SECONDS = 0.5


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(0)
        time.sleep(WATCHDOG_SECONDS)


def worker_init(
    parent: int, settings: Settings | None = None, match: MatchSpec | None = None
) -> None:
    """Set up a scan worker process: die with ``parent``, ignore SIGINT, tune malloc, and
    keep the scan's ``settings`` and ``match`` for its tasks (:func:`pool_setup`).

    Called in the worker (``ProcessPoolExecutor(initializer=...)``); ``parent`` is the pid of
    the scan's process.
    """
    if settings is not None:
        pool_setup(settings, match)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
            libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(0)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


class Executor(Protocol):
    """Where the work runs: anything with ``submit(fn, *args)`` returning a future with
    ``result()`` (a :class:`concurrent.futures.Executor`, a Dask ``Client`` adapter)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        """Run ``fn(*args)``; return its future."""
        ...


class PreparedBatch:
    """The prepared files and posts of one batch, by locator; waits for the workers on
    first access. ``new`` holds the locators of the batch's items (at any depth) that were
    not stored when the batch was submitted."""

    def __init__(
        self,
        futures: dict[str, Any],
        posts: dict[str, Any] | None = None,
        new: set[str] | None = None,
    ) -> None:
        self._items = futures
        self._posts = posts or {}
        self.new = new or set()

    def post(self, locator: str) -> PreparedPost | None:
        """The prepared post for ``locator``, or None when it was not prepared."""
        found = self._posts.get(locator)
        if found is not None and not isinstance(found, PreparedPost):
            found = found.result()
            self._posts[locator] = found
        return found

    def get(self, locator: str) -> PreparedFile | None:
        """The prepared file for ``locator``, or None when it was unchanged or not a file."""
        found = self._items.get(locator)
        if found is not None and not isinstance(found, PreparedFile):
            found = found.result()
            self._items[locator] = found
        return found


class Hasher:
    """Prepares files and posts for a scan, in worker processes when there are enough of
    them."""

    def __init__(
        self,
        settings: Settings,
        executor: Executor | None = None,
        match: MatchSpec | None = None,
    ) -> None:
        """``executor``: where to run the work (a Dask cluster: :mod:`tvec.scan.cluster`);
        default: a process pool of ``TVEC_WORKERS`` started on first use.

        ``match``: how work sent to the executor or the pool also matches (each worker maps
        the persisted index, :mod:`tvec.scan.matches`); None: the scan's process matches.
        Work done inline (one worker, or a batch too small to start the pool) is never
        matched here: the scan's process matches it with its own matcher.
        """
        self.settings = settings
        self.workers = settings.workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None
        self._executor = executor
        self._match = match

    def submit(self, session: Session, batch: list[RawItem]) -> PreparedBatch:
        """Start preparing every file and post in ``batch`` that is new or changed; return
        at once."""
        nodes = [node for raw in batch for node in tree(raw)]
        files = [node for node in nodes if node.path is not None]
        settings = self.settings
        analysing = (
            settings.analysis_language or settings.analysis_ocr or (settings.analysis_indicators)
        )
        posts = [node for node in nodes if node.path is None and node.text]
        known: dict[str, tuple[dict[str, Any], str | None]] = {
            locator: (meta, text)
            for locator, meta, text in session.execute(
                select(Item.locator, Item.meta, Item.text).where(
                    Item.locator.in_([node.locator for node in nodes])
                )
            )
        }
        new = {node.locator for node in nodes if node.locator not in known}
        todo: list[RawItem] = []
        for node in files:
            meta = known.get(node.locator, (None, None))[0]
            if meta is not None and not meta.get("error"):
                assert node.path is not None
                try:
                    if meta.get("file") == file_fingerprint(node.path):
                        continue
                except OSError:
                    pass
            todo.append(node)
        new_posts = [
            node
            for node in posts
            if node.locator not in known
            or known[node.locator][1] != node.text
            or (known[node.locator][0] or {}).get("links") != node.links
        ]
        evidence = settings.evidence_location if settings.keep_evidence else None
        pdq = PDQOptions.from_settings(settings)
        limits = media_limits(settings)
        work = len(todo) + len(new_posts)
        parallel = self._executor is not None or (
            self.workers > 1 and (self._pool is not None or work >= MIN_PARALLEL)
        )
        match = self._match if parallel else None
        # The local pool's workers have the settings from their start: tasks carry only
        # what differs per item (pickling the settings per task costs about a millisecond).
        local = parallel and self._executor is None
        jobs: dict[str, Any] = {}
        for node in todo:
            assert node.path is not None
            if local:
                jobs[node.locator] = self.pool().submit(
                    pooled_file, node.path, node.name, evidence is not None, limits, True
                )
                continue
            args = (
                node.path,
                node.name,
                settings.max_file_bytes,
                settings.max_image_pixels,
                evidence,
                pdq,
                settings,
                limits,
                match,
            )
            if parallel:
                jobs[node.locator] = self.pool().submit(prepare_file, *args)
            else:
                jobs[node.locator] = prepare_file(*args)
        prepared_posts: dict[str, Any] = {}
        for node in new_posts:
            text, media_type = node.text or "", node.media_type or "text/plain"
            if local:
                prepared_posts[node.locator] = self.pool().submit(
                    pooled_post, text, node.locator, media_type, analysing, list(node.links), True
                )
                continue
            post_args = (
                text,
                node.locator,
                media_type,
                settings if analysing else None,
                list(node.links),
                match,
            )
            if parallel:
                prepared_posts[node.locator] = self.pool().submit(prepare_post, *post_args)
            else:
                prepared_posts[node.locator] = prepare_post(*post_args)
        flush = getattr(self._executor, "flush", None)
        if flush is not None:  # an executor that groups inputs into tasks: send the last one
            flush()
        return PreparedBatch(jobs, prepared_posts, new)

    def pool(self) -> Executor:
        """The scan's worker pool, started on first use; it lives until :meth:`close`."""
        if self._executor is not None:
            return self._executor
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=get_context("spawn"),
                initializer=worker_init,
                initargs=(os.getpid(), self.settings, self._match),
            )
        return self._pool

    def close(self) -> None:
        """Stop the worker processes (pending work is cancelled)."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def terminate(self) -> None:
        """Stop the worker processes at once (the scan is ending on an exception)."""
        pool = self._pool
        if pool is not None:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
            self.close()

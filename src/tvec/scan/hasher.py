"""Preparing the files and posts of a batch of items in worker processes, one batch ahead.

:class:`Hasher` looks up which files of a batch are new or changed (by size and modification
time) and which posts are new or changed (by text and links), and submits them to a pool of
``TVEC_WORKERS`` processes (default: one per core, started on first use). Files are read,
decoded, hashed, kept as evidence and analysed there; posts are analysed there (language,
indicators), several posts per task (:data:`POSTS_PER_TASK`). :meth:`Hasher.submit` returns
at once, so the scan stores one batch while the workers prepare the next.

The workers are forked from a ``forkserver`` process (:func:`pool_context`; ``spawn`` where
there is none): a fresh interpreter started by ``exec``, so workers never inherit the scan's
database connections or threads, that first imports :mod:`tvec.scan.preload` (the imports,
the language model, the PDQ kernel: what each worker's start cost on its own), so each
worker starts as a cheap copy of one warmed process. The fork server lives as long as the
scan's pool (it is stopped with the last pool of the process, :meth:`Hasher.close`).

The pool lives as long as the scan (one start-up per scan, not per batch), and no worker
outlives it: each worker asks the kernel to kill it when its parent (the fork server) dies
(``prctl(PR_SET_PDEATHSIG, SIGKILL)`` on Linux) and a watchdog thread exits the worker as
soon as the scan's process is gone (a ``pidfd`` of the scan's process becomes readable; where
there is none, its pid is polled). The fork server exits when the scan's process and every
worker have gone (multiprocessing's "alive" pipe). Workers ignore SIGINT (Ctrl-C reaches the
whole process group; the scan's process decides and stops them).
Workers also raise glibc's ``mmap``/``trim`` thresholds so that the hashing kernel's large
temporaries are reused from the heap instead of being mapped and unmapped (and page-faulted
in again) for every image.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import select as select_module
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver, get_all_start_methods, get_context
from multiprocessing.context import BaseContext
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.isolation import MediaLimits
from tvec.scan.matches import MatchSpec
from tvec.scan.prepare import (
    FileJob,
    PreparedFile,
    PreparedPost,
    file_fingerprint,
    media_limits,
    pool_setup,
    pooled_files,
    pooled_posts,
    prepare_file,
    prepare_post,
)
from tvec.settings import Settings
from tvec.signals.pdq_variants import PDQOptions
from tvec.sources import RawItem
from tvec.store.models import Item

#: Fewest files in a batch for which starting worker processes (a second or two) pays off.
MIN_PARALLEL = 32
#: Most posts in one task of the local pool (a post's own work, 0.4-0.7 ms, is a few times
#: the cost of a task's round trip, about 0.13 ms of CPU).
POSTS_PER_TASK = 32
#: Most files in one task of the local pool (a JPEG's work is about 10 ms; fewer, larger
#: tasks save the round trips, at least two tasks per worker and batch keep the load even).
FILES_PER_TASK = 4
#: The module the pool's fork server imports before it forks any worker.
PRELOAD = "tvec.scan.preload"


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


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this machine (signal 0; one owned by another user
    counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watch_parent(parent: int, pidfd: int | None, ppid: int) -> None:
    """Exit this process as soon as ``parent`` (the scan's process) is gone: when ``pidfd``
    (a pidfd of ``parent``) becomes readable, else when ``parent`` no longer exists or this
    process's parent changes (polled every :data:`WATCHDOG_SECONDS`)."""
    if pidfd is not None:
        select_module.select([pidfd], [], [])
        os._exit(0)
    while True:
        if os.getppid() != ppid or not process_alive(parent):
            os._exit(0)
        time.sleep(WATCHDOG_SECONDS)


def _open_pidfd(pid: int) -> int | None:
    """A pidfd of ``pid`` (Linux 5.3 and later), or None where there is none.

    Raises:
        ProcessLookupError: ``pid`` does not exist.
    """
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is None:
        return None
    try:
        fd: int = pidfd_open(pid)
    except ProcessLookupError:
        raise
    except OSError:
        return None
    return fd


def worker_init(
    parent: int, settings: Settings | None = None, match: MatchSpec | None = None
) -> None:
    """Set up a scan worker process: die with ``parent``, ignore SIGINT, tune malloc, and
    keep the scan's ``settings`` and ``match`` for its tasks (:func:`pool_setup`).

    Called in the worker (``ProcessPoolExecutor(initializer=...)``); ``parent`` is the pid of
    the scan's process (the worker's parent is the fork server, or the scan's process under
    ``spawn``).
    """
    if settings is not None:
        pool_setup(settings, match)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ppid = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
            libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
        except (OSError, AttributeError):
            pass
    try:
        pidfd = _open_pidfd(parent)
    except ProcessLookupError:
        os._exit(0)
    if pidfd is not None:
        if select_module.select([pidfd], [], [], 0)[0]:  # the scan's process has exited
            os._exit(0)
    elif not process_alive(parent):
        os._exit(0)
    watchdog = threading.Thread(target=_watch_parent, args=(parent, pidfd, ppid), daemon=True)
    watchdog.start()


def pool_context() -> BaseContext:
    """The multiprocessing context of the local pool: ``forkserver`` with
    :data:`PRELOAD` preloaded where the platform has it (Linux, macOS), else ``spawn``.

    The main module is preloaded too (as multiprocessing does by default: a script's main
    module is imported by every worker, under ``spawn`` as under ``forkserver``; preloaded,
    the ``tvec`` script and what it imports are imported once, in the fork server)."""
    if "forkserver" not in get_all_start_methods():
        return get_context("spawn")
    context = get_context("forkserver")
    context.set_forkserver_preload(["__main__", PRELOAD])
    return context


_forkserver_lock = threading.Lock()
#: Pools of this process that use the fork server now (it is stopped when none is left).
_forkserver_users = [0]


def _forkserver_acquire() -> None:
    with _forkserver_lock:
        _forkserver_users[0] += 1


def _forkserver_release() -> None:
    """One pool less uses the fork server; stop it (and reap it, so its CPU and its
    workers' count as this process's children's) when none is left."""
    with _forkserver_lock:
        _forkserver_users[0] -= 1
        if _forkserver_users[0] > 0:
            return
        stop = getattr(forkserver._forkserver, "_stop", None)
        if callable(stop):
            with contextlib.suppress(OSError):  # already gone and reaped
                stop()


class Executor(Protocol):
    """Where the work runs: anything with ``submit(fn, *args)`` returning a future with
    ``result()`` (a :class:`concurrent.futures.Executor`, a Dask ``Client`` adapter)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        """Run ``fn(*args)``; return its future."""
        ...


class _Part:
    """One input's result in a task of several files or posts (``result()`` as a concurrent
    future)."""

    def __init__(self, future: Any, index: int) -> None:
        self._future = future
        self._index = index

    def result(self) -> Any:
        """The prepared file or post; waits for its task.

        Raises:
            Exception: whatever ended the task (the worker's exception, ``BrokenProcessPool``).
        """
        return self._future.result()[self._index]


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
        self._forked = False
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
        if local:
            jobs = self._submit_files(todo, evidence is not None, limits)
            todo = []
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
                match,
            )
            if parallel:
                jobs[node.locator] = self.pool().submit(prepare_file, *args)
            else:
                jobs[node.locator] = prepare_file(*args)
        prepared_posts: dict[str, Any] = {}
        if local:
            prepared_posts = self._submit_posts(new_posts, bool(analysing))
            new_posts = []
        for node in new_posts:
            text, media_type = node.text or "", node.media_type or "text/plain"
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

    def _submit_files(
        self, files: list[RawItem], evidence: bool, limits: MediaLimits | None
    ) -> dict[str, Any]:
        """Submit ``files`` to the local pool in tasks of up to :data:`FILES_PER_TASK` files
        (at least two tasks per worker); return a future-like per locator."""
        if not files:
            return {}
        size = max(1, min(FILES_PER_TASK, math.ceil(len(files) / (2 * self.workers))))
        out: dict[str, Any] = {}
        for start in range(0, len(files), size):
            part = files[start : start + size]
            file_jobs: list[FileJob] = []
            for node in part:
                assert node.path is not None
                file_jobs.append((node.path, node.name))
            future = self.pool().submit(pooled_files, file_jobs, evidence, limits, True)
            for index, node in enumerate(part):
                out[node.locator] = _Part(future, index)
        return out

    def _submit_posts(self, posts: list[RawItem], analysing: bool) -> dict[str, Any]:
        """Submit ``posts`` to the local pool in tasks of up to :data:`POSTS_PER_TASK` posts
        (at least one task per worker); return a future-like per locator."""
        if not posts:
            return {}
        size = max(1, min(POSTS_PER_TASK, math.ceil(len(posts) / self.workers)))
        out: dict[str, Any] = {}
        for start in range(0, len(posts), size):
            part = posts[start : start + size]
            jobs = [
                (node.text or "", node.locator, node.media_type or "text/plain", list(node.links))
                for node in part
            ]
            future = self.pool().submit(pooled_posts, jobs, analysing, True)
            for index, node in enumerate(part):
                out[node.locator] = _Part(future, index)
        return out

    def pool(self) -> Executor:
        """The scan's worker pool, started on first use; it lives until :meth:`close`."""
        if self._executor is not None:
            return self._executor
        if self._pool is None:
            context = pool_context()
            forked = context.get_start_method() == "forkserver"
            if forked:
                _forkserver_acquire()
            try:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=context,
                    initializer=worker_init,
                    initargs=(os.getpid(), self.settings, self._match),
                )
            except BaseException:
                if forked:
                    _forkserver_release()
                raise
            self._forked = forked
        return self._pool

    def close(self) -> None:
        """Stop the worker processes (pending work is cancelled) and, when no other pool of
        this process uses it, the fork server."""
        if self._pool is not None:
            try:
                self._pool.shutdown(cancel_futures=True)
            finally:
                self._pool = None
                if self._forked:
                    self._forked = False
                    _forkserver_release()

    def terminate(self) -> None:
        """Stop the worker processes at once (the scan is ending on an exception)."""
        pool = self._pool
        if pool is not None:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
            self.close()

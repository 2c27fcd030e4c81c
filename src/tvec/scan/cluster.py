"""Preparing and matching a scan's files and posts on a Dask distributed cluster (issue 17, part 4).

``tvec scan --scheduler tcp://HOST:8786`` (or ``TVEC_DASK_SCHEDULER``) connects a Dask
``Client`` (:class:`DaskExecutor`). The scan's :class:`~tvec.scan.hasher.Hasher` submits each
new or changed file and post to it as it does to the local pool; the executor groups them
into tasks of up to :data:`TASK_INPUTS` inputs (one task per file cost the scheduler more
than small files cost to hash). A task runs, for each input, the scan's own per-item
functions (:func:`tvec.scan.prepare.prepare_file` / :func:`~tvec.scan.prepare.prepare_post`:
read, decode, hash, keep evidence, analyse) and then looks the item's signals up in the
persisted index, mapped by the worker from the folder and version shipped with the task
(:mod:`tvec.matching.candidates`). The scan's process resolves those candidates and stores
each batch in one transaction into the database, as a local scan does.

- A lost worker costs nothing: Dask runs its tasks again on another worker (``retries``);
  a task's only side effect is content-addressed evidence (same key, same bytes: writing it
  again is a no-op), and only the scan's process stores, once per item (keyed by locator).
- A killed client leaves whole batches; the same scan run again skips what is stored
  (unchanged size and modification time) and goes on.
- Inputs are paths the workers can read at the same place (a shared mount), ``file://``
  URLs, or fsspec URLs (``s3://``, ``gs://``: :mod:`tvec.sources.remote`). The evidence
  store is the shared folder ``TVEC_EVIDENCE_DIR`` or an fsspec URL (``TVEC_EVIDENCE_URL``).

``distributed`` is imported only here, when a scheduler is named.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tvec.errors import ConfigError, TvecError
from tvec.matching.candidates import Candidates, IndexLookups, IndexSpec, look_up
from tvec.matching.matcher import Matcher
from tvec.scan.prepare import PreparedFile, prepare_post
from tvec.settings import Settings
from tvec.signals import SignalValue
from tvec.signals.hashing import hash_text

#: Most inputs (files and posts) in one Dask task.
TASK_INPUTS = 32
#: How many times Dask runs a task again after losing the worker that ran it.
RETRIES = 3

#: One input of a task: the per-item function and its arguments.
Job = tuple[Callable[..., Any], tuple[Any, ...]]


def signals_of(fn: Callable[..., Any], args: tuple[Any, ...], prepared: Any) -> list[SignalValue]:
    """The signals a prepared input will be matched with that the index holds: a file's
    hashes, its PDQ variants and the text signals of its text; a post's text signals."""
    if isinstance(prepared, PreparedFile):
        hashed = prepared.hashed
        if hashed is None:
            return []
        out = list(hashed.signals)
        out.extend(variant.signal for variant in hashed.pdq_variants)
        if prepared.text:
            out.extend(hash_text(prepared.text))
        return out
    if fn is prepare_post and args and isinstance(args[0], str) and args[0]:
        return hash_text(args[0])
    return []


def run_task(jobs: list[Job], spec: IndexSpec | None) -> list[tuple[Any, Candidates | None]]:
    """Run on a Dask worker: prepare each input of ``jobs`` and, with ``spec``, look its
    signals up in the persisted index; return ``(prepared, candidates)`` per input, in order.

    The per-item functions never raise for input problems. An index the worker cannot read
    (damaged, or replaced too often while loading) gives no candidates: the scan's process
    then matches those inputs itself (and reports a damaged index if it finds one).
    """
    out: list[tuple[Any, Candidates | None]] = []
    for fn, args in jobs:
        prepared = fn(*args)
        found = None
        if spec is not None:
            try:
                found = look_up(spec, signals_of(fn, args, prepared))
            except TvecError:
                found = None
        out.append((prepared, found))
    return out


class _Task:
    """Inputs gathered into one Dask task (submitted when full or flushed)."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.future: Any = None
        self.results: list[tuple[Any, Candidates | None]] | None = None


class TaskFuture:
    """The future of one input of a grouped task (``result()`` as a concurrent future)."""

    def __init__(self, executor: DaskExecutor, task: _Task, index: int) -> None:
        self._executor = executor
        self._task = task
        self._index = index

    def result(self) -> Any:
        """The prepared input; waits for its task (submitting it first if still gathering).

        The task's look-ups are handed to the scan's matcher here, just before the input is
        stored.

        Raises:
            Exception: whatever ended the task on every attempt (e.g. ``KilledWorker``).
        """
        task = self._task
        if task.future is None:
            self._executor.flush()
        if task.results is None:
            task.results = task.future.result()
        prepared, found = task.results[self._index]
        if found is not None:
            self._executor.lookups.add(found)
        return prepared


class DaskExecutor:
    """Submits work to a Dask cluster through a ``distributed.Client``, :data:`TASK_INPUTS`
    inputs per task.

    Args:
        address: the scheduler (``tcp://HOST:8786``).
        timeout: seconds to wait for it.
        task_inputs: most inputs per task.

    Raises:
        ConfigError: the scheduler cannot be reached (from the constructor).
    """

    def __init__(self, address: str, timeout: float = 10.0, task_inputs: int = TASK_INPUTS) -> None:
        from distributed import Client

        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise ConfigError(
                f"TVEC_DASK_SCHEDULER / --scheduler {address}: cannot reach the Dask "
                f"scheduler: {exc}"
            ) from exc
        self.task_inputs = max(1, task_inputs)
        self.lookups = IndexLookups()
        self.tasks = 0
        self._open = _Task()
        self._matcher: Matcher | None = None
        self._settings: Settings | None = None

    def match_on_workers(self, matcher: Matcher, settings: Settings) -> None:
        """Have the workers look up signals in the persisted index ``matcher`` uses (when it
        uses one) and ``matcher`` take their look-ups (:attr:`Matcher.lookups`) until
        :meth:`close`."""
        if matcher.index_version() is None:
            return
        self._matcher = matcher
        self._settings = settings
        matcher.lookups = self.lookups

    def _spec(self) -> IndexSpec | None:
        matcher, settings = self._matcher, self._settings
        if matcher is None or settings is None:
            return None
        version = matcher.index_version()
        if version is None:
            return None
        return IndexSpec(
            str(settings.index_folder), version, matcher.pdq_threshold, matcher.pdq_min_quality
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> TaskFuture:
        """Add ``fn(*args)`` to the task being gathered (submitted once it holds
        :attr:`task_inputs` inputs, or at :meth:`flush`)."""
        task = self._open
        task.jobs.append((fn, args))
        future = TaskFuture(self, task, len(task.jobs) - 1)
        if len(task.jobs) >= self.task_inputs:
            self.flush()
        return future

    def flush(self) -> None:
        """Submit the task being gathered, if it holds anything."""
        task = self._open
        if not task.jobs:
            return
        self._open = _Task()
        task.future = self.client.submit(
            run_task, task.jobs, self._spec(), pure=False, retries=RETRIES
        )
        self.tasks += 1

    def workers(self) -> int:
        """How many workers the cluster has now."""
        return len(self.client.scheduler_info().get("workers", {}))

    def close(self) -> None:
        """Disconnect from the cluster (the cluster keeps running); the matcher goes back to
        its own look-ups."""
        if self._matcher is not None:
            self._matcher.lookups = None
            self._matcher = None
        self.client.close()  # type: ignore[no-untyped-call]

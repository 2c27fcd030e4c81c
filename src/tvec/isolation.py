"""Running risky native code (video decoding and hashing, OCR) in a helper process.

vPDQ decodes videos with FFmpeg's C libraries inside the calling process, and OCR feeds
images, video frames and PDF pages to native decoders and to Tesseract: a crash there (a
segmentation fault on a crafted file, a known class of bug) would end the process, and with
it a whole scan. :class:`Helper` runs such a job in a long-lived child process instead, with a
time limit per job and an address-space limit (``RLIMIT_AS``) on the child:

* the child is started (``spawn``) on the first job and serves jobs one at a time, so a scan
  worker pays the start once, not per file;
* a job that raises sends its exception back, and :meth:`Helper.call` raises it again (it must
  pickle; otherwise a :class:`RuntimeError` naming it is raised);
* a child that dies (a signal such as ``SIGSEGV``, ``os._exit``, the kernel killing it) or that
  does not answer within the time limit is killed and forgotten: the call raises
  :class:`tvec.errors.MediaCrashError` or :class:`tvec.errors.MediaTimeoutError` naming the
  file, and the next job starts a new child;
* a job that runs out of memory under the limit raises :class:`MemoryError` in the child (or
  the native code aborts, which is a crash): either way an error on that file.

Jobs are named ``"module:function"`` and imported in the child, so only names, arguments and
results cross the pipe (all must pickle). :func:`helper_for` keeps one helper per process and
limits; the child ends when its parent's end of the pipe closes (the parent exited).
"""

from __future__ import annotations

import atexit
import importlib
import multiprocessing
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from tvec.errors import MediaCrashError, MediaTimeoutError

#: What the child sends once it runs, before the first job (its start is not a job's time).
READY = "ready"
#: Most seconds a new child may take to start (spawn: a fresh interpreter imports tvec).
START_TIMEOUT = 120.0


@dataclass(frozen=True)
class MediaLimits:
    """Limits on one job in the helper process.

    Attributes:
        timeout: most seconds one job (one file) may take; the child is killed after it.
        memory_bytes: the child's address-space limit (``RLIMIT_AS``) in bytes; 0: none.
    """

    timeout: float
    memory_bytes: int


def _set_memory_limit(memory_bytes: int) -> None:
    if memory_bytes > 0:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


def _serve(conn: Connection, memory_bytes: int, preload: tuple[str, ...]) -> None:
    """The child's loop: run each ``(job, args, kwargs)`` and send ``(ok, value)`` back."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    for module in preload:
        importlib.import_module(module)
    _set_memory_limit(memory_bytes)
    conn.send(READY)
    while True:
        try:
            job, args, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        try:
            module, _, attr = job.partition(":")
            value = getattr(importlib.import_module(module), attr)(*args, **kwargs)
            reply: tuple[bool, Any] = (True, value)
        except BaseException as exc:  # every failure of a job goes back to the caller
            reply = (False, exc)
        try:
            conn.send(reply)
        except Exception as exc:  # the result or exception does not pickle
            conn.send((False, RuntimeError(f"{job}: result cannot be sent back: {exc!r}")))


class Helper:
    """A long-lived child process that runs jobs under :class:`MediaLimits`.

    ``preload`` names modules the child imports when it starts, before the memory limit and
    outside any job's time (a job's module is otherwise imported on its first call).

    Not thread-safe: one caller at a time (a scan worker process is one caller).
    """

    def __init__(self, limits: MediaLimits, preload: tuple[str, ...] = ()) -> None:
        self.limits = limits
        self.preload = preload
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        #: Children started so far (1 after the first job; +1 after each crash or timeout).
        self.starts = 0

    def _start(self) -> Connection:
        if self._conn is not None and self._process is not None and self._process.is_alive():
            return self._conn
        self.close()
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(
            target=_serve,
            args=(child, self.limits.memory_bytes, self.preload),
            name="tvec-media-helper",
            # Daemonic: a scan worker's exit (multiprocessing joins non-daemonic children
            # before atexit handlers run) ends its helper instead of waiting for it.
            daemon=True,
        )
        process.start()
        child.close()
        self._process, self._conn = process, parent
        self.starts += 1
        try:
            if parent.poll(START_TIMEOUT) and parent.recv() == READY:
                return parent
        except (EOFError, OSError):
            pass
        code = self._exit_code()
        self.close()
        raise RuntimeError(f"the media helper process did not start ({code})")

    def call(self, source: str, job: str, *args: Any, **kwargs: Any) -> Any:
        """Run ``job`` (``"module:function"``) with the arguments in the child; its result.

        Args:
            source: the file the job reads, as errors name it.
            job: the function to run, importable in the child.

        Raises:
            MediaCrashError: the child died during the job (e.g. a segmentation fault).
            MediaTimeoutError: the job took longer than ``limits.timeout`` seconds.
            BaseException: whatever the job raised, raised again here.
        """
        conn = self._start()
        try:
            conn.send((job, args, kwargs))
            ready = conn.poll(self.limits.timeout)
            if not ready:
                self.close()
                raise MediaTimeoutError(
                    source,
                    f"media reading took longer than {self.limits.timeout:g} s and was "
                    "stopped (TVEC_MEDIA_TIMEOUT_SECONDS)",
                )
            ok, value = conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            code = self._exit_code()
            self.close()
            raise MediaCrashError(source, f"media reading crashed ({code})") from None
        if not ok:
            if isinstance(value, MemoryError):
                raise MediaCrashError(
                    source,
                    f"media reading ran out of memory under the limit of "
                    f"{self.limits.memory_bytes} bytes (TVEC_MEDIA_MEMORY_BYTES)",
                )
            raise value
        return value

    def _exit_code(self) -> str:
        process = self._process
        if process is None:
            return "helper gone"
        process.join(timeout=5)
        code = process.exitcode
        if code is None:
            return "helper stopped answering"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"helper exited with status {code}"

    def close(self) -> None:
        """Stop the child (if any); the next :meth:`call` starts a new one."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            conn.close()
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join(timeout=5)
            process.close()


_HELPERS: dict[MediaLimits, Helper] = {}
#: Modules of the media jobs, imported by a helper when it starts.
PRELOAD = ("tvec.signals.hashing", "tvec.analysis.media_text")


def helper_for(limits: MediaLimits) -> Helper:
    """This process's helper for ``limits`` (created on first use, closed at exit)."""
    if limits not in _HELPERS:
        if not _HELPERS:
            atexit.register(close_helpers)
        _HELPERS[limits] = Helper(limits, PRELOAD)
    return _HELPERS[limits]


def close_helpers() -> None:
    """Stop every helper of this process."""
    for helper in _HELPERS.values():
        helper.close()
    _HELPERS.clear()

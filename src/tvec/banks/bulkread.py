"""Reading bank files fast: blocks of lines parsed and validated in bulk, not row by row.

:func:`read_chunks` yields the valid rows of a ``csv`` or ``hma`` bank file as
:data:`~tvec.banks.bulk.Row` tuples, in file order, in chunks of about ``chunk_rows``; rows
it refuses go to the caller's list of problems with their line numbers. It gives exactly
what :func:`tvec.banks.formats.read_rows` followed by the caller's per-row ``check`` gives
(the slow path, kept as the reference), only faster for the rows that make up almost every
large bank file: two fields, a hex signal type (:data:`HEX_TYPES`: ``pdq``, ``md5``,
``sha256``...) and a value of its length. Those rows are split with ``str.split`` and their
values checked for hex digits all at once (``bytes.fromhex`` over the block's values
joined: it accepts only hex digits and whitespace, and any whitespace makes the decoded
length fall short), then lower-cased, as :func:`tvec.signals.base.require_hex` does. Every
other row, and every row of a block whose values fail that check, goes through ``check``.

A block (about :data:`BLOCK_CHARS` characters of whole lines) is only split this way when
splitting lines cannot differ from the csv module and :func:`~tvec.banks.formats.read_rows`:
a csv block with a quote character, a NUL or a line longer than ``csv.field_size_limit()``,
or an hma block with a line break ``str.splitlines`` knows beyond CR and LF, sends the rest
of the file through the slow path (a quoted field may span lines, and the readers number
lines their own way). Memory: one block and one chunk.
"""

from __future__ import annotations

import csv
import gc
import itertools
import json
import queue
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TextIO

from tvec.banks.formats import EntryRow, RowProblem, read_rows
from tvec.signals import SignalType, registry
from tvec.signals.exact import MD5Signal, SHA256Signal
from tvec.signals.pdq import PDQSignal
from tvec.signals.text import TextSignal
from tvec.signals.url_md5 import UrlMD5Signal
from tvec.signals.video_md5 import VideoMD5Signal

#: One row to write: (line, signal_type, value, entity, ideology, source, note, extra as
#: JSON text, ``"{}"`` when none).
Row = tuple[int, str, str, str | None, str | None, str | None, str | None, str]

#: Signal types whose validation is exactly ``require_hex(value, digits)`` (lower-cased hex
#: digits of one length), with their number of digits. Used only while the registry holds
#: these very classes (a plug-in replacing one goes through its own ``validate``).
HEX_TYPES: dict[str, tuple[type[SignalType], int]] = {
    "pdq": (PDQSignal, 64),
    "md5": (MD5Signal, 32),
    "sha256": (SHA256Signal, 64),
    "text": (TextSignal, 64),
    "url_md5": (UrlMD5Signal, 32),
    "video_md5": (VideoMD5Signal, 32),
}
#: Characters of whole lines read at a time.
BLOCK_CHARS = 4 << 20
#: Line breaks ``str.splitlines`` knows besides CR and LF: the hma reader splits at them.
_OTHER_BREAKS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"
EMPTY_EXTRA = "{}"

#: What the caller's per-row check gives: a row to write or why the row is refused.
Check = Callable[[EntryRow], Row | str]


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (as ``timeit`` does), then back
    as it was. A load makes millions of row tuples, none in a cycle; each generation-0
    collection would walk them, about a fifth of the parsing's CPU at 1 million rows."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def release_freed_memory() -> None:
    """Hand the free pages of the C heap back to the system: glibc's ``malloc_trim(0)``
    (nothing where the C library has no such function). A large load frees SQLite's page
    cache (:data:`tvec.banks.bulk.SQLITE_CACHE_KIB`) and millions of row objects, but glibc
    keeps freed blocks that lie below live ones mapped, so without this the resident memory
    stays at the load's peak (about 400 MiB at 1 million PDQ hashes) through whatever the
    process does next, such as bringing the match index up to date (about 180 MiB after
    it, docs/benchmarks.md)."""
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):  # pragma: no cover - not glibc
        return
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)


def extra_text(extra: dict[str, object]) -> str:
    """``extra`` as the JSON text a :data:`Row` carries (``"{}"`` when empty)."""
    return json.dumps(extra) if extra else EMPTY_EXTRA


def hex_sizes() -> dict[str, int]:
    """Digits of each :data:`HEX_TYPES` signal type the registry holds as that class."""
    types = registry()
    return {
        name: digits
        for name, (cls, digits) in HEX_TYPES.items()
        if type(types.get(name)) is cls  # exactly that class
    }


def all_hex(joined: str) -> bool:
    """Whether ``joined`` is nothing but hex digits (either case)."""
    if not joined.isascii():
        return False
    try:
        return len(bytes.fromhex(joined)) * 2 == len(joined)
    except ValueError:
        return False


def _slow(
    rows: Iterable[EntryRow | RowProblem], check: Check, offset: int
) -> Iterator[Row | RowProblem]:
    """Rows read by the reference reader, checked one by one, lines moved by ``offset``."""
    for row in rows:
        if isinstance(row, RowProblem):
            yield RowProblem(row.line + offset, row.message)
            continue
        checked = check(row)
        if isinstance(checked, str):
            yield RowProblem(row.line + offset, checked)
        else:
            yield (row.line + offset, *checked[1:])


def _block_is_simple(lines: list[str], fmt: str) -> bool:
    """Whether splitting ``lines`` at line ends and commas (csv) or whitespace (hma) reads
    them as the reference readers do."""
    block = "".join(lines)
    if fmt == "csv":
        return (
            '"' not in block
            and "\x00" not in block
            and max(map(len, lines)) <= csv.field_size_limit()
        )
    return not any(c in block for c in _OTHER_BREAKS)


def _fast_block(
    lines: list[str], fmt: str, first: int, sizes: dict[str, int], check: Check
) -> tuple[list[Row], list[RowProblem]]:
    """The rows of a simple block whose first line is number ``first``, in order, and its
    problems."""
    out: list[Row] = []
    problems: list[RowProblem] = []
    fast: list[int] = []  # positions in ``out`` of rows taken by the fast path
    values: list[str] = []
    reader = _read_one_csv if fmt == "csv" else _read_one_hma
    number = first - 1
    for line in lines:
        number += 1
        parts = line.rstrip("\r\n").split(",") if fmt == "csv" else line.split()
        if len(parts) == 2:
            signal_type, value = parts
            if sizes.get(signal_type) == len(value):
                fast.append(len(out))
                values.append(value)
                out.append((number, signal_type, value, None, None, None, None, EMPTY_EXTRA))
                continue
        for row in _slow(reader(line), check, number - 1):
            if isinstance(row, RowProblem):
                problems.append(row)
            else:
                out.append(row)
    if not values:
        return out, problems
    joined = "".join(values)
    if all_hex(joined):
        if joined != joined.lower():
            for position in fast:
                row = out[position]
                out[position] = (row[0], row[1], row[2].lower(), *row[3:])
        return out, problems
    # Some value is not hex: check each of this block's fast rows on its own.
    bad: set[int] = set()
    for position in fast:
        row = out[position]
        checked = check(EntryRow(row[0], row[1], row[2]))
        if isinstance(checked, str):
            problems.append(RowProblem(row[0], checked))
            bad.add(position)
        else:
            out[position] = (row[0], *checked[1:])
    return [row for position, row in enumerate(out) if position not in bad], problems


def _read_one_csv(line: str) -> Iterator[EntryRow | RowProblem]:
    return read_rows([line], "csv")


def _read_one_hma(line: str) -> Iterator[EntryRow | RowProblem]:
    return read_rows([line], "hma")


def read_chunks(
    handle: TextIO,
    fmt: str,
    check: Check,
    problems: list[RowProblem],
    chunk_rows: int,
) -> Iterator[list[Row]]:
    """The valid rows of the bank file open as ``handle`` (text, ``newline=""``) in format
    ``fmt``, in file order, in lists of ``chunk_rows`` rows (the last one may be
    shorter); refused rows are appended to ``problems`` (with 1-based line numbers).

    ``check`` turns a row read by :func:`~tvec.banks.formats.read_rows` into a
    :data:`Row` (validated, canonical) or says why it is refused; it is called for every
    row the fast path does not take (see the module docstring), so the result is the
    same as calling it on every row.

    Raises:
        UsageError: from :func:`~tvec.banks.formats.read_rows` (unknown format, a TCAP
            file lacking its columns).
    """
    chunk: list[Row] = []

    def slow(rows: Iterator[Row | RowProblem]) -> Iterator[list[Row]]:
        nonlocal chunk
        for row in rows:
            if isinstance(row, RowProblem):
                problems.append(row)
                continue
            chunk.append(row)
            if len(chunk) >= chunk_rows:
                yield chunk
                chunk = []

    if fmt not in ("csv", "hma"):
        yield from slow(_slow(read_rows(handle, fmt), check, 0))
    else:
        sizes = hex_sizes()
        done = 0
        while True:
            lines = handle.readlines(BLOCK_CHARS)
            if not lines:
                break
            if not _block_is_simple(lines, fmt):
                rest = itertools.chain(lines, handle)
                yield from slow(_slow(read_rows(rest, fmt), check, done))
                break
            rows, refused = _fast_block(lines, fmt, done + 1, sizes, check)
            done += len(lines)
            problems.extend(refused)
            chunk.extend(rows)
            while len(chunk) >= chunk_rows:
                yield chunk[:chunk_rows]
                chunk = chunk[chunk_rows:]
    if chunk:
        yield chunk


#: Runs a function in the thread that consumes the chunks and returns its result.
InCaller = Callable[[Callable[[], Any]], Any]


class WriteBehind:
    """Runs calls in order in one thread, up to ``depth`` of them queued behind the running
    one, so that the caller prepares the next while the database works on this one (the
    driver releases the GIL while it waits). The first error ends the thread and is raised
    in the caller by its next :meth:`submit` or by :meth:`close`; later calls are dropped.

    Only the thread may use what the calls use (a database cursor) until :meth:`close`.
    """

    def __init__(self, name: str, depth: int = 1) -> None:
        self._calls: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._failed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (call := self._calls.get()) is not None:
            if self._failed:
                continue  # drain after an error
            try:
                call()
            except BaseException as exc:  # handed to the caller
                self._error, self._failed = exc, True

    def submit(self, call: Callable[[], None]) -> None:
        """Queue ``call`` (waits while ``depth`` calls are queued).

        Raises:
            BaseException: the error of an earlier call.
        """
        self._raise()
        self._calls.put(call)

    def close(self) -> None:
        """Wait for the queued calls to finish and stop the thread (again: nothing).

        Raises:
            BaseException: the error of a call, if not raised yet.
        """
        if self._thread.is_alive():
            self._calls.put(None)
            self._thread.join()
        self._raise()

    def abandon(self) -> None:
        """Drop the queued calls, wait for the running one and stop the thread, raising
        nothing (for a caller that is failing already)."""
        self._failed = True
        with suppress(BaseException):  # the caller's own error is the one to raise
            self.close()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error


class _Call:
    """A function the reading thread asks the consuming thread to run."""

    def __init__(self, function: Callable[[], Any]) -> None:
        self.function = function
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.function()
        except BaseException as exc:  # handed back to the reading thread
            self.error = exc
        self.done.set()

    def cancel(self) -> None:
        self.error = _StoppedError()
        self.done.set()


class _StoppedError(Exception):
    """The consumer stopped taking chunks."""


class _Failed:
    """The reading thread's error, handed to the consumer."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


_END = object()


def read_ahead(
    chunks_of: Callable[[InCaller], Iterator[list[Row]]], depth: int = 1
) -> Generator[list[Row], None, None]:
    """The chunks of ``chunks_of(in_caller)``, read in a thread up to ``depth`` chunks
    ahead of the caller, so that reading and parsing the next chunk overlaps with writing
    this one (the database drivers release the GIL while the database works).

    ``in_caller(function)`` runs ``function`` in the consuming thread, the next time it
    asks for a chunk, and returns its result (or raises its error) in the reading thread:
    for work that needs the caller's database connection (vpdq frame lists). An error of
    the reader is raised in the caller; if the caller stops early, the reader is stopped
    and joined.
    """
    items: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def in_caller(function: Callable[[], Any]) -> Any:
        call = _Call(function)
        items.put(call)
        call.done.wait()
        if call.error is not None:
            raise call.error
        return call.result

    def read() -> None:
        try:
            for chunk in chunks_of(in_caller):
                if stop.is_set():
                    return
                items.put(chunk)
        except _StoppedError:
            return
        except BaseException as exc:  # handed to the consumer
            items.put(_Failed(exc))
            return
        items.put(_END)

    reader = threading.Thread(target=read, name="tvec-bank-read", daemon=True)
    reader.start()
    try:
        while True:
            item = items.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            if isinstance(item, _Call):
                item.run()
                continue
            yield item
    finally:
        stop.set()
        while reader.is_alive():
            try:
                item = items.get(timeout=0.05)
            except queue.Empty:
                continue
            if isinstance(item, _Call):
                item.cancel()
        reader.join()

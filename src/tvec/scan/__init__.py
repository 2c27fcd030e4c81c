"""The main job: read content, store items and signals, match them against banks.

:func:`run_scan` reads every path (folders, Telegram exports, JSON Lines posts, files) and
stores batches of top-level items (a file, a message with its media, a post), each batch in
**one transaction**: the items and their children, their signals and out-links, input
errors on them, and their matches against the banks. A scan killed at any point therefore
leaves only whole batches behind, and running it again skips what is already stored (files
unchanged since by size and modification time, messages with the same text) and finishes the
rest. Items, signals and matches have unique keys, so scanning the same input twice adds no
duplicates.

Modules: :mod:`~tvec.scan.prepare` (one file or post: read, hash, analyse, match; runs in
workers), :mod:`~tvec.scan.matches` (a worker's matcher over the persisted index),
:mod:`~tvec.scan.links` (out-link signals), :mod:`~tvec.scan.hasher` (the worker pool, one
batch ahead), :mod:`~tvec.scan.bulk` (new items with bulk inserts),
:mod:`~tvec.scan.writer` (any item tree, through the ORM), :mod:`~tvec.scan.result` (counts
and the JSON result), :mod:`~tvec.scan.run` (:func:`run_scan`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tvec.scan.prepare import PreparedFile, file_fingerprint, prepare_file
    from tvec.scan.result import ScanCounts, ScanResult, collect_result
    from tvec.scan.run import BATCH, Progress, mark_interrupted_scans, run_scan

#: Where each name of this package lives. Imported on first use (PEP 562), so that a scan's
#: worker processes, which import only :mod:`~tvec.scan.hasher` and
#: :mod:`~tvec.scan.prepare`, do not import the writer, the cases and the rest of
#: :mod:`~tvec.scan.run` (about 0.15 s of CPU per worker).
_WHERE = {
    "PreparedFile": "prepare",
    "file_fingerprint": "prepare",
    "prepare_file": "prepare",
    "ScanCounts": "result",
    "ScanResult": "result",
    "collect_result": "result",
    "BATCH": "run",
    "Progress": "run",
    "mark_interrupted_scans": "run",
    "run_scan": "run",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "BATCH",
    "PreparedFile",
    "Progress",
    "ScanCounts",
    "ScanResult",
    "collect_result",
    "file_fingerprint",
    "mark_interrupted_scans",
    "prepare_file",
    "run_scan",
]

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

from tvec.scan.prepare import PreparedFile, file_fingerprint, prepare_file
from tvec.scan.result import ScanCounts, ScanResult, collect_result
from tvec.scan.run import BATCH, Progress, mark_interrupted_scans, run_scan

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

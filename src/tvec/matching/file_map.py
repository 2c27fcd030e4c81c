"""Read-only memory maps of the saved index's files, asking Linux for 2 MiB pages (plain
Python: used by the numpy reader of :mod:`tvec.matching.pdq_store` and the numpy-free one of
:mod:`tvec.matching.light_index`).

A lookup at 10 million hashes makes some 5,000 random reads in 2.5 GB of mapped files; with
4 KiB pages nearly each is also a TLB miss and a page-table walk (two-dimensional in a virtual
machine). A file's pages can be mapped 2 MiB at a time (``FilePmdMapped`` in
``/proc/PID/smaps``) only when the page cache holds them in 2 MiB folios: files written in
large pieces usually are (ext4 and XFS cache them in large folios on recent kernels), but
pages read back from disk come in the readahead's small folios, unless the mapping that faults
them in is marked ``MADV_HUGEPAGE``: the kernel then reads 2 MiB folios (with transparent huge
pages in ``madvise`` or ``always`` mode). :func:`map_read_only` marks every mapping of a large
file so; where the kernel or platform does not support it, the advice is skipped and nothing
else changes. Measured at 10 million hashes (docs/benchmarks.md, "Huge pages and the
per-lookup overhead"): a lookup on files cached in small folios costs about a fifth more CPU.
"""

from __future__ import annotations

import contextlib
import mmap

#: Files smaller than this are mapped without advice (one 2 MiB page would not fill).
HUGE_PAGE_BYTES = 2 << 20


def map_read_only(fileno: int, size: int) -> mmap.mmap:
    """Map the whole open file ``fileno`` (``size`` bytes, more than 0) read-only, advised
    ``MADV_HUGEPAGE`` when it is at least :data:`HUGE_PAGE_BYTES` and the platform has it.

    Raises:
        OSError: the file cannot be mapped (not for the advice: a kernel that refuses it,
            e.g. ``EINVAL`` without transparent huge pages, leaves the mapping as it is).
    """
    mapped = mmap.mmap(fileno, 0, access=mmap.ACCESS_READ)
    advice = getattr(mmap, "MADV_HUGEPAGE", None)
    if advice is not None and size >= HUGE_PAGE_BYTES and hasattr(mapped, "madvise"):
        with contextlib.suppress(OSError):
            mapped.madvise(advice)
    return mapped

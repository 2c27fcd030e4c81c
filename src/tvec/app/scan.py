"""The use case of ``tvec scan``: store items and signals, match them, report matches.

The scan matches with the context's matcher (:meth:`tvec.app.context.AppContext.matcher`),
so with the same settings as ``tvec match`` and the HMA-compatible API.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tvec.app.context import AppContext
from tvec.errors import NotFoundError
from tvec.scan import Progress, run_scan
from tvec.views.scan import ScanView


def scan(
    ctx: AppContext,
    paths: Sequence[Path],
    *,
    banks: list[str] | None = None,
    progress: Progress | None = None,
) -> ScanView:
    """Scan ``paths`` and match against ``banks`` (default: every bank); the result is the
    document of ``docs/scan-json.md``.

    Raises:
        NotFoundError: a path does not exist, or a named bank does not (before anything is
            read).
        StoreError: the database fails.
    Input problems never raise: they are listed in the result's ``errors``.
    """
    for path in paths:
        if not path.exists():
            raise NotFoundError(f"{path}: no such file or folder")
    with ctx.read() as session:
        matcher = ctx.matcher(session, banks or None)
    return run_scan(ctx.store, paths, banks=banks or None, progress=progress, matcher=matcher)

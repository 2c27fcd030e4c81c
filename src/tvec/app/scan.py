"""The use case of ``tvec scan``: store items and signals, match them, report matches.

The scan matches with the context's matcher (:meth:`tvec.app.context.AppContext.matcher`),
so with the same settings as ``tvec match`` and the HMA-compatible API.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tvec.app.context import AppContext
from tvec.errors import NotFoundError, UsageError
from tvec.scan import Progress, run_scan
from tvec.views.scan import ScanView


def scan(
    ctx: AppContext,
    paths: Sequence[Path],
    *,
    banks: list[str] | None = None,
    progress: Progress | None = None,
    scheduler: str | None = None,
) -> ScanView:
    """Scan ``paths`` and match against ``banks`` (default: every bank); the result is the
    document of ``docs/scan-json.md``.

    Raises:
        NotFoundError: a path does not exist, or a named bank does not (before anything is
            read).
        StoreError: the database fails.
    ``scheduler``: a Dask scheduler (``tcp://HOST:8786``) to prepare files and posts on
    (default: ``TVEC_DASK_SCHEDULER``; docs/scale.md). A path may be a ``file://`` URL.

    Input problems never raise: they are listed in the result's ``errors``.
    """
    paths = [local_path(path) for path in paths]
    for path in paths:
        if not path.exists():
            raise NotFoundError(f"{path}: no such file or folder")
    with ctx.read() as session:
        matcher = ctx.matcher(session, banks or None)
    return run_scan(
        ctx.store,
        paths,
        banks=banks or None,
        progress=progress,
        matcher=matcher,
        scheduler=scheduler,
    )


def local_path(path: Path | str) -> Path:
    """``path``, with a ``file://`` URL turned into the local path it names.

    Raises:
        UsageError: another URL scheme (``s3://``, ``gs://``: the readers walk local
            folders only; mount the bucket, e.g. with s3fs/gcsfuse, and pass the mount).
    """
    text = str(path)
    if text.startswith("file:"):
        from urllib.parse import unquote, urlparse

        return Path(unquote(urlparse(text).path))
    scheme = text.split("://", 1)[0] if "://" in text else ""
    if not scheme and text.split(":/", 1)[0].isalpha() and ":/" in text:
        scheme = text.split(":/", 1)[0]  # a URL that pathlib folded (s3://b -> s3:/b)
    if scheme:
        raise UsageError(
            f"{text}: {scheme}:// inputs are not read directly; mount the bucket on every "
            "machine (s3fs, gcsfuse) and pass the mounted path (docs/scale.md)"
        )
    return Path(path)

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
from tvec.sources.remote import LOCAL_SCHEMES, RemoteFile, normalised_url, url_scheme
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
    (default: ``TVEC_DASK_SCHEDULER``; docs/scale.md). A path may be a ``file://`` URL or
    another fsspec URL (``s3://bucket/prefix``; :mod:`tvec.sources.remote`).

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
    """``path``, with a ``file://`` URL turned into the local path it names, and another
    fsspec URL (``s3://``, ``gs://``, ``memory://``) into a
    :class:`~tvec.sources.remote.RemoteFile` read through fsspec (docs/scale.md).

    Raises:
        UsageError: a URL scheme that fsspec does not know.
    """
    text = str(path)
    scheme = url_scheme(text)
    if scheme in LOCAL_SCHEMES:
        if text.startswith("file:"):
            from urllib.parse import unquote, urlparse

            return Path(unquote(urlparse(normalised_url(text)).path))
        return Path(path)
    from fsspec.registry import known_implementations

    if scheme not in known_implementations:
        raise UsageError(f"{text}: fsspec knows no {scheme}:// file system (docs/scale.md)")
    return RemoteFile(text)

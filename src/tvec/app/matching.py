"""Use cases of look-ups and hashing, for ``tvec match`` and ``tvec hash``: nothing stored.

Look-ups use the context's matcher (:meth:`tvec.app.context.AppContext.matcher`), so they
match with the same settings as a scan and the HMA-compatible API (``TVEC_PDQ_*``,
``TVEC_VPDQ_*``). Hashing needs no store, only the settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tvec.app.context import AppContext
from tvec.errors import InvalidSignalError, NotFoundError, UsageError
from tvec.matching.lookup import Query, lookup, lookup_view, query_for_file, query_for_value
from tvec.settings import Settings
from tvec.views.matching import HashView, LookupView, SignalView


def _lookup(ctx: AppContext, queries: Sequence[Query], banks: list[str] | None) -> LookupView:
    with ctx.connect() as db:
        matcher = ctx.matcher(db, banks or None)
    return lookup_view(queries, lookup(matcher, queries))


def lookup_values(
    ctx: AppContext, signal_type: str, values: Sequence[str], *, banks: list[str] | None = None
) -> LookupView:
    """Look values of ``signal_type`` up in ``banks`` (default: every bank); a ``url`` value
    is looked up with its ``url_md5`` too.

    Raises:
        UsageError: unknown signal type, or a value invalid for it.
        NotFoundError: a named bank does not exist.
    """
    queries = []
    for value in values:
        try:
            queries.append(query_for_value(signal_type, value))
        except InvalidSignalError as exc:
            raise UsageError(str(exc)) from exc
    return _lookup(ctx, queries, banks)


def lookup_files(
    ctx: AppContext, paths: Sequence[Path], *, banks: list[str] | None = None
) -> LookupView:
    """Hash files as a scan would and look every signal up in ``banks`` (default: every
    bank). A file that cannot be read or hashed in full is listed in ``errors``.

    Raises:
        NotFoundError: a path is not a file, or a named bank does not exist.
    """
    for path in paths:
        if not path.is_file():
            raise NotFoundError(f"{path}: no such file (to look up a value, give --signal-type)")
    from tvec.signals.pdq_variants import PDQOptions  # image decoding: not for values

    settings = ctx.settings
    queries = [
        query_for_file(
            path,
            max_pixels=settings.max_image_pixels,
            max_file_bytes=settings.max_file_bytes,
            pdq=PDQOptions.from_settings(settings),
        )
        for path in paths
    ]
    return _lookup(ctx, queries, banks)


def hash_file(settings: Settings, path: Path) -> HashView:
    """Every signal a scan would store for the file at ``path`` (``error`` says why some
    or all are missing): byte hashes, PDQ or vPDQ for media, and for a text file its text
    signals and the ``url``/``url_md5`` signals of its out-links.

    Raises:
        NotFoundError: ``path`` is not a file.
    """
    if not path.is_file():
        raise NotFoundError(f"{path}: no such file")
    query = query_for_file(
        path, max_pixels=settings.max_image_pixels, max_file_bytes=settings.max_file_bytes
    )
    return HashView(
        file=str(path),
        media_type=query.media_type,
        signals=[
            SignalView(signal_type=s.signal_type, value=s.value, quality=s.quality)
            for s in query.signals
        ],
        error=str(query.error) if query.error else None,
    )

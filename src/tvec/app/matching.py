"""Use cases of look-ups, for ``tvec match``: nothing stored.

Look-ups use the context's matcher (:meth:`tvec.app.context.AppContext.matcher`), so they
match with the same settings as a scan and the HMA-compatible API (``TVEC_PDQ_*``,
``TVEC_VPDQ_*``). Hashing (``tvec hash``) needs no store: :mod:`tvec.app.hashing`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tvec.app.context import AppContext
from tvec.errors import InvalidSignalError, NotFoundError, UsageError
from tvec.matching.lookup import Query, lookup, lookup_view, query_for_file, query_for_value
from tvec.views.matching import LookupView


def _lookup(ctx: AppContext, queries: Sequence[Query], banks: list[str] | None) -> LookupView:
    with ctx.reads() as db:
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

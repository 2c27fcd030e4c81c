"""The use case of ``tvec hash``: the signals a scan would store for a file, nothing stored.

It needs the settings only, never the store: importing it loads no database layer
(SQLAlchemy) and no matcher, so ``tvec hash`` starts without them.
"""

from __future__ import annotations

from pathlib import Path

from tvec.errors import NotFoundError
from tvec.matching.lookup import query_for_file
from tvec.settings import Settings
from tvec.views.matching import HashView, SignalView


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

"""URL lists: a text file with one URL per line.

Blank lines are skipped; ``#`` starts a comment when it begins the line or follows
whitespace (a ``#`` inside a URL is its fragment). Defanged URLs (``hxxps://files[.]fm/x``)
are read as :func:`tvec.outlinks.extract_outlinks` reads them (and kept as the item's text,
so the pipeline records them as written). Each URL becomes an item
``urls:<origin>#<canonical URL>`` (``origin``: the file's absolute path or the URL it was
fetched from) whose one out-link is the URL as written, so the same URL listed twice is one
item. A line that is not a URL yields an item carrying an
:class:`~tvec.errors.InvalidRowError` named ``<file>:<line>``; the next lines are still read.
The file must be UTF-8 (a BOM is allowed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from tvec.errors import EncodingError, InvalidRowError, InvalidSignalError, MissingMediaError
from tvec.outlinks import extract_outlinks
from tvec.sources.base import RawItem
from tvec.urls import canonicalize_url

URL_MEDIA_TYPE = "text/uri-list"
_COMMENT = re.compile(r"(?:^|\s)#.*$")


def read_url_list(path: Path, *, origin: str | None = None) -> Iterator[RawItem]:
    """Yield one item per URL line of ``path`` (see the module docstring)."""
    origin = origin or str(path.resolve())
    name = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        error = MissingMediaError(name, f"cannot read: {exc.strerror}")
        yield RawItem(f"urls:{origin}", name, error=error)
        return
    except UnicodeDecodeError as exc:
        yield RawItem(
            f"urls:{origin}", name, error=EncodingError(name, f"not UTF-8 (byte {exc.start})")
        )
        return
    for number, line in enumerate(text.splitlines(), start=1):
        value = _COMMENT.sub("", line).strip()
        if not value:
            continue
        where = f"{name}:{number}"
        defanged = False
        try:
            canonical = canonicalize_url(value)
        except InvalidSignalError as exc:
            found = extract_outlinks(value)
            if len(found) == 1 and found[0].seen == value:  # a defanged URL: files[.]fm/x
                canonical, defanged = found[0].canonical, True
            else:
                yield RawItem(
                    f"urls:{origin}#line {number}",
                    where,
                    error=InvalidRowError(where, f"not a URL: {exc.problem}"),
                )
                continue
        yield RawItem(
            locator=f"urls:{origin}#{canonical}",
            name=where,
            meta={"line": number, "url": value},
            # the pipeline reads defanged links from text, keeping them as written
            text=value if defanged else None,
            links=[] if defanged else [value],
            media_type=URL_MEDIA_TYPE,
        )

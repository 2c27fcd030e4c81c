"""Defanging URLs for display: a URL written so that no viewer, mail client or chat tool
turns it into a live link.

The convention is the one threat-intelligence feeds use (and that
:func:`tvec.urls.canonical.canonicalize` re-arms): the scheme ``http``/``https`` becomes
``hxxp``/``hxxps`` and every dot of the host becomes ``[.]``, e.g.
``https://files.example/x.mp4`` → ``hxxps://files[.]example/x.mp4``. The path, query and
fragment are kept as they are (their dots are not a link's).
"""

from __future__ import annotations

import re

_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)$", re.DOTALL)


def defang(url: str) -> str:
    """``url`` defanged (module docstring); a text with no scheme has the dots of its first
    part (up to ``/``) bracketed. Defanging twice gives the same text.
    """
    found = _SCHEME.match(url)
    if found is None:
        scheme, rest = "", url
    else:
        scheme, rest = found.group("scheme"), found.group("rest")
        if scheme.lower() in ("http", "https"):
            scheme = re.sub("t", "x", scheme, count=2, flags=re.IGNORECASE)
        scheme += "://"
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    host = re.sub(r"(?<!\[)\.(?!\])", "[.]", rest[:cut])
    return scheme + host + rest[cut:]

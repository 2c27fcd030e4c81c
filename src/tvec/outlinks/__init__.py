"""Out-links: find URLs in item text and HTML (disguised spellings included), and store each
canonical URL once with every sighting.

Public API:

- :func:`extract_outlinks` and :class:`FoundLink` (rules in :mod:`tvec.outlinks.extract`)
- :func:`extract_from_html` (:mod:`tvec.outlinks.html_links`)
- :mod:`tvec.outlinks.sightings`: the ``outlink`` rows and their sightings

URLs are canonicalised by :mod:`tvec.urls`; each out-link is resolved to its platform by
:mod:`tvec.platforms`.
"""

from __future__ import annotations

from tvec.outlinks.extract import FoundLink, extract_outlinks
from tvec.outlinks.html_links import extract_from_html

__all__ = ["FoundLink", "extract_from_html", "extract_outlinks"]

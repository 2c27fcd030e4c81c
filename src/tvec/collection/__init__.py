"""Collection: beacon sources, polling, out-link sightings and platform overrides.

Modules:

- :mod:`tvec.collection.kinds` — the source kinds and which reader reads each.
- :mod:`tvec.collection.registry` — add, list, show, enable/disable and remove sources.
- :mod:`tvec.collection.http` — the one module that fetches URLs (SSRF rules, limits).
- :mod:`tvec.collection.poll` — fetch what is new from sources into the scan pipeline.
- :mod:`tvec.collection.watch` — poll on an interval until SIGINT/SIGTERM.
- :mod:`tvec.collection.sightings` — each canonical out-link stored once, with sightings.
- :mod:`tvec.collection.platforms` — user platform rows over the packaged registry.

This package's ``__init__`` imports nothing, so that :mod:`tvec.scan` can use
:mod:`tvec.collection.sightings` while :mod:`tvec.collection.poll` uses :mod:`tvec.scan`.
"""

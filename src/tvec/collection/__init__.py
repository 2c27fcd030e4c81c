"""Collection: the beacon sources tvec reads, and polling them into the scan pipeline.

Modules:

- :mod:`tvec.collection.kinds` — the source kinds and which reader reads each.
- :mod:`tvec.collection.registry` — add, list, show, enable/disable and remove sources.
- :mod:`tvec.collection.poll` — fetch what is new from sources into the scan pipeline.
- :mod:`tvec.collection.watch` — poll on an interval until SIGINT/SIGTERM.

Fetching goes through :mod:`tvec.net`; out-links found in collected items are stored by
:mod:`tvec.outlinks.sightings` and resolved against :mod:`tvec.platforms`.
"""

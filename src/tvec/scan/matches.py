"""Matching an item's signals against the banks, in a scan's worker processes.

Each worker maps the persisted index (:mod:`tvec.matching.shared`) through its own
:class:`~tvec.matching.matcher.Matcher` (:func:`worker_matcher`, built once per process and
scan settings). The matcher checks the bank change counter at most every
``TVEC_INDEX_CHECK_SECONDS`` when it is asked to match, so a worker moves to a newer index
version between two of its items (in practice at a batch boundary); it never matches against
a half-written index (:meth:`tvec.matching.shared.IndexFiles.load` loads one consistent
version). :func:`match_signals` gives what :class:`tvec.scan.writer.ItemWriter` would store
as ``match`` rows for a new item, so the scan's process only inserts them.
"""

from __future__ import annotations

from dataclasses import dataclass

from tvec.matching.matcher import Matcher
from tvec.matching.variants import match_variants
from tvec.settings import Settings
from tvec.signals import SignalValue
from tvec.signals.pdq_variants import PDQOptions, PDQVariant

#: One match found for an item: ``(signal_type, value, bank entry id, distance)``; the
#: ``value`` is the signal's value as matched (a ``vpdq`` frame list, not its stored
#: reference).
Found = tuple[str, str, int, int]


@dataclass(frozen=True)
class MatchSpec:
    """What a worker needs to match as the scan does: the scan's settings (database URL,
    ``TVEC_INDEX_DIR``, thresholds) and its banks (None: every bank)."""

    settings: Settings
    banks: tuple[str, ...] | None


_MATCHERS: dict[str, Matcher] = {}
_KEYS: dict[int, tuple[Settings, str]] = {}
#: Settings objects whose keys :func:`settings_key` remembers at most (then it forgets them).
KEYS_KEPT = 64


def settings_key(settings: Settings) -> str:
    """A key for per-process caches of things built from ``settings`` (its JSON), computed
    once per settings object: a pool worker gets one object for the whole scan, and
    serialising the settings for every file would cost as much as a small file's work."""
    found = _KEYS.get(id(settings))
    if found is None or found[0] is not settings:
        if len(_KEYS) >= KEYS_KEPT:
            _KEYS.clear()
        found = _KEYS[id(settings)] = (settings, settings.model_dump_json())
    return found[1]


def worker_matcher(spec: MatchSpec) -> Matcher:
    """The matcher of this process for ``spec``, built on first use (it maps the persisted
    index; :meth:`Matcher.for_settings`).

    Raises:
        NotFoundError: a named bank does not exist.
        StoreError: the database or the index folder cannot be read.
    """
    key = settings_key(spec.settings) + repr(spec.banks)
    found = _MATCHERS.get(key)
    if found is None:
        from sqlalchemy.orm import Session

        from tvec.store.db import make_engine

        engine = make_engine(spec.settings.resolved_database_url)
        with Session(engine) as session:
            banks = list(spec.banks) if spec.banks else None
            found = _MATCHERS[key] = Matcher.for_settings(session, spec.settings, banks)
    return found


def unique_signals(signals: list[SignalValue]) -> list[SignalValue]:
    """``signals`` without repeated ``(signal_type, value)`` (the last of each wins, as an
    item stores them), in first-seen order."""
    wanted = {(s.signal_type, s.value): s for s in signals}
    return list(wanted.values())


def match_signals(
    matcher: Matcher,
    signals: list[SignalValue],
    variants: list[PDQVariant],
    options: PDQOptions,
) -> list[Found]:
    """Every match of a new item with ``signals`` and PDQ ``variants``, once each.

    Each signal is matched (:meth:`Matcher.match`); then the variants that ``options``
    enable are matched with the quality of the item's ``pdq`` signal, keeping only bank
    entries the ``pdq`` signal did not match, nearest variant first
    (:func:`tvec.matching.variants.match_variants`). The same rows, in the same order, as
    :meth:`tvec.scan.writer.ItemWriter.write` stores for a new item.
    """
    out: list[Found] = []
    known: set[tuple[int, str, str]] = set()
    unique = unique_signals(signals)
    for signal in unique:
        for hit in matcher.match(signal):
            key = (hit.entry_id, signal.signal_type, signal.value)
            if key in known:
                continue
            known.add(key)
            out.append((signal.signal_type, signal.value, hit.entry_id, hit.distance))
    main = next((s for s in unique if s.signal_type == "pdq"), None)
    if main is None or not variants:
        return out
    chosen = [
        PDQVariant(v.found_by, SignalValue("pdq", v.signal.value, main.quality))
        for v in variants
        if options.enabled(v.found_by)
    ]
    matched = {entry_id for entry_id, signal_type, _ in known if signal_type == "pdq"}
    for found in match_variants(matcher, chosen, matched):
        out.append(("pdq", found.variant.signal.value, found.hit.entry_id, found.hit.distance))
    return out


def still_found(found: Found, entry: tuple[str, str] | None, pdq_threshold: int) -> Found | None:
    """``found`` checked against its bank entry as it is now (``(signal_type, value)``, None
    when deleted): the match, with its distance measured again for ``pdq``, or None.

    A worker matched with the index of some moments ago; by the time the scan's process
    stores the match the entry may be gone, and on SQLite its id may belong to another
    entry (the largest rowids are reused). Exact types must have the same match value
    (:func:`tvec.matching.shared.match_value`), ``pdq`` pairs be within ``pdq_threshold``
    bits, linear types within their type's threshold; a video's match (``vpdq`` on either
    side) needs only the entry to still be a ``pdq`` or ``vpdq`` one.
    """
    from tvec.matching.index_sync import EXACT, LINEAR, kind_of
    from tvec.matching.shared import match_value
    from tvec.signals import registry

    if entry is None:
        return None
    signal_type, value, entry_id, _ = found
    entry_type, entry_value = entry
    if "vpdq" in (signal_type, entry_type):
        return found if entry_type in ("pdq", "vpdq") else None
    if signal_type == "pdq":
        if entry_type != "pdq":
            return None
        try:
            now = (int(value, 16) ^ int(entry_value, 16)).bit_count()
        except ValueError:
            return None
        return (signal_type, value, entry_id, now) if now <= pdq_threshold else None
    if entry_type != signal_type:
        return None
    kind = kind_of(signal_type)
    if kind == EXACT:
        same = match_value(signal_type, value) == match_value(entry_type, entry_value)
        return found if same else None
    if kind == LINEAR:
        known = registry()[signal_type]
        now = known.distance(value, entry_value)
        return (signal_type, value, entry_id, now) if now <= known.default_threshold else None
    return found

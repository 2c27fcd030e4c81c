"""Entity indicators: find entity and outlet names in text, disguised or not.

Every alias of the registry is put in its match form (:func:`tvec.text.normalize.normalize`)
and added to one Aho-Corasick automaton (pyahocorasick), so a search costs time linear in the
text plus the hits, whatever the number of names. Rules:

* **Whole words.** A hit must start and end at a token boundary of the match form (start or
  end of text, or a space), so ``isis`` does not fire inside ``crisis``. Edges in scripts
  written without spaces (Han, kana, Thai, Lao, Khmer, Myanmar) need no boundary.
* **Spacing variants.** A multi-word alias also matches with its words joined (``al
  shabaab`` -> ``alshabaab``, ``#IslamicState``), for every choice of joins up to five words.
* **Arabic-script proclitics.** In ``word`` mode an Arabic-script alias may carry one of the
  prefixes ``و ف ب ل ك`` (or ``وب ول وك فب فل فك``), as in ``وداعش``; an
  alias starting with ``ال`` also matches the ``لل`` form (``للدولة``). ``token`` mode turns
  this off for aliases whose prefixed forms are ordinary words (``بحماس``, "with zeal").
* **Short aliases.** An alias whose match form has at most two letters or digits (``IS``,
  ``AQ``, ``KH``) is never matched alone (``auto`` becomes ``search``); with three (``TTP``,
  ``AAH``) ``auto`` becomes ``exact``: the original text must equal the alias exactly, case
  included, after NFKC and removal of invisible characters (so ``TTP`` hits, ``ttp``,
  ``T.T.P`` and ``Ttp`` do not). Aliases marked ``search`` in the data (ordinary words such
  as ``Inspire`` or ``الشباب``) are never matched.
* **Longest match.** A hit whose span lies inside the span of another hit is dropped
  (``Amaq`` inside ``Amaq News Agency``; ``al-Qaida`` inside ``al-Qaida in the Arabian
  Peninsula``). Overlapping hits that do not nest are all kept.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import ahocorasick

from tvec.entities.registry import Alias, EntityRegistry
from tvec.text import profiles
from tvec.text.characters import is_invisible
from tvec.text.normalize import NormalizedText

_CLITICS = frozenset({"و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك"})
_ARABIC_ARTICLE = "ال"
_MAX_JOIN_WORDS = 5
_UNSPACED_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
)


@dataclass(frozen=True, slots=True)
class IndicatorHit:
    """One entity or outlet name found in a text.

    Attributes:
        entity_id: the entity named (for an outlet, the entity that owns it).
        outlet_id: the outlet named, or ``None`` when the hit is the entity's own name.
        alias: the alias text (as in the registry) that matched.
        start: start of the hit in the ORIGINAL text.
        end: end (exclusive) of the hit in the ORIGINAL text.
        matched_text: ``original[start:end]``.
        steps: normalisation steps (see :data:`tvec.text.normalize.STEPS`) that changed
            the matched characters, or removed characters inside them, and that the alias
            itself did not need: the disguise. ``()`` for a plain spelling in any case
            (``ISIS``, ``isis``, ``ХАМАС`` against the alias ``ХАМАС``); ``("leet",)`` for
            ``1SIS``; ``("confusables",)`` for ``Наmas`` with a Cyrillic ``Н``.
    """

    entity_id: str
    outlet_id: str | None
    alias: str
    start: int
    end: int
    matched_text: str
    steps: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Pattern:
    entity_id: str
    outlet_id: str | None
    alias: str
    mode: str
    clitics: bool
    alias_steps: frozenset[str]


def effective_mode(alias: Alias, match_form: str) -> str:
    """Return the match mode used for ``alias`` (``auto`` resolved by length; see module doc)."""
    if alias.match != "auto":
        return alias.match
    size = sum(1 for c in match_form if c != " ")
    if size <= 2:
        return "search"
    if size == 3:
        return "exact"
    return "word"


def _unspaced(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _UNSPACED_RANGES)


def _variants(key: str, alias: Alias, mode: str) -> set[str]:
    words = key.split(" ")
    forms = {key}
    if 1 < len(words) <= _MAX_JOIN_WORDS:
        for joins in itertools.product((" ", ""), repeat=len(words) - 1):
            forms.add(words[0] + "".join(j + w for j, w in zip(joins, words[1:], strict=True)))
    elif len(words) > _MAX_JOIN_WORDS:
        forms.add("".join(words))
    if alias.script == "Arab" and mode == "word":
        forms |= {"لل" + f[2:] for f in forms if f.startswith(_ARABIC_ARTICLE) and len(f) > 3}
    return forms


class IndicatorMatcher:
    """Aho-Corasick matcher over the match forms of registry aliases.

    Build with :meth:`from_registry`, or with ``IndicatorMatcher(entries)`` where each entry is
    ``(entity_id, outlet_id | None, alias)``; aliases whose match form is empty or whose
    mode is ``search`` are left out.
    """

    def __init__(self, entries: Iterable[tuple[str, str | None, Alias]]) -> None:
        table: dict[str, list[_Pattern]] = {}
        for entity_id, outlet_id, alias in entries:
            alias_form = profiles.matching(alias.text)
            key = alias_form.text
            if not key:
                continue
            mode = effective_mode(alias, key)
            if mode == "search":
                continue
            pattern = _Pattern(
                entity_id,
                outlet_id,
                alias.text,
                mode,
                alias.script == "Arab" and mode == "word",
                frozenset(alias_form.steps),
            )
            for form in _variants(key, alias, mode):
                bucket = table.setdefault(form, [])
                if pattern not in bucket:
                    bucket.append(pattern)
        self._automaton: Any = ahocorasick.Automaton()
        for form, patterns in table.items():
            self._automaton.add_word(form, (len(form), tuple(patterns)))
        self._size = len(table)
        if table:
            self._automaton.make_automaton()

    @classmethod
    def from_registry(cls, registry: EntityRegistry) -> IndicatorMatcher:
        """Build a matcher from every entity name, alias, outlet name and outlet alias."""
        entries: list[tuple[str, str | None, Alias]] = []
        for entity in registry:
            entries.extend((entity.id, None, alias) for alias in entity.all_aliases())
            for outlet in entity.outlets:
                entries.extend((entity.id, outlet.id, alias) for alias in outlet.all_aliases())
        return cls(entries)

    def __len__(self) -> int:
        """Number of distinct match forms in the automaton."""
        return self._size

    def find(self, text: str) -> list[IndicatorHit]:
        """Return the hits in ``text``, ordered by start then longest first.

        Spans (``start``, ``end``) and ``matched_text`` refer to ``text`` as given.
        """
        if not self._size:
            return []
        normalized = profiles.matching(text)
        form = normalized.text
        candidates: list[IndicatorHit] = []
        seen: set[tuple[str, str | None, int, int]] = set()
        for last, (length, patterns) in self._automaton.iter(form):
            start, end = last + 1 - length, last + 1
            right_ok = end == len(form) or form[end] == " " or _unspaced(form[end - 1])
            if not right_ok:
                continue
            plain_left = start == 0 or form[start - 1] == " " or _unspaced(form[start])
            clitic_left = not plain_left and _clitic_before(form, start)
            if not (plain_left or clitic_left):
                continue
            for pattern in patterns:
                if clitic_left and not pattern.clitics:
                    continue
                hit = _hit(normalized, pattern, start, end)
                if hit is None:
                    continue
                key = (hit.entity_id, hit.outlet_id, hit.start, hit.end)
                if key not in seen:
                    seen.add(key)
                    candidates.append(hit)
        return _drop_nested(candidates)


def _clitic_before(form: str, start: int) -> bool:
    token_start = form.rfind(" ", 0, start) + 1
    return form[token_start:start] in _CLITICS


def _hit(
    normalized: NormalizedText, pattern: _Pattern, start: int, end: int
) -> IndicatorHit | None:
    low, high = normalized.original_span(start, end)
    matched = normalized.original[low:high]
    if pattern.mode == "exact" and _visible(matched) != _visible(pattern.alias):
        return None
    return IndicatorHit(
        entity_id=pattern.entity_id,
        outlet_id=pattern.outlet_id,
        alias=pattern.alias,
        start=low,
        end=high,
        matched_text=matched,
        steps=tuple(
            s for s in normalized.steps_between(start, end) if s not in pattern.alias_steps
        ),
    )


def _visible(text: str) -> str:
    nfkc = unicodedata.normalize("NFKC", text)
    return "".join(c for c in nfkc if not is_invisible(c))


def _drop_nested(hits: list[IndicatorHit]) -> list[IndicatorHit]:
    """Drop hits whose span lies inside a longer hit's span; linear after sorting."""
    hits.sort(key=lambda h: (h.start, -h.end))
    kept: list[IndicatorHit] = []
    max_end, first_start = -1, -1
    for hit in hits:
        nested = max_end > hit.end or (max_end == hit.end and first_start < hit.start)
        if not nested:
            kept.append(hit)
        if hit.end > max_end:
            max_end, first_start = hit.end, hit.start
    return kept

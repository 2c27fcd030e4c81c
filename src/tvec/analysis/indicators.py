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
* **Fuzzy and transliterated names** (second pass, Latin-script aliases of four or more
  letters in ``word`` or ``token`` mode, not acronyms written in capitals): the match form's
  words are reduced to a *skeleton* (:func:`skeleton`): Arabic article words dropped
  (``al``, ``el``, ``ad``, ``ar``, ``as``, ``ash``, ``at``, ``az``, ``ad-Dawla`` =
  ``al-Dawla``), repeated letters collapsed (``Daaaesh`` = ``Daesh``), transliteration and
  OCR look-alikes folded (``q``, ``g``, ``k``, ``c`` -> ``k``; ``e`` -> ``i``; ``o`` ->
  ``u``; ``dh``, ``th``, ``kh`` lose the ``h``; a final ``h`` after a vowel goes: ``Amag`` =
  ``Amaq``, ``Dawlah`` = ``Dawla``, ``Islamiyya`` = ``Islamiya``). A run of the text's words
  whose joined skeleton equals an alias's joined skeleton is a hit; when the alias skeleton
  has at least :data:`FUZZY_MIN_LENGTH` letters, one edit more (Levenshtein, rapidfuzz) is
  allowed. Such hits carry the step ``fuzzy``; one that overlaps an exact hit of the same
  entity or outlet is dropped (the exact one stands). False hits on ordinary news are measured per
  language (``bench/bench_names.py``, docs/benchmarks.md) and bounded by a test.
* **Longest match.** A hit whose span lies inside the span of another hit is dropped
  (``Amaq`` inside ``Amaq News Agency``; ``al-Qaida`` inside ``al-Qaida in the Arabian
  Peninsula``). Overlapping hits that do not nest are all kept.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import ahocorasick
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from tvec.entities.registry import Alias, EntityRegistry
from tvec.text import profiles
from tvec.text.characters import is_invisible
from tvec.text.normalize import NormalizedText

_CLITICS = frozenset({"و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك"})
_ARABIC_ARTICLE = "ال"
_MAX_JOIN_WORDS = 5
#: Alias skeletons at least this long also match at one edit (fuzzy pass).
FUZZY_MIN_LENGTH = 9
#: Alias skeletons shorter than this get no fuzzy pass at all.
FUZZY_MIN_ALIAS = 4
#: Words of the match form read as an Arabic article in a transliteration (``ad-Dawla``);
#: the match form folds ``l`` to ``i``, hence ``ai``.
ARTICLE_WORDS: frozenset[str] = frozenset(
    {"ai", "al", "ei", "el", "ui", "ad", "ar", "as", "ash", "at", "ath", "az", "adh", "ag"}
)
_FOLDS = (("dh", "d"), ("th", "t"), ("kh", "k"), ("ph", "f"), ("ou", "u"), ("ee", "i"))
_LETTER_FOLD = str.maketrans({"q": "k", "g": "k", "c": "k", "e": "i", "o": "u", "y": "i"})
_REPEATS = re.compile(r"(.)\1+")
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


@functools.lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """The fuzzy-pass form of one match-form word (rules in the module docstring);
    ``""`` for an article word."""
    if word in ARTICLE_WORDS:
        return ""
    out = word
    for pair, single in _FOLDS:
        out = out.replace(pair, single)
    if len(out) > 3 and out.endswith("h") and out[-2] in "aeiou":
        out = out[:-1]
    out = out.translate(_LETTER_FOLD)
    return _REPEATS.sub(r"\1", "".join(c for c in out if c.isalnum()))


def _skeleton_words(form: str) -> list[tuple[str, int, int]]:
    """``(skeleton, start, end)`` of each word of ``form`` whose skeleton is not empty; a
    word after an article word starts where the article does (``ad-Dawla``)."""
    out: list[tuple[str, int, int]] = []
    article_start: int | None = None
    for match in re.finditer(r"[^ ]+", form):
        key = skeleton(match.group())
        if key:
            start = match.start() if article_start is None else article_start
            out.append((key, start, match.end()))
            article_start = None
        elif article_start is None:
            article_start = match.start()
    return out


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
        self._fuzzy: dict[int, dict[str, list[_Pattern]]] = {}
        for patterns in table.values():
            for pattern in patterns:
                self._add_fuzzy(pattern)
        self._fuzzy_longest = 1 + max(
            (len(key) for table in self._fuzzy.values() for key in table), default=0
        )
        self._fuzzy_long: dict[int, dict[int, list[str]]] = {}
        for count, fuzzy_table in self._fuzzy.items():
            for key in fuzzy_table:
                if len(key) >= FUZZY_MIN_LENGTH:
                    self._fuzzy_long.setdefault(count, {}).setdefault(len(key), []).append(key)
        self._automaton: Any = ahocorasick.Automaton()
        for form, patterns in table.items():
            self._automaton.add_word(form, (len(form), tuple(patterns)))
        self._size = len(table)
        if table:
            self._automaton.make_automaton()

    def _add_fuzzy(self, pattern: _Pattern) -> None:
        if pattern.mode not in ("word", "token") or pattern.clitics:
            return
        if any(c.isalpha() and ord(c) >= 0x250 for c in pattern.alias):
            return  # Latin-script aliases only
        letters = [c for c in pattern.alias if c.isalpha()]
        if letters and all(c.isupper() for c in letters):
            return  # acronyms (AQIS, ISIL) are spelled, not transliterated
        words = [w for w, _, _ in _skeleton_words(profiles.matching(pattern.alias).text)]
        joined = "".join(words)
        if len(joined) < FUZZY_MIN_ALIAS or not words:
            return
        bucket = self._fuzzy.setdefault(len(words), {}).setdefault(joined, [])
        if pattern not in bucket:
            bucket.append(pattern)

    def _fuzzy_hits(self, normalized: NormalizedText) -> list[IndicatorHit]:
        words = _skeleton_words(normalized.text)
        hits: list[IndicatorHit] = []
        most = max(self._fuzzy, default=0)
        longest = self._fuzzy_longest
        for first in range(len(words)):
            joined = ""
            for count in range(1, min(most, len(words) - first) + 1):
                joined += words[first + count - 1][0]
                if len(joined) > longest:
                    break
                table = self._fuzzy.get(count)
                if table is None:
                    continue
                found = table.get(joined)
                by_length = self._fuzzy_long.get(count)
                if found is None and by_length and len(joined) >= FUZZY_MIN_LENGTH - 1:
                    size = len(joined)
                    keys = [k for n in (size - 1, size, size + 1) for k in by_length.get(n, ())]
                    if keys:
                        near = process.extract(
                            joined, keys, scorer=Levenshtein.distance, score_cutoff=1, limit=None
                        )
                        found = [p for key, _, _ in near for p in table[key]]
                for pattern in found or ():
                    start, end = words[first][1], words[first + count - 1][2]
                    hit = _hit(normalized, pattern, start, end)
                    if hit is not None:
                        hits.append(_with_fuzzy(hit))
        return hits

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
        exact = [(h.entity_id, h.outlet_id, h.start, h.end) for h in candidates]
        for hit in self._fuzzy_hits(normalized):
            key = (hit.entity_id, hit.outlet_id, hit.start, hit.end)
            overlaps_exact = any(
                e == hit.entity_id and o == hit.outlet_id and s < hit.end and hit.start < t
                for e, o, s, t in exact
            )
            if key not in seen and not overlaps_exact:
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


def _with_fuzzy(hit: IndicatorHit) -> IndicatorHit:
    return IndicatorHit(
        hit.entity_id,
        hit.outlet_id,
        hit.alias,
        hit.start,
        hit.end,
        hit.matched_text,
        (*hit.steps, "fuzzy"),
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

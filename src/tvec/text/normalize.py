"""Normalise text into a *match form* and keep a map back to the original offsets.

Disguised names (``1S1S``, ``I.S.K.P``, ``Ｉｓｌａｍｉｃ``, Cyrillic ``ІЅІЅ``, ``دا‌عـش``) fold to
the same match form as their plain spelling, so one exact multi-pattern search finds them all.
Every character of the match form remembers the span of the original text it came from, so a
hit can be reported on the text a person actually sees.

Steps, in order (the name in brackets is what :attr:`NormalizedText.steps` reports when the
step changed something):

1. ``invisible``: remove format characters (Unicode general category ``Cf``: zero-width
   space/joiners U+200B-U+200D, word joiner U+2060, BOM U+FEFF, soft hyphen U+00AD, Arabic
   letter mark U+061C and the bidi controls U+200E/F, U+202A-U+202E, U+2066-U+2069) and the
   Hangul fillers U+115F, U+1160, U+3164, U+FFA0 that render as blanks. Source: Unicode
   UAX #9 (bidi controls), UTS #39 section 3.1 (default-ignorable code points).
2. ``nfkc``: Unicode normalisation form KC per character (UAX #15): full-width letters,
   mathematical alphanumerics, circled and squared letters, ligatures, Arabic presentation
   forms (``ﷲ`` -> ``الله``). Applied per character so that every output character keeps its
   own origin; composition across characters is unnecessary because step 3 drops marks.
3. ``diacritics``: canonical decomposition (NFD) and removal of non-spacing and enclosing
   marks (categories ``Mn``, ``Me``): Latin accents, Arabic harakat, shadda, sukun, superscript
   alef, hamza above/below (so ``أ إ آ ؤ ئ`` lose their hamza/madda), Hebrew points, variation
   selectors. Source: UAX #15 decompositions; UTS #39 skeleton uses the same NFD step.
4. ``confusables``: case-aware fold of letters that look like Latin letters to those letters:
   Cyrillic (``а е о р с у х ѕ і ј һ ӏ``, and capitals such as ``В Н К М Т`` whose capital
   form is the look-alike), Greek (``α ο ι ε κ ν ρ τ υ χ η``), Armenian, IPA and small-capital
   letters, regional-indicator and negative circled/squared letters. A subset of UTS #39
   ``confusables.txt`` (mapping to the Latin prototype), chosen for letters seen in evasions.
   The table is applied again after step 5 to the small letters that case folding produced
   (``Ω`` -> ``ω`` -> ``w``), so the match form is stable under a second pass. Cyrillic
   capitals and small letters fold alike; Greek ones need not (``Η`` -> ``h``, ``η`` -> ``n``).
5. ``casefold``: full Unicode case folding (``str.casefold``; ``ß`` -> ``ss``).
6. ``arabic``: Arabic-script letter unification used by Arabic, Persian, Pashto and Urdu:
   alef wasla and wavy-hamza alefs -> ``ا``; alef maksura, Farsi yeh, Pashto/Urdu yehs, yeh
   barree -> ``ي``; keheh and swash kaf -> ``ك``; heh goal, heh doachashmee, ae, teh marbuta
   (both forms) -> ``ه``; Kurdish/Uyghur waw variants -> ``و``; noon ghunna -> ``ن``; tatweel
   (U+0640) removed. Sources: Unicode chapter 9.2 (Arabic) character descriptions; the same
   folds are used by Lucene's ``ArabicNormalizer`` and ``PersianNormalizer``.
7. ``digits``: every decimal digit (category ``Nd``: Arabic-Indic ``٠-٩``, extended
   Arabic-Indic/Persian ``۰-۹``, Devanagari...) -> ASCII ``0-9`` via its Unicode decimal value.
8. ``split_letters``: a run of three or more single letters/digits separated by short
   separators (at most three characters of space, punctuation or symbols, including emoji,
   never a line break) and containing at least one letter is joined: ``I.S.K.P`` ->
   ``iskp``, ``K h o r a s a n`` -> ``khorasan``, ``I💣S💣I💣S`` -> ``isis``.
9. ``leet``: inside a token whose letters are all Latin, ``0 1 3 4 5 7`` become ``o i e a s
   t`` and ``@ $ ! |`` become ``a s i i``. A digit run is folded only when it is one digit long
   or has a letter on both sides, so ``h4m4s`` and ``1s1s`` fold but ``2014``, ``covid19``
   and ``g20`` keep their numbers; a token without letters (a plain number) is never touched.
   ``@``, ``!`` and ``|`` fold only between word characters (a leading ``@`` is a mention, a
   trailing ``!`` punctuation); ``$`` folds when a letter is beside it.

Two more folds build the match alphabet and are not reported as steps, because every text
goes through them: Latin ``l`` is written as ``i`` (UTS #39 treats ``l``, ``I`` and ``1`` as
confusable; leet ``1`` may stand for either), and every run of characters that are not
letters or digits becomes one space, with no space at either end.

The match form therefore consists of tokens of letters and digits separated by single spaces;
:mod:`tvec.analysis.indicators` relies on that for its word-boundary rules.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

#: Names of the steps that :attr:`NormalizedText.steps` can report, in pipeline order.
STEPS: tuple[str, ...] = (
    "invisible",
    "nfkc",
    "diacritics",
    "confusables",
    "casefold",
    "arabic",
    "digits",
    "split_letters",
    "leet",
)
_BIT = {name: 1 << index for index, name in enumerate(STEPS)}

_HANGUL_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")

# UTS #39 confusables.txt, subset: look-alike letter -> Latin prototype. Case-aware: applied
# before case folding, because capital Greek eta looks like H and small eta like n.
_CONFUSABLES: dict[str, str] = {
    # Cyrillic capitals
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J", "Ԛ": "Q",
    "Ԝ": "W", "Ү": "Y", "Һ": "H", "Ӏ": "I", "Ԁ": "D", "Ѵ": "V",
    # Cyrillic small letters
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ԛ": "q",
    "ԝ": "w", "ү": "y", "һ": "h", "ӏ": "i", "ԁ": "d", "ѵ": "v",
    # Greek capitals and small letters
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    "α": "a", "ο": "o", "ι": "i", "ε": "e", "κ": "k", "ν": "v", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "η": "n", "γ": "y", "ω": "w",
    # Armenian
    "օ": "o", "ո": "n", "ս": "u", "հ": "h", "ց": "g",
    # Latin look-alikes: dotless i, IPA, small capitals
    "ı": "i", "ɩ": "i", "ȷ": "j", "ɑ": "a", "ɡ": "g", "ɢ": "g", "ʟ": "l", "ɪ": "i",
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ʜ": "h", "ᴊ": "j", "ᴋ": "k",
    "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u",
    "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
}  # fmt: skip
for _i in range(26):
    _letter = chr(ord("A") + _i)
    _CONFUSABLES[chr(0x1F1E6 + _i)] = _letter  # regional indicator symbols
    _CONFUSABLES[chr(0x1F150 + _i)] = _letter  # negative circled capitals
    _CONFUSABLES[chr(0x1F170 + _i)] = _letter  # negative squared capitals

_ARABIC: dict[str, str] = {
    "\u0671": "\u0627", "\u0672": "\u0627", "\u0673": "\u0627", "\u0675": "\u0627",
    "\u0649": "\u064a", "\u06cc": "\u064a", "\u06d0": "\u064a", "\u06cd": "\u064a",
    "\u06ce": "\u064a", "\u06d2": "\u064a", "\u0620": "\u064a",
    "\u06a9": "\u0643", "\u06aa": "\u0643",
    "\u06c1": "\u0647", "\u06be": "\u0647", "\u06d5": "\u0647", "\u0629": "\u0647",
    "\u06c3": "\u0647",
    "\u06c4": "\u0648", "\u06c5": "\u0648", "\u06c6": "\u0648", "\u06c7": "\u0648",
    "\u06c8": "\u0648", "\u06c9": "\u0648", "\u06ca": "\u0648", "\u06cb": "\u0648",
    "\u06cf": "\u0648",
    "\u06ba": "\u0646",
}  # fmt: skip
_TATWEEL = "\u0640"

_LEET_DIGITS = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"}
_LEET_SYMBOLS = {"@": "a", "$": "s", "!": "i", "|": "i"}
_MAX_SPLIT_SEPARATOR = 3
# Cheap pre-checks on the whole text (supersets of what the steps act on).
_MAY_LEET = re.compile(r"[0-9@$!|]")
_MAY_SPLIT = re.compile(r"(?<![^\W_])[^\W_][\W_]{1,3}[^\W_][\W_]{1,3}[^\W_](?![^\W_])")


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """The match form of a text and its map back to the original.

    Attributes:
        original: the text as given.
        text: the match form (tokens of letters and digits joined by single spaces).
        offsets: for each character of ``text``, the index in ``original`` where the
            character(s) it came from start (``len(offsets) == len(text)``).
        ends: for each character of ``text``, the index in ``original`` just after them.
        steps: names from :data:`STEPS` of the steps that changed something, in order.
        step_masks: for each character of ``text``, a bit mask over :data:`STEPS` of the
            steps that changed it (bit ``i`` is ``STEPS[i]``).
        removed: ``(original offset, step mask)`` of each original character a step removed
            (invisible characters, marks, tatweel, separators inside split letters), sorted.
    """

    original: str
    text: str
    offsets: tuple[int, ...]
    ends: tuple[int, ...]
    steps: tuple[str, ...]
    step_masks: tuple[int, ...]
    removed: tuple[tuple[int, int], ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Return the ``(start, end)`` span of ``original`` that ``text[start:end]`` came from.

        Raises:
            ValueError: if the span is empty or outside ``text``.
        """
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"bad span {start}:{end} of a {len(self.text)}-character text")
        return min(self.offsets[start:end]), max(self.ends[start:end])

    def steps_between(self, start: int, end: int) -> tuple[str, ...]:
        """Return the steps that changed ``text[start:end]`` or removed characters inside it.

        Removed characters count when they lie inside the original span of the range, so a
        zero-width space inside a name is reported as ``invisible`` for that name.
        """
        mask = 0
        for value in self.step_masks[start:end]:
            mask |= value
        low, high = self.original_span(start, end)
        index = bisect.bisect_left(self.removed, (low, -1))
        while index < len(self.removed) and self.removed[index][0] < high:
            mask |= self.removed[index][1]
            index += 1
        return tuple(name for name in STEPS if mask & _BIT[name])


class _Units:
    """Parallel lists: one entry per current character, with its origin and step mask."""

    __slots__ = ("chars", "ends", "masks", "removed", "starts", "steps")

    def __init__(self, text: str) -> None:
        self.chars: list[str] = list(text)
        self.starts: list[int] = list(range(len(text)))
        self.ends: list[int] = list(range(1, len(text) + 1))
        self.masks: list[int] = [0] * len(text)
        self.removed: list[tuple[int, int]] = []
        self.steps: list[str] = []

    def map_chars(self, step: str, fold: Callable[[str], str], attach: bool = False) -> None:
        """Replace each character by ``fold(character)`` (zero or more characters).

        With ``attach``, a removed character extends the span of the character before it
        (a combining mark belongs to its base letter, so a name's span covers its last mark).
        """
        outs = list(map(fold, self.chars))
        if outs == self.chars:
            return
        bit = _BIT[step]
        self.steps.append(step)
        if all(len(out) == 1 for out in outs):  # fast path: one character for one
            masks = self.masks
            for index, (out, char) in enumerate(zip(outs, self.chars, strict=True)):
                if out != char:
                    masks[index] |= bit
            self.chars = outs
            return
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        masks = []
        for out, char, start, end, mask in zip(
            outs, self.chars, self.starts, self.ends, self.masks, strict=True
        ):
            if out == char:
                chars.append(char)
                starts.append(start)
                ends.append(end)
                masks.append(mask)
                continue
            if not out:
                self.removed.append((start, mask | bit))
                if attach and ends and ends[-1] == start:
                    ends[-1] = end
            for new in out:
                chars.append(new)
                starts.append(start)
                ends.append(end)
                masks.append(mask | bit)
        self.chars, self.starts, self.ends, self.masks = chars, starts, ends, masks

    def keep(self, keep: list[bool], step: str | None) -> None:
        """Drop the characters whose ``keep`` flag is false, recording them under ``step``."""
        bit = _BIT[step] if step else 0
        for index, flag in enumerate(keep):
            if not flag:
                self.removed.append((self.starts[index], self.masks[index] | bit))
        self.chars = [c for c, k in zip(self.chars, keep, strict=True) if k]
        self.starts = [s for s, k in zip(self.starts, keep, strict=True) if k]
        self.ends = [e for e, k in zip(self.ends, keep, strict=True) if k]
        self.masks = [m for m, k in zip(self.masks, keep, strict=True) if k]


@lru_cache(maxsize=8192)
def _invisible(char: str) -> str:
    if char in _HANGUL_FILLERS or unicodedata.category(char) == "Cf":
        return ""
    return char


@lru_cache(maxsize=8192)
def _nfkc(char: str) -> str:
    return unicodedata.normalize("NFKC", char)


@lru_cache(maxsize=8192)
def _strip_marks(char: str) -> str:
    if char.isascii():
        return char
    decomposed = unicodedata.normalize("NFD", char)
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "Me"))
    return unicodedata.normalize("NFC", kept)


def _confusable(char: str) -> str:
    return _CONFUSABLES.get(char, char)


@lru_cache(maxsize=8192)
def _casefold(char: str) -> str:
    folded = char.casefold()
    if folded == char or folded.isascii():
        return folded
    return "".join(c for c in folded if unicodedata.category(c) not in ("Mn", "Me"))


def _arabic(char: str) -> str:
    if char == _TATWEEL:
        return ""
    return _ARABIC.get(char, char)


def _digit(char: str) -> str:
    if char.isascii() or not char.isdecimal():
        return char
    return str(unicodedata.decimal(char))


_is_word: Callable[[str], bool] = str.isalnum


def _split_letters(units: _Units) -> None:
    """Join runs of 3+ single letters/digits separated by short separators."""
    if not _MAY_SPLIT.search("".join(units.chars)):
        return
    chars = units.chars
    count = len(chars)
    # Tokens: (start, end) index ranges of maximal runs of word characters.
    tokens: list[tuple[int, int]] = []
    index = 0
    while index < count:
        if _is_word(chars[index]):
            begin = index
            while index < count and _is_word(chars[index]):
                index += 1
            tokens.append((begin, index))
        else:
            index += 1
    keep = [True] * count
    joined: list[int] = []
    position = 0
    while position < len(tokens):
        run = [position]
        while True:
            last = run[-1]
            if tokens[last][1] - tokens[last][0] != 1 or last + 1 >= len(tokens):
                break
            gap_start, gap_end = tokens[last][1], tokens[last + 1][0]
            gap = chars[gap_start:gap_end]
            if len(gap) > _MAX_SPLIT_SEPARATOR or "\n" in gap or "\r" in gap:
                break
            if tokens[last + 1][1] - tokens[last + 1][0] != 1:
                break
            run.append(last + 1)
        singles = [t for t in run if tokens[t][1] - tokens[t][0] == 1]
        if len(singles) >= 3 and any(chars[tokens[t][0]].isalpha() for t in singles):
            for t in singles[:-1]:
                for gap_index in range(tokens[t][1], tokens[t + 1][0]):
                    keep[gap_index] = False
            joined.extend(tokens[t][0] for t in singles)
        position = run[-1] + 1
    if joined:
        bit = _BIT["split_letters"]
        for char_index in joined:
            units.masks[char_index] |= bit
        units.keep(keep, "split_letters")
        units.steps.append("split_letters")


def _leet(units: _Units) -> None:
    """Fold leetspeak digits and symbols inside Latin tokens (see module docstring)."""
    if not _MAY_LEET.search("".join(units.chars)):
        return
    chars = units.chars
    count = len(chars)
    bit = _BIT["leet"]
    changed = False
    index = 0
    while index < count:
        if not (_is_word(chars[index]) or chars[index] in _LEET_SYMBOLS):
            index += 1
            continue
        begin = index
        while index < count and (_is_word(chars[index]) or chars[index] in _LEET_SYMBOLS):
            index += 1
        end = index
        # Trim symbols at the edges unless they are a '$' beside a letter.
        while begin < end and chars[begin] in _LEET_SYMBOLS:
            if chars[begin] == "$" and begin + 1 < end and chars[begin + 1].isalpha():
                break
            begin += 1
        while end > begin and chars[end - 1] in _LEET_SYMBOLS:
            if chars[end - 1] == "$" and end - 2 >= begin and chars[end - 2].isalpha():
                break
            end -= 1
        token = chars[begin:end]
        letters = [c for c in token if c.isalpha()]
        if not letters or not all(c.isascii() for c in letters):
            continue
        position = begin
        while position < end:
            char = chars[position]
            if char in _LEET_SYMBOLS:
                chars[position] = _LEET_SYMBOLS[char]
                units.masks[position] |= bit
                changed = True
                position += 1
            elif char.isdigit():
                run_end = position
                while run_end < end and chars[run_end].isdigit():
                    run_end += 1
                interior = position > begin and run_end < end
                if run_end - position == 1 or interior:
                    for digit_index in range(position, run_end):
                        folded = _LEET_DIGITS.get(chars[digit_index])
                        if folded is not None:
                            chars[digit_index] = folded
                            units.masks[digit_index] |= bit
                            changed = True
                position = run_end
            else:
                position += 1
    if changed:
        units.steps.append("leet")


def _match_alphabet(units: _Units) -> None:
    """Write ``l`` as ``i`` and collapse non-word runs to one space (not reported)."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    masks: list[int] = []
    pending: tuple[int, int] | None = None
    for char, start, end, mask in zip(
        units.chars, units.starts, units.ends, units.masks, strict=True
    ):
        if not _is_word(char):
            if chars:
                pending = (pending[0], end) if pending else (start, end)
            continue
        if pending is not None:
            chars.append(" ")
            starts.append(pending[0])
            ends.append(pending[1])
            masks.append(0)
            pending = None
        chars.append("i" if char == "l" else char)
        starts.append(start)
        ends.append(end)
        masks.append(mask)
    units.chars, units.starts, units.ends, units.masks = chars, starts, ends, masks


def normalize(text: str) -> NormalizedText:
    """Return the match form of ``text`` with its offset map (see the module docstring).

    Total: it never raises for any ``str``. Cost is linear in ``len(text)``.
    """
    units = _Units(text)
    units.map_chars("invisible", _invisible)
    units.map_chars("nfkc", _nfkc)
    units.map_chars("diacritics", _strip_marks, attach=True)
    units.map_chars("confusables", _confusable)
    units.map_chars("casefold", _casefold)
    units.map_chars("confusables", _confusable)  # small letters that case folding produced
    units.map_chars("arabic", _arabic)
    units.map_chars("digits", _digit)
    _split_letters(units)
    _leet(units)
    _match_alphabet(units)
    return NormalizedText(
        original=text,
        text="".join(units.chars),
        offsets=tuple(units.starts),
        ends=tuple(units.ends),
        steps=tuple(dict.fromkeys(units.steps)),
        step_masks=tuple(units.masks),
        removed=tuple(sorted(units.removed)),
    )

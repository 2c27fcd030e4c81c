"""Normalise text into a *match form* and keep a map back to the original offsets.

Disguised names (``1S1S``, ``I.S.K.P``, ``Ｉｓｌａｍｉｃ``, Cyrillic ``ІЅІЅ``, ``دا‌عـش``) fold to
the same match form as their plain spelling, so one exact multi-pattern search finds them all.
Every character of the match form remembers the span of the original text it came from, so a
hit can be reported on the text a person actually sees.

Steps, in order (the name in brackets is what :attr:`NormalizedText.steps` reports when the
step changed something):

1. ``invisible``: remove the invisible characters of :func:`tvec.text.characters.is_invisible`
   (format characters, category ``Cf``: zero-width space/joiners U+200B-U+200D, word joiner
   U+2060, BOM U+FEFF, soft hyphen U+00AD, the bidi controls U+061C, U+200E/F, U+202A-U+202E,
   U+2066-U+2069, tags; the variation selectors; the combining grapheme joiner; the Hangul
   fillers U+115F, U+1160, U+3164, U+FFA0 that render as blanks). Source: Unicode UAX #9
   (bidi controls), UTS #39 section 3.1 (default-ignorable code points).
2. ``nfkc``: Unicode normalisation form KC per character (UAX #15): full-width letters,
   mathematical alphanumerics, circled and squared letters, ligatures, Arabic presentation
   forms (``ﷲ`` -> ``الله``). Applied per character so that every output character keeps its
   own origin; composition across characters is unnecessary because step 3 drops marks.
3. ``diacritics``: canonical decomposition (NFD) and removal of non-spacing and enclosing
   marks (categories ``Mn``, ``Me``): Latin accents, Arabic harakat, shadda, sukun, superscript
   alef, hamza above/below (so ``أ إ آ ؤ ئ`` lose their hamza/madda), Hebrew points.
   Source: UAX #15 decompositions; UTS #39 skeleton uses the same NFD step.
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

The steps are rules of a :class:`tvec.text.rewrite.Rewriter`, which keeps the offset map.
The match form therefore consists of tokens of letters and digits separated by single spaces;
:mod:`tvec.analysis.indicators` relies on that for its word-boundary rules.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from tvec.text.characters import is_invisible
from tvec.text.rewrite import MappedText, Rewriter

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


@dataclass(frozen=True)
class NormalizedText(MappedText):
    """The match form of a text (:attr:`text`) and its map back to the original.

    A :class:`~tvec.text.rewrite.MappedText` whose rules are :data:`STEPS`; the properties
    below name its fields in the words of normalisation.
    """

    @property
    def offsets(self) -> tuple[int, ...]:
        """For each character of ``text``, where its origin starts in ``original``."""
        return self.starts

    @property
    def steps(self) -> tuple[str, ...]:
        """Names from :data:`STEPS` of the steps that changed something, in order applied."""
        return self.applied

    @property
    def step_masks(self) -> tuple[int, ...]:
        """For each character of ``text``, a bit mask over :data:`STEPS` (bit ``i`` is
        ``STEPS[i]``) of the steps that changed it."""
        return self.masks

    def steps_between(self, start: int, end: int) -> tuple[str, ...]:
        """Return the steps that changed ``text[start:end]`` or removed characters inside it.

        Removed characters count when they lie inside the original span of the range, so a
        zero-width space inside a name is reported as ``invisible`` for that name.
        """
        return self.rules_between(start, end)


@lru_cache(maxsize=8192)
def _invisible(char: str) -> str:
    return "" if is_invisible(char) else char


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


def _split_letters(units: Rewriter) -> None:
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
        for char_index in joined:
            units.mark("split_letters", char_index)
        units.keep("split_letters", keep)
        units.note("split_letters")


def _leet(units: Rewriter) -> None:
    """Fold leetspeak digits and symbols inside Latin tokens (see module docstring)."""
    if not _MAY_LEET.search("".join(units.chars)):
        return
    chars = units.chars
    count = len(chars)
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
                units.replace("leet", position, _LEET_SYMBOLS[char])
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
                            units.replace("leet", digit_index, folded)
                            changed = True
                position = run_end
            else:
                position += 1
    if changed:
        units.note("leet")


def normalize(text: str) -> NormalizedText:
    """Return the match form of ``text`` with its offset map (see the module docstring).

    Total: it never raises for any ``str``. Cost is linear in ``len(text)``.
    """
    units = Rewriter(text, STEPS)
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
    # The match alphabet (not reported): ``l`` written as ``i``, non-word runs one space.
    units.map_chars(None, _match_letter)
    units.collapse(_is_word)
    mapped = units.result()
    return NormalizedText(
        original=mapped.original,
        text=mapped.text,
        starts=mapped.starts,
        ends=mapped.ends,
        rules=mapped.rules,
        masks=mapped.masks,
        removed=mapped.removed,
        applied=mapped.applied,
    )


def _match_letter(char: str) -> str:
    return "i" if char == "l" else char

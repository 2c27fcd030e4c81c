"""Offline language identification for item text, with shares for mixed-language posts.

:func:`identify` names the languages of a text with ISO 639-3 codes and the script of each
with an ISO 15924 code. It runs entirely offline: the statistical model is the one shipped
inside the ``py3langid`` wheel (a naive Bayes byte n-gram model in the langid.py family,
140 labels, BSD-3-Clause; ``py3langid/data/model.npz.xz``). Nothing is downloaded.

How a text is read, in order:

1. URLs, e-mail addresses, ``@mentions`` and the ``#`` of hashtags are removed; the rest is
   NFKC-normalised (so Arabic presentation forms, full-width letters and ligatures read as the
   plain letters the model was trained on).
2. The text is cut into *units*: lines and sentences (``. ! ? ؟ ۔ । ። ！ ？`` and newlines),
   and inside each sentence into runs of one script (an Arabic run and a Latin run in one
   line are two units). Letters (Unicode categories ``L*``) decide the script; combining
   marks (``M*``, such as Devanagari vowel signs) go with the letter before them and count as
   letters; digits, punctuation, emoji and symbols are neutral and count for nothing.
3. The units of each script are pooled and classified together. When a script holds two or
   more units of at least :data:`SEGMENT_MIN_LETTERS` letters, each of those is classified on
   its own instead (the shorter units of that script are pooled), so an English paragraph and
   a French paragraph both show.
4. Classification is restricted to the languages that the script can carry (for example
   Arabic script: Arabic, Persian, Pashto, Urdu, Central Kurdish) among the candidate set
   (default :data:`TARGET_LANGUAGES`). A script that only one candidate writes (Ethiopic ->
   Amharic, Bengali -> Bengali, Devanagari -> Hindi) is always called that language. Scripts
   outside this table (Greek, Han, Hebrew, ...) are scored against all 140 model labels. The
   model has no Central Kurdish
   (Sorani) class; Arabic-script units are called ``ckb`` when at least
   :data:`SORANI_LETTER_RATIO` of their letters are ones that Sorani uses and Arabic,
   Persian, Pashto and Urdu do not (``ە ێ ۆ ڵ ڕ``), and no Uyghur-only letter (``ۇ ۈ``)
   appears.
5. A unit whose best language has a probability (renormalised over the allowed languages)
   below ``min_confidence`` counts as undetermined. Each language's *share* is its number of
   letters divided by all letters of the text; languages at or above ``min_share`` are
   reported, largest first.

6. A language outside the candidates is ``und``, not the nearest candidate: a unit with a
   letter no candidate of its script uses but a neighbour does (Ukrainian ``і ї є ґ``, Kazakh
   ``ә ң ө ұ ү һ``, Azerbaijani ``ə``), Ethiopic text with Tigrinya's ``ቐ`` series, its
   ``ኣ`` for Amharic's ``አ`` or its function words, or a unit of :data:`OUTSIDE_MIN_LETTERS`
   letters or more whose best label over all 140 model labels is outside the candidates with
   probability :data:`OUTSIDE_CONFIDENCE` or more (Spanish, Italian, Portuguese...).
7. Persian (``fas``) is reported as Dari (``prs``) or Iranian Persian (``pes``) when the
   spelling and vocabulary show which (:func:`persian_variety`, a small naive Bayes word
   model shipped as ``data/persian_variety.json``), else as ``fas``.
8. An Arabic-script unit in which Pashto's particle ``د`` stands as a word before another word
   for at least :data:`PASHTO_PARTICLE_RATIO` of its words is Pashto. Where the model says
   Malay or Indonesian, the naive Bayes word model of :mod:`tvec.analysis.malay_variety`
   (``data/malay_variety.json``) decides, then, where it abstains, words the two standards
   write differently, else py3langid's log-odds with :data:`MALAY_PRIOR` for Malay.

``primary`` is ``"und"`` when the text has fewer than :data:`MIN_LETTERS` letters (emoji-only,
a few digits, one short word), or when no language holds at least ``primary_share`` of the
letters (a post too mixed, or too unclear, to call). Malay is ``msa``. Measured accuracy per
language and length are in ``docs/language-id.md`` and ``docs/benchmarks.md``.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tvec.analysis import malay_variety as _malay
from tvec.analysis import persian_variety as _variety

__all__ = [
    "MALAY_PRIOR",
    "MIN_LETTERS",
    "OUTSIDE_CONFIDENCE",
    "OUTSIDE_MIN_LETTERS",
    "PASHTO_PARTICLE_RATIO",
    "SEGMENT_MIN_LETTERS",
    "SORANI_LETTER_RATIO",
    "TARGET_LANGUAGES",
    "LanguageResult",
    "LanguageShare",
    "identify",
    "persian_variety",
]

MIN_LETTERS = 5
"""Texts with fewer letters than this get ``primary == "und"`` and no languages."""

SEGMENT_MIN_LETTERS = 40
"""A unit needs this many letters to be classified on its own (see the module docstring)."""

SORANI_LETTER_RATIO = 0.03
"""Share of Sorani-only letters from which an Arabic-script unit is called ``ckb``."""

PASHTO_PARTICLE_RATIO = 0.1
"""An Arabic-script unit is called ``pus`` when standalone Pashto particles ``د`` make up at
least this share of its words (one in a post of up to ten words): a Dari sentence that names
"د افغانستان بانک" once stays Persian."""

MALAY_PRIOR = -0.2
"""Log-odds added for Malay over Indonesian when py3langid's best label is one of the two and
neither the Malay / Indonesian word model (:mod:`tvec.analysis.malay_variety`) nor its marker
words show the variety. Chosen with the word model in place, by 5-fold cross-validation over
the pages of its training text (2-4-word pieces: best mean of the Malay and Indonesian recalls,
0.794 at -0.2 against 0.784 at +0.2, the value chosen before the model existed;
``scripts/build_variety_model.py``, docs/language-id.md)."""

DEFAULT_MIN_SHARE = 0.2
DEFAULT_PRIMARY_SHARE = 0.5
DEFAULT_MIN_CONFIDENCE = 0.3

OUTSIDE_CONFIDENCE = 0.9
"""A unit whose best label over *all* model labels is a language outside the candidates, with
at least this probability (over all labels), is ``und`` rather than the nearest candidate."""

OUTSIDE_MIN_LETTERS = 12
"""Fewest letters of a unit for the check of :data:`OUTSIDE_CONFIDENCE` (shorter units are
scored among the candidates only: the model is unreliable over 140 labels on a word or two)."""

TARGET_LANGUAGES: frozenset[str] = frozenset(
    {
        "amh", "ara", "ben", "ckb", "deu", "eng", "fas", "fra", "hau", "hin", "ind",
        "kmr", "msa", "pus", "rus", "som", "swa", "tgk", "tur", "urd", "uzb",
    }
)  # fmt: skip
"""The default candidate languages (ISO 639-3): tvec's languages of interest."""

# ISO 639-1 labels of the py3langid model -> ISO 639-3. Labels that are already three letters
# (ace, ary, arz, crh, sdh, uzs, ...) pass through unchanged. "ku" is the model's Kurdish in
# Latin script, i.e. Northern Kurdish (Kurmanji).
_ISO639_1_TO_3 = {
    "af": "afr", "am": "amh", "an": "arg", "ar": "ara", "as": "asm", "az": "aze", "ba": "bak",
    "be": "bel", "bg": "bul", "bn": "ben", "br": "bre", "bs": "bos", "ca": "cat", "cs": "ces",
    "cy": "cym", "da": "dan", "de": "deu", "dz": "dzo", "el": "ell", "en": "eng", "eo": "epo",
    "es": "spa", "et": "est", "eu": "eus", "fa": "fas", "fi": "fin", "fo": "fao", "fr": "fra",
    "fy": "fry", "ga": "gle", "gd": "gla", "gl": "glg", "gu": "guj", "ha": "hau", "he": "heb",
    "hi": "hin", "hr": "hrv", "ht": "hat", "hu": "hun", "hy": "hye", "id": "ind", "ig": "ibo",
    "is": "isl", "it": "ita", "ja": "jpn", "jv": "jav", "ka": "kat", "kk": "kaz", "km": "khm",
    "kn": "kan", "ko": "kor", "ku": "kmr", "ky": "kir", "la": "lat", "lb": "ltz", "lg": "lug",
    "ln": "lin", "lo": "lao", "lt": "lit", "lv": "lav", "mg": "mlg", "mk": "mkd", "ml": "mal",
    "mn": "mon", "mr": "mar", "ms": "msa", "mt": "mlt", "my": "mya", "ne": "nep", "nl": "nld",
    "nn": "nno", "no": "nor", "oc": "oci", "om": "orm", "or": "ori", "pa": "pan", "pl": "pol",
    "ps": "pus", "pt": "por", "qu": "que", "ro": "ron", "ru": "rus", "rw": "kin", "sa": "san",
    "se": "sme", "si": "sin", "sk": "slk", "sl": "slv", "sn": "sna", "so": "som", "sq": "sqi",
    "sr": "srp", "st": "sot", "sv": "swe", "sw": "swa", "ta": "tam", "te": "tel", "tg": "tgk",
    "th": "tha", "tk": "tuk", "tl": "tgl", "tr": "tur", "tt": "tat", "ug": "uig", "uk": "ukr",
    "ur": "urd", "uz": "uzb", "vi": "vie", "vo": "vol", "wa": "wln", "xh": "xho", "yo": "yor",
    "zh": "zho", "zu": "zul",
}  # fmt: skip

# Which of the candidate languages each script can carry. A script missing here (Greek, Han,
# Hebrew, ...) is classified against every model label.
_SCRIPT_LANGUAGES: dict[str, frozenset[str]] = {
    "Latn": frozenset(
        {"eng", "fra", "deu", "tur", "ind", "msa", "som", "hau", "swa", "kmr", "uzb"}
    ),
    "Cyrl": frozenset({"rus", "tgk", "uzb"}),
    "Arab": frozenset({"ara", "fas", "pus", "urd", "ckb"}),
    "Ethi": frozenset({"amh"}),
    "Beng": frozenset({"ben"}),
    "Deva": frozenset({"hin"}),
}

# (first code point, last code point, ISO 15924 code), searched in order.
_SCRIPT_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x024F, "Latn"), (0x0250, 0x02AF, "Latn"), (0x1E00, 0x1EFF, "Latn"),
    (0x2C60, 0x2C7F, "Latn"), (0xA720, 0xA7FF, "Latn"), (0xFF21, 0xFF5A, "Latn"),
    (0x0370, 0x03FF, "Grek"), (0x1F00, 0x1FFF, "Grek"),
    (0x0400, 0x052F, "Cyrl"), (0x1C80, 0x1C8F, "Cyrl"), (0xA640, 0xA69F, "Cyrl"),
    (0x0530, 0x058F, "Armn"), (0x0590, 0x05FF, "Hebr"),
    (0x0600, 0x06FF, "Arab"), (0x0750, 0x077F, "Arab"), (0x0870, 0x08FF, "Arab"),
    (0xFB50, 0xFDFF, "Arab"), (0xFE70, 0xFEFF, "Arab"),
    (0x0900, 0x097F, "Deva"), (0xA8E0, 0xA8FF, "Deva"), (0x0980, 0x09FF, "Beng"),
    (0x0A00, 0x0A7F, "Guru"), (0x0A80, 0x0AFF, "Gujr"), (0x0B00, 0x0B7F, "Orya"),
    (0x0B80, 0x0BFF, "Taml"), (0x0C00, 0x0C7F, "Telu"), (0x0C80, 0x0CFF, "Knda"),
    (0x0D00, 0x0D7F, "Mlym"), (0x0D80, 0x0DFF, "Sinh"), (0x0E00, 0x0E7F, "Thai"),
    (0x0E80, 0x0EFF, "Laoo"), (0x0F00, 0x0FFF, "Tibt"), (0x1000, 0x109F, "Mymr"),
    (0x10A0, 0x10FF, "Geor"), (0x1100, 0x11FF, "Hang"), (0x1200, 0x139F, "Ethi"),
    (0x1780, 0x17FF, "Khmr"), (0x2D80, 0x2DDF, "Ethi"), (0xAB00, 0xAB2F, "Ethi"),
    (0x3040, 0x30FF, "Jpan"), (0x3400, 0x9FFF, "Hani"), (0xAC00, 0xD7AF, "Hang"),
)  # fmt: skip

_SORANI_LETTERS = frozenset("ەێۆڵڕ")
# Letters that none of the candidate languages of a script uses, but a close neighbour outside
# the set does: a unit with one of them is "und", never the nearest candidate. Cyrillic: the
# Ukrainian і ї є ґ and the Kazakh ә ң ө ұ ү һ і (Russian, Tajik and Uzbek have none of them;
# Tajik's own ғ қ ҳ ҷ ӣ ӯ and Uzbek's ў қ ғ ҳ stay allowed). Latin: the Azerbaijani schwa ə.
_OUTSIDE_LETTERS: dict[str, frozenset[str]] = {
    "Cyrl": frozenset("іїєґәңөұүһІЇЄҐӘҢӨҰҮҺ"),
    "Latn": frozenset("əƏ"),
}
# Tigrinya (Ethiopic script, not a candidate): the ቐ series (U+1250-U+125D), which Amharic does
# not write, and Tigrinya function words. A unit with either is "und", not Amharic.
_TIGRINYA_WORDS = frozenset(
    {"ኣብ", "ናይ", "እዩ", "ኢዩ", "ምስ", "ከም", "እዚ", "ኣብዚ", "ነቲ", "እቲ", "ኣሎ", "ኣለዉ", "እዮም", "ኢዮም", "ዝኾነ"}
)
_UYGHUR_LETTERS = frozenset("ۇۈ")
# Pashto's genitive particle "د" written as a word of its own before another word ("د هلمند",
# "د افغانستان"). Arabic, Persian, Urdu and Sorani have no one-letter word "د" (Arabic's "د."
# for doctor ends its sentence unit, so it is not followed by a word there). No letter, mark
# or ZWNJ may touch it on the left.
_PASHTO_PARTICLE = re.compile(r"(?<![\w\u064b-\u065f\u0670\u200c])د(?=\s+[^\W\d_])")
_NOISE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\w+|@\w+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[\n\r.!?؟۔।။።！？]+")


@dataclass(frozen=True)
class LanguageShare:
    """One language found in a text.

    ``code`` is ISO 639-3 (``prs`` Dari, ``pes`` Iranian Persian, ``fas`` Persian when the
    text does not show which; ``msa`` Malay); ``share`` is the
    fraction (0..1) of the text's letters assigned to it; ``script`` is the ISO 15924 code of
    the script those letters are in (the most used one if several), or ``None`` when the
    letters are in a script this module does not name.
    """

    code: str
    share: float
    script: str | None


@dataclass(frozen=True)
class LanguageResult:
    """What :func:`identify` found.

    ``languages`` lists every language with at least ``min_share`` of the letters, largest
    share first (empty for texts too short to call). ``primary`` is the code of the language
    holding at least ``primary_share`` of the letters, or ``"und"`` (undetermined).
    """

    languages: tuple[LanguageShare, ...]
    primary: str


@dataclass
class _Unit:
    script: str | None
    text: str
    letters: int
    particles: int = 0  # standalone Pashto genitive particles "د" (Arabic-script units only)


class _Model:
    """The py3langid model, loaded once, scored over a subset of its labels."""

    def __init__(self) -> None:
        from tvec.analysis.langid_cache import load_identifier

        self._ident: Any = load_identifier()
        self._codes: dict[str, str] = {label: _iso3(label) for label in self._ident.labels}
        self.labels: frozenset[str] = frozenset(self._codes.values())
        self._recent = threading.local()  # per thread: the last text ranked, and its ranking

    def _ranked(self, text: str) -> list[tuple[str, float]]:
        """(ISO 639-3 code, probability) for every label; the last text's ranking is kept per
        thread, since one unit is scored up to three times (outside check, best, Malay)."""
        recent: tuple[str, list[tuple[str, float]]] | None = getattr(self._recent, "last", None)
        if recent is not None and recent[0] == text:
            return recent[1]
        codes = self._codes
        ranked = [(codes[label], float(prob)) for label, prob in self._ident.rank(text)]
        self._recent.last = (text, ranked)
        return ranked

    def best(self, text: str, allowed: frozenset[str] | None) -> tuple[str, float]:
        """Best ISO 639-3 label of ``text`` among ``allowed`` (all if None) and its probability
        renormalised over ``allowed``; ``("und", 0.0)`` if nothing scores."""
        total = 0.0
        best_code, best_p = "und", 0.0
        for code, prob in self._ranked(text):
            if code == "zxx" or (allowed is not None and code not in allowed):
                continue
            total += prob
            if prob > best_p:
                best_code, best_p = code, prob
        if total <= 0.0:
            return "und", 0.0
        return best_code, best_p / total

    def log_ratio(self, text: str, first: str, second: str) -> float:
        """``log P(first) - log P(second)`` for ``text`` (ISO 639-3 codes of two labels)."""
        scores = dict(self._ranked(text))
        return math.log(scores.get(first, 0.0) + 1e-300) - math.log(
            scores.get(second, 0.0) + 1e-300
        )


_model: _Model | None = None
_model_lock = threading.Lock()


def _get_model() -> _Model:
    global _model
    with _model_lock:
        if _model is None:
            _model = _Model()
        return _model


def _iso3(label: str) -> str:
    return _ISO639_1_TO_3.get(label, label)


@lru_cache(maxsize=8192)
def _script_of(char: str) -> str | None:
    point = ord(char)
    for first, last, script in _SCRIPT_RANGES:
        if first <= point <= last:
            return script
    return None


def _units(text: str) -> Iterator[_Unit]:
    """Sentences of ``text`` cut into single-script runs (see the module docstring)."""
    for sentence in _SENTENCE_END.split(text):
        script: str | None = None
        chars: list[str] = []
        letters = 0
        started = False
        for char in sentence:
            category = unicodedata.category(char)
            if category[0] == "M" and started:
                letters += 1  # vowel signs and other marks count with their letter
            elif category[0] == "L":
                char_script = _script_of(char)
                if started and char_script != script:
                    yield _unit(script, "".join(chars).strip(), letters)
                    chars, letters = [], 0
                script, started = char_script, True
                letters += 1
            chars.append(char)
        if letters:
            yield _unit(script, "".join(chars).strip(), letters)


def _unit(script: str | None, text: str, letters: int) -> _Unit:
    particles = len(_PASHTO_PARTICLE.findall(text)) if script == "Arab" else 0
    return _Unit(script, text, letters, particles)


def _outside(model: _Model, unit: _Unit, candidates: frozenset[str] | None) -> bool:
    """True when ``unit`` shows a language outside ``candidates`` (letters, words, or the
    model over all its labels; see :data:`OUTSIDE_CONFIDENCE`)."""
    if candidates is None:
        return False
    letters = _OUTSIDE_LETTERS.get(unit.script or "")
    if letters is not None and any(char in letters for char in unit.text):
        return True
    if unit.script == "Ethi" and "tir" not in candidates:
        if any(0x1250 <= ord(char) <= 0x125D for char in unit.text):
            return True
        if unit.text.count("ኣ") > unit.text.count("አ"):  # Tigrinya writes a- as ኣ, Amharic አ
            return True
        if any(word in _TIGRINYA_WORDS for word in re.findall(r"\w+", unit.text)):
            return True
    if unit.letters >= OUTSIDE_MIN_LETTERS and unit.script in _SCRIPT_LANGUAGES:
        code, prob = model.best(unit.text, None)
        if code not in candidates and code not in _SAME_AS_CANDIDATE and prob >= OUTSIDE_CONFIDENCE:
            return True
    return False


# Model labels that are not candidates but stand for one (macro/individual language pairs).
_SAME_AS_CANDIDATE = frozenset({"msa", "ind", "und", "zxx"})


def _classify_unit(
    model: _Model, unit: _Unit, candidates: frozenset[str] | None, min_confidence: float
) -> str:
    if unit.script == "Arab" and (candidates is None or "ckb" in candidates):
        sorani = sum(1 for char in unit.text if char in _SORANI_LETTERS)
        uyghur = any(char in _UYGHUR_LETTERS for char in unit.text)
        if not uyghur and sorani >= max(1.0, SORANI_LETTER_RATIO * unit.letters):
            return "ckb"
    if _outside(model, unit, candidates):
        return "und"
    if (
        unit.particles
        and (candidates is None or "pus" in candidates)
        and unit.particles >= PASHTO_PARTICLE_RATIO * len(unit.text.split())
    ):
        return "pus"
    allowed: frozenset[str] | None = None
    script_langs = _SCRIPT_LANGUAGES.get(unit.script or "")
    if candidates is not None and script_langs is not None:
        allowed = script_langs & candidates & model.labels
        if not allowed:
            return "und"
    code, prob = model.best(unit.text, allowed)
    if prob < min_confidence:
        return "und"
    if code == "fas":
        return persian_variety(unit.text)
    if code in ("ind", "msa") and (candidates is None or {"ind", "msa"} <= candidates):
        decided = _malay.classify(unit.text)
        if decided != "und":
            return decided
        return "msa" if model.log_ratio(unit.text, "msa", "ind") + MALAY_PRIOR > 0 else "ind"
    return code


def identify(
    text: str,
    *,
    min_share: float = DEFAULT_MIN_SHARE,
    primary_share: float = DEFAULT_PRIMARY_SHARE,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    candidates: Collection[str] | None = TARGET_LANGUAGES,
) -> LanguageResult:
    """Identify the language or languages of ``text``.

    ``min_share`` (0..1, default 0.2): a language is listed when it holds at least this
    fraction of the letters. ``primary_share`` (default 0.5): ``primary`` names the top
    language only when it holds at least this fraction, else ``"und"``. ``min_confidence``
    (default 0.3): a unit whose best probability, renormalised over the allowed languages,
    is lower counts as undetermined. ``candidates``: ISO 639-3 codes to choose from (default
    :data:`TARGET_LANGUAGES`); ``None`` lets the model choose among all its 140 labels plus
    ``ckb``. Codes the model does not know are ignored.

    Texts with fewer than :data:`MIN_LETTERS` letters, and empty or emoji-only texts, return
    ``LanguageResult(languages=(), primary="und")``. The model is loaded on the first call
    (about 0.7 s, about 130 MB); later calls are thread-safe. Raises nothing for any ``str``.
    """
    cleaned = unicodedata.normalize("NFKC", _NOISE.sub(" ", text)).replace("#", " ")
    units = [unit for unit in _units(cleaned) if unit.letters]
    total = sum(unit.letters for unit in units)
    if total < MIN_LETTERS:
        return LanguageResult(languages=(), primary="und")
    allowed = frozenset(candidates) if candidates is not None else None
    model = _get_model()

    by_script: dict[str | None, list[_Unit]] = {}
    for unit in units:
        by_script.setdefault(unit.script, []).append(unit)
    letters: dict[str, int] = {}
    scripts: dict[str, dict[str | None, int]] = {}
    for script, group in by_script.items():
        long_units = [unit for unit in group if unit.letters >= SEGMENT_MIN_LETTERS]
        if len(long_units) >= 2:
            short = [unit for unit in group if unit.letters < SEGMENT_MIN_LETTERS]
            pieces = long_units + ([_pool(script, short)] if short else [])
        else:
            pieces = [_pool(script, group)]
        for piece in pieces:
            code = _classify_unit(model, piece, allowed, min_confidence)
            letters[code] = letters.get(code, 0) + piece.letters
            per_script = scripts.setdefault(code, {})
            per_script[script] = per_script.get(script, 0) + piece.letters

    shares = sorted(
        ((code, count / total) for code, count in letters.items() if code != "und"),
        key=lambda item: (-item[1], item[0]),
    )
    languages = tuple(
        LanguageShare(code=code, share=round(share, 4), script=_main_script(scripts[code]))
        for code, share in shares
        if share >= min_share
    )
    primary = languages[0].code if languages and languages[0].share >= primary_share else "und"
    return LanguageResult(languages=languages, primary=primary)


def persian_variety(text: str) -> str:
    """``prs`` (Dari) or ``pes`` (Iranian Persian) when the text shows which, else ``fas``.

    Decided by the naive Bayes word model of :mod:`tvec.analysis.persian_variety`, trained on
    Afghan and Iranian news sentences and on the names CLDR's ``fa_AF`` and ``fa`` locales
    spell differently; it abstains (``fas``) when the log-odds stay under its threshold, which
    is most 2-4-word fragments (docs/language-id.md has the measured rates).
    """
    return _variety.classify(text)


def _pool(script: str | None, group: list[_Unit]) -> _Unit:
    return _Unit(
        script,
        " ".join(unit.text for unit in group),
        sum(unit.letters for unit in group),
        sum(unit.particles for unit in group),
    )


def _main_script(counts: dict[str | None, int]) -> str | None:
    return max(counts.items(), key=lambda item: item[1])[0]

"""Dari (``prs``) or Iranian Persian (``pes``) from the text itself: a small naive Bayes model.

Persian is one language written in two standard varieties. Beyond a handful of marker words
(ولسوالی, پوهنتون, شهرداری...), the varieties differ in many small habits of spelling and
vocabulary (استند / هستند, میباشد, شماری از, همچنان, تن for persons, دالر / دلار, the Afghan
month names, اعلامیه / بیانیه, ...) that no hand-made list covers. This module scores them with
a multinomial naive Bayes model over words (optionally character n-grams too; after the
langid.py family, Lui & Baldwin 2012), trained on ordinary news sentences from Afghan (Dari)
and Iranian outlets that are not in the held-out evaluation set
(``tests/data/langid/persian_variety_train.jsonl`` and the Persian sentences of
``tests/data/corpus/news.jsonl`` whose page is not in the held-out set) and on the names that
CLDR's ``fa_AF`` and ``fa`` locales spell differently.

The model is the JSON file ``data/persian_variety.json`` beside this module (built,
deterministically, by ``scripts/build_persian_variety.py``): for every kept feature the log
ratio ``log P(feature | prs) - log P(feature | pes)`` (add-``alpha`` smoothing), a prior, and
two abstention thresholds (texts under :data:`SHORT_WORDS` words, and longer ones: naive Bayes
scores grow with the length of the text). :meth:`VarietyModel.score` sums the log ratios of a
text's features; :meth:`VarietyModel.decide` answers ``prs`` or ``pes`` only when the absolute
score reaches the threshold, else ``fas`` ("Persian, variety not shown"). The build script
chooses words alone or words and n-grams, ``alpha`` and the thresholds by cross-validation over
the training pages (a wrong variety costing three right answers).

Where the model abstains, the hand-picked vocabulary markers of :func:`marker_variety` decide
if they are one-sided (:meth:`VarietyModel.classify`); in cross-validation this fallback added
66 right answers on short texts for one more wrong one.

Features: the text is normalised (:func:`normalise`: NFKC, Arabic ``ي ك ى`` as the Persian
``ی ک``, zero-width non-joiner, tatweel and harakat removed, everything but letters a space);
each word ``w`` gives the token ``w:w`` and, for an n-gram model, the character n-grams
(n = 2..4) of ``" w "``.
"""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from tvec.errors import TvecError

__all__ = [
    "MODEL_FILE",
    "SHORT_WORDS",
    "VarietyModel",
    "VarietyModelError",
    "classify",
    "features",
    "load_model",
    "marker_variety",
    "normalise",
    "score",
]

MODEL_FILE = Path(__file__).resolve().parent / "data" / "persian_variety.json"
"""The shipped model (a few hundred KB of JSON)."""

NGRAM_SIZES = (2, 3, 4)
"""Character n-gram lengths taken from each space-padded word."""

_TRANSLATE = str.maketrans(
    {"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "\u200c": None, "\u200d": None, "ـ": None}
)
_HARAKAT = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
_NOT_LETTER = re.compile(r"[^\w]|[\d_]")


def normalise(text: str) -> str:
    """``text`` as the model reads it: NFKC, Persian ``ی``/``ک`` for the Arabic letters, no
    ZWNJ/ZWJ, tatweel or harakat, and every non-letter (digits and punctuation included) a
    single space."""
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    text = _HARAKAT.sub("", text)
    return " ".join(_NOT_LETTER.sub(" ", text).split())


SHORT_WORDS = 5
"""Texts with fewer words than this are judged against ``threshold_short``."""


def features(text: str, *, ngrams: bool = True) -> list[str]:
    """The features of ``text`` (see the module docstring), repeated as often as they occur.

    Whole words are prefixed ``w:`` so that a one-letter word and a 2-gram cannot collide;
    ``ngrams=False`` gives the words alone."""
    out: list[str] = []
    for word in normalise(text).split():
        out.append("w:" + word)
        if ngrams:
            padded = f" {word} "
            for size in NGRAM_SIZES:
                out.extend(padded[i : i + size] for i in range(len(padded) - size + 1))
    return out


# Words that mark Afghan Dari or Iranian Persian: where CLDR's ``fa_AF`` and ``fa`` locales
# spell country and month names differently (جاپان / ژاپن, هسپانیه / اسپانیا), and the words of
# administration and daily life the two standards differ on (ولسوالی district, شاروالی / شهرداری
# municipality, پوهنتون / دانشگاه university, پولیس / پلیس police, شفاخانه / بیمارستان hospital,
# ملیون / میلیون, امریکا / آمریکا, the Afghan and Iranian solar month names, the Afghan months
# from English). Places and topics are deliberately absent: the Iranian press reports on
# Afghanistan at length, and Afghan outlets on Iran.
_DARI_MARKERS_TEXT = """
    ولسوالی ولسوالیها ولسوال شاروالی شاروال پوهنتون پوهنتونها پوهنځی پوهنحی پوهاند پوهنوال
    پولیس شفاخانه موتر موترها داکتر داکتران ملیون ملیارد امریکا امریکایی استند میباشند لوی
    خارنوالی خارنوال جنوری فبروری مارچ اپریل جولای اگست سپتمبر اکتوبر نومبر دسمبر جوزا سنبله
    عقرب دلو حوت جاپان هسپانیه برازیل ارجنتاین بلجیم هالند ناروی سویدن پولند اندونیزیا
    مالیزیا مکسیکو کوریای جرمنی
    """
_DARI_MARKERS = frozenset(_DARI_MARKERS_TEXT.split())
_PERSIAN_MARKERS_TEXT = """
    استان استانها استانی استاندار استانداری شهرستان شهرستانها شهرداری شهرداریها شهردار
    دانشگاه دانشگاهها دانشگاهی پلیس بیمارستان بیمارستانها ماشین خودرو خودروها دکتر میلیون
    میلیارد آمریکا آمریکایی فروردین اردیبهشت خرداد مرداد شهریور آبان آذر بهمن اسفند ژانویه
    فوریه آوریل ژوئن ژوئیه سپتامبر اکتبر نوامبر دسامبر ژاپن اسپانیا برزیل آرژانتین بلژیک
    هلند نروژ سوئد لهستان اندونزی مالزی مکزیک کرهٔ آلمان
    """
_PERSIAN_MARKERS = frozenset(_PERSIAN_MARKERS_TEXT.split())


def marker_variety(text: str) -> str:
    """``prs`` or ``pes`` when the marker words of ``text`` lean one way, else ``fas``.

    A word counts as written, without its ZWNJ, or as its part before a ZWNJ (before a plural
    ``ها``); the side with more marker words wins."""
    dari = persian = 0
    for word in re.findall(r"[\w\u200c]+", text):
        forms = {word, word.replace("\u200c", ""), word.split("\u200c")[0]}
        if forms & _DARI_MARKERS:
            dari += 1
        elif forms & _PERSIAN_MARKERS:
            persian += 1
    if dari > persian:
        return "prs"
    if persian > dari:
        return "pes"
    return "fas"


class VarietyModelError(TvecError):
    """The Persian variety model file is missing or malformed."""


@dataclass(frozen=True)
class VarietyModel:
    """A loaded model: ``weights`` maps a feature to ``log P(f|prs) - log P(f|pes)``;
    ``prior`` is added to every score; ``ngrams`` says whether character n-grams are features;
    :func:`classify` names a variety from an absolute score of ``threshold_short`` (texts of
    fewer than :data:`SHORT_WORDS` words) or ``threshold_long``."""

    weights: dict[str, float]
    prior: float
    ngrams: bool
    threshold_short: float
    threshold_long: float

    def score(self, text: str) -> float:
        """Log-odds that ``text`` is Dari rather than Iranian Persian (> 0 leans Dari)."""
        weights = self.weights
        found = features(text, ngrams=self.ngrams)
        return self.prior + sum(weights.get(feature, 0.0) for feature in found)

    def decide(self, text: str) -> str:
        """The model alone: ``prs``, ``pes``, or ``fas`` when the absolute score is under the
        threshold."""
        value = self.score(text)
        short = len(normalise(text).split()) < SHORT_WORDS
        threshold = self.threshold_short if short else self.threshold_long
        if value >= threshold:
            return "prs"
        if value <= -threshold:
            return "pes"
        return "fas"

    def classify(self, text: str) -> str:
        """:meth:`decide`, and :func:`marker_variety` where the model abstains."""
        decided = self.decide(text)
        return decided if decided != "fas" else marker_variety(text)


def load_model(path: Path = MODEL_FILE) -> VarietyModel:
    """Read a model file written by ``scripts/build_persian_variety.py``.

    Raises :class:`VarietyModelError` naming ``path`` when it is missing or malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = {str(k): float(v) for k, v in data["weights"].items()}
        prior, ngrams = float(data["prior"]), bool(data["ngrams"])
        thresholds = float(data["threshold_short"]), float(data["threshold_long"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise VarietyModelError(f"cannot read the Persian variety model {path}: {exc}") from exc
    if not all(math.isfinite(t) and t >= 0 for t in thresholds):
        raise VarietyModelError(f"bad thresholds {thresholds!r} in {path}")
    return VarietyModel(
        weights=weights,
        prior=prior,
        ngrams=ngrams,
        threshold_short=thresholds[0],
        threshold_long=thresholds[1],
    )


_model: VarietyModel | None = None
_lock = threading.Lock()


def _shared() -> VarietyModel:
    global _model
    with _lock:
        if _model is None:
            _model = load_model()
        return _model


def score(text: str) -> float:
    """:meth:`VarietyModel.score` with the shipped model (loaded once, thread-safe)."""
    return _shared().score(text)


def classify(text: str) -> str:
    """:meth:`VarietyModel.classify` with the shipped model: ``prs``, ``pes`` or ``fas``."""
    return _shared().classify(text)

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
deterministically, by ``scripts/build_variety_model.py persian``; the model and its loader are
the shared ones of :mod:`tvec.analysis.variety_pair`): for every kept feature the log
ratio ``log P(feature | prs) - log P(feature | pes)`` (add-``alpha`` smoothing), a prior, and
two abstention thresholds (texts under :data:`SHORT_WORDS` words, and longer ones: naive Bayes
scores grow with the length of the text). :meth:`VarietyModel.score` sums the log ratios of a
text's features; :meth:`VarietyModel.decide` answers ``prs`` or ``pes`` only when the absolute
score reaches the threshold, else ``fas`` ("Persian, variety not shown"). The build script
chooses words alone or words and n-grams, ``alpha`` and the thresholds by cross-validation over
the training pages (a wrong variety costing three right answers).

Where the model abstains, the hand-picked vocabulary markers of :func:`marker_variety` decide
if they are one-sided (:meth:`VarietyModel.classify`); in cross-validation this fallback added
75 right answers on short texts for one more wrong one (2,009 short pieces, 830 lines).

Features: the text is normalised (:func:`normalise`: NFKC, Arabic ``ي ك ى`` as the Persian
``ی ک``, zero-width non-joiner, tatweel and harakat removed, everything but letters a space);
each word ``w`` gives the token ``w:w`` and, for an n-gram model, the character n-grams
(n = 2..4) of ``" w "``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

from tvec.analysis.variety_pair import (
    SHORT_WORDS,
    PairModel,
    VarietyModelError,
    features,
    load_pair_model,
    normalise,
)

__all__ = [
    "LABELS",
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
"""The shipped model (a few tens of KB of JSON)."""

LABELS = ("prs", "pes", "fas")
"""Dari, Iranian Persian, and "Persian, variety not shown"."""


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


@dataclass(frozen=True)
class VarietyModel(PairModel):
    """The Dari / Iranian Persian :class:`~tvec.analysis.variety_pair.PairModel` (labels
    :data:`LABELS`), with the marker words where it abstains."""

    labels: tuple[str, str, str] = LABELS

    def classify(self, text: str) -> str:
        """:meth:`decide`, and :func:`marker_variety` where the model abstains."""
        decided = self.decide(text)
        return decided if decided != "fas" else marker_variety(text)


def load_model(path: Path = MODEL_FILE) -> VarietyModel:
    """Read a Persian model file written by ``scripts/build_variety_model.py``.

    Raises :class:`VarietyModelError` naming ``path`` when it is missing or malformed."""
    model = load_pair_model(path, LABELS)
    return VarietyModel(
        weights=model.weights,
        prior=model.prior,
        ngrams=model.ngrams,
        threshold_short=model.threshold_short,
        threshold_long=model.threshold_long,
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

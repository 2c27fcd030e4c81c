"""Two varieties of one language told apart by a small naive Bayes model: the shared part.

Used for Dari / Iranian Persian (:mod:`tvec.analysis.persian_variety`) and Standard Malay /
Indonesian (:mod:`tvec.analysis.malay_variety`). Each pair ships one JSON model file built,
deterministically, by ``scripts/build_variety_model.py`` from ordinary news text of outlets of
each country (page URL on every training line, pages of the held-out evaluation set left out).

Method: multinomial naive Bayes over words, optionally with character n-grams (after the
langid.py family, Lui & Baldwin 2012). The model file holds, for every kept feature, the log
ratio ``log P(feature | first) - log P(feature | second)`` (add-``alpha`` smoothing), a prior,
and two abstention thresholds: one for texts under :data:`SHORT_WORDS` words and one for
longer texts (naive Bayes scores grow with the length of the text). :meth:`PairModel.decide`
names a variety only when the absolute score reaches the threshold, else the ``undecided``
label; the builder chooses features, ``alpha`` and thresholds by cross-validation over pages.

Features: the text is normalised (:func:`normalise`: NFKC, case-folded, Arabic ``ي ك ى`` as
the Persian ``ی ک``, zero-width (non-)joiner, tatweel and harakat removed, everything but
letters a space); each word ``w`` gives the token ``w:w`` and, for an n-gram model, the
character n-grams (n = 2..4) of ``" w "``.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from tvec.errors import TvecError

__all__ = [
    "NGRAM_SIZES",
    "SHORT_WORDS",
    "PairModel",
    "VarietyModelError",
    "features",
    "load_pair_model",
    "normalise",
]

NGRAM_SIZES = (2, 3, 4)
"""Character n-gram lengths taken from each space-padded word."""

SHORT_WORDS = 5
"""Texts with fewer words than this are judged against ``threshold_short``."""

_TRANSLATE = str.maketrans(
    {"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "\u200c": None, "\u200d": None, "ـ": None}
)
_HARAKAT = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
_NOT_LETTER = re.compile(r"[^\w]|[\d_]")


def normalise(text: str) -> str:
    """``text`` as the models read it: NFKC, case-folded, Persian ``ی``/``ک`` for the Arabic
    letters, no ZWNJ/ZWJ, tatweel or harakat, and every non-letter (digits and punctuation
    included) a single space."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_TRANSLATE)
    text = _HARAKAT.sub("", text)
    return " ".join(_NOT_LETTER.sub(" ", text).split())


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


class VarietyModelError(TvecError):
    """A variety model file is missing or malformed."""


@dataclass(frozen=True)
class PairModel:
    """A loaded pair model. ``weights`` maps a feature to ``log P(f|first) - log P(f|second)``;
    ``prior`` is added to every score; ``ngrams`` says whether character n-grams are features;
    ``labels`` is ``(first, second, undecided)``, the codes :meth:`decide` answers; a variety
    is named from an absolute score of ``threshold_short`` (texts of fewer than
    :data:`SHORT_WORDS` words) or ``threshold_long``."""

    weights: dict[str, float]
    prior: float
    ngrams: bool
    threshold_short: float
    threshold_long: float
    labels: tuple[str, str, str]

    def score(self, text: str) -> float:
        """Log-odds that ``text`` is the first variety rather than the second (> 0 leans
        first)."""
        weights = self.weights
        found = features(text, ngrams=self.ngrams)
        return self.prior + sum(weights.get(feature, 0.0) for feature in found)

    def decide(self, text: str) -> str:
        """The model alone: the first or second label, or the undecided one when the absolute
        score is under the threshold for the length of ``text``."""
        value = self.score(text)
        short = len(normalise(text).split()) < SHORT_WORDS
        threshold = self.threshold_short if short else self.threshold_long
        if value >= threshold:
            return self.labels[0]
        if value <= -threshold:
            return self.labels[1]
        return self.labels[2]


def load_pair_model(path: Path, labels: tuple[str, str, str]) -> PairModel:
    """Read a model file written by ``scripts/build_variety_model.py`` for the pair
    ``labels`` (``(first, second, undecided)``).

    Raises :class:`VarietyModelError` naming ``path`` when it is missing or malformed, or when
    the labels it was built for are not ``labels``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = {str(k): float(v) for k, v in data["weights"].items()}
        prior, ngrams = float(data["prior"]), bool(data["ngrams"])
        thresholds = float(data["threshold_short"]), float(data["threshold_long"])
        found = tuple(str(code) for code in data.get("labels", labels))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise VarietyModelError(f"cannot read the variety model {path}: {exc}") from exc
    if not all(math.isfinite(t) and t >= 0 for t in thresholds):
        raise VarietyModelError(f"bad thresholds {thresholds!r} in {path}")
    if found != labels:
        raise VarietyModelError(f"{path} is a model for {found!r}, not {labels!r}")
    return PairModel(
        weights=weights,
        prior=prior,
        ngrams=ngrams,
        threshold_short=thresholds[0],
        threshold_long=thresholds[1],
        labels=labels,
    )

"""Standard Malay (``msa``) or Indonesian (``ind``) from the text itself: a small naive Bayes model.

Malay and Indonesian are two standards of one language (Dewan Bahasa dan Pustaka in Malaysia,
KBBI in Indonesia). py3langid tells them apart well on long text but leans Indonesian on a few
words of Malay. This module scores the words with the shared variety model of
:mod:`tvec.analysis.variety_pair`, trained on ordinary news from Malaysian (Bernama, Berita
Harian, Utusan, Harian Metro, Astro Awani, Malaysiakini, FMT, ...) and Indonesian outlets
(Antara, Kompas, Tempo, Detik, Liputan6, Media Indonesia, Tribun, ...), none of them pages of the
held-out evaluation set (``tests/data/langid/malay_variety_train.jsonl``, stored as the sorted
words of each sentence, and the ``zsm``/``ind`` sentences of ``tests/data/corpus/news.jsonl``).

The model is ``data/malay_variety.json`` beside this module, built deterministically by
``scripts/build_variety_model.py malay``, which chooses its features, smoothing and abstention
thresholds by cross-validation over pages. Where the model abstains, the marker words that the
two standards write differently (:func:`marker_variety`) decide if they are one-sided, else
:func:`classify` answers ``und`` and the caller falls back on its language model
(:func:`tvec.analysis.language.identify` uses py3langid's log-odds with ``MALAY_PRIOR``).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from tvec.analysis.variety_pair import PairModel, load_pair_model

__all__ = ["LABELS", "MODEL_FILE", "classify", "load_model", "marker_variety"]

MODEL_FILE = Path(__file__).resolve().parent / "data" / "malay_variety.json"
"""The shipped model (JSON)."""

LABELS = ("msa", "ind", "und")
"""Standard Malay, Indonesian, and "not shown by the words"."""

# Words whose spelling or choice differs between the Malaysian (Dewan Bahasa dan Pustaka) and
# the Indonesian (KBBI) standard, where the other standard writes another word for the same
# thing: kerana/karena, bahawa/bahwa, sahaja/saja, wang/uang, kes/kasus, baharu (new) ... and
# the month and weekday names. Words that both standards use with other meanings (polisi,
# pejabat, pasukan, baru, boleh) are left out.
_MALAY_WORDS_TEXT = """
    kerana bahawa sahaja wang kes baharu antarabangsa kenderaan cukai percuma mahkamah
    hospital isnin khamis ogos julai jun mac disember iaitu syarikat kakitangan selepas mahu
    doktor universiti kualiti aktiviti komuniti peratus ringgit teksi bas akhbar kerajaan
    berkata semalam lepas ramai
    """
_MALAY_WORDS = frozenset(_MALAY_WORDS_TEXT.split())
_INDONESIAN_WORDS_TEXT = """
    karena bahwa saja uang kasus internasional kendaraan pajak gratis pengadilan senin kamis
    agustus juli juni maret desember yaitu yakni perusahaan karyawan setelah mau dokter
    universitas kualitas aktivitas komunitas persen rupiah taksi bus koran pemerintah
    mengatakan kemarin lalu terkait sejumlah tersebut mobil
    """
_INDONESIAN_WORDS = frozenset(_INDONESIAN_WORDS_TEXT.split())


def marker_variety(text: str) -> str:
    """``msa`` or ``ind`` when the marker words of ``text`` (case-insensitive) lean one way,
    else ``und``."""
    words = [word.lower() for word in re.findall(r"[^\W\d_]+", text)]
    malay = sum(word in _MALAY_WORDS for word in words)
    indonesian = sum(word in _INDONESIAN_WORDS for word in words)
    if malay > indonesian:
        return "msa"
    if indonesian > malay:
        return "ind"
    return "und"


def load_model(path: Path = MODEL_FILE) -> PairModel:
    """Read the Malay / Indonesian model file (labels :data:`LABELS`).

    Raises :class:`tvec.analysis.variety_pair.VarietyModelError` naming ``path`` when it is
    missing or malformed."""
    return load_pair_model(path, LABELS)


_model: PairModel | None = None
_lock = threading.Lock()


def _shared() -> PairModel:
    global _model
    with _lock:
        if _model is None:
            _model = load_model()
        return _model


def classify(text: str, model: PairModel | None = None) -> str:
    """``msa``, ``ind``, or ``und`` when neither ``model`` (default: the shipped one, loaded
    once, thread-safe) nor, where it abstains, :func:`marker_variety` shows the variety."""
    decided = (model or _shared()).decide(text)
    return decided if decided != "und" else marker_variety(text)

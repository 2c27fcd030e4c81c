"""Build a variety-pair model (tvec.analysis.variety_pair): Dari / Iranian Persian or Malay /
Indonesian.

Usage::

    python scripts/build_variety_model.py {persian,malay} [--check]

Training text (``PAIRS``): for ``persian``, ``tests/data/langid/persian_variety_train.jsonl``
(sentences of Afghan and Iranian outlets), the ``prs``/``pes`` sentences of
``tests/data/corpus/news.jsonl`` and the names CLDR's ``fa_AF`` and ``fa`` locales spell
differently; for ``malay``, ``tests/data/langid/malay_variety_train.jsonl`` (the sorted words of
sentences of Malaysian and Indonesian outlets: a bag of words per sentence, ``words``, rather
than the sentence) and the ``zsm``/``ind`` sentences of the news corpus. Every line has its page
URL. Every line from a page that also supplied the held-out set
``tests/data/langid/heldout.jsonl`` is left out, and so is any text equal to a held-out text,
so the held-out figures in docs/benchmarks.md stay held out.

Method: multinomial naive Bayes over whole words, or words and character 2-4-grams,
add-``alpha`` smoothing, prior 0 (no variety assumed more likely). The feature set, ``alpha``
and the two abstention thresholds are chosen by 5-fold cross-validation over pages (all lines
of a page in the same fold), scoring whole sentences and 2-, 3- and 4-word pieces (the shape of
the held-out short items: the first words of a sentence, or for a bag of words a fixed
pseudo-random draw of its words). Each threshold (texts of under five words, and longer ones)
maximises ``right - COST_WRONG * wrong`` on its own kind of text, i.e. a wrong variety costs as
much as ``COST_WRONG`` right ones and abstaining costs nothing; the feature set and ``alpha``
maximise the sum over both kinds. The report then gives right / wrong / abstained out of fold
with the pair's marker words where the model abstains, and, for ``malay``, with the last
fallback of tvec.analysis.language (py3langid's log-odds plus ``MALAY_PRIOR``), which never
abstains. Features seen fewer than ``MIN_COUNT`` times are dropped; weights are rounded to 3
decimals. The output is deterministic (sorted keys, fixed folds and draws).

``--check`` rebuilds in memory and exits 1 if the shipped file differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tvec.analysis import malay_variety, persian_variety  # noqa: E402
from tvec.analysis.variety_pair import SHORT_WORDS, PairModel, features, normalise  # noqa: E402

NEWS = ROOT / "tests" / "data" / "corpus" / "news.jsonl"
HELDOUT = ROOT / "tests" / "data" / "langid" / "heldout.jsonl"
LANGID = ROOT / "tests" / "data" / "langid"

FOLDS = 5
ALPHAS = (0.1, 0.3, 1.0)
COST_WRONG = 3.0
MIN_COUNT = 2


@dataclass(frozen=True)
class Row:
    """One training line: its variety (the model's label), text, page, and whether the text is
    a sentence in order (``False``: the sorted words of one)."""

    variety: str
    text: str
    page: str
    ordered: bool = True


@dataclass(frozen=True)
class Pair:
    """What the builder needs to know of one pair of varieties."""

    name: str
    labels: tuple[str, str, str]  # first, second, undecided (as in the model file)
    train: Path
    codes: dict[str, str]  # gold code in the training and news files -> model label
    model_file: Path
    markers: Callable[[str], str]  # the pair's marker words: a label or the undecided one
    about: str
    extra: Callable[[], list[dict[str, str]]] | None = None


def _jsonl(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _page(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc.lower().removeprefix('www.')}{parts.path}?{parts.query}"


def cldr_rows() -> list[dict[str, str]]:
    """Names that CLDR's ``fa_AF`` locale spells differently from ``fa``: one ``prs`` item
    (the ``fa_AF`` name) and one ``pes`` item (the ``fa`` name) per difference, each with a
    ``cldr:`` page so that cross-validation keeps a pair in one fold. Names of two letters or
    fewer (the month ``می``, which is also a verb prefix) are skipped."""
    from babel import Locale

    dari, iranian = Locale.parse("fa_AF"), Locale.parse("fa")
    pairs: list[tuple[str, str, str]] = []
    for attr in ("territories", "languages", "scripts", "currencies"):
        theirs, ours = getattr(dari, attr), getattr(iranian, attr)
        pairs.extend((f"{attr}:{key}", theirs[key], ours.get(key, "")) for key in sorted(theirs))
    for month in range(1, 13):
        pairs.append(
            (
                f"months:{month}",
                dari.months["format"]["wide"][month],
                iranian.months["format"]["wide"][month],
            )
        )
    rows: list[dict[str, str]] = []
    for key, prs, pes in pairs:
        if prs == pes or not pes or min(len(normalise(prs)), len(normalise(pes))) <= 2:
            continue
        rows.append({"lang": "prs", "text": prs, "url": f"cldr:{key}"})
        rows.append({"lang": "pes", "text": pes, "url": f"cldr:{key}"})
    return rows


PAIRS = {
    "persian": Pair(
        name="persian",
        labels=persian_variety.LABELS,
        train=LANGID / "persian_variety_train.jsonl",
        codes={"prs": "prs", "pes": "pes"},
        model_file=persian_variety.MODEL_FILE,
        markers=persian_variety.marker_variety,
        about="Dari (prs) vs Iranian Persian (pes) naive Bayes log ratios; built by "
        "scripts/build_variety_model.py persian; read by tvec.analysis.persian_variety",
        extra=cldr_rows,
    ),
    "malay": Pair(
        name="malay",
        labels=malay_variety.LABELS,
        train=LANGID / "malay_variety_train.jsonl",
        codes={"zsm": "msa", "ind": "ind"},
        model_file=malay_variety.MODEL_FILE,
        markers=malay_variety.marker_variety,
        about="Standard Malay (msa) vs Indonesian (ind) naive Bayes log ratios; built by "
        "scripts/build_variety_model.py malay; read by tvec.analysis.malay_variety",
    ),
}


def training_rows(pair: Pair) -> tuple[list[Row], dict[str, int]]:
    """Deduplicated training rows of ``pair`` not drawn from held-out pages, and counts of
    what was left out."""
    heldout = _jsonl(HELDOUT)
    held_pages = {_page(row["url"]) for row in heldout}
    held_texts = {normalise(row["text"]) for row in heldout}
    held_bags = {" ".join(sorted(text.split())) for text in held_texts}
    rows: list[Row] = []
    seen: set[str] = set()
    dropped = Counter[str]()
    news = [r for r in _jsonl(NEWS) if r["lang"] in pair.codes]
    sources = _jsonl(pair.train) + news + (pair.extra() if pair.extra else [])
    for row in sources:
        ordered = "words" not in row
        norm = normalise(row["text"] if ordered else row["words"])
        key = norm if ordered else " ".join(sorted(norm.split()))
        if _page(row["url"]) in held_pages:
            dropped["held-out page"] += 1
        elif norm in held_texts or key in held_bags:
            dropped["held-out text"] += 1
        elif key in seen or not norm:
            dropped["duplicate"] += 1
        else:
            seen.add(key)
            rows.append(
                Row(
                    pair.codes[row["lang"]],
                    norm if not ordered else row["text"],
                    _page(row["url"]),
                    ordered,
                )
            )
    return rows, dict(dropped)


def train(
    rows: list[Row], alpha: float, ngrams: bool, labels: tuple[str, str, str]
) -> dict[str, float]:
    """Naive Bayes log ratios ``log P(f|first) - log P(f|second)`` for features seen
    ``MIN_COUNT`` times or more."""
    first, second = labels[0], labels[1]
    counts = {first: Counter[str](), second: Counter[str]()}
    for row in rows:
        counts[row.variety].update(features(row.text, ngrams=ngrams))
    total = counts[first] + counts[second]
    vocab = [f for f, n in total.items() if n >= MIN_COUNT]
    size = len(vocab)
    n_first = sum(counts[first][f] for f in vocab) + alpha * size
    n_second = sum(counts[second][f] for f in vocab) + alpha * size
    return {
        f: math.log((counts[first][f] + alpha) / n_first)
        - math.log((counts[second][f] + alpha) / n_second)
        for f in vocab
    }


def _score(weights: dict[str, float], text: str, ngrams: bool) -> float:
    return sum(weights.get(f, 0.0) for f in features(text, ngrams=ngrams))


def fragments(row: Row) -> list[str]:
    """2-, 3- and 4-word pieces of the row's text (those shorter than the text itself): its
    first words, or for a bag of words a draw seeded by the text."""
    words = row.text.split()
    if not row.ordered:
        rng = random.Random(hashlib.sha256(row.text.encode()).hexdigest())
        words = rng.sample(words, len(words))
    return [" ".join(words[:n]) for n in (2, 3, 4) if n < len(words)]


def _kind(text: str) -> str:
    return "short" if len(normalise(text).split()) < SHORT_WORDS else "long"


def _fold(page: str) -> int:
    return int(hashlib.sha256(page.encode()).hexdigest(), 16) % FOLDS


def cross_validate(
    rows: list[Row], alpha: float, ngrams: bool, labels: tuple[str, str, str]
) -> dict[str, list[tuple[str, float]]]:
    """Out-of-fold (gold, score) pairs for texts of under five words (``short``: fragments and
    short headlines) and longer ones (``long``)."""
    out: dict[str, list[tuple[str, float]]] = {"long": [], "short": []}
    for fold in range(FOLDS):
        weights = train([r for r in rows if _fold(r.page) != fold], alpha, ngrams, labels)
        for row in rows:
            if _fold(row.page) != fold:
                continue
            for piece in [row.text, *fragments(row)]:
                out[_kind(piece)].append((row.variety, _score(weights, piece, ngrams)))
    return out


def tally(
    pairs: list[tuple[str, float]], threshold: float, labels: tuple[str, str, str]
) -> tuple[int, int, int]:
    """(right, wrong, abstained) at ``threshold``."""
    right = wrong = 0
    for gold, value in pairs:
        if abs(value) < threshold:
            continue
        guess = labels[0] if value > 0 else labels[1]
        right += guess == gold
        wrong += guess != gold
    return right, wrong, len(pairs) - right - wrong


def choose(pairs: list[tuple[str, float]], labels: tuple[str, str, str]) -> tuple[float, float]:
    """Threshold (from 0.0 to 40.0 by 0.2) with the best ``right - COST_WRONG * wrong``,
    and that utility per item."""
    best = (-math.inf, 0.0)
    for step in range(201):
        threshold = round(step * 0.2, 1)
        right, wrong, _ = tally(pairs, threshold, labels)
        utility = (right - COST_WRONG * wrong) / len(pairs)
        if utility > best[0] + 1e-12:
            best = (utility, threshold)
    return best[1], best[0]


def _malay_fallback() -> Callable[[str], str]:
    """tvec.analysis.language's last step for Malay / Indonesian: py3langid's log-odds with
    ``MALAY_PRIOR``."""
    from tvec.analysis import language

    model = language._get_model()

    def fallback(text: str) -> str:
        ratio = model.log_ratio(text, "msa", "ind") + language.MALAY_PRIOR
        return "msa" if ratio > 0 else "ind"

    return fallback


def combined_cv(
    pair: Pair,
    rows: list[Row],
    alpha: float,
    ngrams: bool,
    threshold_short: float,
    threshold_long: float,
) -> dict[str, dict[str, tuple[int, int, int]]]:
    """(right, wrong, abstained) per kind of text, out of fold, for: the model alone at the
    chosen thresholds (``model``), with the pair's marker words where it abstains
    (``markers``), and for ``malay`` with the language identifier's last fallback too
    (``full``), beside the marker words and that fallback without the model (``no model``)."""
    fallback = _malay_fallback() if pair.name == "malay" else None
    undecided = pair.labels[2]
    counts: dict[str, dict[str, list[int]]] = {}
    for fold in range(FOLDS):
        weights = train([r for r in rows if _fold(r.page) != fold], alpha, ngrams, pair.labels)
        model = PairModel(weights, 0.0, ngrams, threshold_short, threshold_long, pair.labels)
        for row in rows:
            if _fold(row.page) != fold:
                continue
            for piece in [row.text, *fragments(row)]:
                guesses = {"model": model.decide(piece)}
                guesses["markers"] = (
                    guesses["model"] if guesses["model"] != undecided else pair.markers(piece)
                )
                if fallback is not None:
                    marked = guesses["markers"]
                    guesses["full"] = marked if marked != undecided else fallback(piece)
                    alone = pair.markers(piece)  # the marker words and prior, no model
                    guesses["no model"] = alone if alone != undecided else fallback(piece)
                for step, guess in guesses.items():
                    column = 2 if guess == undecided else 0 if guess == row.variety else 1
                    counts.setdefault(step, {"short": [0, 0, 0], "long": [0, 0, 0]})[_kind(piece)][
                        column
                    ] += 1
    return {
        step: {kind: (c[0], c[1], c[2]) for kind, c in kinds.items()}
        for step, kinds in counts.items()
    }


def build(pair: Pair) -> tuple[dict[str, object], str]:
    """The model of ``pair`` as a JSON-ready dict, and a report of the cross-validation."""
    rows, dropped = training_rows(pair)
    lines = [
        f"{pair.name}: training lines {dict(sorted(Counter(r.variety for r in rows).items()))} "
        f"from {len({r.page for r in rows})} pages; left out: {dropped}"
    ]
    # (utility, ngrams, alpha, threshold_short, threshold_long)
    best: tuple[float, bool, float, float, float] | None = None
    for ngrams in (False, True):
        for alpha in ALPHAS:
            cv = cross_validate(rows, alpha, ngrams, pair.labels)
            chosen = {kind: choose(cv[kind], pair.labels) for kind in ("short", "long")}
            for kind, (threshold, _utility) in chosen.items():
                right, wrong, abstained = tally(cv[kind], threshold, pair.labels)
                n = len(cv[kind])
                lines.append(
                    f"ngrams {ngrams} alpha {alpha} {kind} threshold {threshold}: right "
                    f"{right}/{n} ({100 * right / n:.1f}%), wrong {wrong} "
                    f"({100 * wrong / n:.1f}%), abstained {abstained}"
                )
            utility = chosen["short"][1] + chosen["long"][1]
            if best is None or utility > best[0] + 1e-12:
                best = (utility, ngrams, alpha, chosen["short"][0], chosen["long"][0])
    assert best is not None
    _, ngrams, alpha, threshold_short, threshold_long = best
    lines.append(
        f"chosen: ngrams {ngrams}, alpha {alpha}, thresholds {threshold_short} (short) "
        f"{threshold_long} (long)"
    )
    combined = combined_cv(pair, rows, alpha, ngrams, threshold_short, threshold_long)
    for step, kinds in combined.items():
        for kind, (right, wrong, abstained) in kinds.items():
            n = right + wrong + abstained
            lines.append(
                f"{step}, {kind}: right {right}/{n} ({100 * right / n:.1f}%), "
                f"wrong {wrong} ({100 * wrong / n:.1f}%), abstained {abstained}"
            )
    weights = train(rows, alpha, ngrams, pair.labels)
    model = {
        "about": pair.about,
        "alpha": alpha,
        "labels": list(pair.labels),
        "ngrams": ngrams,
        "prior": 0.0,
        "threshold_long": threshold_long,
        "threshold_short": threshold_short,
        "training": dict(sorted(Counter(r.variety for r in rows).items())),
        "weights": {f: round(w, 3) for f, w in sorted(weights.items()) if round(w, 3) != 0.0},
    }
    return model, "\n".join(lines)


def dump(model: dict[str, object]) -> str:
    """The model file's text (sorted keys, no spaces, one final newline)."""
    return json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("pair", choices=sorted(PAIRS), help="which pair of varieties")
    parser.add_argument("--check", action="store_true", help="compare with the shipped file")
    args = parser.parse_args(argv)
    pair = PAIRS[args.pair]
    model, report = build(pair)
    print(report)
    text = dump(model)
    if args.check:
        same = pair.model_file.exists() and pair.model_file.read_text(encoding="utf-8") == text
        print("shipped model is up to date" if same else "shipped model differs")
        return 0 if same else 1
    pair.model_file.parent.mkdir(parents=True, exist_ok=True)
    pair.model_file.write_text(text, encoding="utf-8")
    print(f"wrote {pair.model_file} ({len(text.encode()):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Build src/tvec/analysis/data/persian_variety.json, the Dari / Iranian Persian model.

Usage::

    python scripts/build_persian_variety.py [--check]

Training text: ``tests/data/langid/persian_variety_train.jsonl`` (ordinary news sentences from
Afghan and Iranian outlets, page URL on every line) and the ``prs``/``pes`` sentences of
``tests/data/corpus/news.jsonl``. Every sentence from a page that also supplied the held-out
set ``tests/data/langid/heldout.jsonl`` is left out, and so is any sentence equal to a held-out
text, so the held-out figures in docs/benchmarks.md stay held out.

Method (tvec.analysis.persian_variety): multinomial naive Bayes over whole words, or words and
character 2-4-grams, add-``alpha`` smoothing, prior 0 (no variety assumed more likely). The
feature set, ``alpha`` and the two abstention thresholds are chosen by 5-fold cross-validation
over pages (all sentences of a page in the same fold), scoring whole sentences and their first
2, 3 and 4 words (the shape of the held-out short items). Each threshold (texts of under five
words, and longer ones) maximises ``right - COST_WRONG * wrong`` on its own kind of text, i.e.
a wrong variety costs as much as ``COST_WRONG`` right ones and "not shown" (``fas``) costs
nothing; the feature set and ``alpha`` maximise the sum over both kinds. Features seen fewer
than ``MIN_COUNT`` times are dropped; weights are rounded to 3 decimals. The output is
deterministic (sorted keys, fixed folds).

``--check`` rebuilds in memory and exits 1 if the shipped file differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tvec.analysis import persian_variety  # noqa: E402
from tvec.analysis.persian_variety import MODEL_FILE, features, normalise  # noqa: E402

TRAIN = ROOT / "tests" / "data" / "langid" / "persian_variety_train.jsonl"
NEWS = ROOT / "tests" / "data" / "corpus" / "news.jsonl"
HELDOUT = ROOT / "tests" / "data" / "langid" / "heldout.jsonl"

FOLDS = 5
ALPHAS = (0.1, 0.3, 1.0)
COST_WRONG = 3.0
MIN_COUNT = 2
Row = tuple[str, str, str]  # (variety, text, page)


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


def training_rows() -> tuple[list[Row], dict[str, int]]:
    """Deduplicated (variety, text, page) rows not drawn from held-out pages, and counts of
    what was left out."""
    heldout = _jsonl(HELDOUT)
    held_pages = {_page(row["url"]) for row in heldout}
    held_texts = {normalise(row["text"]) for row in heldout}
    rows: list[Row] = []
    seen: set[str] = set()
    dropped = Counter[str]()
    news = [r for r in _jsonl(NEWS) if r["lang"] in ("prs", "pes")]
    sources = _jsonl(TRAIN) + news + cldr_rows()
    for row in sources:
        norm = normalise(row["text"])
        if _page(row["url"]) in held_pages:
            dropped["held-out page"] += 1
        elif norm in held_texts:
            dropped["held-out text"] += 1
        elif norm in seen or not norm:
            dropped["duplicate"] += 1
        else:
            seen.add(norm)
            rows.append((row["lang"], row["text"], _page(row["url"])))
    return rows, dict(dropped)


def train(rows: list[Row], alpha: float, ngrams: bool) -> dict[str, float]:
    """Naive Bayes log ratios ``log P(f|prs) - log P(f|pes)`` for features seen
    ``MIN_COUNT`` times or more."""
    counts = {"prs": Counter[str](), "pes": Counter[str]()}
    for variety, text, _page_id in rows:
        counts[variety].update(features(text, ngrams=ngrams))
    total = counts["prs"] + counts["pes"]
    vocab = [f for f, n in total.items() if n >= MIN_COUNT]
    size = len(vocab)
    n_prs = sum(counts["prs"][f] for f in vocab) + alpha * size
    n_pes = sum(counts["pes"][f] for f in vocab) + alpha * size
    return {
        f: math.log((counts["prs"][f] + alpha) / n_prs)
        - math.log((counts["pes"][f] + alpha) / n_pes)
        for f in vocab
    }


def _score(weights: dict[str, float], text: str, ngrams: bool) -> float:
    return sum(weights.get(f, 0.0) for f in features(text, ngrams=ngrams))


def fragments(text: str) -> list[str]:
    """The first 2, 3 and 4 words of ``text`` (those shorter than the text itself)."""
    words = text.split()
    return [" ".join(words[:n]) for n in (2, 3, 4) if n < len(words)]


def _kind(text: str) -> str:
    return "short" if len(normalise(text).split()) < persian_variety.SHORT_WORDS else "long"


def _fold(page: str) -> int:
    return int(hashlib.sha256(page.encode()).hexdigest(), 16) % FOLDS


def cross_validate(
    rows: list[Row], alpha: float, ngrams: bool
) -> dict[str, list[tuple[str, float]]]:
    """Out-of-fold (gold, score) pairs for texts of under five words (``short``: fragments and
    short headlines) and longer ones (``long``)."""
    out: dict[str, list[tuple[str, float]]] = {"long": [], "short": []}
    for fold in range(FOLDS):
        weights = train([r for r in rows if _fold(r[2]) != fold], alpha, ngrams)
        for variety, text, page in rows:
            if _fold(page) != fold:
                continue
            for piece in [text, *fragments(text)]:
                out[_kind(piece)].append((variety, _score(weights, piece, ngrams)))
    return out


def tally(pairs: list[tuple[str, float]], threshold: float) -> tuple[int, int, int]:
    """(right, wrong, abstained) at ``threshold``."""
    right = wrong = 0
    for gold, value in pairs:
        if abs(value) < threshold:
            continue
        guess = "prs" if value > 0 else "pes"
        right += guess == gold
        wrong += guess != gold
    return right, wrong, len(pairs) - right - wrong


def choose(pairs: list[tuple[str, float]]) -> tuple[float, float]:
    """Threshold (from 0.0 to 40.0 by 0.2) with the best ``right - COST_WRONG * wrong``,
    and that utility per item."""
    best = (-math.inf, 0.0)
    for step in range(201):
        threshold = round(step * 0.2, 1)
        right, wrong, _ = tally(pairs, threshold)
        utility = (right - COST_WRONG * wrong) / len(pairs)
        if utility > best[0] + 1e-12:
            best = (utility, threshold)
    return best[1], best[0]


def combined_cv(
    rows: list[Row], alpha: float, ngrams: bool, threshold_short: float, threshold_long: float
) -> dict[str, tuple[int, int, int]]:
    """(right, wrong, fas) per kind of text for the model at the chosen thresholds with
    :func:`tvec.analysis.persian_variety.marker_variety` where it abstains, out of fold."""
    counts: dict[str, list[int]] = {"short": [0, 0, 0], "long": [0, 0, 0]}
    for fold in range(FOLDS):
        weights = train([r for r in rows if _fold(r[2]) != fold], alpha, ngrams)
        model = persian_variety.VarietyModel(weights, 0.0, ngrams, threshold_short, threshold_long)
        for variety, text, page in rows:
            if _fold(page) != fold:
                continue
            for piece in [text, *fragments(text)]:
                guess = model.classify(piece)
                column = 2 if guess == "fas" else 0 if guess == variety else 1
                counts[_kind(piece)][column] += 1
    return {kind: (c[0], c[1], c[2]) for kind, c in counts.items()}


def build() -> tuple[dict[str, object], str]:
    """The model as a JSON-ready dict, and a report of the cross-validation."""
    rows, dropped = training_rows()
    lines = [
        f"training sentences: {Counter(r[0] for r in rows)} from "
        f"{len({r[2] for r in rows})} pages; left out: {dropped}"
    ]
    # (utility, ngrams, alpha, threshold_short, threshold_long)
    best: tuple[float, bool, float, float, float] | None = None
    for ngrams in (False, True):
        for alpha in ALPHAS:
            cv = cross_validate(rows, alpha, ngrams)
            chosen = {kind: choose(cv[kind]) for kind in ("short", "long")}
            for kind, (threshold, _utility) in chosen.items():
                right, wrong, abstained = tally(cv[kind], threshold)
                n = len(cv[kind])
                lines.append(
                    f"ngrams {ngrams} alpha {alpha} {kind} threshold {threshold}: right "
                    f"{right}/{n} ({100 * right / n:.1f}%), wrong {wrong} "
                    f"({100 * wrong / n:.1f}%), fas {abstained}"
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
    for kind, counts in combined_cv(rows, alpha, ngrams, threshold_short, threshold_long).items():
        right, wrong, abstained = counts
        n = right + wrong + abstained
        lines.append(
            f"with the marker fallback, {kind}: right {right}/{n} ({100 * right / n:.1f}%), "
            f"wrong {wrong} ({100 * wrong / n:.1f}%), fas {abstained}"
        )
    weights = train(rows, alpha, ngrams)
    model = {
        "about": "Dari (prs) vs Iranian Persian (pes) naive Bayes log ratios; built by "
        "scripts/build_persian_variety.py; read by tvec.analysis.persian_variety",
        "alpha": alpha,
        "ngrams": ngrams,
        "prior": 0.0,
        "threshold_long": threshold_long,
        "threshold_short": threshold_short,
        "training": {k: v for k, v in sorted(Counter(r[0] for r in rows).items())},
        "weights": {f: round(w, 3) for f, w in sorted(weights.items()) if round(w, 3) != 0.0},
    }
    return model, "\n".join(lines)


def dump(model: dict[str, object]) -> str:
    return json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file")
    args = parser.parse_args(argv)
    model, report = build()
    print(report)
    text = dump(model)
    if args.check:
        same = MODEL_FILE.exists() and MODEL_FILE.read_text(encoding="utf-8") == text
        print("shipped model is up to date" if same else "shipped model differs")
        return 0 if same else 1
    MODEL_FILE.parent.mkdir(parents=True, exist_ok=True)
    MODEL_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {MODEL_FILE} ({len(text.encode()):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

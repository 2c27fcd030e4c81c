"""Benchmark the analysis pipeline: language ID plus indicator matching per post, OCR per image.

Usage::

    python bench/bench_analysis.py [--posts 100000] [--images 3] [--no-write]

**Posts.** ``--posts`` posts are built by cycling the sentences of
tests/data/corpus/news.jsonl (benign news text in tvec's languages): one to three sentences
each (seeded), and one post in a hundred gets an entity or outlet name (plain or disguised:
``ISKP``, ``I.S.K.P``, ``Amaq``, ``داعش``) so the matcher also reports hits. After a warm-up
(loading the language model and building the Aho-Corasick automaton, timed separately), each
post goes through :meth:`tvec.analysis.pipeline.Analyzer.analyze` with OCR off, i.e.
:func:`~tvec.analysis.language.identify` plus :meth:`IndicatorMatcher.find`; the two are also
timed alone on the same posts (the three interleaved in chunks of 5,000 posts). Figures
are posts per second of wall time, single process.

**OCR.** Each kind of image below is rendered ``--images`` times (different benign sentences,
40 px Noto fonts, as in tests/analysis/test_ocr.py) and read by :meth:`Ocr.read`; the
figure is wall seconds per image (Tesseract runs as a child process; its start-up is
included). ``photo`` is a 1024x683 synthetic photo-like image without text (gradients and
shapes), the common case in a scan.

Writes a ``## Analysis`` section with the results and machine facts (CPU model, cores, RAM,
date, load) into docs/benchmarks.md, replacing only that section (``--no-write``: print only).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from itertools import cycle
from pathlib import Path

from report import load_average, machine_line, replace_section, utc_now

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from PIL import Image, ImageDraw, ImageFilter, ImageFont  # noqa: E402

from tvec.analysis.language import identify  # noqa: E402
from tvec.analysis.ocr import NotConfiguredError, Ocr  # noqa: E402
from tvec.analysis.pipeline import Analyzer, default_matcher  # noqa: E402

NEWS = ROOT / "tests" / "data" / "corpus" / "news.jsonl"
REPORT = ROOT / "docs" / "benchmarks.md"
SECTION = "## Analysis"
NOTO = Path("/usr/share/fonts/truetype/noto")
NAMES = ["ISKP", "I.S.K.P", "Amaq", "داعش", "al-Shabaab", "Islamic State Khorasan Province"]

# kind -> (font file, benign sentences); rendered at 40 px.
OCR_KINDS: dict[str, tuple[str, list[str]]] = {
    "English": ("NotoSans-Regular.ttf", [
        "The city council opened a new public library on Monday morning.",
        "Heavy rain is expected in the northern provinces this weekend.",
        "The national football team won its qualifying match on Sunday.",
    ]),
    "Arabic": ("NotoNaskhArabic-Regular.ttf", [
        "افتتح المجلس البلدي مكتبة عامة جديدة في المدينة صباح يوم الاثنين",
        "من المتوقع هطول أمطار غزيرة في المحافظات الشمالية نهاية الأسبوع",
        "فاز المنتخب الوطني لكرة القدم في مباراته يوم الأحد",
    ]),
    "Persian": ("NotoNaskhArabic-Regular.ttf", [
        "شورای شهر صبح دوشنبه یک کتابخانه عمومی جدید را افتتاح کرد",
        "انتظار می رود این هفته در استان های شمالی باران شدید ببارد",
        "تیم ملی فوتبال روز یکشنبه در بازی مقدماتی پیروز شد",
    ]),
    "Pashto": ("NotoNaskhArabic-Regular.ttf", [
        "د ښار شورا د دوشنبې په ورځ یو نوی عامه کتابتون پرانیست",
        "په شمالي ولایتونو کې د اونۍ په پای کې د سختو بارانونو وړاندوینه کیږي",
        "د فوټبال ملي ټیم د یکشنبې په ورځ خپله لوبه وګټله",
    ]),
    "Urdu (Naskh)": ("NotoNaskhArabic-Regular.ttf", [
        "شہر کی کونسل نے پیر کی صبح ایک نئی عوامی لائبریری کھولی",
        "اس ہفتے کے آخر میں شمالی صوبوں میں شدید بارش کی توقع ہے",
        "قومی فٹ بال ٹیم نے اتوار کو اپنا میچ جیت لیا",
    ]),
    "Urdu (Nastaliq)": ("NotoNastaliqUrdu-Regular.ttf", [
        "شہر کی کونسل نے پیر کی صبح ایک نئی عوامی لائبریری کھولی",
        "اس ہفتے کے آخر میں شمالی صوبوں میں شدید بارش کی توقع ہے",
        "قومی فٹ بال ٹیم نے اتوار کو اپنا میچ جیت لیا",
    ]),
    "Russian": ("NotoSans-Regular.ttf", [
        "Городской совет открыл новую публичную библиотеку в понедельник утром.",
        "В северных областях в выходные ожидаются сильные дожди.",
        "Национальная сборная по футболу выиграла отборочный матч в воскресенье.",
    ]),
}  # fmt: skip


def machine() -> str:
    """Machine facts: CPU model, cores, RAM, Python, date and load."""
    return (
        f"{machine_line()}; run {utc_now()}; load average {load_average()} at the end (the "
        "machine was shared with other jobs, which slows every figure down)"
    )


def build_posts(count: int) -> list[str]:
    """``count`` posts of 1-3 news sentences (cycled), 1 in 100 with an entity name."""
    sentences = [
        json.loads(line)["text"]
        for line in NEWS.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    rng = random.Random(7)
    source = cycle(sentences)
    posts = []
    for n in range(count):
        post = " ".join(next(source) for _ in range(rng.randint(1, 3)))
        if n % 100 == 0:
            post = f"{post} {rng.choice(NAMES)}"
        posts.append(post)
    return posts


def bench_posts(count: int) -> dict[str, float]:
    """Posts per second for the pipeline (language + indicators) and each stage alone."""
    posts = build_posts(count)
    start = time.perf_counter()
    identify("warm-up call that loads the language model")
    model_s = time.perf_counter() - start
    start = time.perf_counter()
    matcher = default_matcher()
    automaton_s = time.perf_counter() - start
    analyzer = Analyzer(ocr=False, matcher=matcher)
    pipeline_s = language_s = indicators_s = 0.0
    hits = 0
    # Interleaved in chunks so that changes in the machine's load hit all three alike.
    for first in range(0, count, 5000):
        chunk = posts[first : first + 5000]
        start = time.perf_counter()
        hits += sum(len(analyzer.analyze(post).hits) for post in chunk)
        pipeline_s += time.perf_counter() - start
        start = time.perf_counter()
        for post in chunk:
            identify(post)
        language_s += time.perf_counter() - start
        start = time.perf_counter()
        for post in chunk:
            matcher.find(post)
        indicators_s += time.perf_counter() - start
    return {
        "posts": count,
        "chars": sum(len(p) for p in posts) / count,
        "hits": hits,
        "pipeline": count / pipeline_s,
        "language": count / language_s,
        "indicators": count / indicators_s,
        "model_s": model_s,
        "automaton_s": automaton_s,
        "patterns": len(matcher),
    }


def _render(text: str, font: str) -> Image.Image:
    face = ImageFont.truetype(str(NOTO / font), 40)
    box = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((0, 0), text, font=face)
    image = Image.new("RGB", (box[2] + 80, box[3] + 80), "white")
    ImageDraw.Draw(image).text((40, 40), text, font=face, fill="black")
    return image


def _photo(seed: int) -> Image.Image:
    rng = random.Random(seed)
    image = Image.linear_gradient("L").resize((1024, 683)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(1024), rng.randrange(683)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 200)), fill=colour)
    return image.filter(ImageFilter.GaussianBlur(2))


def bench_ocr(per_kind: int) -> tuple[str, list[tuple[str, float, str]]]:
    """(Tesseract version, [(kind, mean seconds per image, packs chosen), ...])."""
    ocr = Ocr.open()
    ocr.read(_render(OCR_KINDS["English"][1][0], OCR_KINDS["English"][0]))  # warm the disk cache
    rows = []
    for kind, (font, sentences) in OCR_KINDS.items():
        times, packs = [], set()
        for text in (sentences * per_kind)[:per_kind]:
            reading = ocr.read(_render(text, font))
            times.append(reading.seconds)
            packs.add("+".join(reading.packs) or "-")
        rows.append((kind, statistics.mean(times), ", ".join(sorted(packs))))
    times = [ocr.read(_photo(seed)).seconds for seed in range(per_kind)]
    rows.append(("photo without text, 1024x683", statistics.mean(times), "-"))
    return ocr.version, rows


def report(posts: dict[str, float], ocr: tuple[str, list[tuple[str, float, str]]] | None) -> str:
    """The ``## Analysis`` section (Markdown)."""
    lines = [
        SECTION,
        "",
        f"`bench/bench_analysis.py --posts {posts['posts']:.0f}` (its docstring says how each "
        f"number is measured). {posts['posts']:,.0f} posts cycled from "
        f"tests/data/corpus/news.jsonl ({posts['chars']:.0f} characters on average, 1 in 100 "
        f"with an entity name; {posts['hits']:,.0f} hits found), one process.",
        "",
        "| stage | posts/s |",
        "|---|---:|",
        f"| language ID + indicator matching (`Analyzer.analyze`, OCR off) "
        f"| {posts['pipeline']:,.0f} |",
        f"| language ID alone (`identify`) | {posts['language']:,.0f} |",
        f"| indicator matching alone (`IndicatorMatcher.find`, "
        f"{posts['patterns']:,.0f} match forms) | {posts['indicators']:,.0f} |",
        "",
        f"Start-up, once per process: language model {posts['model_s']:.2f} s, "
        f"Aho-Corasick automaton {posts['automaton_s']:.2f} s.",
        "",
    ]
    if ocr is None:
        lines += ["OCR: not measured (Tesseract is not installed).", ""]
    else:
        version, rows = ocr
        lines += [
            f"OCR (`Ocr.read`, Tesseract {version}, one 40 px line of text per image, "
            "script by OSD, language by a probe pass; seconds of wall time per image):",
            "",
            "| image | s/image | packs chosen |",
            "|---|---:|---|",
            *(f"| {kind} | {seconds:.2f} | {packs} |" for kind, seconds, packs in rows),
            "",
        ]
    lines += [f"Machine: {machine()}.", ""]
    return "\n".join(lines)


def write_section(body: str) -> None:
    """Add or replace this benchmark's section of docs/benchmarks.md (only that section)."""
    replace_section(REPORT, SECTION, body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--images", type=int, default=3, help="images per kind for OCR")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    posts = bench_posts(args.posts)
    try:
        ocr = bench_ocr(args.images)
    except NotConfiguredError as exc:
        print(exc, file=sys.stderr)
        ocr = None
    body = report(posts, ocr)
    print(body)
    if not args.no_write:
        write_section(body)


if __name__ == "__main__":
    main()

"""OCR character error rate per script and language on rendered lines (issue 15 part 4).

Benign one-line sentences ("the city council opened a new public library on Monday
morning", and the like) are rendered black on white with Debian's Noto fonts
(``fonts-noto-core``) through Pillow (raqm shaping), read by :meth:`tvec.analysis.ocr.Ocr.read`
with the packs it chooses, and compared with the sentence: CER = edit distance / length
(whitespace runs as one space). Also all-caps Latin poster lines, which OSD took for
Cyrillic. Writes a ``## OCR character error rate per script`` section into docs/benchmarks.md.

Run: ``PYTHONPATH=src python bench/bench_ocr_scripts.py``
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from report import machine_line, replace_section

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.analysis.ocr_support import cer, render  # noqa: E402

from tvec.analysis.ocr import Ocr  # noqa: E402

DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## OCR character error rate per script"
LATIN = "NotoSans-Regular.ttf"
NASKH = "NotoNaskhArabic-Regular.ttf"
NASTALIQ = "NotoNastaliqUrdu-Regular.ttf"
ETHIOPIC = "NotoSansEthiopic-Regular.ttf"
DEVANAGARI = "NotoSansDevanagari-Regular.ttf"
BENGALI = "NotoSansBengali-Regular.ttf"

LINES = [
    ("Latn", "eng", LATIN, "The city council opened a new public library on Monday morning."),
    ("Latn", "eng (all caps)", LATIN, "CRIMSON LANTERN FRONT"),
    ("Latn", "eng (all caps)", LATIN, "JOIN THE FRONT"),
    ("Latn", "fra", LATIN, "Le conseil municipal a ouvert une nouvelle bibliothèque lundi."),
    ("Latn", "tur", LATIN, "Belediye meclisi pazartesi sabahı yeni bir kütüphane açtı."),
    ("Latn", "kmr", LATIN, "Meclîsa bajêr roja duşemê pirtûkxaneyeke nû vekir."),
    ("Latn", "uzb", LATIN, "Shahar kengashi dushanba kuni ertalab yangi kutubxona ochdi."),
    ("Cyrl", "rus", LATIN, "Городской совет открыл новую публичную библиотеку в понедельник."),
    ("Cyrl", "tgk", LATIN, "Шӯрои шаҳр субҳи душанбе китобхонаи нави оммавӣ кушод."),
    ("Cyrl", "uzb", LATIN, "Шаҳар кенгаши душанба куни эрталаб янги кутубхона очди."),
    ("Arab", "ara", NASKH, "افتتح المجلس البلدي مكتبة عامة جديدة في المدينة صباح يوم الاثنين"),
    ("Arab", "fas", NASKH, "شورای شهر صبح دوشنبه یک کتابخانه عمومی جدید را افتتاح کرد"),
    ("Arab", "pus", NASKH, "د ښار شورا د دوشنبې په ورځ یو نوی عامه کتابتون پرانیست"),
    ("Arab", "urd (Naskh)", NASKH, "شہر کی کونسل نے پیر کی صبح ایک نئی عوامی لائبریری کھولی"),
    ("Arab", "urd (Nastaliq)", NASTALIQ, "شہر کی کونسل نے پیر کی صبح ایک نئی عوامی لائبریری کھولی"),
    ("Arab", "ckb", NASKH, "ئەنجومەنی شار کتێبخانەیەکی گشتی نوێی کردەوە"),
    ("Ethi", "amh", ETHIOPIC, "የከተማው ምክር ቤት አዲስ የሕዝብ ቤተ መጻሕፍት ከፈተ።"),
    ("Ethi", "tir", ETHIOPIC, "ቤት ምኽሪ ከተማ ሓድሽ ቤት መጻሕፍቲ ከፊቱ።"),
    ("Deva", "hin", DEVANAGARI, "नगर परिषद ने सोमवार सुबह एक नया सार्वजनिक पुस्तकालय खोला।"),
    ("Beng", "ben", BENGALI, "নগর পরিষদ সোমবার সকালে একটি নতুন গণগ্রন্থাগার খুলেছে।"),
]


def main() -> None:
    """Read every line, print and write the table."""
    ocr = Ocr.open()
    rows = []
    per_script: dict[str, list[float]] = {}
    for script, language, font, line in LINES:
        reading = ocr.read(render(line, font))
        rate = cer(reading.text, line)
        per_script.setdefault(script, []).append(rate)
        packs = "+".join(reading.packs) or "-"
        rows.append(
            f"| {script} | {language} | {reading.script or '-'} ({reading.script_by}) | "
            f"{packs} | {rate:.3f} |"
        )
        print(rows[-1], flush=True)
    summary = ", ".join(
        f"{script} {sum(rates) / len(rates):.3f}" for script, rates in per_script.items()
    )
    load = os.getloadavg()
    text = f"""{SECTION}

Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine_line()}; load average \
{load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}; Tesseract {ocr.version}, packs installed: \
{" ".join(sorted(ocr.installed))} (`bench/bench_ocr_scripts.py`).

One benign sentence per language rendered at 40 px with Noto fonts (Pillow, raqm shaping),
read by `tvec.analysis.ocr.Ocr.read`; CER = edit distance / reference length.

| script | language | script found (how) | packs of the final pass | CER |
|---|---|---|---|---|
{chr(10).join(rows)}

Mean CER per script: {summary}.

Debian bookworm has Tesseract packs for Amharic, Tigrinya, Hindi, Bengali, Urdu, Kurmanji
(Latin) and the Arabic-script model (`tesseract-ocr-script-arab`); it has **no Sorani (ckb)
pack** (Sorani is read with the Arabic-script model) and no pack trained on Nastaliq (Urdu in
Nastaliq is read with `urd`, trained mostly on Naskh).
"""
    replace_section(DOCS, SECTION, text)
    print(text)


if __name__ == "__main__":
    main()

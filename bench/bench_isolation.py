"""Scan throughput with video hashing and OCR in the helper process, against in-process.

Issue 15 part 3: vPDQ and OCR run in a long-lived helper process per scan worker
(:mod:`tvec.isolation`, ``TVEC_MEDIA_ISOLATION``). This benchmark scans the same folder
(posters with text, plain photos and the two ThreatExchange vPDQ clips) with isolation on and
off, alternating, into fresh homes, and reports items per second and the ratio on/off for
``TVEC_WORKERS=1`` and ``2``, in one run. It writes a ``## Scan isolation`` section into
docs/benchmarks.md.

Run: ``PYTHONPATH=src python bench/bench_isolation.py [--posters 24 --photos 24 --rounds 2]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from report import machine_line, replace_section

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
SECTION = "## Scan isolation (video hashing and OCR in a helper process)"
VECTORS = Path(__file__).resolve().parents[2] / "shared" / "vectors" / "vpdq"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
WORDS = ("CRIMSON LANTERN FRONT", "WEATHER REPORT TODAY", "MARKET PRICES RISE", "CITY NEWS")


def make_folder(folder: Path, posters: int, photos: int) -> int:
    """Write posters (text on colour), photos (smooth noise) and the vPDQ clips; the count."""
    rng = np.random.default_rng(3)
    font = ImageFont.truetype(FONT, 40) if Path(FONT).exists() else ImageFont.load_default()
    for n in range(posters):
        img = Image.new("RGB", (800, 300), (int(rng.integers(0, 80)), 40, 90))
        ImageDraw.Draw(img).text((30, 120), WORDS[n % len(WORDS)], fill="white", font=font)
        img.save(folder / f"poster-{n:03d}.png")
    for n in range(photos):
        small = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
        img = Image.fromarray(small).resize((1024, 768), Image.Resampling.BICUBIC)
        img.save(folder / f"photo-{n:03d}.jpg", quality=90)
    clips = sorted(VECTORS.glob("*.mp4")) if VECTORS.is_dir() else []
    for clip in clips:
        shutil.copy(clip, folder / clip.name)
    return posters + photos + len(clips)


def main() -> None:
    """Run the benchmark and write its section."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posters", type=int, default=24)
    parser.add_argument("--photos", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    from tvec.isolation import close_helpers
    from tvec.scan import run_scan
    from tvec.settings import load_settings
    from tvec.store import open_store

    rates: dict[tuple[int, bool], float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        count = make_folder(folder, args.posters, args.photos)
        run = 0
        for _ in range(args.rounds):
            for workers in (1, 2):
                for isolated in (True, False):
                    run += 1
                    settings = load_settings(
                        home=Path(tmp) / f"home{run}",
                        workers=workers,
                        progress=False,
                        media_isolation=isolated,
                    )
                    store = open_store(settings)
                    start = time.perf_counter()
                    run_scan(store, [folder])
                    seconds = time.perf_counter() - start
                    store.close()
                    close_helpers()  # each scan pays its own helper start, as a new scan would
                    key = (workers, isolated)
                    rates[key] = max(rates.get(key, 0.0), count / seconds)
    load = os.getloadavg()
    rows = "\n".join(
        f"| {workers} | {rates[(workers, True)]:.2f} | {rates[(workers, False)]:.2f} | "
        f"{rates[(workers, True)] / rates[(workers, False)]:.2f} |"
        for workers in (1, 2)
    )
    text = f"""{SECTION}

Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine_line()}; load average at the end \
{load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} (`bench/bench_isolation.py`, best of \
{args.rounds} rounds, on and off alternating in the same run).

`tvec scan` of {count} files ({args.posters} posters with a line of text, {args.photos} \
photos, the ThreatExchange vPDQ clips) with every analysis stage on (OCR, language, \
indicators), into a fresh home each time:

| `TVEC_WORKERS` | items/s, isolated (`TVEC_MEDIA_ISOLATION=1`) | items/s, in-process | ratio |
|---|---|---|---|
{rows}

The helper is one long-lived process per scan worker (started on its first video or OCR job,
restarted only after a crash or a timeout), so a file pays a pipe round trip, not a process
start; Tesseract, which OCR already ran as a child process, dominates the time.
"""
    replace_section(DOCS, SECTION, text)
    print(text)


if __name__ == "__main__":
    main()

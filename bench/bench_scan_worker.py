"""Where a scan worker's CPU goes: milliseconds per generated 1024x768 JPEG and per post, stage
by stage, in one process (no pool, no scan's process), as ``tvec.scan.prepare`` runs them.

CPU time (``time.process_time``), the best of ``--repeat`` passes over the same sample, so
the figures hold on a loaded machine better than wall time does. The JPEGs and posts are
``bench/bench_scan.py``'s (``--input`` reuses a folder it made). Stages of a JPEG: reading
the file, sniffing its type, decoding, the pixel array (a view of Pillow's memory, and for
comparison ``np.asarray``'s copy), the PDQ kernel (and its luma and downscaling parts),
letterbox detection, MD5, SHA-256, keeping the evidence, matching and
the analysis (OCR off); then ``pooled_file`` whole. Stages of a post: text signals,
out-links, language, indicators, the analysis, matching, out-link platforms; then
``pooled_post`` whole. Usage:

    PYTHONPATH=src python bench/bench_scan_worker.py [N] [--input DIR] [--repeat R]
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scan import make_input


def best_ms(items: Sequence[Any], work: Callable[[Any], object], repeat: int) -> float:
    """Best CPU milliseconds per item of ``work`` over ``repeat`` passes."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for item in items:
            work(item)
        best = min(best, time.process_time() - start)
    return 1000 * best / len(items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100, help="JPEGs (and posts)")
    parser.add_argument("--input", type=Path, help="a folder made by bench_scan.py")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        os.environ.update(TVEC_HOME=str(home), TVEC_ANALYSIS_OCR="false", TVEC_PROGRESS="false")
        folder = options.input or Path(tmp) / "in"
        if not folder.exists():
            make_input(folder, options.n)
        report(folder, options.n, options.repeat, home)


def report(folder: Path, n: int, repeat: int, home: Path) -> None:
    """Print the stage table for the first ``n`` JPEGs and posts of ``folder``."""
    from tvec.analysis.language import identify
    from tvec.media import open_image, sniff
    from tvec.outlinks.sightings import resolve_outlink
    from tvec.scan.links import url_signals
    from tvec.scan.matches import MatchSpec, match_signals, worker_matcher
    from tvec.scan.prepare import _analyzer, _platforms, pool_setup, pooled_file, pooled_post
    from tvec.settings import load_settings
    from tvec.signals import pdq_downscale, pdq_kernel
    from tvec.signals.hashing import hash_content, hash_text
    from tvec.signals.pdq import image_array
    from tvec.signals.pdq_variants import PDQOptions, unletterbox_box
    from tvec.store import open_store
    from tvec.store.evidence import EvidenceStore

    settings = load_settings()
    open_store(settings).close()  # a migrated, empty store for the matcher and registries
    spec = MatchSpec(settings, None)
    pool_setup(settings, spec)
    paths = sorted(folder.glob("*.jpg"))[:n]
    texts = [json.loads(line)["text"] for line in (folder / "posts.jsonl").open()][:n]
    datas = [p.read_bytes() for p in paths]
    images = [
        open_image(d, p.name, settings.max_image_pixels) for d, p in zip(datas, paths, strict=True)
    ]
    arrays = [image_array(i) for i in images]
    analyzer = _analyzer(settings, with_db=True)
    matcher = worker_matcher(spec)
    platforms = _platforms(settings)
    pooled_file(paths[0], paths[0].name, True, None, True)  # compile / load models once
    pooled_post(texts[0], "post", "text/plain", True, [], True)
    hashed = [
        hash_content(d, p.name, max_pixels=10**9, pdq=PDQOptions())
        for d, p in zip(datas, paths, strict=True)
    ]
    flat = [a.reshape(a.shape[0], -1) for a in arrays]
    channels = arrays[0].shape[2] if arrays[0].ndim == 3 else 1

    def pixels(image: Any) -> object:
        import tvec.signals.pdq as pdq

        pdq._LAST_ARRAY = None  # as for a new image
        return image_array(image)

    def letterbox(image: Any) -> object:
        pixels(image)
        return unletterbox_box(image)

    evidence = home / "bench-evidence"

    # as prepare_file keeps it: with the digest it has, verified where the store knows how
    verified = "verified" in inspect.signature(EvidenceStore.put).parameters

    def keep(data: bytes) -> None:
        store = EvidenceStore(evidence)
        digest = hashlib.sha256(data).hexdigest()
        if verified:
            store.put(data, digest, sync=False, verified=True)
        else:
            store.put(data, digest, sync=False)

    def keep_pass(items: Sequence[bytes]) -> float:
        shutil.rmtree(evidence, ignore_errors=True)
        return best_ms(items, keep, 1)

    rows = [
        ("read file", best_ms(paths, Path.read_bytes, repeat)),
        ("sniff", best_ms(datas, lambda d: sniff(d, "x.jpg"), repeat)),
        ("decode (open_image)", best_ms(datas, lambda d: open_image(d, "x.jpg", 10**9), repeat)),
        ("pixel array (image_array: Pillow's memory)", best_ms(images, pixels, repeat)),
        ("  for comparison: np.asarray (RGBX to RGB copy)", best_ms(images, np.asarray, repeat)),
        ("PDQ kernel", best_ms(arrays, pdq_kernel.pdq_hashes, repeat)),
        ("  of which luma", best_ms(flat, lambda p: pdq_downscale.luma(p, channels), repeat)),
        (
            "  of which luma and downscaling",
            best_ms(flat, lambda p: pdq_downscale.downscale64(p, channels), repeat),
        ),
        ("letterbox detection (pixels read again here)", best_ms(images, letterbox, repeat)),
        ("  of which the check", best_ms(images, unletterbox_box, repeat)),
        (
            "MD5",
            best_ms(datas, lambda d: hashlib.md5(d, usedforsecurity=False).hexdigest(), repeat),
        ),
        ("SHA-256", best_ms(datas, lambda d: hashlib.sha256(d).hexdigest(), repeat)),
        ("evidence (new files, SHA-256 included)", min(keep_pass(datas) for _ in range(repeat))),
        (
            "matching",
            best_ms(
                hashed,
                lambda h: match_signals(matcher, h.signals, h.pdq_variants, PDQOptions()),
                repeat,
            ),
        ),
        (
            "analysis (OCR off)",
            best_ms(
                datas,
                lambda d: analyzer.analyze(
                    None, d, name="x.jpg", content_type="photo", media_type="image/jpeg"
                ),
                repeat,
            ),
        ),
    ]
    shutil.rmtree(settings.evidence_dir, ignore_errors=True)
    rows.append(
        (
            "pooled_file, whole",
            best_ms(paths, lambda p: pooled_file(p, p.name, True, None, True), 1),
        )
    )
    links = [url_signals("post", [], t) for t in texts]
    post_rows = [
        ("text signals", best_ms(texts, hash_text, repeat)),
        ("out-links", best_ms(texts, lambda t: url_signals("post", [], t), repeat)),
        ("language", best_ms(texts, identify, repeat)),
        ("indicators", best_ms(texts, analyzer.indicator_matcher().find, repeat)),
        (
            "analysis (language + indicators)",
            best_ms(texts, lambda t: analyzer.analyze(t, None, name="post"), repeat),
        ),
        (
            "matching",
            best_ms(
                [hash_text(t) + s for t, (s, _, _) in zip(texts, links, strict=True)],
                lambda s: match_signals(matcher, s, [], PDQOptions()),
                repeat,
            ),
        ),
        (
            "out-link platforms",
            best_ms(
                [o for _, outs, _ in links for o in outs],
                lambda o: resolve_outlink(o["url"], platforms),
                repeat,
            ),
        ),
        (
            "pooled_post, whole",
            best_ms(texts, lambda t: pooled_post(t, "post", "text/plain", True, [], True), repeat),
        ),
    ]
    print(f"{len(paths)} JPEGs and {len(texts)} posts of {folder}; load {os.getloadavg()[0]:.2f}")
    print("| stage of a JPEG | CPU ms |\n|---|---:|")
    for name, ms in rows:
        print(f"| {name} | {ms:.3f} |")
    print("\n| stage of a post | CPU ms |\n|---|---:|")
    for name, ms in post_rows:
        print(f"| {name} | {ms:.3f} |")


if __name__ == "__main__":
    main()

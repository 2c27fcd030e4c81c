"""Fast PDQ mode (TVEC_PDQ_FAST) against the exact hash, on photo-like and poster-like images.

Usage: ``PYTHONPATH=src python bench/bench_pdq_fast.py [N]`` (default 200 images per kind).

Two kinds of generated 1024x768 JPEGs (quality 90), seeded so that runs repeat:

* poster-like: a 32x24 random colour grid upscaled bicubically (flat areas, soft edges), the
  images of bench/bench_hashing.py;
* photo-like: detail at every scale with a 1/f amplitude, as natural images have (octaves
  of random grids with 32-, 16-, 8- and 4-pixel cells) plus sensor noise;
* fine texture: a grid of 4-pixel cells only, the worst case for a reduced decode.

For each image: Hamming distance between the default-mode and fast-mode PDQ hashes, and the
quality of each. Prints the distribution per kind (max, 99th percentile, mean, how many over
6, 8, 10, 12 and 16 bits) as Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import io
import platform
import sys

import numpy as np
import numpy.typing as npt
from PIL import Image

from tvec.signals.hashing import hash_content
from tvec.signals.pdq import hamming_hex
from tvec.signals.pdq_variants import PDQOptions


def poster(rng: np.random.Generator) -> Image.Image:
    small = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    return Image.fromarray(small).resize((1024, 768), Image.Resampling.BICUBIC)


def _grid(rng: np.random.Generator, rows: int, cols: int) -> npt.NDArray[np.float32]:
    """A rows x cols random colour grid upscaled bicubically to 1024x768, centred on 0."""
    small = rng.integers(0, 256, (rows, cols, 3), dtype=np.uint8)
    big = Image.fromarray(small).resize((1024, 768), Image.Resampling.BICUBIC)
    return np.asarray(big, dtype=np.float32) - 128


def photo(rng: np.random.Generator) -> Image.Image:
    """Detail at every scale, amplitude falling as 1/f as in natural images: octaves of
    random grids (cells of 32, 16, 8 and 4 pixels) plus sensor noise (sigma 6)."""
    total = sum(_grid(rng, 24 * 2**k, 32 * 2**k) / 2**k for k in range(4))
    pixels = 128 + 0.55 * total + rng.normal(0, 6, (768, 1024, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def texture(rng: np.random.Generator) -> Image.Image:
    """The worst case: fine texture only (a grid of 4-pixel cells: gravel, foliage, print
    screens), most of its energy at the scale a reduced decode loses."""
    return Image.fromarray(np.clip(128 + _grid(rng, 192, 256), 0, 255).astype(np.uint8))


def jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def pdq(data: bytes, fast: bool) -> tuple[str, int]:
    result = hash_content(data, "x.jpg", max_pixels=10**8, pdq=PDQOptions(fast=fast))
    signal = next(s for s in result.signals if s.signal_type == "pdq")
    return signal.value, int(signal.quality or 0)


def measure(kind: str, make: object, n: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    distances = []
    quality_changes = 0
    for _ in range(n):
        data = jpeg(make(rng))  # type: ignore[operator]
        exact, q_exact = pdq(data, False)
        fast, q_fast = pdq(data, True)
        distances.append(hamming_hex(exact, fast))
        quality_changes += q_exact != q_fast
    d = np.asarray(distances)
    return {
        "kind": kind,  # type: ignore[dict-item]
        "n": n,
        "max": int(d.max()),
        "p99": float(np.percentile(d, 99)),
        "mean": float(d.mean()),
        **{f"over{k}": int((d > k).sum()) for k in (6, 8, 10, 12, 16)},
        "quality_changes": quality_changes,
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rows = [
        measure("poster-like", poster, n, 7),
        measure("photo-like (1/f)", photo, n, 11),
        measure("fine texture", texture, n, 13),
    ]
    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    print("| images | n | max bits | p99 | mean | >6 | >8 | >10 | >12 | >16 | quality changed |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['kind']} | {r['n']} | {r['max']} | {r['p99']:.1f} | {r['mean']:.2f} | "
            f"{r['over6']} | {r['over8']} | {r['over10']} | {r['over12']} | {r['over16']} | "
            f"{r['quality_changes']} |"
        )


if __name__ == "__main__":
    main()

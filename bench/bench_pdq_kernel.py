"""The compiled PDQ kernel alone, this tree's against an earlier commit's, in one process.

CPU time (``time.process_time``) per image of ``tvec.signals.pdq_kernel.pdq_hashes`` on the
decoded pixels of ``bench/bench_scan.py``'s generated 1024x768 JPEGs, the old kernel (the
``pdq_kernel.py`` of ``--base``, loaded from git into a scratch module) and this tree's
alternating, ``--rounds`` rounds of ``--repeat`` passes each; prints the best and the median
per round of each, their ratio, and (this tree) the luma and the downscaling alone. The
old kernel gets ``np.asarray(image)`` (RGB, three bytes a pixel, as before); this tree's
gets it too, and also Pillow's RGBX memory without the copy (``pixel_view``), which is what
a scan now hands it; the hashes are checked equal. Usage:

    PYTHONPATH=src python bench/bench_pdq_kernel.py [N] [--input DIR] [--base REV]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scan import make_input
from bench_scan_worker import best_ms

ROOT = Path(__file__).resolve().parent.parent


def load_base(rev: str, scratch: Path) -> ModuleType:
    """``src/tvec/signals/pdq_kernel.py`` at ``rev`` as a module (it imports no tvec)."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:src/tvec/signals/pdq_kernel.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = scratch / "base_pdq_kernel.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("base_pdq_kernel", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=50, help="JPEGs")
    parser.add_argument("--input", type=Path, help="a folder made by bench_scan.py")
    parser.add_argument("--base", default="32c7cd3", help="git revision of the old kernel")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    from tvec.signals import pdq_downscale, pdq_kernel
    from tvec.signals.pixels import pixel_view

    with tempfile.TemporaryDirectory() as tmp:
        folder = options.input or Path(tmp) / "in"
        if not folder.exists():
            make_input(folder, options.n)
        base = load_base(options.base, Path(tmp))
        paths = sorted(folder.glob("*.jpg"))[: options.n]
        images = []
        for path in paths:
            with Image.open(path) as image:
                image.load()
                images.append(image.copy())
        rgb = [np.asarray(i) for i in images]
        views = [pixel_view(i) for i in images]
        for a, v in zip(rgb, views, strict=True):
            assert base.pdq_hashes(a) == pdq_kernel.pdq_hashes(a) == pdq_kernel.pdq_hashes(v)
        flat = [v.reshape(v.shape[0], -1) for v in views if v is not None]
        runs: dict[str, list[float]] = {}
        work = {
            f"{options.base} kernel, RGB array": (rgb, base.pdq_hashes),
            "this tree, RGB array": (rgb, pdq_kernel.pdq_hashes),
            "this tree, RGBX view": (views, pdq_kernel.pdq_hashes),
            "- of which luma (RGBX)": (flat, lambda p: pdq_downscale.luma(p, 4)),
            "- of which luma + downscaling (RGBX)": (
                flat,
                lambda p: pdq_downscale.downscale64(p, 4),
            ),
        }
        for _ in range(options.rounds):
            for name, (items, fn) in work.items():
                runs.setdefault(name, []).append(best_ms(items, fn, options.repeat))
    first = next(iter(runs))
    print(
        f"{len(paths)} JPEGs of {folder}, {options.rounds} rounds of best of "
        f"{options.repeat}; load {os.getloadavg()[0]:.2f}"
    )
    print("| kernel | best ms | median ms | median vs old |\n|---|---:|---:|---:|")
    old = statistics.median(runs[first])
    for name, values in runs.items():
        median = statistics.median(values)
        print(f"| {name} | {min(values):.3f} | {median:.3f} | {median / old:.2f}x |")


if __name__ == "__main__":
    main()

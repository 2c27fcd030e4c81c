"""The warm-up of a scan's fork server: what every scan worker needs, loaded once per scan.

A local scan pool's workers are forked from one ``forkserver`` process
(:mod:`multiprocessing.forkserver`: a fresh interpreter started by ``exec``, so it holds none
of the scan's database connections or threads) that imports this module before it forks any
worker (:data:`tvec.scan.hasher.PRELOAD`). Importing it calls :func:`warm`, so each worker
starts as a copy of a process that has already paid what a worker's start cost on its own
(about 1.6 s of CPU each on the benchmark machine, ``docs/benchmarks.md``): the imports of
the per-item work, the py3langid model, the PDQ kernel loaded from numba's cache, Pillow's
JPEG codec, the public suffix list and SQLAlchemy's SQLite dialect. Only what depends on the
scan's settings and database (the indicator registry, the platform registry, the matcher over
the persisted index) is still built in each worker, on its first item (about 0.25 s).

Importing this module anywhere else only costs that time once, and calls ``gc.freeze()``
(what is loaded then is never collected); it changes no answer (every cache it fills is the
one the first item would have filled).
"""

from __future__ import annotations

import gc
import io

# The modules a worker's tasks run in, and those they import on first use.
import tvec.scan.hasher
import tvec.scan.prepare  # noqa: F401

#: A text long enough for the language model to be used (more than ``MIN_LETTERS`` letters).
_TEXT = "The weather was calm this morning and the market opened as on any other day."


def _tiny_jpeg() -> bytes:
    """A 64x48 RGB JPEG with some structure (bytes)."""
    from PIL import Image

    image = Image.linear_gradient("L").resize((64, 48)).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def warm() -> list[str]:
    """Load the settings-independent state of a scan worker in this process.

    Returns the names of the steps that failed (an empty list when all worked). Never raises:
    a step that fails is only not warmed, and the worker then does it on first use as it
    would have without this module (the fork server must not die of a warm-up error).
    """
    failed: list[str] = []

    def language() -> None:
        from tvec.analysis.language import identify

        identify(_TEXT)

    def pipeline() -> None:
        import sqlalchemy.dialects.sqlite  # noqa: F401
        from sqlalchemy.orm import Session  # noqa: F401

        import tvec.analysis.pipeline
        import tvec.entities.resolve
        import tvec.platforms.overrides
        import tvec.store.db  # noqa: F401

    def images() -> None:
        from tvec.signals.hashing import hash_content

        hash_content(_tiny_jpeg(), "warm.jpg", max_pixels=64 * 48)

    def urls() -> None:
        from tvec.urls.suffixes import split_host

        split_host("www.example.org")

    for step in (pipeline, language, images, urls):
        try:
            step()
        except Exception:  # best effort, see the docstring
            failed.append(step.__name__)
    return failed


#: The steps that failed when this module was imported (see :func:`warm`).
FAILED = warm()
# What was loaded is kept for the life of the process: moved out of the garbage collector's
# generations, so that a forked worker's collections do not touch (and copy) those pages.
gc.freeze()

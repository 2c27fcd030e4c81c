"""The py3langid model, decompressed once per machine and mapped from then on.

py3langid ships its model as an LZMA-compressed ``.npz`` (``py3langid/data/model.npz.xz``,
4.6 MB, BSD-3-Clause). Decompressing it costs about 0.35 s of CPU in every process that
identifies a language (the scan's worker fork server, an inline scan, ``tvec analyse``).
:func:`load_identifier` keeps the decompressed arrays, unchanged, as plain ``.npy`` files
(about 68 MB) in a folder of the user's cache named after the model file's size,
modification time and the py3langid version, written once and atomically (a temporary
folder renamed into place), and builds the identifier from them (the large weight table is
memory-mapped read-only, so processes share its pages). The identifier is the one
py3langid's own loader (``LanguageIdentifier.from_model_file``) builds from the same arrays,
so every answer is the same.

The cache folder is ``TVEC_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/tvec``, else
``~/.cache/tvec``. When it cannot be written or read, the model is loaded from the
compressed file as before.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

#: The arrays of the model, as py3langid's ``modelio.load_model`` reads them.
ARRAYS = ("ptc", "pc", "nextmove", "nextmove_row", "out_feat")


def cache_root() -> Path:
    """The folder of tvec's per-user cache (not created here)."""
    configured = os.environ.get("TVEC_CACHE_DIR")
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "tvec"


def _model_file() -> Path:
    from py3langid.langid import MODEL_DIR, MODEL_FILE  # type: ignore[import-untyped]

    path: Path = Path(MODEL_DIR) / MODEL_FILE
    return path


def cache_folder(model: Path | None = None) -> Path:
    """Where the decompressed copy of ``model`` (default: py3langid's model) is kept.

    Raises:
        OSError: the model file cannot be read.
    """
    model = model or _model_file()
    stat = model.stat()
    version = metadata.version("py3langid")
    return cache_root() / f"langid-{version}-{stat.st_size}-{stat.st_mtime_ns}"


def _write(folder: Path, model: Path) -> None:
    """Decompress ``model`` into ``folder`` (atomically: a sibling temporary folder is
    renamed into place; a folder written meanwhile by another process is kept).

    Raises:
        OSError: the cache cannot be written.
    """
    import io
    import lzma

    raw = io.BytesIO(lzma.decompress(model.read_bytes()))  # about 68 MB, once per machine
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        with np.load(raw, allow_pickle=False) as data:
            for name in ARRAYS:
                np.save(tmp / f"{name}.npy", data[name], allow_pickle=False)
            classes = data["classes"].tolist()
        (tmp / "classes.json").write_text(json.dumps(classes), encoding="utf-8")
        try:
            tmp.rename(folder)
        except OSError:
            if not folder.is_dir():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _from_folder(folder: Path) -> Any:
    """The identifier built from a cache folder (as ``LanguageIdentifier.from_model_file``).

    Raises:
        OSError, ValueError: the folder is missing or damaged.
    """
    from py3langid.langid import LanguageIdentifier
    from py3langid.modelio import _to_array  # type: ignore[import-untyped]

    arrays = {
        name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in ARRAYS
    }
    classes = json.loads((folder / "classes.json").read_text(encoding="utf-8"))
    if not isinstance(classes, list) or len(classes) != len(arrays["pc"]):
        raise ValueError(f"{folder}: damaged language model cache")
    return LanguageIdentifier(
        arrays["ptc"],
        np.array(arrays["pc"]),
        classes,
        _to_array(arrays["nextmove"]),
        arrays["out_feat"].tolist(),
        norm_probs=True,
        tk_row=_to_array(arrays["nextmove_row"]),
    )


def load_identifier() -> Any:
    """py3langid's ``LanguageIdentifier`` over its shipped model, with ``norm_probs``; from
    the cache folder (:func:`cache_folder`), written first if missing or damaged. Falls back
    to py3langid's own loader when the cache cannot be used.

    Raises:
        OSError: the model file shipped with py3langid cannot be read.
    """
    from py3langid.langid import LanguageIdentifier

    model = _model_file()
    try:
        folder = cache_folder(model)
        try:
            return _from_folder(folder)
        except (OSError, ValueError):
            shutil.rmtree(folder, ignore_errors=True)
        _write(folder, model)
        return _from_folder(folder)
    except (OSError, ValueError):
        return LanguageIdentifier.from_model_file(model, norm_probs=True)

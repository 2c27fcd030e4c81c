"""Reading, hashing and analysing one file: the work a scan spreads over worker processes.

This module imports only what the work needs (hashing, the evidence store and, when a stage
is on, the analysis pipeline), so worker processes start quickly. Everything it returns is
picklable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tvec.errors import EncodingError, InputError, MissingMediaError
from tvec.isolation import MediaLimits, helper_for
from tvec.media import TEXT
from tvec.settings import Settings
from tvec.signals.hashing import HashResult, hash_content
from tvec.signals.pdq_variants import PDQOptions
from tvec.store.evidence import open_evidence

if TYPE_CHECKING:
    from tvec.analysis.pipeline import Analysis, Analyzer


@dataclass
class PreparedFile:
    """A file read, hashed and analysed (possibly in a worker process), ready to be stored.

    ``fingerprint`` is ``{"size": bytes, "mtime_ns": ns}`` used to skip unchanged files.
    ``hashed`` is None when the file could not be read at all (see ``error``).
    ``analysis`` is the analysis pipeline's result for the file (its text and media), when
    the scan computed it here; None means "analyse when storing".
    """

    fingerprint: dict[str, int] | None
    size: int | None = None
    hashed: HashResult | None = None
    text: str | None = None
    error: InputError | None = None
    analysis: Analysis | None = None


def file_fingerprint(path: Path) -> dict[str, int]:
    """Size (bytes) and modification time (ns) of ``path``. Raises OSError."""
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


_ANALYZERS: dict[str, Analyzer] = {}


def _analyzer(settings: Settings) -> Analyzer:
    """One analyzer per process and settings (it loads models and finds Tesseract once)."""
    from tvec.analysis.pipeline import Analyzer

    key = settings.model_dump_json()
    if key not in _ANALYZERS:
        _ANALYZERS[key] = Analyzer.from_settings(settings)
    return _ANALYZERS[key]


def media_limits(settings: Settings) -> MediaLimits | None:
    """The helper-process limits of ``TVEC_MEDIA_*``; None when isolation is off."""
    if not settings.media_isolation:
        return None
    return MediaLimits(settings.media_timeout_seconds, settings.media_memory_bytes)


def prepare_file(
    path: Path,
    name: str,
    max_file_bytes: int,
    max_pixels: int,
    evidence_dir: Path | str | None,
    pdq: PDQOptions | None = None,
    analysis: Settings | None = None,
    limits: MediaLimits | None = None,
) -> PreparedFile:
    """Read, hash and (if ``evidence_dir``) keep one file; never raises for input problems.

    Args:
        path: the file.
        name: how to name it in error messages.
        max_file_bytes: larger files are refused (``TVEC_MAX_FILE_BYTES``).
        max_pixels: decompression-bomb limit (``TVEC_MAX_IMAGE_PIXELS``).
        evidence_dir: where to keep the original bytes (a folder or an fsspec URL:
            :func:`tvec.store.evidence.open_evidence`), or None (written without ``fsync``:
            the caller calls :func:`tvec.store.evidence.sync_evidence` before committing).
        pdq: PDQ hashing options (fast mode, variants).
        analysis: settings for the analysis pipeline (language, OCR, indicators) to run on
            the file here, in the worker; None leaves analysis to the caller.
        limits: run video hashing and OCR in this process's helper process
            (:func:`tvec.isolation.helper_for`) under these limits; a crash or timeout
            there is an error on this file. None: run them here.

    Text files are decoded as UTF-8 (``EncodingError`` otherwise).
    """
    try:
        fingerprint = file_fingerprint(path)
    except OSError as exc:
        return PreparedFile(None, error=MissingMediaError(name, f"cannot read: {exc.strerror}"))
    if fingerprint["size"] > max_file_bytes:
        problem = (
            f"file of {fingerprint['size']} bytes is over the limit of {max_file_bytes} "
            "bytes (TVEC_MAX_FILE_BYTES)"
        )
        return PreparedFile(fingerprint, error=InputError(name, problem))
    try:
        data = path.read_bytes()
    except OSError as exc:
        return PreparedFile(
            fingerprint, error=MissingMediaError(name, f"cannot read: {exc.strerror}")
        )
    helper = helper_for(limits) if limits is not None else None
    hashed = hash_content(data, name, max_pixels=max_pixels, pdq=pdq, helper=helper)
    text = None
    if hashed.kind.content_type == TEXT and hashed.error is None:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            hashed.error = EncodingError(name, f"text is not UTF-8 (byte {exc.start})")
    if evidence_dir is not None:
        sha = next((s.value for s in hashed.signals if s.signal_type == "sha256"), None)
        open_evidence(evidence_dir).put(data, sha, sync=False)  # synced per batch
    found = None
    if analysis is not None:
        analyzer = _analyzer(analysis)
        analyzer.helper = helper
        if analyzer.active:
            found = analyzer.analyze(
                text,
                None if hashed.error else data,
                name=name,
                content_type=hashed.kind.content_type,
                media_type=hashed.kind.media_type,
            )
    return PreparedFile(fingerprint, len(data), hashed, text, analysis=found)


@dataclass
class PreparedPost:
    """A post (an item with text and no file) analysed in a worker process.

    ``analysis`` is the analysis pipeline's result for the post's text (None when every stage
    is off).
    """

    analysis: Analysis | None


def prepare_post(text: str, name: str, media_type: str, analysis: Settings) -> PreparedPost:
    """Analyse one post's ``text`` (language, indicators) with the stages ``analysis`` enables.

    ``name`` is the item's locator (for messages); ``media_type`` the post's media type.
    Never raises for input problems (stage errors are in the result).
    """
    analyzer = _analyzer(analysis)
    if not analyzer.active:
        return PreparedPost(None)
    found = analyzer.analyze(text, None, name=name, content_type=TEXT, media_type=media_type)
    return PreparedPost(found)

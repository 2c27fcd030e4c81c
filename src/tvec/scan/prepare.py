"""Reading, hashing and analysing one file: the work a scan spreads over worker processes.

This module imports only what the work needs (hashing, the evidence store and, when a stage
is on, the analysis pipeline), so worker processes start quickly. Everything it returns is
picklable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tvec.errors import EncodingError, InputError, MissingMediaError
from tvec.isolation import MediaLimits, helper_for
from tvec.media import TEXT
from tvec.outlinks.sightings import Resolved, resolve_outlink
from tvec.platforms import PlatformRegistry
from tvec.scan.links import url_signals
from tvec.scan.matches import Found, MatchSpec, match_signals, settings_key, worker_matcher
from tvec.settings import Settings
from tvec.signals import SignalValue
from tvec.signals.hashing import HashResult, hash_content, hash_text
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
    the scan computed it here; None means "analyse when storing". ``hits_final``: its
    indicator hits were found with the registry in force (the database's designation lists
    included), so the writer need not find them again.
    ``matches`` are the matches of ``hashed``'s signals and PDQ variants
    (:func:`tvec.scan.matches.match_signals`), when the worker matched; None means "match
    when storing".
    """

    fingerprint: dict[str, int] | None
    size: int | None = None
    hashed: HashResult | None = None
    text: str | None = None
    error: InputError | None = None
    analysis: Analysis | None = None
    matches: list[Found] | None = None
    hits_final: bool = False


def file_fingerprint(path: Path) -> dict[str, int]:
    """Size (bytes) and modification time (ns) of ``path``. Raises OSError."""
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


_ANALYZERS: dict[str, Analyzer] = {}


def _analyzer(settings: Settings, with_db: bool = False) -> Analyzer:
    """One analyzer per process and settings (it loads models and finds Tesseract once).

    ``with_db``: find indicators with the registry in force, the imported designation lists
    of the settings' database included (read once per process, as the writer reads them once
    per scan); else with the packaged registry and the entities file.

    Raises:
        StoreError: ``with_db`` and the database cannot be read.
    """
    from tvec.analysis.pipeline import Analyzer

    key = f"{with_db}:{settings_key(settings)}"
    if key not in _ANALYZERS:
        analyzer = Analyzer.from_settings(settings)
        if with_db and analyzer.enabled["indicators"]:
            from sqlalchemy.orm import Session

            from tvec.entities.resolve import entity_registry
            from tvec.store.db import make_engine

            engine = make_engine(settings.resolved_database_url)
            try:
                with Session(engine) as session:
                    analyzer.use_registry(entity_registry(settings, session))
            finally:
                engine.dispose()
        _ANALYZERS[key] = analyzer
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
    match: MatchSpec | None = None,
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
        match: match the file's signals here (:func:`tvec.scan.matches.match_signals`,
            with :func:`~tvec.scan.matches.worker_matcher`) and find indicator hits with
            the registry in force; None leaves both to the caller.

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
        # synced per batch; ``sha`` is hash_content's digest of these bytes
        open_evidence(evidence_dir).put(data, sha, sync=False, verified=True)
    found = None
    if analysis is not None:
        analyzer = _analyzer(analysis, with_db=match is not None)
        analyzer.helper = helper
        if analyzer.active:
            found = analyzer.analyze(
                text,
                None if hashed.error else data,
                name=name,
                content_type=hashed.kind.content_type,
                media_type=hashed.kind.media_type,
            )
    matches = None
    if match is not None:
        options = pdq or PDQOptions()
        matcher = worker_matcher(match)
        matches = match_signals(matcher, hashed.signals, hashed.pdq_variants, options)
    return PreparedFile(
        fingerprint,
        len(data),
        hashed,
        text,
        analysis=found,
        matches=matches,
        hits_final=found is not None and match is not None,
    )


@dataclass
class PreparedPost:
    """A post (an item with text and no file) prepared in a worker process.

    ``analysis`` is the analysis pipeline's result for the post's text (None when every stage
    is off, or not asked for). ``signals`` are its text and out-link signals, ``outlinks``
    its ``meta['outlinks']`` and ``errors`` the problems with its links
    (:func:`tvec.scan.links.url_signals`). ``matches`` and ``hits_final`` as for
    :class:`PreparedFile`. ``resolved``: the platform, registrable domain and host of each
    out-link (:func:`tvec.outlinks.sightings.resolve_outlink`, with the database's platform
    registry), when the worker resolved them.
    """

    analysis: Analysis | None
    signals: list[SignalValue] = field(default_factory=list)
    outlinks: list[dict[str, str]] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    matches: list[Found] | None = None
    hits_final: bool = False
    resolved: dict[str, Resolved] = field(default_factory=dict)


def prepare_post(
    text: str,
    name: str,
    media_type: str,
    analysis: Settings | None,
    links: list[str] | None = None,
    match: MatchSpec | None = None,
) -> PreparedPost:
    """Prepare one post: its signals (text hashes, out-links in ``text`` and ``links``),
    their matches (with ``match``) and the analysis ``analysis`` enables (language,
    indicators; None: none).

    ``name`` is the item's locator (for messages); ``media_type`` the post's media type.
    Never raises for input problems (stage errors are in the result).

    Raises:
        StoreError: ``match`` is given and the database or the index cannot be read.
    """
    found = None
    if analysis is not None:
        analyzer = _analyzer(analysis, with_db=match is not None)
        if analyzer.active:
            found = analyzer.analyze(
                text, None, name=name, content_type=TEXT, media_type=media_type
            )
    signals = hash_text(text) if text else []
    extra, outlinks, errors = url_signals(name, list(links or []), text)
    signals.extend(extra)
    matches = None
    resolved: dict[str, Resolved] = {}
    if match is not None:
        matches = match_signals(worker_matcher(match), signals, [], PDQOptions())
        if outlinks:
            platforms = _platforms(match.settings)
            resolved = {o["url"]: resolve_outlink(o["url"], platforms) for o in outlinks}
    return PreparedPost(
        found,
        signals,
        outlinks,
        errors,
        matches=matches,
        hits_final=found is not None and match is not None,
        resolved=resolved,
    )


_PLATFORMS: dict[str, PlatformRegistry] = {}


def _platforms(settings: Settings) -> PlatformRegistry:
    """The platform registry in force (the database's overrides included), read once per
    process and settings.

    Raises:
        StoreError: the database cannot be read.
    """
    key = settings_key(settings)
    if key not in _PLATFORMS:
        from sqlalchemy.orm import Session

        from tvec.platforms.overrides import load_registry
        from tvec.store.db import make_engine

        engine = make_engine(settings.resolved_database_url)
        try:
            with Session(engine) as session:
                _PLATFORMS[key] = load_registry(session)
        finally:
            engine.dispose()
    return _PLATFORMS[key]


#: What a local pool's worker was given once at start (:func:`tvec.scan.hasher.worker_init`):
#: the scan's settings and how to match, so tasks need not carry them.
_POOL: dict[str, Any] = {}


def pool_setup(settings: Settings, match: MatchSpec | None) -> None:
    """Keep the scan's ``settings`` and ``match`` for :func:`pooled_file` and
    :func:`pooled_post` (called once in each local pool worker)."""
    _POOL["settings"] = settings
    _POOL["match"] = match


def pooled_file(
    path: Path,
    name: str,
    evidence: bool,
    limits: MediaLimits | None,
    match: bool,
) -> PreparedFile:
    """:func:`prepare_file` in a local pool worker, with the settings given at start
    (:func:`pool_setup`): evidence kept when ``evidence``, matched when ``match``.

    Raises:
        RuntimeError: :func:`pool_setup` was not called in this process.
    """
    settings: Settings | None = _POOL.get("settings")
    if settings is None:
        raise RuntimeError("pooled_file: the worker was started without the scan's settings")
    return prepare_file(
        path,
        name,
        settings.max_file_bytes,
        settings.max_image_pixels,
        settings.evidence_location if evidence else None,
        PDQOptions.from_settings(settings),
        settings,
        limits,
        _POOL["match"] if match else None,
    )


def pooled_post(
    text: str, name: str, media_type: str, analysing: bool, links: list[str], match: bool
) -> PreparedPost:
    """:func:`prepare_post` in a local pool worker, with the settings given at start.

    Raises:
        RuntimeError: :func:`pool_setup` was not called in this process.
    """
    settings: Settings | None = _POOL.get("settings")
    if settings is None:
        raise RuntimeError("pooled_post: the worker was started without the scan's settings")
    return prepare_post(
        text,
        name,
        media_type,
        settings if analysing else None,
        links,
        _POOL["match"] if match else None,
    )


#: One post of a task of several (:func:`pooled_posts`): its text, locator, media type and
#: links.
PostJob = tuple[str, str, str, list[str]]


def pooled_posts(jobs: list[PostJob], analysing: bool, match: bool) -> list[PreparedPost]:
    """:func:`pooled_post` for each post of ``jobs``, in order (one pool task for several
    posts: a task's round trip costs about a quarter of a post's own work).

    Raises:
        RuntimeError: :func:`pool_setup` was not called in this process.
        StoreError: ``match`` and the database or the index cannot be read.
    """
    return [
        pooled_post(text, name, media_type, analysing, links, match)
        for text, name, media_type, links in jobs
    ]


#: One file of a task of several (:func:`pooled_files`): its path and its name in messages.
FileJob = tuple[Path, str]


def pooled_files(
    jobs: list[FileJob], evidence: bool, limits: MediaLimits | None, match: bool
) -> list[PreparedFile]:
    """:func:`pooled_file` for each file of ``jobs``, in order (one pool task for several
    files).

    Raises:
        RuntimeError: :func:`pool_setup` was not called in this process.
        StoreError: ``match`` and the database or the index cannot be read.
    """
    return [pooled_file(path, name, evidence, limits, match) for path, name in jobs]

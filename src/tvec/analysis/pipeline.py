"""The analysis pipeline: OCR, language ID and entity indicators, as stages that can be off.

Stages, in the order they run, each turned on or off by a setting:

* ``ocr`` (``TVEC_ANALYSIS_OCR``): text inside images, video keyframes and PDF pages
  (:mod:`tvec.analysis.media_text`, :mod:`tvec.analysis.ocr`).
* ``language`` (``TVEC_ANALYSIS_LANGUAGE``): languages of the item text plus the OCR text
  (:func:`tvec.analysis.language.identify`).
* ``indicators`` (``TVEC_ANALYSIS_INDICATORS``): entity and outlet names in the item text
  and in the OCR text (:mod:`tvec.analysis.indicators`).

A stage whose dependency is missing switches itself off (scrapy's ``NotConfigured``): OCR
without Tesseract logs one warning on the ``tvec.analysis`` logger the first time it is
needed, is marked ``unavailable`` in the results, and everything else goes on (PDF text
layers are still read, as they need no OCR).

:meth:`Analyzer.analyze` and :meth:`Analyzer.analyze_file` touch no store: ``tvec analyze``
uses them. :meth:`Analyzer.store` writes an
:class:`~tvec.store.models.analysis.ItemAnalysis` row and its
:class:`~tvec.store.models.analysis.ItemIndicatorHit` rows; ``tvec scan`` calls
:meth:`Analyzer.analyze_item` once for each item it stores as new or changed (unchanged items
are skipped by the scan before it gets there). Cases read the stored hits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pytesseract
from sqlalchemy import select
from sqlalchemy.orm import Session

from tvec.analysis.indicators import IndicatorHit, IndicatorMatcher
from tvec.analysis.language import LanguageShare, identify
from tvec.analysis.media_text import TextPart, media_text, wants_media_text
from tvec.analysis.ocr import NotConfiguredError, Ocr
from tvec.entities.registry import EntityRegistry, load_entities
from tvec.errors import EncodingError, InputError, MissingMediaError
from tvec.media import TEXT, sniff
from tvec.settings import Settings
from tvec.store.models import Item
from tvec.store.models.analysis import ItemAnalysis, ItemIndicatorHit
from tvec.views.analysis import AnalysisView, IndicatorHitView, LanguageShareView

if TYPE_CHECKING:
    from tvec.isolation import Helper

__all__ = ["STAGES", "Analysis", "Analyzer", "FoundHit", "default_matcher", "matcher_for"]

log = logging.getLogger("tvec.analysis")

#: Stage names, in the order they run.
STAGES = ("ocr", "language", "indicators")

#: The helper-process job that reads the text of media; tests point it at a job that crashes.
MEDIA_TEXT_JOB = "tvec.analysis.media_text:media_text"

DONE = "done"
OFF = "off"
UNAVAILABLE = "unavailable"
FAILED = "failed"
NOTHING = "n/a"


@lru_cache(maxsize=4)
def matcher_for(registry: EntityRegistry) -> IndicatorMatcher:
    """The indicator matcher over ``registry`` (built once per registry object; registries
    in force are themselves kept until their sources change)."""
    return IndicatorMatcher.from_registry(registry)


def default_matcher() -> IndicatorMatcher:
    """The indicator matcher over the packaged entity registry (built once per process)."""
    from tvec.entities.registry import EntityRegistry

    return matcher_for(EntityRegistry.load_default())


@dataclass(frozen=True)
class FoundHit:
    """An indicator hit and the text it was found in (``text`` or ``ocr_text``)."""

    field: str
    hit: IndicatorHit

    def view(self) -> IndicatorHitView:
        """The hit as a result model; ``start``/``end`` index into ``field``'s text."""
        return IndicatorHitView(
            entity_id=self.hit.entity_id,
            outlet_id=self.hit.outlet_id,
            alias=self.hit.alias,
            field=self.field,
            start=self.hit.start,
            end=self.hit.end,
            matched_text=self.hit.matched_text,
            steps=list(self.hit.steps),
        )


@dataclass
class Analysis:
    """What the pipeline found in one text or file.

    ``stages`` maps each stage to ``done``, ``off`` (turned off by its setting),
    ``unavailable`` (dependency missing), ``failed`` (see ``errors``) or ``n/a`` (nothing
    for it to read, e.g. OCR of a text-only post). ``primary_language`` is None when the
    language stage did not run.
    """

    text: str | None = None
    parts: list[TextPart] = field(default_factory=list)
    languages: tuple[LanguageShare, ...] = ()
    primary_language: str | None = None
    hits: list[FoundHit] = field(default_factory=list)
    stages: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def ocr_text(self) -> str | None:
        """The text read inside the media, parts separated by a blank line (None if none)."""
        return "\n\n".join(part.text for part in self.parts) or None

    def view(self) -> AnalysisView:
        """The result model of ``tvec analyze --json`` (see ``docs/analysis.md``)."""
        return AnalysisView(
            primary_language=self.primary_language,
            languages=[
                LanguageShareView(code=s.code, share=round(s.share, 3), script=s.script)
                for s in self.languages
            ],
            ocr_text=self.ocr_text,
            media_text=[part.view() for part in self.parts],
            hits=[hit.view() for hit in self.hits],
            stages=dict(self.stages),
            errors=list(self.errors),
        )


class Analyzer:
    """Runs the enabled stages over texts, files and stored items.

    Args:
        language, ocr, indicators: which stages run.
        tesseract_cmd, ocr_timeout: the Tesseract command and its per-call limit (seconds).
        max_pixels, max_frames, max_pages: limits of media reading
            (:func:`tvec.analysis.media_text.media_text`).
        matcher: the indicator matcher (default: :func:`default_matcher`, built on first use).
        ocr_engine: an already opened OCR engine (default: opened on first use from
            ``tesseract_cmd``).

    :attr:`helper`, when set, is the helper process (:mod:`tvec.isolation`) that reads the
    text of media (decoding and OCR); a crash or timeout there is an error of the file's OCR
    stage. Scans set it (``TVEC_MEDIA_ISOLATION``); None reads media in this process.
    """

    def __init__(
        self,
        *,
        language: bool = True,
        ocr: bool = True,
        indicators: bool = True,
        tesseract_cmd: str = "tesseract",
        ocr_timeout: float = 60.0,
        max_pixels: int = 89_478_485,
        max_frames: int = 4,
        max_pages: int = 20,
        matcher: IndicatorMatcher | None = None,
        ocr_engine: Ocr | None = None,
        entities_file: Path | None = None,
        registry: EntityRegistry | None = None,
    ) -> None:
        self.enabled = {"ocr": ocr, "language": language, "indicators": indicators}
        self.tesseract_cmd = tesseract_cmd
        self.ocr_timeout = ocr_timeout
        self.max_pixels = max_pixels
        self.max_frames = max_frames
        self.max_pages = max_pages
        self._matcher = matcher
        self._entities_file = entities_file
        self._registry = registry
        self._ocr = ocr_engine
        self.ocr_unavailable: str | None = None
        self.helper: Helper | None = None

    @classmethod
    def from_settings(cls, settings: Settings, registry: EntityRegistry | None = None) -> Analyzer:
        """An analyzer configured by ``TVEC_ANALYSIS_*``, ``TVEC_TESSERACT_CMD``, ``TVEC_OCR_*``.

        Its indicator matcher is over ``registry`` when given (the registry in force with
        the imported lists: :func:`tvec.entities.resolve.entity_registry` with a session),
        else over the packaged registry plus ``TVEC_ENTITIES_FILE``.
        """
        return cls(
            entities_file=settings.entities_file,
            registry=registry,
            language=settings.analysis_language,
            ocr=settings.analysis_ocr,
            indicators=settings.analysis_indicators,
            tesseract_cmd=settings.tesseract_cmd,
            ocr_timeout=settings.ocr_timeout_seconds,
            max_pixels=settings.max_image_pixels,
            max_frames=settings.ocr_max_frames,
            max_pages=settings.ocr_max_pages,
        )

    def use_registry(self, registry: EntityRegistry) -> None:
        """Find indicators of the entities of ``registry`` from now on."""
        self._registry = registry
        self._matcher = None

    def indicator_matcher(self) -> IndicatorMatcher:
        """The indicator matcher: the one given, else over the registry given, else over the
        packaged registry plus the entities file.

        Raises:
            ConfigError: the entities file is unreadable or invalid.
        """
        if self._matcher is not None:
            return self._matcher
        registry = self._registry or load_entities(self._entities_file)
        return matcher_for(registry)

    def find_hits(self, found: Analysis) -> None:
        """Find ``found``'s indicator hits again with this analyzer's matcher (a scan's worker
        processes analyse with the packaged registry and the entities file; the writer, which
        reads the imported lists, finds the hits again before storing)."""
        if not self.enabled["indicators"]:
            return
        matcher = self.indicator_matcher()
        found.hits = [
            FoundHit(field_name, hit)
            for field_name, value in (("text", found.text), ("ocr_text", found.ocr_text))
            if value
            for hit in matcher.find(value)
        ]

    @property
    def active(self) -> bool:
        """True when at least one stage is on."""
        return any(self.enabled.values())

    def ocr_engine(self) -> Ocr | None:
        """The OCR engine, opened on first call; None when OCR is off or unavailable.

        When Tesseract is missing the reason is logged once (warning, logger
        ``tvec.analysis``) and kept in :attr:`ocr_unavailable`.
        """
        if not self.enabled["ocr"] or self.ocr_unavailable is not None:
            return None
        if self._ocr is None:
            try:
                self._ocr = Ocr.open(self.tesseract_cmd, self.ocr_timeout)
            except NotConfiguredError as exc:
                self.ocr_unavailable = str(exc)
                log.warning("%s", exc)
                return None
        return self._ocr

    def analyze(
        self,
        text: str | None,
        media: bytes | Path | None = None,
        *,
        name: str = "",
        content_type: str = TEXT,
        media_type: str = "text/plain",
    ) -> Analysis:
        """Run the enabled stages over a text and, optionally, a file's media.

        Args:
            text: the item's text (message text, decoded text file), or None.
            media: the file's bytes or path, for OCR (images, videos, PDFs; other content
                is not read).
            name: the file's name, used in error messages.
            content_type, media_type: what the file is (:func:`tvec.media.sniff`).

        Input problems (corrupt media, Tesseract failing or timing out) never raise: they
        are listed in ``errors`` and the stage is marked ``failed``.
        """
        result = Analysis(text=text or None)
        self._read_media(result, media, name, content_type, media_type)
        ocr_text = result.ocr_text
        if self.enabled["language"]:
            combined = "\n".join(t for t in (text, ocr_text) if t)
            found = identify(combined)
            result.languages, result.primary_language = found.languages, found.primary
            result.stages["language"] = DONE
        else:
            result.stages["language"] = OFF
        if self.enabled["indicators"]:
            matcher = self.indicator_matcher()
            for field_name, value in (("text", text), ("ocr_text", ocr_text)):
                if value:
                    result.hits.extend(FoundHit(field_name, h) for h in matcher.find(value))
            result.stages["indicators"] = DONE
        else:
            result.stages["indicators"] = OFF
        return result

    def _read_media(
        self,
        result: Analysis,
        media: bytes | Path | None,
        name: str,
        content_type: str,
        media_type: str,
    ) -> None:
        if not self.enabled["ocr"]:
            result.stages["ocr"] = OFF
            return
        if media is None or not wants_media_text(content_type, media_type):
            result.stages["ocr"] = NOTHING
            return
        engine = self.ocr_engine()
        limits = {
            "max_pixels": self.max_pixels,
            "max_frames": self.max_frames,
            "max_pages": self.max_pages,
        }
        try:
            if self.helper is not None:
                result.parts = self.helper.call(
                    name, MEDIA_TEXT_JOB, media, name, content_type, media_type, engine, **limits
                )
            else:
                result.parts = media_text(media, name, content_type, media_type, engine, **limits)
        except InputError as exc:
            result.errors.append(str(exc))
            result.stages["ocr"] = FAILED
            return
        except OSError as exc:
            result.errors.append(f"{name}: cannot read: {exc.strerror}")
            result.stages["ocr"] = FAILED
            return
        except (RuntimeError, pytesseract.TesseractError) as exc:
            result.errors.append(f"{name}: OCR failed: {exc}")
            result.stages["ocr"] = FAILED
            return
        result.stages["ocr"] = DONE if engine is not None else UNAVAILABLE

    def analyze_file(self, path: Path) -> Analysis:
        """Analyse a file: text files as text, images, videos and PDFs through OCR.

        Unreadable or mislabelled files give an :class:`Analysis` whose ``errors`` say why.
        """
        try:
            data = path.read_bytes()
        except OSError as exc:
            missing = MissingMediaError(str(path), f"cannot read: {exc.strerror}")
            return Analysis(stages=dict.fromkeys(STAGES, FAILED), errors=[str(missing)])
        try:
            kind = sniff(data, str(path))
        except InputError as exc:
            return Analysis(stages=dict.fromkeys(STAGES, FAILED), errors=[str(exc)])
        if kind.content_type == TEXT:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                encoding = EncodingError(str(path), f"text is not UTF-8 (byte {exc.start})")
                return Analysis(stages=dict.fromkeys(STAGES, FAILED), errors=[str(encoding)])
            return self.analyze(text)
        return self.analyze(
            None, data, name=str(path), content_type=kind.content_type, media_type=kind.media_type
        )

    def analyze_item(
        self, session: Session, item: Item, media: bytes | Path | None
    ) -> ItemAnalysis | None:
        """Analyse a stored item (its text, and ``media``: its file) and store the results.

        Returns the stored row, or None when every stage is off (nothing is stored then).

        Raises:
            sqlalchemy.exc.SQLAlchemyError: the database fails (the caller's transaction).
        """
        if not self.active:
            return None
        found = self.analyze(
            item.text,
            media,
            name=item.locator,
            content_type=item.content_type,
            media_type=item.media_type,
        )
        return self.store(session, item, found)

    def store(self, session: Session, item: Item, found: Analysis) -> ItemAnalysis:
        """Write ``found`` as ``item``'s analysis, replacing an earlier one and its hits."""
        row = session.scalars(
            select(ItemAnalysis).where(ItemAnalysis.item_id == item.id)
        ).one_or_none()
        if row is None:
            row = ItemAnalysis(item_id=item.id)
            session.add(row)
        else:
            row.hits.clear()
        row.primary_language = found.primary_language
        row.languages = [
            {"code": s.code, "share": round(s.share, 4), "script": s.script}
            for s in found.languages
        ]
        row.ocr_text = found.ocr_text
        row.media_text = [part.view().model_dump(mode="json") for part in found.parts]
        row.stages = dict(found.stages)
        row.errors = list(found.errors)
        for hit in found.hits:
            row.hits.append(
                ItemIndicatorHit(
                    item_id=item.id,
                    entity_id=hit.hit.entity_id,
                    outlet_id=hit.hit.outlet_id,
                    alias=hit.hit.alias,
                    field=hit.field,
                    span_start=hit.hit.start,
                    span_end=hit.hit.end,
                    matched_text=hit.hit.matched_text,
                    steps=list(hit.hit.steps),
                )
            )
        session.flush()
        return row

"""Result models of the analysis pipeline: ``tvec analyze --json`` (``docs/analysis.md``),
and the ``media_text`` parts stored with an item's analysis."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from tvec.views.base import View

#: The OCR details of a part read by OCR (absent from a PDF text layer's part).
OCR_DETAILS = ("script", "language", "packs", "script_by", "confidence", "rotated", "seconds")


class LanguageShareView(View):
    """One language of a text and its share of the letters."""

    code: str = Field(description="ISO 639-3 code.")
    share: float = Field(description="Share of the text, 0-1, rounded to 3 places.")
    script: str | None = Field(description="ISO 15924 code of its script, if known.")


class MediaTextView(View):
    """Text read from one part of a file; a part read by OCR carries the reading's details
    (a PDF text layer's part has only ``where``, ``method`` and ``text``)."""

    where: str = Field(description="image, frame@12.0s or page 3 (1-based).")
    method: str = Field(description="ocr, or pdf_text (a PDF text layer, read without OCR).")
    text: str
    script: str | None = Field(default=None, description="ISO 15924 code the packs fit.")
    language: str | None = Field(default=None, description="ISO 639-3 code, or und.")
    packs: list[str] | None = Field(default=None, description="Tesseract packs used.")
    script_by: str | None = Field(default=None, description="osd, probe or size.")
    confidence: float | None = Field(default=None, description="Mean word confidence, 0-100.")
    rotated: int | None = Field(default=None, description="Degrees turned before reading.")
    seconds: float | None = Field(default=None, description="Time spent in Tesseract.")

    @model_serializer(mode="wrap")
    def _without_absent_ocr(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if self.script_by is None:  # not read by OCR: no OCR details
            for key in OCR_DETAILS:
                data.pop(key, None)
        return data


class IndicatorHitView(View):
    """An entity or outlet name found in a text; ``start``/``end`` index into ``field``'s
    text (characters, end exclusive)."""

    entity_id: str
    outlet_id: str | None
    alias: str
    field: str = Field(description="text, or ocr_text.")
    start: int
    end: int
    matched_text: str
    steps: list[str] = Field(description="Normalisation steps the match needed.")


class AnalysisView(View):
    """What the pipeline found in one text or file (see ``docs/analysis.md``)."""

    primary_language: str | None = Field(description="Null when the language stage did not run.")
    languages: list[LanguageShareView]
    ocr_text: str | None = Field(
        description="Text read in the media, parts separated by a blank line."
    )
    media_text: list[MediaTextView]
    hits: list[IndicatorHitView]
    stages: dict[str, str] = Field(description="Each stage: done, off, unavailable, failed or n/a.")
    errors: list[str]


class _Input(View):
    input: str = Field(description="The argument as given.")
    kind: str = Field(description="file, or text.")


class InputAnalysisView(AnalysisView, _Input):
    """One input of ``tvec analyze --json``: the argument, whether it was read as a file or
    as text, and what the pipeline found."""

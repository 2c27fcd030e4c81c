"""Text inside media: OCR of images and video keyframes, PDF text layers and scanned pages.

* **Images** (content type ``photo``): opened with :func:`tvec.media.open_image` (pixel limit
  ``TVEC_MAX_IMAGE_PIXELS``) and read by OCR.
* **Videos** (``video``): PyAV (the ``av`` package, FFmpeg inside its wheel) decodes only
  keyframes (``skip_frame = "NONKEY"``), keeping the first and then one at least
  :data:`KEYFRAME_GAP_SECONDS` after the last kept, up to ``max_frames``; each is read by OCR
  and a text equal to the one before is not repeated.
* **PDF** (``application/pdf``): pypdfium2 (Google's PDFium, the PDF engine of Chromium) reads
  each page's text layer directly; a page with fewer than :data:`PDF_MIN_TEXT_CHARS`
  non-space characters in its layer (a scan) is rendered at :data:`PDF_DPI` dpi (less when
  that would pass the pixel limit) and read by OCR, up to ``max_pages`` pages.

Every part that was read becomes a :class:`TextPart` naming where it came from.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from tvec.analysis.ocr import Ocr, OcrReading
from tvec.errors import CorruptMediaError, DecompressionBombError
from tvec.media import PHOTO, VIDEO, open_image
from tvec.views.analysis import MediaTextView

__all__ = [
    "KEYFRAME_GAP_SECONDS",
    "PDF_DPI",
    "PDF_MEDIA_TYPE",
    "PDF_MIN_TEXT_CHARS",
    "TextPart",
    "media_text",
    "pdf_pages",
    "video_keyframes",
    "wants_media_text",
]

KEYFRAME_GAP_SECONDS = 2.0
"""Keyframes closer than this (seconds) to the last kept keyframe are skipped."""

PDF_DPI = 200
"""Resolution (dots per inch) at which PDF pages without a text layer are rendered for OCR."""

PDF_MIN_TEXT_CHARS = 3
"""A PDF page whose text layer has fewer non-space characters than this is OCRed."""

PDF_MEDIA_TYPE = "application/pdf"


@dataclass(frozen=True)
class TextPart:
    """Text read from one part of a file.

    Attributes:
        where: the part: ``"image"``, ``"frame@12.0s"`` (seconds from the start) or
            ``"page 3"`` (1-based).
        method: ``"ocr"`` or ``"pdf_text"`` (a PDF text layer, read without OCR).
        text: what was read.
        reading: the OCR details (script, packs, confidence), None for ``pdf_text``.
    """

    where: str
    method: str
    text: str
    reading: OcrReading | None = None

    def view(self) -> MediaTextView:
        """The part as a result model (OCR details flattened in; none for ``pdf_text``)."""
        reading = self.reading
        if reading is None:
            return MediaTextView(where=self.where, method=self.method, text=self.text)
        return MediaTextView(
            where=self.where,
            method=self.method,
            text=self.text,
            script=reading.script,
            language=reading.language,
            packs=list(reading.packs),
            script_by=reading.script_by,
            confidence=round(reading.confidence, 1),
            rotated=reading.rotated,
            seconds=round(reading.seconds, 3),
        )


def wants_media_text(content_type: str, media_type: str) -> bool:
    """True for the content that :func:`media_text` reads (images, videos, PDFs)."""
    return content_type in (PHOTO, VIDEO) or media_type == PDF_MEDIA_TYPE


def media_text(
    data: bytes | Path,
    name: str,
    content_type: str,
    media_type: str,
    ocr: Ocr | None,
    *,
    max_pixels: int,
    max_frames: int,
    max_pages: int,
) -> list[TextPart]:
    """The text inside a file's bytes, part by part (empty for other kinds of content).

    Args:
        data: the file's bytes, or its path (videos and PDFs are then read from the file
            as needed, not loaded whole).
        name: its name, for error messages.
        content_type, media_type: what the file is (:func:`tvec.media.sniff`).
        ocr: the OCR engine, or None when OCR is off (PDF text layers are still read).
        max_pixels: largest image, frame or rendered page, in pixels.
        max_frames: most video keyframes read.
        max_pages: most PDF pages read.

    Raises:
        CorruptMediaError: the image, video or PDF cannot be decoded.
        DecompressionBombError: an image declares more than ``max_pixels`` pixels.
        OSError: ``data`` is a path that cannot be read.
        RuntimeError, pytesseract.TesseractError: Tesseract timed out or failed.
    """
    if media_type == PDF_MEDIA_TYPE:
        return list(pdf_pages(data, name, ocr, max_pixels=max_pixels, max_pages=max_pages))
    if ocr is None:
        return []
    if content_type == PHOTO:
        raw = data.read_bytes() if isinstance(data, Path) else data
        with open_image(raw, name, max_pixels) as image:
            reading = ocr.read(image)
        return [TextPart("image", "ocr", reading.text, reading)] if reading.text else []
    if content_type == VIDEO:
        parts: list[TextPart] = []
        last = None
        for seconds, frame in video_keyframes(data, name, max_frames, max_pixels):
            reading = ocr.read(frame)
            if reading.text and reading.text != last:
                parts.append(TextPart(f"frame@{seconds:.1f}s", "ocr", reading.text, reading))
            last = reading.text
        return parts
    return []


def video_keyframes(
    data: bytes | Path, name: str, max_frames: int, max_pixels: int
) -> Iterator[tuple[float, Image.Image]]:
    """Up to ``max_frames`` keyframes of a video as ``(seconds from start, RGB image)``.

    Raises:
        CorruptMediaError: the bytes are not a video PyAV can decode, or have no video stream.
        DecompressionBombError: the frames are larger than ``max_pixels``.
    """
    import av

    try:
        source = str(data) if isinstance(data, Path) else io.BytesIO(data)
        container = av.open(source, mode="r")
    except (av.FFmpegError, ValueError) as exc:
        raise CorruptMediaError(name, f"video cannot be opened: {exc}") from exc
    with container:
        if not container.streams.video:
            raise CorruptMediaError(name, "no video stream")
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        if width * height > max_pixels:
            raise DecompressionBombError(
                name, f"video frames of {width}x{height} are over {max_pixels} pixels"
            )
        stream.codec_context.skip_frame = "NONKEY"
        kept = 0
        last: float | None = None
        try:
            for frame in container.decode(stream):
                seconds = float(frame.time or 0.0)
                if last is not None and seconds - last < KEYFRAME_GAP_SECONDS:
                    continue
                yield seconds, frame.to_image()  # type: ignore[no-untyped-call]
                last = seconds
                kept += 1
                if kept >= max_frames:
                    return
        except av.FFmpegError as exc:
            if kept == 0:
                raise CorruptMediaError(name, f"video cannot be decoded: {exc}") from exc


def pdf_pages(
    data: bytes | Path, name: str, ocr: Ocr | None, *, max_pixels: int, max_pages: int
) -> Iterator[TextPart]:
    """Text of each PDF page: its text layer, or OCR of the rendered page when it has none.

    Pages without a text layer are skipped when ``ocr`` is None. Only the first
    ``max_pages`` pages are read.

    Raises:
        CorruptMediaError: the bytes are not a PDF that PDFium can open (damaged, encrypted).
    """
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    try:
        document = pdfium.PdfDocument(str(data) if isinstance(data, Path) else data)
    except pdfium.PdfiumError as exc:
        raise CorruptMediaError(name, f"PDF cannot be opened: {exc}") from exc
    try:
        for index in range(min(len(document), max_pages)):
            page = document[index]
            try:
                textpage = page.get_textpage()
                try:
                    layer = textpage.get_text_bounded().replace("\r\n", "\n").strip()
                finally:
                    textpage.close()
                if sum(not c.isspace() for c in layer) >= PDF_MIN_TEXT_CHARS:
                    yield TextPart(f"page {index + 1}", "pdf_text", layer)
                    continue
                if ocr is None:
                    continue
                width, height = page.get_size()  # points (1/72 inch)
                scale = PDF_DPI / 72
                if width * height * scale * scale > max_pixels:
                    scale = (max_pixels / (width * height)) ** 0.5
                bitmap = page.render(scale=scale)
                try:
                    image = bitmap.to_pil()
                finally:
                    bitmap.close()
            finally:
                page.close()
            reading = ocr.read(image)
            if reading.text:
                yield TextPart(f"page {index + 1}", "ocr", reading.text, reading)
    finally:
        document.close()

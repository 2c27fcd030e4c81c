"""Test helpers for OCR: Noto fonts, rendered text images, videos, PDFs, and character error rate.

Fonts come from Debian's ``fonts-noto-core`` (``/usr/share/fonts/truetype/noto``). Without
Tesseract, its packs or the fonts, OCR tests skip with the reason, or fail when
``TVEC_REQUIRE_OCR=1`` (as in CI).
"""

from __future__ import annotations

import io
import os
from fractions import Fraction
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from tvec.analysis.ocr import NotConfiguredError, Ocr

FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts"))
LATIN_FONT = "NotoSans-Regular.ttf"
NASKH_FONT = "NotoNaskhArabic-Regular.ttf"
NASTALIQ_FONT = "NotoNastaliqUrdu-Regular.ttf"

#: The packs the OCR tests need (Debian tesseract-ocr-* packages; "osd" for script detection).
NEEDED_PACKS = ("osd", "eng", "ara", "fas", "urd", "pus", "rus", "tgk", "uzb", "uzb_cyrl")


def _unavailable(reason: str) -> None:
    if os.environ.get("TVEC_REQUIRE_OCR") == "1":
        pytest.fail(f"TVEC_REQUIRE_OCR=1 but {reason}")
    pytest.skip(reason)


def font_path(name: str) -> Path:
    """Path of a Noto font file, or skip/fail (TVEC_REQUIRE_OCR) when it is not installed."""
    for folder in FONT_DIRS:
        direct = folder / name
        if direct.is_file():
            return direct
        found = next(iter(folder.rglob(name)), None) if folder.is_dir() else None
        if found is not None:
            return found
    _unavailable(f"font {name} not found (apt-get install fonts-noto-core)")
    raise AssertionError("unreachable")


def require_ocr() -> Ocr:
    """An opened OCR engine with every pack of NEEDED_PACKS, or skip/fail with the reason."""
    try:
        ocr = Ocr.open()
    except NotConfiguredError as exc:
        _unavailable(str(exc))
        raise
    missing = [p for p in NEEDED_PACKS if p not in ocr.installed]
    if missing:
        names = " ".join(f"tesseract-ocr-{p.replace('_', '-')}" for p in missing)
        _unavailable(f"Tesseract packs missing: {', '.join(missing)} (apt-get install {names})")
    return ocr


def render(text: str, font: str, size: int = 40, margin: int = 40) -> Image.Image:
    """Black text on white, one line per line of ``text`` (shaped with raqm: RTL, joining)."""
    face = ImageFont.truetype(str(font_path(font)), size)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    box = probe.multiline_textbbox((0, 0), text, font=face, spacing=size // 2)
    image = Image.new("RGB", (box[2] + 2 * margin, box[3] + 2 * margin), "white")
    ImageDraw.Draw(image).multiline_text(
        (margin, margin), text, font=face, fill="black", spacing=size // 2
    )
    return image


def png_bytes(image: Image.Image) -> bytes:
    """The image as PNG bytes."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions of one character each)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(recognised: str, reference: str) -> float:
    """Character error rate: edit distance / reference length, whitespace runs as one space."""
    got = " ".join(recognised.split())
    want = " ".join(reference.split())
    return edit_distance(got, want) / max(1, len(want))


def make_video(texts: list[str], seconds_each: float = 3.0, fps: int = 4) -> bytes:
    """An MPEG-4 video showing each text in turn, with a keyframe at the start of each."""
    import av

    frames = [render(text, LATIN_FONT) for text in texts]
    width = max(f.width for f in frames) // 2 * 2 + 2
    height = max(f.height for f in frames) // 2 * 2 + 2
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = int(seconds_each * fps)
        stream.codec_context.time_base = Fraction(1, fps)
        for frame_image in frames:
            canvas = Image.new("RGB", (width, height), "white")
            canvas.paste(frame_image, (0, 0))
            for _ in range(int(seconds_each * fps)):
                frame = av.VideoFrame.from_image(canvas)
                for packet in stream.encode(frame):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def text_layer_pdf(text: str) -> bytes:
    """A one-page PDF (A4) whose page has ``text`` (ASCII) as a real text layer (Helvetica)."""
    content = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def image_pdf(image: Image.Image) -> bytes:
    """A one-page PDF holding only ``image`` (a scan: no text layer), at 150 dpi."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "PDF", resolution=150)
    return buffer.getvalue()


def join_pdfs(*documents: bytes) -> bytes:
    """One PDF with the pages of every document, in order (pypdfium2)."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    joined = pdfium.PdfDocument.new()
    for data in documents:
        source = pdfium.PdfDocument(data)
        joined.import_pages(source)
        source.close()
    buffer = io.BytesIO()
    joined.save(buffer)
    joined.close()
    return buffer.getvalue()

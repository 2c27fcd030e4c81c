"""Re-encoded previews of evidence images: the only form in which media reach a browser.

The original bytes are decoded with the decompression-bomb limit (:func:`tvec.media.open_image`),
orientation applied, shrunk to ``max_side`` pixels, optionally blurred and turned grey, and
written as a fresh JPEG: no metadata, scripts or polyglot payloads of the original survive.
"""

from __future__ import annotations

import io

from PIL import Image, ImageFilter, ImageOps

from tvec.errors import InputError
from tvec.media import PHOTO, open_image, sniff

PREVIEW_MEDIA_TYPE = "image/jpeg"


def can_preview(data: bytes, name: str) -> bool:
    """Whether the bytes are an image tvec can decode (never SVG, HTML or video)."""
    try:
        return sniff(data, name).content_type == PHOTO
    except InputError:
        return False


def render_preview(
    data: bytes,
    name: str,
    *,
    max_pixels: int,
    max_side: int,
    blur_px: int = 0,
    greyscale: bool = False,
) -> bytes:
    """A JPEG preview of an image.

    Args:
        data: the original image bytes.
        name: its name (used in error messages).
        max_pixels: decompression-bomb limit (``TVEC_MAX_IMAGE_PIXELS``).
        max_side: longest side of the preview (pixels).
        blur_px: Gaussian blur radius in pixels (0 = none).
        greyscale: drop colour.

    Raises:
        CorruptMediaError, DecompressionBombError, TypeMismatchError: not a decodable image
            within the limits.
    """
    with open_image(data, name, max_pixels) as original:
        image = ImageOps.exif_transpose(original)
        image = image.convert("RGB")
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        if blur_px > 0:
            image = image.filter(ImageFilter.GaussianBlur(blur_px))
        if greyscale:
            image = image.convert("L")
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85)
        return out.getvalue()

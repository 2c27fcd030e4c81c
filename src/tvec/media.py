"""Recognising and safely opening media: what a file really is, and images within limits.

Content types follow python-threatexchange's split of *what content is* from *how it is
hashed* (``threatexchange/content_type/``): ``photo``, ``video``, ``text``, ``url`` and, for
anything else, ``file``. The media type (MIME) of a file comes from its bytes (Pillow for
images, the ``filetype`` package for video and other formats), never from its name alone; a
name whose extension promises another type is a :class:`~tvec.errors.TypeMismatchError`.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from tvec.errors import CorruptMediaError, DecompressionBombError, TypeMismatchError

if TYPE_CHECKING:  # Pillow is imported to sniff or decode: looking a value up needs neither
    from PIL import Image

PHOTO = "photo"
VIDEO = "video"
TEXT = "text"
URL = "url"
FILE = "file"
CONTENT_TYPES = (PHOTO, VIDEO, TEXT, URL, FILE)

#: Image formats tvec hashes with PDQ: Pillow format name -> MIME type.
IMAGE_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "BMP": "image/bmp",
    "TIFF": "image/tiff",
    "MPO": "image/jpeg",
}
IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".gif", ".bmp", ".dib", ".tif", ".tiff"}
)
VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".flv", ".3gp", ".mpg", ".mpeg", ".wmv"}
)
TEXT_EXTENSIONS = frozenset({".txt", ".text", ".md", ".csv", ".log"})
#: ``Image.info`` key of an image decoded at reduced size: its full (width, height).
REDUCED_FROM = "tvec_reduced_from"


@dataclass(frozen=True)
class MediaKind:
    """What a file is: its content type (``photo``...) and MIME media type."""

    content_type: str
    media_type: str


def sniff(data: bytes, name: str) -> MediaKind:
    """Decide what ``data`` (the bytes of the file called ``name``) is.

    Args:
        data: the file's bytes.
        name: its name or path, used only for the extension and in error messages.

    Raises:
        CorruptMediaError: the file is empty, or claims to be an image by its extension but
            no image format can be recognised (an unreadable or truncated header).
        TypeMismatchError: the bytes are a recognised type other than the one the extension
            promises (for example HTML saved as ``.jpg``, or a PNG named ``.mp4``).
    """
    ext = PurePath(name).suffix.lower()
    if not data:
        if ext in IMAGE_EXTENSIONS or ext in VIDEO_EXTENSIONS:
            raise CorruptMediaError(name, "empty file (0 bytes)")
        return MediaKind(TEXT if ext in TEXT_EXTENSIONS else FILE, "application/octet-stream")
    image_format = _image_format(data)
    import filetype  # sniffing bytes: looking a value up needs none

    guess = filetype.guess(data)
    guessed_mime = guess.mime if guess is not None else None
    if ext in IMAGE_EXTENSIONS:
        if image_format is not None:
            return MediaKind(PHOTO, IMAGE_FORMATS[image_format])
        if guessed_mime is not None and guessed_mime.startswith("image/"):
            raise CorruptMediaError(
                name, f"not a readable image: {guessed_mime} header with damaged contents"
            )
        if guessed_mime is not None:
            raise TypeMismatchError(
                name, f"named as an image ({ext}) but the bytes are {guessed_mime}"
            )
        if _looks_like_text(data):
            raise TypeMismatchError(name, f"named as an image ({ext}) but the bytes are text")
        raise CorruptMediaError(name, "not a readable image (unrecognised or damaged header)")
    if ext in VIDEO_EXTENSIONS:
        if guessed_mime is not None and guessed_mime.startswith("video/"):
            return MediaKind(VIDEO, guessed_mime)
        what = guessed_mime or ("text" if _looks_like_text(data) else "unrecognised bytes")
        raise TypeMismatchError(name, f"named as a video ({ext}) but the bytes are {what}")
    if image_format is not None:
        return MediaKind(PHOTO, IMAGE_FORMATS[image_format])
    if guessed_mime is not None and guessed_mime.startswith("video/"):
        return MediaKind(VIDEO, guessed_mime)
    if ext in TEXT_EXTENSIONS:
        if guessed_mime is not None and not guessed_mime.startswith("text/"):
            raise TypeMismatchError(name, f"named as text ({ext}) but the bytes are {guessed_mime}")
        return MediaKind(TEXT, "text/plain")
    return MediaKind(FILE, guessed_mime or "application/octet-stream")


def _image_format(data: bytes) -> str | None:
    """Pillow's format name for ``data`` if it is an image format tvec hashes, else None."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    except Image.DecompressionBombError:
        # The header is an image; the pixel limit is enforced by open_image.
        return _format_from_magic(data)
    return fmt if fmt in IMAGE_FORMATS else None


def _format_from_magic(data: bytes) -> str | None:
    import filetype  # sniffing bytes: looking a value up needs none

    guess = filetype.guess(data)
    if guess is None:
        return None
    return {
        "image/jpeg": "JPEG",
        "image/png": "PNG",
        "image/webp": "WEBP",
        "image/gif": "GIF",
        "image/bmp": "BMP",
        "image/tiff": "TIFF",
    }.get(guess.mime)


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4
    return True


def open_image(
    data: bytes, name: str, max_pixels: int, *, draft_min_side: int | None = None
) -> Image.Image:
    """Decode an image fully (first frame of an animation), refusing decompression bombs.

    Args:
        data: the image file's bytes.
        name: used in error messages.
        max_pixels: largest width x height accepted (``TVEC_MAX_IMAGE_PIXELS``).
        draft_min_side: if given, a colour JPEG large enough is decoded at 1/2, 1/4 or 1/8
            of its size (libjpeg's scaled decoding, Pillow's ``Image.draft``), the smallest
            whose short side is still at least this many pixels, and as greyscale (its Y
            channel: 0.299 R + 0.587 G + 0.114 B, the luma PDQ hashes). Other formats, and
            JPEGs too small to shrink, are decoded as usual. Used by ``TVEC_PDQ_FAST``.

    Returns:
        A loaded ``PIL.Image.Image`` (first frame for GIF/WebP/TIFF animations).

    Raises:
        DecompressionBombError: the header declares more than ``max_pixels`` pixels; checked
            before any pixel data is decoded.
        CorruptMediaError: the bytes cannot be decoded (truncated, damaged, empty).
    """
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise CorruptMediaError(name, "empty file (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            width, height = img.size
            if width * height > max_pixels:
                raise DecompressionBombError(
                    name,
                    f"image declares {width}x{height} = {width * height} pixels, over the "
                    f"limit of {max_pixels} (TVEC_MAX_IMAGE_PIXELS)",
                )
            img.seek(0)
            if draft_min_side is not None and img.format == "JPEG":
                _draft(img, draft_min_side)
            img.load()
    except Image.DecompressionBombError as exc:
        # Pillow refuses, before our check, images over twice its own MAX_IMAGE_PIXELS.
        declared = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{declared.group(1)} pixels" if declared else "more pixels than Pillow allows"
        raise DecompressionBombError(
            name, f"image declares {size}, over the limit of {max_pixels} (TVEC_MAX_IMAGE_PIXELS)"
        ) from exc
    except UnidentifiedImageError as exc:
        raise CorruptMediaError(name, "not a readable image (unrecognised format)") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise CorruptMediaError(name, f"image cannot be decoded: {exc}") from exc
    return img


def _draft(img: Image.Image, min_side: int) -> None:
    """Ask libjpeg for the largest 1/2, 1/4, 1/8 reduction keeping ``min_side`` pixels.

    A YCbCr JPEG (Pillow mode RGB) is decoded to its Y channel only; other modes keep theirs.
    The full size is kept in ``img.info[REDUCED_FROM]``.
    """
    width, height = img.size
    for factor in (8, 4, 2):
        if min(width, height) // factor >= min_side:
            img.draft("L" if img.mode == "RGB" else img.mode, (width // factor, height // factor))
            img.info[REDUCED_FROM] = (width, height)
            return

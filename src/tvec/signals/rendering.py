"""Images as people see them: EXIF orientation, transparency and 16-bit samples.

A file's pixels are not always what a viewer shows. Three differences matter for PDQ:

* **EXIF orientation** (tag 0x0112, values 2-8): phones store a photo sideways and tag it;
  every viewer turns it upright. :func:`oriented` applies the tag (``PIL.ImageOps
  .exif_transpose``); a missing tag, 1, or an invalid value leaves the image as stored.
* **Transparency**: viewers composite transparent pixels on a background (white on the
  platforms tvec collects from); the colour stored under a transparent pixel is invisible.
  python-threatexchange hashes ``RGBA`` and ``LA`` images as stored (alpha ignored).
* **16-bit samples**: Pillow's own conversion of 16-bit greyscale to 8 bits clamps every value
  above 255 to white; a viewer scales 0-65535 to 0-255.

:func:`rendered_rgb` gives the 8-bit RGB rendering (composited on white, 16-bit scaled) used
for every mode python-threatexchange does not hash as the picture itself, and for the
``on_white`` variant of transparent images in the modes it does (``docs/matching.md``,
"Images as people see them").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

#: EXIF tag number of Orientation.
ORIENTATION_TAG = 0x0112
#: Orientation values that change the picture (1 is "as stored").
TURNING_ORIENTATIONS = frozenset(range(2, 9))
#: Modes with 16-bit (or wider integer) greyscale samples.
WIDE_GREY_MODES = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I", "F"})


def orientation(image: Image.Image) -> int | None:
    """The image's EXIF orientation when it turns the picture (2-8), else None.

    Unreadable EXIF data and values outside 1-8 count as no orientation.
    """
    try:
        value = image.getexif().get(ORIENTATION_TAG)
    except (ValueError, TypeError, OSError, SyntaxError):  # damaged EXIF block
        return None
    return value if isinstance(value, int) and value in TURNING_ORIENTATIONS else None


def oriented(image: Image.Image) -> Image.Image | None:
    """The image turned upright by its EXIF orientation, or None when it needs no turn.

    Returns a new image (the caller closes it); ``image`` is unchanged.
    """
    if orientation(image) is None:
        return None
    try:
        turned = ImageOps.exif_transpose(image)
    except (ValueError, TypeError, OSError, SyntaxError):
        return None
    if turned is None or turned is image:
        return None
    turned.info = {k: v for k, v in image.info.items() if k != "exif"}
    return turned


def has_transparency(image: Image.Image) -> bool:
    """Whether any pixel of ``image`` is not fully opaque (alpha band or palette/tRNS)."""
    if "transparency" in image.info:
        return True
    bands = image.getbands()
    if "A" not in bands:
        return False
    low = image.getchannel("A").getextrema()[0]
    return bool(isinstance(low, int | float) and low < 255)


def _scaled_grey(image: Image.Image) -> npt.NDArray[np.uint8]:
    """An 8-bit greyscale array of a wide greyscale image, scaled (not clamped) to 0-255.

    Integer modes ``I;16*`` scale 0-65535; ``I`` scales 0-65535 when every sample fits in 16
    bits (the usual PNG 16-bit case) and its own min-max range otherwise; ``F`` its min-max.
    """
    array: npt.NDArray[Any] = np.asarray(image).astype(np.float64)
    if image.mode.startswith("I;16") or (
        image.mode == "I" and array.size and array.min() >= 0 and array.max() <= 65535
    ):
        low, high = 0.0, 65535.0
    else:
        low = float(np.nanmin(array)) if array.size else 0.0
        high = float(np.nanmax(array)) if array.size else 1.0
    span = high - low if high > low else 1.0
    scaled = np.clip(np.rint((np.nan_to_num(array, nan=low) - low) * 255.0 / span), 0, 255)
    out: npt.NDArray[np.uint8] = scaled.astype(np.uint8)
    return out


def rendered_rgb(image: Image.Image) -> Image.Image:
    """The 8-bit RGB picture a viewer shows: transparency composited on white, wide samples scaled.

    Works for every mode Pillow opens (``1``, ``L``, ``LA``, ``P`` with or without
    transparency, ``PA``, ``RGB``, ``RGBA``, ``CMYK``, ``YCbCr``, ``LAB``, ``HSV``,
    ``I;16*``, ``I``, ``F``). Returns a new ``RGB`` image of the same size.
    """
    if image.mode in WIDE_GREY_MODES:
        return Image.fromarray(_scaled_grey(image)).convert("RGB")
    if has_transparency(image):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        white.alpha_composite(rgba)
        return white.convert("RGB")
    return image.convert("RGB")

"""Image variants for PDQ: rotated, mirrored and letterboxed copies of a picture.

A picture re-posted rotated, mirrored or with black bars added hashes far from the original.
Two optional extra look-ups catch those copies (``docs/matching.md``, "Image variants"):

* **dihedral** (``TVEC_PDQ_DIHEDRAL``): PDQ's eight dihedral hashes (the PDQ reference's
  ``pdqDihedralHash256esFromFloatLuma``, ``pdqhash.compute_dihedral``): the hash of the
  picture turned by 90, 180 and 270 degrees and mirrored four ways, computed from one DCT
  by sign changes and transposes. Named as python-threatexchange's ``RotationType``
  (``rotate90``, ``rotate180``, ``rotate270``, ``flipx``, ``flipy``, ``flipplus1``,
  ``flipminus1``).
* **unletterbox** (``TVEC_PDQ_UNLETTERBOX``): python-threatexchange's unletterboxing
  (``threatexchange/content_type/preprocess/unletterboxing.py``, used by
  ``PhotoContent.unletterbox`` and ``threatexchange hash photo --photo-preprocess
  unletterbox``): rows at the top and bottom, and columns at the left and right, in which
  every pixel of the RGB image has all three channels at or below a black threshold
  (``--black-threshold``, 15 by default in pytx's CLI) are cut off, and the rest is hashed.

The variants are computed where the pixels are, when the file is hashed, and are not signals
of the item: its ``pdq`` signal stays exactly python-threatexchange's hash of the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from tvec.signals.base import SignalValue
from tvec.signals.dihedral import DIHEDRAL_NAMES
from tvec.signals.pdq import PDQSignal, image_array, pdq_hashes
from tvec.signals.pixels import pixel_view, rgb_channels

#: found_by of a letterboxed copy.
UNLETTERBOXED = "unletterboxed"
#: found_by of the hash of a picture as stored, when its EXIF orientation turns it.
AS_STORED = "as_stored"
#: found_by of a transparent picture's rendering composited on white.
ON_WHITE = "on_white"
#: Variants every look-up uses, whatever the options (``tvec.signals.hashing``).
ALWAYS = frozenset({AS_STORED, ON_WHITE})
#: Every found_by a variant can have.
VARIANT_NAMES = (*DIHEDRAL_NAMES[1:], UNLETTERBOXED, AS_STORED, ON_WHITE)
#: pytx CLI's default ``--black-threshold`` (0-255, per channel).
BLACK_THRESHOLD = 15
#: Short side, in pixels, that fast mode keeps when decoding JPEGs at reduced size.
FAST_MIN_SIDE = 256


@dataclass(frozen=True)
class PDQOptions:
    """How photos are PDQ-hashed: fast decoding, and which variants to add.

    Built from settings with :meth:`from_settings`; picklable for scan worker processes.
    """

    fast: bool = False
    dihedral: bool = False
    unletterbox: bool = True

    @classmethod
    def from_settings(cls, settings: Any) -> PDQOptions:
        """Options from a :class:`tvec.settings.Settings` (``TVEC_PDQ_*``)."""
        return cls(
            fast=bool(settings.pdq_fast),
            dihedral=bool(settings.pdq_dihedral),
            unletterbox=bool(settings.pdq_unletterbox),
        )

    @property
    def draft_min_side(self) -> int | None:
        """``open_image``'s ``draft_min_side`` for these options."""
        return FAST_MIN_SIDE if self.fast else None

    def enabled(self, found_by: str) -> bool:
        """Whether variants named ``found_by`` are looked up under these options."""
        if found_by in ALWAYS:
            return True
        if found_by == UNLETTERBOXED:
            return self.unletterbox
        return self.dihedral and found_by in DIHEDRAL_NAMES


@dataclass(frozen=True)
class PDQVariant:
    """A PDQ hash of a transformed copy of the image, and how it was made (``found_by``)."""

    found_by: str
    signal: SignalValue


def pdq_variants(image: Image.Image, options: PDQOptions, main: str | None) -> list[PDQVariant]:
    """The variant hashes of a decoded image that ``options`` ask for.

    Args:
        image: the decoded image (as hashed for the item's own ``pdq`` signal).
        options: which variants.
        main: the item's own PDQ hash; variants equal to it are left out (a symmetric
            picture's rotation, an image without borders).

    Returns:
        Dihedral variants in :data:`DIHEDRAL_NAMES` order, then ``unletterboxed``; each
        with the quality PDQ gives it. Empty when nothing is asked for.
    """
    out: list[PDQVariant] = []
    seen = {main}
    if options.dihedral:
        hashes, quality = pdq_hashes(image, dihedral=True)
        for name, value in zip(DIHEDRAL_NAMES[1:], hashes[1:], strict=True):
            if value not in seen:
                seen.add(value)
                out.append(PDQVariant(name, SignalValue(PDQSignal.name, value, quality)))
    if options.unletterbox:
        box = unletterbox_box(image)
        if box is not None:
            with image.crop(box) as cropped:
                signal = PDQSignal().hash_image(cropped)
            if signal.value not in seen:
                out.append(PDQVariant(UNLETTERBOXED, signal))
    return out


#: The four corners (top left, top right, bottom left, bottom right), as numpy indices.
_ROWS, _COLS = [0, 0, -1, -1], [0, -1, 0, -1]


def unletterbox_box(
    image: Image.Image, black_threshold: int = BLACK_THRESHOLD
) -> tuple[int, int, int, int] | None:
    """The crop box (left, top, right, bottom) that removes black borders, or None.

    pytx's rule (``unletterboxing.detect_top_border`` and the three others), vectorised: a
    row or column is border when every pixel of ``image.convert("RGB")`` in it has R, G and
    B <= ``black_threshold``; the four sides are measured independently over the whole
    image. None when there is no border, or when the image is black all over (pytx would
    crop to nothing).
    """
    rgb = _rgb_array(image)
    colour = rgb.ndim == 3

    def dark(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
        below = pixels <= black_threshold
        return np.asarray(below.all(axis=-1) if colour else below)

    # A side can be border only if both its corners are dark (most pictures: no corner is).
    top_left, top_right, bottom_left, bottom_right = (bool(d) for d in dark(rgb[_ROWS, _COLS]))
    if not (
        (top_left and (top_right or bottom_left)) or (bottom_right and (top_right or bottom_left))
    ):
        return None
    if not any(dark(edge).all() for edge in (rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1])):
        return None
    mask = dark(rgb)
    dark_rows: npt.NDArray[np.bool_] = np.asarray(mask.all(axis=1))
    dark_cols: npt.NDArray[np.bool_] = np.asarray(mask.all(axis=0))
    if dark_rows.all():
        return None
    top = int(np.argmin(dark_rows))
    bottom = int(np.argmin(dark_rows[::-1]))
    left = int(np.argmin(dark_cols))
    right = int(np.argmin(dark_cols[::-1]))
    width, height = image.size
    return left, top, width - right, height - bottom


def _rgb_array(image: Image.Image) -> npt.NDArray[np.uint8]:
    """Pixels of ``image.convert("RGB")`` (a view, perhaps strided); an L image gives its 2-D
    array (R = G = B)."""
    if image.mode in ("RGB", "L"):
        return rgb_channels(image_array(image))  # the pixels the PDQ hash read, no copy
    with image.convert("RGB") as rgb:
        view = pixel_view(rgb)  # valid after close: it holds Pillow's memory
        return rgb_channels(np.asarray(rgb) if view is None else view)

"""A decoded Pillow image's pixel memory as a read-only numpy array, without a copy.

``np.asarray(image)`` copies the pixels (Pillow's ``__array_interface__`` goes through
``tobytes``), and for an RGB image repacks Pillow's four bytes a pixel (R, G, B and a
padding byte, "RGBX") into three: about 0.35 ms of CPU for a 1024x768 photo. Pillow 11.2 and
later also export the pixels through the Arrow C data interface (``Image.__arrow_c_array__``,
https://arrow.apache.org/docs/format/CDataInterface.html, a stable ABI), pointing at the
image's own memory when its rows are one contiguous block: :func:`pixel_view` wraps that
memory in a numpy array. The exported array holds a reference to Pillow's image memory
until it is released (when the view is garbage collected), so the view stays valid even if
the image is closed.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image


class _ArrowSchema(ctypes.Structure):
    pass


_ArrowSchema._fields_ = [
    ("format", ctypes.c_char_p),
    ("name", ctypes.c_char_p),
    ("metadata", ctypes.c_char_p),
    ("flags", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("children", ctypes.POINTER(ctypes.POINTER(_ArrowSchema))),
    ("dictionary", ctypes.c_void_p),
    ("release", ctypes.c_void_p),
    ("private_data", ctypes.c_void_p),
]


class _ArrowArray(ctypes.Structure):
    pass


_ArrowArray._fields_ = [
    ("length", ctypes.c_int64),
    ("null_count", ctypes.c_int64),
    ("offset", ctypes.c_int64),
    ("n_buffers", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("buffers", ctypes.POINTER(ctypes.c_void_p)),
    ("children", ctypes.POINTER(ctypes.POINTER(_ArrowArray))),
    ("dictionary", ctypes.c_void_p),
    ("release", ctypes.c_void_p),
    ("private_data", ctypes.c_void_p),
]

_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]

#: Bytes a pixel in Pillow's memory of the modes viewed here.
_BYTES = {"L": 1, "RGB": 4, "RGBA": 4}


class _Pixels:
    """Keeps the exported Arrow array (and so Pillow's memory) alive under the numpy view."""

    def __init__(self, capsule: object, address: int, shape: tuple[int, ...]) -> None:
        self.capsule = capsule
        self.__array_interface__ = {
            "shape": shape,
            "typestr": "|u1",
            "data": (address, True),  # read-only
            "version": 3,
        }


def _plain(array: _ArrowArray, length: int) -> int | None:
    """The data address of a plain uint8 Arrow array of ``length`` values, or None."""
    if array.length != length or array.offset != 0 or array.n_buffers != 2:
        return None
    if array.null_count not in (0, -1) or array.n_children != 0:
        return None
    address = array.buffers[1]
    return int(address) if address else None


def pixel_view(image: Image.Image) -> npt.NDArray[np.uint8] | None:
    """A read-only view of ``image``'s pixels in Pillow's memory, or None when there is none.

    Args:
        image: a decoded image.

    Returns:
        For mode ``L``, shape (rows, cols), as ``np.asarray``; for ``RGB`` (rows, cols, 4):
        R, G, B and Pillow's padding byte; for ``RGBA`` (rows, cols, 4), as ``np.asarray``.
        None for other modes, for images whose rows are not one block of memory (Pillow
        splits very large images), for empty images and where Pillow has no Arrow export.
    """
    cols, rows = image.size
    channels = _BYTES.get(image.mode, 0)
    if not channels or not rows or not cols or not hasattr(image, "__arrow_c_array__"):
        return None
    try:
        schema_capsule, array_capsule = image.__arrow_c_array__()
    except (ValueError, OSError):  # rows not contiguous, or not loadable
        return None
    schema = _ArrowSchema.from_address(_capsule_pointer(schema_capsule, b"arrow_schema"))
    array = _ArrowArray.from_address(_capsule_pointer(array_capsule, b"arrow_array"))
    address: int | None
    if channels == 1:
        if schema.format != b"C":
            return None
        address = _plain(array, rows * cols)
        shape: tuple[int, ...] = (rows, cols)
    else:
        if schema.format != b"+w:4" or schema.n_children != 1 or array.n_children != 1:
            return None
        if schema.children[0].contents.format != b"C":
            return None
        if array.length != rows * cols or array.offset != 0 or array.null_count not in (0, -1):
            return None
        address = _plain(array.children[0].contents, rows * cols * 4)
        shape = (rows, cols, 4)
    if address is None:
        return None
    view: npt.NDArray[np.uint8] = np.asarray(_Pixels(array_capsule, address, shape))
    return view


def rgb_channels(pixels: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """R, G, B of a (rows, cols, channels) array (a view: Pillow's RGBX padding left out);
    a 2-D greyscale array as it is."""
    return pixels if pixels.ndim == 2 else pixels[..., :3]

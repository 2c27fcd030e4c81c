"""PDQ hash values: the 64-hex-digit text form, the 32-byte form, and input checks.

A PDQ hash is 256 bits. Its text form (as in python-threatexchange and HMA) is 64 hex digits;
its byte form is those digits' 32 big-endian bytes, so bit 0 is the most significant bit of
the first byte. Distances are Hamming distances in bits.
"""

from __future__ import annotations

import numbers
import re
from typing import TYPE_CHECKING

from tvec.errors import InvalidSignalError, UsageError

if TYPE_CHECKING:  # numpy is imported for arrays of hashes: one value needs none
    import numpy as np
    import numpy.typing as npt

#: Bytes in a PDQ hash.
PDQ_BYTES = 32
#: Bits in a PDQ hash.
PDQ_BITS = 256
#: Default match threshold in bits (pytx ``PDQ_CONFIDENT_MATCH_THRESHOLD``).
DEFAULT_THRESHOLD = 31

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


def pdq_hex_to_bytes(hex64: str) -> bytes:
    """Return the 32 bytes of a 64-hex-digit PDQ hash (either case).

    Raises:
        InvalidSignalError: ``hex64`` is not a string of exactly 64 hex digits.
    """
    if not isinstance(hex64, str) or _HEX64.fullmatch(hex64) is None:
        raise InvalidSignalError(
            f"pdq {str(hex64)[:80]!r}", "a PDQ hash must be exactly 64 hex digits"
        )
    return bytes.fromhex(hex64)


def pdq_bytes_to_hex(b: bytes) -> str:
    """Return the 64 lower-case hex digits of a 32-byte PDQ hash.

    Raises:
        InvalidSignalError: ``b`` is not exactly 32 bytes.
    """
    if not isinstance(b, bytes | bytearray | memoryview) or len(b) != PDQ_BYTES:
        raise InvalidSignalError(
            f"pdq {bytes(b)[:40]!r}" if isinstance(b, bytes | bytearray) else "pdq",
            "a PDQ hash must be exactly 32 bytes",
        )
    return bytes(b).hex()


def check_threshold(threshold: int) -> int:
    """Return ``threshold`` if it is an ``int`` from 0 to 256 bits.

    Raises:
        UsageError: otherwise.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Integral):
        raise UsageError(f"PDQ threshold must be an integer, not {threshold!r}")
    if not 0 <= threshold <= PDQ_BITS:
        raise UsageError(f"PDQ threshold must be 0..{PDQ_BITS} bits, not {threshold}")
    return int(threshold)


def as_query_bytes(pdq: object, source: str = "pdq query") -> bytes | None:
    """The 32 bytes of one query given as ``bytes`` (or ``bytearray``, ``memoryview``);
    None when it is something else (an array: :func:`as_hash_rows` takes it).

    Raises:
        InvalidSignalError: bytes of another length.
    """
    if isinstance(pdq, bytes | bytearray | memoryview):
        if len(pdq) != PDQ_BYTES:
            raise InvalidSignalError(source, f"a PDQ hash must be 32 bytes, not {len(pdq)}")
        return bytes(pdq)
    return None


def as_hash_rows(hashes: npt.ArrayLike, source: str = "pdq hashes") -> npt.NDArray[np.uint8]:
    """Return ``hashes`` as a C-contiguous array of shape (n, 32) ``uint8``.

    Accepts shape (32,) (one hash) or (n, 32), or a ``bytes`` object of 32 bytes.

    Raises:
        InvalidSignalError: wrong shape or a dtype that is not 8-bit unsigned.
    """
    import numpy as np

    if isinstance(hashes, bytes | bytearray | memoryview):
        if len(hashes) != PDQ_BYTES:
            raise InvalidSignalError(source, f"a PDQ hash must be 32 bytes, not {len(hashes)}")
        return np.frombuffer(bytes(hashes), dtype=np.uint8).reshape(1, PDQ_BYTES)
    arr = np.asarray(hashes)
    if arr.dtype != np.uint8:
        raise InvalidSignalError(source, f"PDQ hashes must be uint8 bytes, not {arr.dtype}")
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[1] != PDQ_BYTES:
        raise InvalidSignalError(source, f"PDQ hashes must have shape (n, 32), not {arr.shape}")
    return np.ascontiguousarray(arr)


def as_ids(ids: npt.ArrayLike, count: int) -> npt.NDArray[np.int64]:
    """Return ``ids`` as shape (count,) ``int64``.

    Raises:
        UsageError: not integers, or not ``count`` of them.
    """
    import numpy as np

    arr = np.asarray(ids)
    if arr.ndim != 1 or arr.shape[0] != count or not np.issubdtype(arr.dtype, np.integer):
        raise UsageError(f"ids must be {count} integers, not shape {arr.shape} {arr.dtype}")
    if arr.dtype == np.uint64 and arr.size and int(arr.max()) > np.iinfo(np.int64).max:
        raise UsageError("ids must fit in int64")
    return arr.astype(np.int64)

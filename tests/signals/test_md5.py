"""``md5``: MD5 of any file's bytes."""

from __future__ import annotations

from tvec.media import FILE, PHOTO, TEXT, VIDEO
from tvec.signals.exact import MD5Signal

from .contract import MP4_BYTES, SignalTypeContract

ABC_MD5 = "900150983cd24fb0d6963f7d28e17f72"  # RFC 1321 test suite: MD5("abc")
EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"  # RFC 1321 test suite: MD5("")


class TestMD5(SignalTypeContract):
    signal_type = MD5Signal
    content_types = frozenset({PHOTO, VIDEO, FILE, TEXT})
    valid = (
        (ABC_MD5, ABC_MD5),
        (f"  {ABC_MD5.upper()}\n", ABC_MD5),
        (EMPTY_MD5, EMPTY_MD5),
    )
    invalid = ("", ABC_MD5[:-1], ABC_MD5 + "0", "g" * 32, "md5:" + ABC_MD5[4:])
    equal_pairs = ((ABC_MD5, ABC_MD5.upper()),)
    far_pairs = ((ABC_MD5, EMPTY_MD5, 1),)
    hash_cases = (
        (b"abc", ABC_MD5),
        (b"", EMPTY_MD5),
        (MP4_BYTES, "0b427f2d47e87a920fd0118039e5a931"),
    )

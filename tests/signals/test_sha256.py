"""``sha256``: SHA-256 of any file's bytes."""

from __future__ import annotations

from tvec.media import FILE, PHOTO, TEXT, VIDEO
from tvec.signals.exact import SHA256Signal

from .contract import SignalTypeContract

# FIPS 180-2 appendix B.1: SHA-256("abc"); and SHA-256 of the empty string.
ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


class TestSHA256(SignalTypeContract):
    signal_type = SHA256Signal
    content_types = frozenset({PHOTO, VIDEO, FILE, TEXT})
    valid = ((ABC, ABC), (ABC.upper(), ABC), (f"\t{EMPTY} ", EMPTY))
    invalid = ("", ABC[:-1], ABC + "a", "z" * 64, "900150983cd24fb0d6963f7d28e17f72")
    equal_pairs = ((ABC, ABC.upper()),)
    far_pairs = ((ABC, EMPTY, 1),)
    hash_cases = ((b"abc", ABC), (b"", EMPTY))

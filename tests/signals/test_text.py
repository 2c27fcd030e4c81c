"""``text``: SHA-256 of normalised message text (exact)."""

from __future__ import annotations

from tvec.media import TEXT
from tvec.signals.text import TextSignal

from .contract import SignalTypeContract

# sha256("hello, world! this is a message.") - the normal form of the hashed message below.
MESSAGE = "f8e0a545300a0fd7eac7de3856625025e201e5795750c6c6ef60ad3faa0500b7"
ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


class TestText(SignalTypeContract):
    signal_type = TextSignal
    content_types = frozenset({TEXT})
    valid = ((MESSAGE, MESSAGE), (MESSAGE.upper(), MESSAGE))
    invalid = ("", "hello world", MESSAGE[:-2])
    equal_pairs = ((MESSAGE, MESSAGE.upper()),)
    far_pairs = ((MESSAGE, ABC, 1),)
    hash_cases = (
        ("  Hello,\u200b   WORLD!\nThis is a message.  ", MESSAGE),
        ("hello, world! this is a message.", MESSAGE),
        ("short", None),
    )

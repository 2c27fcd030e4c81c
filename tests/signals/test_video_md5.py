"""``video_md5``: MD5 of a video file's bytes, as python-threatexchange's VideoMD5Signal."""

from __future__ import annotations

from threatexchange.signal_type.md5 import VideoMD5Signal as PytxVideoMD5

from tvec.media import VIDEO
from tvec.signals.video_md5 import VideoMD5Signal

from .contract import MP4_BYTES, SignalTypeContract

MP4_MD5 = "0b427f2d47e87a920fd0118039e5a931"
# pytx's own examples (VideoMD5Signal.get_examples()).
PYTX_EXAMPLES = ("cab08b36195edb1a1231d2d09fa450e0", "d41d8cd98f00b204e9800998ecf8427e")


class TestVideoMD5(SignalTypeContract):
    signal_type = VideoMD5Signal
    content_types = frozenset({VIDEO})
    valid = (
        (PYTX_EXAMPLES[0], PYTX_EXAMPLES[0]),
        (PYTX_EXAMPLES[1].upper(), PYTX_EXAMPLES[1]),
        (f" {MP4_MD5} ", MP4_MD5),
    )
    invalid = ("", "0" * 31, "0" * 33, "x" * 32, "0b427f2d47e87a92 0fd0118039e5a931")
    equal_pairs = ((MP4_MD5, MP4_MD5.upper()),)
    far_pairs = ((PYTX_EXAMPLES[0], PYTX_EXAMPLES[1], 1),)
    hash_cases = ((MP4_BYTES, MP4_MD5), (b"", PYTX_EXAMPLES[1]))


def test_name_and_values_are_pytx_s() -> None:
    assert PytxVideoMD5.get_name() == VideoMD5Signal.name
    assert PytxVideoMD5.hash_from_bytes(MP4_BYTES) == MP4_MD5
    for example in PYTX_EXAMPLES:
        assert VideoMD5Signal().validate(example) == PytxVideoMD5.validate_signal_str(example)

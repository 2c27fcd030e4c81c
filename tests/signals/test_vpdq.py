"""vPDQ: the contract, the reference vectors, the video rule, storage, and still frames.

The clips and reference hashes are ThreatExchange's (``../shared/vectors/vpdq/``, README).
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import pytest
from sqlalchemy import select

from tests.conftest import require_module
from tvec.banks.formats import write_csv
from tvec.banks.service import create_bank, export_bank, import_bank
from tvec.matching.matcher import Matcher, _Entry
from tvec.matching.vpdq_index import VideoFrameIndex, VPDQRule
from tvec.media import VIDEO
from tvec.signals import SignalValue
from tvec.signals.hashing import hash_content
from tvec.signals.vpdq import (
    VPDQFrame,
    VPDQSignal,
    format_vpdq,
    hash_video_file,
    match_percentages,
)
from tvec.store import Store
from tvec.store.models import BankEntry
from tvec.store.models.vpdq import VPDQFeatures
from tvec.store.vpdq import is_ref, vpdq_ref

from .contract import SignalTypeContract

require_module("vpdq", "TVEC_REQUIRE_VIDEO", "pip install '.[video]' (needs FFmpeg dev packages)")

CLIPS = ("doorknob-hd-no-bar", "test-padded-dimensions")
#: MD5s from the vectors README.
MD5 = {
    "doorknob-hd-no-bar": "9108849f0d0bb6d3c40844f4eb72767b",
    "test-padded-dimensions": "749476eb0cd128289f0dec3e062da83c",
}
A = "f" * 64
B = "0" * 64
C = "0f" * 32
D = "f0" * 32
E = "ff00" * 16
NEAR_A = "e" + "f" * 63  # 1 bit from A


def _frames(*hexes: str, quality: int = 100) -> str:
    return format_vpdq([VPDQFrame(h, quality, float(i)) for i, h in enumerate(hexes)])


class TestVPDQ(SignalTypeContract):
    signal_type = VPDQSignal
    content_types = frozenset({VIDEO})
    valid = (
        (json.dumps([f"{A.upper()},100,0.0333333"]), json.dumps([f"{A},100,0.0333"])),
        (json.dumps([f"{A},100,0", f"{B},40,1.5"]), json.dumps([f"{A},100,0.0", f"{B},40,1.5"])),
        ("[]", "[]"),
    )
    invalid = (
        "not json",
        '{"0": "x"}',
        json.dumps([f"{A},100"]),
        json.dumps([f"{A[:-1]},100,0"]),
        json.dumps([f"{'g' * 64},100,0"]),
        json.dumps([f"{A},101,0"]),
        json.dumps([f"{A},100,-1"]),
        json.dumps([1]),
    )
    equal_pairs = (
        (_frames(A, B, C), _frames(C, B, A)),  # order does not matter
        (_frames(A, B), _frames(A, A, B, NEAR_A)),  # duplicates and near frames count once
    )
    # One of five frames on each side unmatched: 80% both ways, pytx's rule exactly met.
    near_pairs = ((_frames(A, B, C, D, E), _frames(A, B, C, D, "5a" * 32), 20),)
    far_pairs = (
        (_frames(A, B), _frames(C, D), 100),
        (_frames(A, B, C, D), _frames(A, B, "5a" * 32, "a5" * 32), 50),
        (_frames(A, B, quality=40), _frames(A, B), 100),  # below quality 50: not compared
    )


def _reference(path: Path) -> list[VPDQFrame]:
    """A reference file: ``frame_number,quality,pdq_hex,timestamp`` per line."""
    frames: list[VPDQFrame] = []
    for line in path.read_text().splitlines():
        number, quality, pdq_hex, timestamp = line.split(",")
        assert int(number) == len(frames)
        frames.append(VPDQFrame(pdq_hex, int(quality), float(timestamp)))
    return frames


def _bits(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


@pytest.fixture(scope="session")
def every_frame(vectors: Path) -> dict[str, list[VPDQFrame]]:
    """Both clips hashed at every frame (as the reference files are): about 15 s here."""
    return {clip: hash_video_file(vectors / "vpdq" / f"{clip}.mp4", 0) for clip in CLIPS}


def _still(path: Path, index: int) -> bytes:
    """Frame ``index`` of the video at ``path``, decoded by PyAV, as PNG bytes."""
    with av.open(str(path)) as container:
        for number, frame in enumerate(container.decode(video=0)):
            if number == index:
                buffer = io.BytesIO()
                frame.to_image().save(buffer, format="PNG")  # type: ignore[no-untyped-call]
                return buffer.getvalue()
    raise AssertionError(f"{path} has no frame {index}")


def _signal(frames: list[VPDQFrame]) -> SignalValue:
    return SignalValue("vpdq", format_vpdq(frames))


def _entry(entry_id: int, signal_type: str, value: str, note: str) -> _Entry:
    return _Entry(entry_id, "bank", signal_type, value, {"note": note})


@pytest.mark.parametrize("clip", CLIPS)
def test_every_good_frame_is_within_31_bits_of_the_reference(
    clip: str, vectors: Path, every_frame: dict[str, list[VPDQFrame]]
) -> None:
    reference = _reference(vectors / "vpdq" / f"{clip}.txt")
    ours = every_frame[clip]
    assert len(ours) == len(reference)
    compared = [
        _bits(mine.pdq_hex, theirs.pdq_hex)
        for mine, theirs in zip(ours, reference, strict=True)
        if mine.quality >= 50 and theirs.quality >= 50
    ]
    assert compared, "no frame of quality >= 50 on both sides"
    # Measured: doorknob 60 of 120 frames compared, worst 22 bits; padded 150 of 150, all 0.
    assert max(compared) <= 31


def test_the_128x128_reference_matches_its_full_size_clip(
    vectors: Path, every_frame: dict[str, list[VPDQFrame]]
) -> None:
    small = _reference(vectors / "vpdq" / "doorknob-hd-no-bar-128x128.txt")
    full = every_frame["doorknob-hd-no-bar"]
    query, bank = match_percentages(small, full)
    assert query >= 80 and bank >= 80  # measured: 90.3% (56 of 62) and 93.3% (56 of 60)
    matcher = Matcher([_entry(1, "vpdq", format_vpdq(full), "full size")])
    [hit] = matcher.match(_signal(small))
    assert (hit.entry_id, hit.distance) == (1, 10)  # 100 - 90.3, rounded up
    assert hit.labels["query_match_percent"] == round(query, 2)
    assert hit.labels["bank_match_percent"] == round(bank, 2)
    # The default hashing (one frame a second, as a scan does) matches the reference too.
    sampled = hash_content(
        (vectors / "vpdq" / "doorknob-hd-no-bar.mp4").read_bytes(), "d.mp4", max_pixels=10**8
    )
    value = next(s for s in sampled.signals if s.signal_type == "vpdq")
    reference_bank = Matcher([_entry(2, "vpdq", format_vpdq(small), "128x128")])
    assert [h.entry_id for h in reference_bank.match(value)] == [2]


def test_the_two_clips_do_not_match_each_other(
    every_frame: dict[str, list[VPDQFrame]],
) -> None:
    doorknob, padded = (every_frame[c] for c in CLIPS)
    assert match_percentages(doorknob, padded) == (0.0, 0.0)
    assert match_percentages(padded, doorknob) == (0.0, 0.0)
    matcher = Matcher([_entry(1, "vpdq", format_vpdq(doorknob), "doorknob")])
    assert matcher.match(_signal(padded)) == []
    assert VPDQSignal().distance(format_vpdq(doorknob), format_vpdq(padded)) == 100


@pytest.mark.parametrize("clip", CLIPS)
def test_md5_of_the_clips_is_the_readme_s(clip: str, vectors: Path) -> None:
    data = (vectors / "vpdq" / f"{clip}.mp4").read_bytes()
    result = hash_content(data, f"{clip}.mp4", max_pixels=10**8)
    assert result.error is None
    found = {s.signal_type: s.value for s in result.signals}
    assert found["md5"] == found["video_md5"] == MD5[clip]
    assert {"sha256", "vpdq"} <= set(found)


def test_an_undecodable_video_keeps_its_byte_hashes_and_reports_corrupt_media() -> None:
    result = hash_content(b"\x00\x00\x00\x18ftypmp42" + bytes(80), "x.mp4", max_pixels=10**8)
    assert {s.signal_type for s in result.signals} == {"md5", "sha256", "video_md5"}
    assert result.error is not None and result.error.kind == "corrupt_media"


def test_frame_index_equals_brute_force() -> None:
    rng = random.Random(7)

    def noisy(hex64: str, bits: int) -> str:
        value = int(hex64, 16)
        for bit in rng.sample(range(256), bits):
            value ^= 1 << bit
        return f"{value:064x}"

    base = [f"{rng.getrandbits(256):064x}" for _ in range(30)]
    videos = []
    for entry_id in range(20):
        picked = rng.sample(base, 10)
        frames = [
            VPDQFrame(noisy(h, rng.randrange(0, 40)), rng.choice((30, 60, 100)), float(i))
            for i, h in enumerate(picked)
        ]
        videos.append((entry_id, frames))
    matched = 0
    for rule in (VPDQRule(), VPDQRule(distance=20, query_percent=30, bank_percent=30)):
        index = VideoFrameIndex(videos, rule, 31)
        for _ in range(20):
            query = [
                VPDQFrame(noisy(h, rng.randrange(0, 40)), rng.choice((30, 100)), float(i))
                for i, h in enumerate(rng.sample(base, 8))
            ]
            got = {m.entry_id: (m.query_percent, m.bank_percent) for m in index.match_video(query)}
            expected = {}
            for entry_id, frames in videos:
                q, b = match_percentages(
                    query, frames, distance=rule.distance, min_quality=rule.min_quality
                )
                if q > 0 and q >= rule.query_percent and b >= rule.bank_percent:
                    expected[entry_id] = (q, b)
            assert got.keys() == expected.keys()
            for entry_id, (q, b) in expected.items():
                assert got[entry_id][0] == pytest.approx(q)
                assert got[entry_id][1] == pytest.approx(b)
            matched += len(got)
    assert matched > 0


def test_a_still_from_a_clip_matches_a_bank_made_from_the_clip(
    vectors: Path, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    clip = vectors / "vpdq" / "test-padded-dimensions.mp4"
    still = tmp_path / "still.png"
    still.write_bytes(_still(clip, 45))  # 1.5 s in: between the hashed frames at 1 s and 2 s
    assert cli("bank", "create", "videos").code == 0
    assert cli("bank", "add", "videos", clip, "--entity", "Group A").code == 0
    result = cli("match", still, "--json")
    assert result.code == 0, result.err
    [match] = json.loads(result.out)["matches"]
    assert match["signal_type"] == "pdq" and match["bank"] == "videos"
    assert match["labels"]["found_by"] == "video_frame"
    assert match["labels"]["frame_timestamp"] == 1.0
    assert match["distance"] <= 31  # measured: 20 bits
    assert is_ref(match["entry_value"])


def test_a_video_matches_an_image_bank_by_its_frames_and_a_video_bank(
    vectors: Path, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    clip = vectors / "vpdq" / "test-padded-dimensions.mp4"
    still = tmp_path / "still.png"
    still.write_bytes(_still(clip, 45))
    assert cli("bank", "create", "images").code == 0
    assert cli("bank", "add", "images", still).code == 0
    assert cli("bank", "create", "videos").code == 0
    copy = tmp_path / "copy.mp4"
    copy.write_bytes(clip.read_bytes())
    assert cli("bank", "add", "videos", copy).code == 0
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "clip.mp4").write_bytes(clip.read_bytes())
    result = cli("scan", folder, "--json", "-")
    assert result.code == 0, result.err
    found = {(m["bank"], m["signal_type"]): m for m in json.loads(result.out)["matches"]}
    by_frame = found[("images", "vpdq")]
    assert by_frame["labels"]["found_by"] == "video_frame" and by_frame["distance"] <= 31
    by_rule = found[("videos", "vpdq")]
    assert by_rule["distance"] == 0 and "found_by" not in by_rule["labels"]
    assert found[("videos", "md5")]["distance"] == 0


def test_long_videos_are_stored_by_reference_on_both_backends(
    any_store: Store, tmp_path: Path
) -> None:
    rng = random.Random(3)
    frames = [VPDQFrame(f"{rng.getrandbits(256):064x}", 100, i * 1.0) for i in range(1000)]
    value = format_vpdq(frames)  # 1000 s at one frame a second: about 75 kB
    assert len(value) > 70_000
    csv = tmp_path / "bank.csv"
    csv.write_text(write_csv([("vpdq", value, "G", None, "long")]), encoding="utf-8")
    create_bank(any_store, "long", actor="cli")
    report = import_bank(any_store, "long", csv, "csv", actor="cli")
    assert report.added == 1, report.problems
    again = import_bank(any_store, "long", csv, "csv", actor="cli")
    assert again.added == 0 and again.already_present == 1
    with any_store.session() as session:
        [stored] = session.scalars(select(BankEntry.value)).all()
        assert stored == vpdq_ref(value)
        assert session.get_one(VPDQFeatures, stored.removeprefix("sha256:")).frame_count == 1000
        matcher = Matcher.from_session(session)
    [hit] = matcher.match(_signal(frames[:100]))
    assert hit.labels["query_match_percent"] == 100 and hit.distance == 0
    assert export_bank(any_store, "long", "csv") == write_csv([("vpdq", value, "G", None, "long")])

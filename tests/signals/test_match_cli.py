"""``tvec match``: values and files looked up in banks, printed as a table or JSON."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .contract import MP4_BYTES
from .test_raw_text import DEFENSE, PREAMBLE
from .test_text_tlsh import LOWER_TLSH, PREAMBLE_TLSH
from .test_url_md5 import PYTX_URL, PYTX_URL_MD5

MP4_MD5 = "0b427f2d47e87a920fd0118039e5a931"
Cli = Callable[..., Any]


@pytest.fixture
def banked(cli: Cli, tmp_path: Path) -> Cli:
    """The CLI with two banks: 'videos' (video_md5, md5) and 'texts' (tlsh, raw_text, url_md5)."""
    videos = tmp_path / "videos.csv"
    videos.write_text(
        "signal_type,value,entity,ideology,note\n"
        f"video_md5,{MP4_MD5},Group A,ideology x,clip\n"
        f"md5,{MP4_MD5},Group A,,clip as a file\n",
        encoding="utf-8",
    )
    texts = tmp_path / "texts.csv"
    texts.write_text(
        "signal_type,value,entity,ideology,note\n"
        f"text_tlsh,{LOWER_TLSH},Group B,,manifesto\n"
        f'raw_text,"{DEFENSE}",Group B,,manifesto text\n'
        f"url_md5,{PYTX_URL_MD5},Group B,,link\n",
        encoding="utf-8",
    )
    for name, path in (("videos", videos), ("texts", texts)):
        result = cli("bank", "import", name, path, "--format", "csv", "--create")
        assert result.code == 0, result.err
    return cli


def _matches(result: Any, *, errors: tuple[str, ...] = ()) -> list[tuple[str, str, int, str]]:
    assert result.code == (1 if errors else 0), result.err
    doc = json.loads(result.out)
    assert [e["kind"] for e in doc["errors"]] == list(errors)
    return [
        (m["signal_type"], m["bank"], m["distance"], m["labels"]["note"]) for m in doc["matches"]
    ]


def test_value_match_prints_distance_bank_and_labels(banked: Cli) -> None:
    result = banked("match", "--signal-type", "text_tlsh", PREAMBLE_TLSH.lower())
    assert result.code == 0, result.err
    assert "1 match(es)" in result.out
    row = next(line for line in result.out.splitlines() if "text_tlsh" in line)
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    assert cells[1:5] == ["text_tlsh", "10", "texts", "3"]  # entry 3: after two in videos
    assert "entity=Group B" in result.out


def test_value_match_json(banked: Cli) -> None:
    result = banked("match", "-t", "video_md5", MP4_MD5.upper(), "--json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["matches"] == [
        {
            "query": MP4_MD5.upper(),
            "signal_type": "video_md5",
            "value": MP4_MD5,
            "bank": "videos",
            "entry_id": 1,
            "entry_value": MP4_MD5,
            "distance": 0,
            "labels": {"entity": "Group A", "ideology": "ideology x", "note": "clip"},
        }
    ]


def test_raw_text_value(banked: Cli) -> None:
    result = banked("match", "--signal-type", "raw_text", PREAMBLE, "--json")
    assert _matches(result) == [("raw_text", "texts", 1, "manifesto text")]


def test_url_value_matches_its_url_md5(banked: Cli) -> None:
    result = banked("match", "--signal-type", "url", PYTX_URL + "?fbclid=abc", "--json")
    assert _matches(result) == [("url_md5", "texts", 0, "link")]


def test_files_match_with_bank_filter(banked: Cli, tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(MP4_BYTES)
    note = tmp_path / "note.txt"
    note.write_text(PREAMBLE, encoding="utf-8")
    # MP4_BYTES is only an MP4 header: it has its byte hashes but no frames for vpdq (without
    # the video extra there is no vpdq stage, so no error either).
    broken = ("corrupt_media",) if importlib.util.find_spec("vpdq") else ()
    everything = _matches(banked("match", clip, note, "--json"), errors=broken)
    assert everything == [
        ("md5", "videos", 0, "clip as a file"),
        ("video_md5", "videos", 0, "clip"),
        ("text_tlsh", "texts", 10, "manifesto"),
        ("raw_text", "texts", 1, "manifesto text"),
    ]
    only_texts = _matches(banked("match", clip, note, "--bank", "texts", "--json"), errors=broken)
    assert only_texts == everything[2:]
    both = _matches(
        banked("match", clip, "--bank", "texts", "--bank", "videos", "--json"), errors=broken
    )
    assert both == everything[:2]


def test_no_match_is_exit_code_zero(banked: Cli) -> None:
    result = banked("match", "--signal-type", "md5", "0" * 32)
    assert (result.code, result.out.strip()) == (0, "no matches")
    result = banked("match", "--signal-type", "pdq", "0" * 64, "--json")
    assert result.code == 0 and json.loads(result.out) == {"matches": [], "errors": []}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--signal-type", "tmk", "abc"), "unknown signal type 'tmk'"),
        (("--signal-type", "md5", "not-a-hash"), "must be 32 hex digits"),
        (("--signal-type", "text_tlsh", "TNULL"), "'T1' followed by 70 hex digits"),
        (("--signal-type", "url", "mailto:a@example.com"), "scheme 'mailto'"),
        (("--signal-type", "md5", "0" * 32, "--bank", "nope"), "no bank named 'nope'"),
        (("no-such-file.mp4",), "no such file"),
    ],
)
def test_bad_type_value_file_or_bank_is_exit_code_2(
    banked: Cli, args: tuple[str, ...], message: str
) -> None:
    result = banked("match", *args)
    assert result.code == 2
    assert message in result.err


def test_a_corrupt_file_still_matches_what_it_can_and_exits_1(banked: Cli, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(MP4_BYTES)  # an MP4 named .jpg
    result = banked("match", broken, "--json")
    assert result.code == 1
    doc = json.loads(result.out)
    assert [m["signal_type"] for m in doc["matches"]] == ["md5"]
    assert [e["kind"] for e in doc["errors"]] == ["type_mismatch"]
    assert "broken.jpg" in result.err

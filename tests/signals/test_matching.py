"""Matching the new types: linear scans by distance, url_md5 beside url, and the lookup core."""

from __future__ import annotations

import csv
import importlib.util
import io
from pathlib import Path

import pytest

from tvec.app.context import open_context
from tvec.app.matching import lookup_values
from tvec.banks import import_bank
from tvec.errors import NotFoundError
from tvec.matching.lookup import lookup, query_for_file, query_for_value
from tvec.matching.matcher import BankHit, Matcher
from tvec.scan import run_scan
from tvec.signals import SignalValue, registry
from tvec.store import Store

from .contract import MP4_BYTES
from .test_raw_text import DEFENSE, FOX, PREAMBLE, TRUNCATED, TYPOS
from .test_text_tlsh import DEFENSE_TLSH, FOX_TLSH, LOWER_TLSH, PREAMBLE_TLSH
from .test_url_md5 import PYTX_URL, PYTX_URL_MD5

MP4_MD5 = "0b427f2d47e87a920fd0118039e5a931"


def _bank(store: Store, tmp_path: Path, name: str, rows: list[tuple[str, ...]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("signal_type", "value", "entity", "ideology", "note"))
    writer.writerows(rows)
    path = tmp_path / f"{name}.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    report = import_bank(store, name, path, "csv", create=True, actor="cli")
    assert not report.problems, report.problems


def _matcher(store: Store) -> Matcher:
    with store.session() as session:
        return Matcher.from_session(session)


def _summary(hits: list[BankHit]) -> list[tuple[str, str, int, str]]:
    return [(h.signal_type, h.entry_value, h.distance, h.labels.get("note", "")) for h in hits]


def test_raw_text_matches_by_levenshtein_percent_nearest_first(
    store: Store, tmp_path: Path
) -> None:
    _bank(
        store,
        tmp_path,
        "texts",
        [
            ("raw_text", TYPOS, "group", "", "typos"),
            ("raw_text", DEFENSE, "group", "", "defense"),
            ("raw_text", TRUNCATED, "group", "", "truncated"),
            ("raw_text", FOX, "group", "", "fox"),
        ],
    )
    query = SignalValue("raw_text", registry()["raw_text"].validate(PREAMBLE))
    hits = _matcher(store).match(query)
    canonical = registry()["raw_text"].validate
    assert _summary(hits) == [
        ("raw_text", canonical(DEFENSE), 1, "defense"),
        ("raw_text", canonical(TYPOS), 2, "typos"),
    ]


def test_text_tlsh_matches_within_30(store: Store, tmp_path: Path) -> None:
    _bank(
        store,
        tmp_path,
        "tlsh",
        [
            ("text_tlsh", LOWER_TLSH, "", "", "lower"),
            ("text_tlsh", DEFENSE_TLSH, "", "", "defense"),
            ("text_tlsh", FOX_TLSH, "", "", "fox"),
        ],
    )
    hits = _matcher(store).match(SignalValue("text_tlsh", PREAMBLE_TLSH))
    assert _summary(hits) == [
        ("text_tlsh", DEFENSE_TLSH, 5, "defense"),
        ("text_tlsh", LOWER_TLSH, 10, "lower"),
    ]


def test_linear_scan_agrees_with_the_distance_function(store: Store, tmp_path: Path) -> None:
    """The oracle: every entry of the type, compared by hand, gives the same hits."""
    values = [PREAMBLE_TLSH, DEFENSE_TLSH, LOWER_TLSH, FOX_TLSH]
    _bank(store, tmp_path, "oracle", [("text_tlsh", v, "", "", "") for v in values])
    tlsh_type = registry()["text_tlsh"]
    matcher = _matcher(store)
    for query in values:
        hits = matcher.match(SignalValue("text_tlsh", query))
        expected = sorted(
            (tlsh_type.distance(query, v), v)
            for v in values
            if tlsh_type.distance(query, v) <= tlsh_type.default_threshold
        )
        assert [(h.distance, h.entry_value) for h in hits] == expected


def test_exact_types_stay_exact(store: Store, tmp_path: Path) -> None:
    _bank(store, tmp_path, "exact", [("video_md5", MP4_MD5, "", "", "clip")])
    matcher = _matcher(store)
    assert _summary(matcher.match(SignalValue("video_md5", MP4_MD5))) == [
        ("video_md5", MP4_MD5, 0, "clip")
    ]
    assert matcher.match(SignalValue("md5", MP4_MD5)) == []
    assert matcher.match(SignalValue("video_md5", "0" * 32)) == []


def test_lookup_of_a_url_value_also_looks_up_its_url_md5(store: Store, tmp_path: Path) -> None:
    _bank(store, tmp_path, "links", [("url_md5", PYTX_URL_MD5, "group", "", "hashed link")])
    query = query_for_value("url", PYTX_URL.upper().replace("HTTPS", "hxxps") + "?utm_source=x")
    assert [s.signal_type for s in query.signals] == ["url", "url_md5"]
    found = lookup(_matcher(store), [query])
    assert [(m.signal.signal_type, m.hit.entry_value, m.hit.distance) for m in found] == [
        ("url_md5", PYTX_URL_MD5, 0)
    ]
    assert found[0].view().labels == {"entity": "group", "note": "hashed link"}


def test_lookup_of_files(store: Store, tmp_path: Path) -> None:
    _bank(
        store,
        tmp_path,
        "mixed",
        [
            ("video_md5", MP4_MD5, "", "", "clip"),
            ("raw_text", DEFENSE, "", "", "text"),
            ("url_md5", PYTX_URL_MD5, "", "", "link"),
        ],
    )
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(MP4_BYTES)
    note = tmp_path / "note.txt"
    note.write_text(PREAMBLE, encoding="utf-8")
    link = tmp_path / "link.txt"
    link.write_text(f"see {PYTX_URL} now\n", encoding="utf-8")
    paths = (clip, note, link)
    queries = [query_for_file(p, max_pixels=10**7, max_file_bytes=10**6) for p in paths]
    assert {s.signal_type for s in queries[0].signals} == {"md5", "sha256", "video_md5"}
    text_types = {"md5", "sha256", "text", "text_tlsh", "raw_text"}
    assert {s.signal_type for s in queries[1].signals} == text_types
    assert {s.signal_type for s in queries[2].signals} == text_types | {"url", "url_md5"}
    found = lookup(_matcher(store), queries)
    assert [(m.source, m.signal.signal_type, m.hit.distance) for m in found] == [
        (str(clip), "video_md5", 0),
        (str(note), "raw_text", 1),
        (str(link), "url_md5", 0),
    ]
    # MP4_BYTES is only an MP4 header: byte hashes, but no frames for vpdq (without the video
    # extra there is no vpdq stage, so no error either).
    if importlib.util.find_spec("vpdq"):
        assert queries[0].error is not None and queries[0].error.kind == "corrupt_media"
    else:
        assert queries[0].error is None
    assert all(q.error is None for q in queries[1:])


def test_lookup_of_an_unreadable_or_large_file_gives_an_error(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(100))
    query = query_for_file(big, max_pixels=10**7, max_file_bytes=99)
    assert query.signals == () and query.error is not None
    assert "over the limit of 99 bytes" in str(query.error)
    gone = query_for_file(tmp_path / "gone.bin", max_pixels=10**7, max_file_bytes=99)
    assert gone.signals == () and gone.error is not None and gone.error.kind == "missing_media"


def test_lookup_in_a_missing_bank_raises(store: Store) -> None:
    with pytest.raises(NotFoundError):
        lookup_values(open_context(store.settings, store=store), "md5", [MP4_MD5], banks=["nope"])


def test_scan_stores_url_md5_beside_url_and_matches_it(store: Store, tmp_path: Path) -> None:
    _bank(store, tmp_path, "links", [("url_md5", PYTX_URL_MD5, "group", "", "")])
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "post.txt").write_text(f"join us: {PYTX_URL}\n", encoding="utf-8")
    result = run_scan(store, [folder])
    assert [(m.signal_type, m.value) for m in result.matches] == [("url_md5", PYTX_URL_MD5)]
    assert result.counts.outlinks == 1

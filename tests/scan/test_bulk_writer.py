"""The bulk writer stores exactly what the per-item writer stores (issue 17, part 3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.core.test_scan import make_images
from tvec.banks import add_files, create_bank
from tvec.scan import run_scan
from tvec.scan.bulk import BulkWriter
from tvec.scan.matches import still_found
from tvec.settings import load_settings
from tvec.store import Store, open_store
from tvec.store.models import (
    Item,
    ItemAnalysis,
    ItemError,
    ItemIndicatorHit,
    Match,
    Outlink,
    OutlinkSighting,
    ScanItem,
    Signal,
)


def _inputs(folder: Path) -> list[Path]:
    """Images (two of them banked), a corrupt image, a text file with a link, and posts:
    plain, with a link, with an over-long URL, naming a designated entity, with media."""
    images = make_images(folder / "files", 5)
    (folder / "files" / "broken.jpg").write_bytes(b"\xff\xd8\xff not a jpeg")
    (folder / "files" / "note.txt").write_text(
        "see https://t.me/example_channel/12 and www.example.org/page\n", encoding="utf-8"
    )
    long_url = "https://example.net/" + "a" * 3000
    posts = [
        {"id": "1", "text": "news of the day, see https://example.org/1"},
        {"id": "2", "text": "a post with its link", "url": "https://t.me/example_channel"},
        {"id": "3", "text": f"too long: {long_url}"},
        {"id": "4", "text": "Analysts said a statement attributed to the I.S.K.P media wing."},
        {"id": "5", "text": "with a picture", "media": [str(images[0])]},
        {"id": "6", "text": "news of the day, see https://example.org/1"},
    ]
    with (folder / "posts.jsonl").open("w", encoding="utf-8") as out:
        for post in posts:
            out.write(json.dumps(post) + "\n")
    return images


def _dump(store: Store) -> dict[str, Any]:
    """Every stored row of a scan, with ids replaced by what they name."""
    with store.session() as session:
        locator: dict[int, str] = {
            i: loc for i, loc in session.execute(select(Item.id, Item.locator))
        }
        url: dict[int, str] = {i: u for i, u in session.execute(select(Outlink.id, Outlink.url))}

        def rows(query: Any) -> list[tuple[Any, ...]]:
            return sorted((tuple(row) for row in session.execute(query)), key=repr)

        return {
            "items": rows(
                select(
                    Item.locator,
                    Item.media_type,
                    Item.content_type,
                    Item.sha256,
                    Item.size,
                    Item.text,
                    Item.meta,
                    Item.source_id,
                    Item.posted_at,
                ).order_by(Item.locator)
            ),
            "parents": sorted(
                (locator[i], locator.get(p or 0))
                for i, p in session.execute(select(Item.id, Item.parent_id))
            ),
            "signals": sorted(
                (locator[i], t, v, q)
                for i, t, v, q in session.execute(
                    select(Signal.item_id, Signal.signal_type, Signal.value, Signal.quality)
                )
            ),
            "errors": sorted(
                (locator.get(i or 0), loc, k, m)
                for i, loc, k, m in session.execute(
                    select(ItemError.item_id, ItemError.locator, ItemError.kind, ItemError.message)
                )
            ),
            "matches": sorted(
                (locator[i], e, t, v, d)
                for i, e, t, v, d in session.execute(
                    select(
                        Match.item_id,
                        Match.bank_entry_id,
                        Match.signal_type,
                        Match.value,
                        Match.distance,
                    )
                )
            ),
            "scan_items": sorted(locator[i] for i in session.scalars(select(ScanItem.item_id))),
            "analyses": sorted(
                (locator[i], lang, langs, ocr, stages, errors)
                for i, lang, langs, ocr, stages, errors in session.execute(
                    select(
                        ItemAnalysis.item_id,
                        ItemAnalysis.primary_language,
                        ItemAnalysis.languages,
                        ItemAnalysis.ocr_text,
                        ItemAnalysis.stages,
                        ItemAnalysis.errors,
                    )
                )
            ),
            "hits": sorted(
                (locator[i], e, a, f, s, t, m)
                for i, e, a, f, s, t, m in session.execute(
                    select(
                        ItemIndicatorHit.item_id,
                        ItemIndicatorHit.entity_id,
                        ItemIndicatorHit.alias,
                        ItemIndicatorHit.field,
                        ItemIndicatorHit.span_start,
                        ItemIndicatorHit.span_end,
                        ItemIndicatorHit.matched_text,
                    )
                )
            ),
            "outlinks": rows(
                select(Outlink.url, Outlink.platform, Outlink.registrable_domain, Outlink.host)
            ),
            "sightings": sorted(
                (url[o], locator[i], s, seen)
                for o, i, s, seen in session.execute(
                    select(
                        OutlinkSighting.outlink_id,
                        OutlinkSighting.item_id,
                        OutlinkSighting.source_id,
                        OutlinkSighting.seen,
                    )
                )
            ),
        }


def _scan(tmp_path: Path, name: str, workers: int, bulk: bool, monkeypatch: Any) -> Any:
    folder = tmp_path / "in"
    if not folder.exists():
        _inputs(folder)
    settings = load_settings(
        home=tmp_path / name,
        progress=False,
        workers=workers,
        analysis_ocr=False,
    )
    store = open_store(settings)
    create_bank(store, "known", actor="cli")
    add_files(store, "known", sorted((folder / "files").glob("img-*.png"))[:2], actor="cli")
    inserted: list[int] = []
    original = BulkWriter._insert

    def counted(self: BulkWriter, session: Any, run: list[Any], counts: Any) -> None:
        inserted.append(len(run))
        original(self, session, run, counts)

    with monkeypatch.context() as patch:
        if not bulk:
            patch.setattr(BulkWriter, "_prepare", lambda self, session, raw, prepared: None)
        patch.setattr(BulkWriter, "_insert", counted)
        patch.setattr("tvec.scan.hasher.MIN_PARALLEL", 1)  # small batches use the pool too
        result = run_scan(store, [folder])
    dump = _dump(store)
    store.close()
    # Every top-level item but the post with media (children) goes through bulk inserts.
    assert sum(inserted) == (12 if bulk else 0)
    return result, dump


@pytest.mark.parametrize("workers", [1, 2])
def test_bulk_inserts_store_what_the_item_writer_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    bulk_result, bulk = _scan(tmp_path, "bulk", workers, True, monkeypatch)
    orm_result, orm = _scan(tmp_path, "orm", workers, False, monkeypatch)
    assert bulk_result.counts == orm_result.counts
    # md5, sha256 and pdq of the two banked images and of the first again as a post's media
    assert bulk_result.counts.new_matches == 9
    assert bulk_result.counts.errors >= 2  # the broken image, the long URL
    for table in orm:
        assert bulk[table] == orm[table], table
    assert bulk["sightings"] and bulk["hits"] and bulk["matches"]
    assert bulk_result.matches == orm_result.matches


PDQ_A = "f" * 64
PDQ_B = "f" * 63 + "0"  # 4 bits from PDQ_A


@pytest.mark.parametrize(
    ("found", "entry", "kept"),
    [
        (("md5", "a" * 32, 7, 0), None, None),  # the entry is gone
        (("md5", "a" * 32, 7, 0), ("md5", "a" * 32), ("md5", "a" * 32, 7, 0)),
        (("md5", "a" * 32, 7, 0), ("md5", "b" * 32), None),  # the id is another entry's
        (("md5", "a" * 32, 7, 0), ("sha256", "a" * 32), None),
        (("pdq", PDQ_A, 7, 0), ("pdq", PDQ_B), ("pdq", PDQ_A, 7, 4)),  # distance measured again
        (("pdq", PDQ_A, 7, 0), ("pdq", "0" * 64), None),
        (
            ("url", "https://t.me/x", 7, 0),
            ("url", "http://www.t.me/x/"),
            ("url", "https://t.me/x", 7, 0),
        ),
        (("vpdq", "sha256:ab", 7, 10), ("vpdq", "sha256:cd"), ("vpdq", "sha256:ab", 7, 10)),
        (("vpdq", "sha256:ab", 7, 10), ("md5", "a" * 32), None),
    ],
)
def test_a_match_is_kept_only_if_still_true_of_its_entry(
    found: tuple[str, str, int, int],
    entry: tuple[str, str] | None,
    kept: tuple[str, str, int, int] | None,
) -> None:
    assert still_found(found, entry, 31) == kept

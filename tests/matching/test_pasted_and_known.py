"""The lookup box's core: what a pasted value is (:mod:`tvec.matching.pasted`) and what tvec
already holds for it (:mod:`tvec.matching.known`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tvec.errors import UsageError
from tvec.matching.known import equivalent_outlinks, items_with_signals
from tvec.matching.pasted import MAX_PASTED, understand
from tvec.outlinks.sightings import outlink_for
from tvec.settings import load_settings
from tvec.signals import SignalValue
from tvec.store import open_store
from tvec.store.models import Item, OutlinkSighting, Signal
from tvec.store.models.cases import ReviewCase

MD5 = "0123456789abcdef0123456789abcdef"


def test_hashes_are_guessed_by_shape() -> None:
    md5 = understand(f"  {MD5.upper()}\n")
    assert md5.kind == "hash" and md5.url is None
    assert [(s.signal_type, s.value) for s in md5.signals] == [
        ("md5", MD5),
        ("video_md5", MD5),
        ("url_md5", MD5),
    ]
    long = understand("ab" * 32)
    assert [s.signal_type for s in long.signals] == ["pdq", "sha256", "text"]
    tlsh = "T1" + "A" * 70
    assert [s.signal_type for s in understand(tlsh).signals] == ["text_tlsh"]
    assert [s.signal_type for s in understand(MD5, "md5").signals] == ["md5"]


@pytest.mark.parametrize(
    "pasted",
    [
        "hxxps[:]//www.example[.]org/a/b",
        "hxxp://www.example.org/a/b",
        "https://www.example.org/a/b?utm_source=x",
        "www[dot]example[dot]org/a/b",
        "www(.)example(.)org/a/b",
    ],
)
def test_defanged_urls_are_rearmed_and_canonical(pasted: str) -> None:
    found = understand(pasted)
    assert found.kind == "url"
    assert found.url is not None and found.url.endswith("://www.example.org/a/b")
    assert [s.signal_type for s in found.signals] == ["url", "url_md5"]
    assert found.signals[0].value == found.url


@pytest.mark.parametrize(
    ("pasted", "signal_type", "problem"),
    [
        ("", None, "paste a hash or a URL"),
        ("x" * (MAX_PASTED + 1), None, f"over {MAX_PASTED}"),
        ("not a hash", None, "is neither a hash"),
        ("abc", "md5", "'abc' is not a md5 value"),
        (MD5, "nonsense", "nonsense"),
        ("hxxps[:]//", "url", "is not a URL tvec can read"),
    ],
)
def test_bad_pastes_are_refused_with_the_value_named(
    pasted: str, signal_type: str | None, problem: str
) -> None:
    with pytest.raises(UsageError) as raised:
        understand(pasted, signal_type)
    assert problem in str(raised.value)


def test_items_and_equivalent_outlinks_are_found(tmp_path: Path, db_url: str) -> None:
    store = open_store(load_settings(home=tmp_path / "home", progress=False, database_url=db_url))
    try:
        with store.session() as session:
            photo = Item(locator="file:///x/a.png", media_type="image/png", content_type="photo")
            photo.sha256 = "c" * 64
            post = Item(locator="tg:c/1", media_type="text/plain", content_type="text")
            session.add_all([photo, post])
            session.flush()
            session.add(Signal(item_id=photo.id, signal_type="md5", value=MD5))
            session.add(ReviewCase(item_id=photo.id, status="open"))
            for url in (
                "https://m.example.org/a/b/",  # equivalent: mobile host, trailing slash
                "http://example.org/a/b",  # equivalent: scheme
                "https://example.org/a/b/c",  # another path
                "https://example.org/a/B",  # the path's case is kept
                "https://other.example/a/b",  # another site
            ):
                outlink = outlink_for(session, url)
                session.add(OutlinkSighting(outlink_id=outlink.id, item_id=post.id, seen=url))
            session.flush()
            items, more = items_with_signals(
                session, [SignalValue("md5", MD5), SignalValue("sha256", "c" * 64)]
            )
            assert not more
            assert [(i.locator, i.signal_type, [c.status for c in i.cases]) for i in items] == [
                ("file:///x/a.png", "md5", ["open"])
            ]
            links, more = equivalent_outlinks(session, understand("www.example.org/a/b").url or "")
            assert not more
            assert sorted(o.url for o in links) == [
                "http://example.org/a/b",
                "https://m.example.org/a/b/",
            ]
            assert all(o.sightings == 1 and o.item_ids == [post.id] for o in links)
            none, _ = items_with_signals(session, [SignalValue("md5", "f" * 32)])
            assert none == []
    finally:
        store.close()


def test_bank_entry_pages_filter_by_label_and_signal_type(tmp_path: Path, db_url: str) -> None:
    from tvec.banks.browse import bank_entries, bank_summaries
    from tvec.store.models import Bank, BankEntry

    store = open_store(load_settings(home=tmp_path / "home", progress=False, database_url=db_url))
    try:
        with store.session() as session:
            bank = Bank(name="b")
            session.add(bank)
            session.flush()
            session.add_all(
                BankEntry(
                    bank_id=bank.id,
                    signal_type="md5" if i % 2 else "url",
                    value=f"{i:032x}" if i % 2 else f"https://example.org/{i}",
                    entity="100% Front" if i < 3 else "Other_Group",
                    source="GIFCT" if i < 5 else None,
                )
                for i in range(7)
            )
            session.flush()
            page = bank_entries(session, "b", label="100%", per_page=2)
            assert (page.matching, page.pages, [e.id for e in page.entries]) == (3, 2, [3, 2])
            assert bank_entries(session, "b", label="r_g").matching == 4  # _ is not a wildcard
            assert bank_entries(session, "b", label="0% f").matching == 3  # case-insensitive
            urls = bank_entries(session, "b", signal_type="url", page=9, per_page=3)
            assert (urls.matching, urls.page, len(urls.entries)) == (4, 2, 1)
            (summary,) = bank_summaries(session)
            assert (summary.counts, summary.total, summary.sources) == (
                {"md5": 3, "url": 4},
                7,
                ["GIFCT"],
            )
            with pytest.raises(UsageError, match="page 0 is not a page number"):
                bank_entries(session, "b", page=0)
    finally:
        store.close()

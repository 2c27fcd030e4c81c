"""URLs longer than PostgreSQL can index (about 2,700 bytes a btree row): a scan records
an error on the item and goes on, and people naming such a URL get a usage error."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tvec.errors import UsageError
from tvec.orders.intake import order_urls
from tvec.outlinks.sightings import MAX_OUTLINK_BYTES
from tvec.scan import run_scan
from tvec.signals.url_md5 import url_md5_signal
from tvec.store import Store
from tvec.store.models import Item, ItemError, Outlink, Signal
from tvec.verification.attribution import attribute_url

LONG = "https://files.example.org/" + "a" * 3000


def test_a_scan_keeps_going_past_a_url_too_long_to_index(any_store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "long.txt").write_text(f"mirror {LONG}\n", encoding="utf-8")
    (folder / "ok.txt").write_text("see https://files.fm/u/abc\n", encoding="utf-8")
    result = run_scan(any_store, [folder])
    assert result.counts.items == 2
    with any_store.session() as session:
        assert list(session.scalars(select(Outlink.url))) == ["https://files.fm/u/abc"]
        (error,) = session.scalars(select(ItemError)).all()
        assert error.kind == "invalid_signal"
        assert f"a URL of {len(LONG):,} bytes" in error.message
        assert f"{MAX_OUTLINK_BYTES:,}-byte limit of out-links" in error.message
        item = session.scalars(select(Item).where(Item.locator.like("%long.txt"))).one()
        kinds = {
            s.signal_type: s.value
            for s in session.scalars(select(Signal).where(Signal.item_id == item.id))
        }
        assert "url" not in kinds
        assert kinds["url_md5"] == url_md5_signal(LONG).value  # still matches URL banks


def test_people_naming_a_url_too_long_get_a_usage_error(any_store: Store) -> None:
    with any_store.session() as session, pytest.raises(UsageError, match="at most 2,048 bytes"):
        attribute_url(session, LONG, "islamic-state", actor="alice", settings=any_store.settings)
    with pytest.raises(UsageError, match="longer than 2,048 bytes"):
        order_urls([LONG])
